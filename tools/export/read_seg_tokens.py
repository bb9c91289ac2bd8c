"""Dump READ / LISA seg-token tensors for a ReasonSeg split as .npz bundles (Tessera `seg-token`).

Per sample (image + text[0]) writes <image stem>.npz with
    image_hidden [1,G,C]  last-layer hidden states of the image tokens (G = 24*24 for CLIP-L/14-336)
    seg_hidden   [1,S,C]  last-layer hidden state at the [SEG] position minus one (READ model/READ.py)
    seg_embeds   [1,S,256] the projected [SEG] embedding fed to SAM's decoder as text embeddings
An LLM forward pass cannot be an ONNX graph Tessera runs on a workstation, so the tensors are
precomputed here. Run inside a checkout of https://github.com/rui-qian/READ with its environment.
Cannot run in Tessera's development environment (no torch there).
"""
import argparse
import glob
import json
import os

import numpy as np
import torch

from model.READ import READForCausalLM  # READ's model
from model.llava import conversation as conversation_lib
from model.llava.mm_utils import tokenizer_image_token
from transformers import AutoTokenizer, CLIPImageProcessor
from PIL import Image


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--reasonseg-dir", required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    tok = AutoTokenizer.from_pretrained(a.model, use_fast=False)
    seg_idx = tok("[SEG]", add_special_tokens=False).input_ids[0]
    model = READForCausalLM.from_pretrained(a.model, torch_dtype=torch.float16, seg_token_idx=seg_idx).cuda().eval()
    clip = CLIPImageProcessor.from_pretrained(model.config.vision_tower)
    os.makedirs(a.out, exist_ok=True)
    for js in sorted(glob.glob(os.path.join(a.reasonseg_dir, "*.json"))):
        meta = json.load(open(js))
        stem = os.path.splitext(os.path.basename(js))[0]
        image = Image.open(os.path.join(a.reasonseg_dir, stem + ".jpg")).convert("RGB")
        conv = conversation_lib.conv_templates["llava_v1"].copy()
        conv.append_message(conv.roles[0], "<image>\n" + meta["text"][0] + " Please output segmentation mask.")
        conv.append_message(conv.roles[1], "[SEG].")
        ids = tokenizer_image_token(conv.get_prompt(), tok, return_tensors="pt").unsqueeze(0).cuda()
        pix = clip.preprocess(image, return_tensors="pt")["pixel_values"].half().cuda()
        with torch.no_grad():
            out = model.model_forward_hidden(images_clip=pix, input_ids=ids)  # READ's helper returning hidden states
        hidden = out.hidden_states[-1][0]
        seg_pos = (ids[0] == seg_idx).nonzero().flatten() + 575  # image tokens expand the <image> placeholder
        image_hidden = hidden[1:577].float().cpu().numpy()[None]
        seg_hidden = hidden[seg_pos - 1].float().cpu().numpy()[None]
        seg_embeds = model.model.text_hidden_fcs[0](hidden[seg_pos]).float().cpu().numpy()[None]
        np.savez(os.path.join(a.out, stem + ".npz"), image_hidden=image_hidden, seg_hidden=seg_hidden, seg_embeds=seg_embeds)
        print(stem, image_hidden.shape, seg_hidden.shape, seg_embeds.shape)


if __name__ == "__main__":
    main()
