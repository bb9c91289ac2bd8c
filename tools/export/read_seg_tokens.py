"""Dump READ's seg-token tensors for a ReasonSeg split as .npz bundles (Tessera `seg-token`).

Runs READ's own evaluation path (https://github.com/rui-qian/READ, `train_read.py --eval_only`):
its TestReasoningDataset (cv2 decode, CLIP + SAM preprocessing, the llava_v1 prompt with
"... Please output segmentation mask." and the answer "Sure, the segmentation result is [SEG]."),
collate_fn_val (`<image>` becomes `<im_start><image><im_end>`), bf16 as READ runs it, and
`READForCausalLM.model_forward(inference=True)`. Nothing is recomputed here: the tensors are the
ones READ itself hands on, captured by wrapping two of its methods.

Per image, <image stem>.npz (the image's first conversation: text[0], the one READ scores; a
further conversation k, e.g. a false-premise question, goes to <stem>_<k>.npz) holds:
    image_hidden   [1,576,C]  last-layer hidden states of the image tokens: the `num_patches` rows
                              right after `<im_start>` (READ.similarity_as_points)
    seg_hidden     [1,1,C]    the hidden state READ uses as the <SEG> token: `seg_token_mask`
                              marks the position BEFORE [SEG] in the image-expanded sequence
                              (input_ids[:, 1:] == seg_token_idx, padded by num_patches-1 on the left)
    seg_embeds     [1,1,256]  text_hidden_fcs applied at that same position: the text embedding READ
                              feeds SAM's prompt encoder
    read_similarity [576]     READ's similarity map (computed by READ in bf16), for checking
    read_points    [N,2]      READ's SasP points (x, y in original image pixels) and
    read_labels    [N]        their labels (1 / 0 / -1), exactly as READ passes them to SAM
    read_mask      [H,W]      READ's predicted mask (pred_masks > 0), uint8
All float tensors are READ's bf16 values widened to float32 (exact).

Run from a READ checkout with its environment and a CUDA GPU (READ's model_forward calls .cuda()):
    cd READ && python /path/to/read_seg_tokens.py --version ./READ-LLaVA-v1.5-7B-for-ReasonSeg-valset \
        --vision-tower ../dataset/clip-vit-large-patch14-336 --dataset-dir ../dataset --split val --out bundles/
(dataset layout as READ's: DATASET_DIR/reason_seg/ReasonSeg/<split>/<name>.jpg + <name>.json)
"""
import argparse
import os
import sys
from functools import partial

import numpy as np
import torch

sys.path.insert(0, os.getcwd())  # READ's checkout

from dataloaders.test_dataset import TestReasoningDataset, collate_fn_test  # READ
from model.READ import load_pretrained_model_READ  # READ
from model.llava import conversation as conversation_lib  # READ
from utils import prepare_input  # READ


def f32(t):
    return t.detach().float().cpu().numpy()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--version", required=True, help="READ checkpoint folder (e.g. READ-LLaVA-v1.5-7B-for-ReasonSeg-valset)")
    p.add_argument("--vision-tower", default="openai/clip-vit-large-patch14-336")
    p.add_argument("--dataset-dir", required=True, help="READ's dataset root (holds reason_seg/ReasonSeg/<split>)")
    p.add_argument("--split", default="val")
    p.add_argument("--image-size", type=int, default=1024)
    p.add_argument("--model-max-length", type=int, default=2048)
    p.add_argument("--conv-type", default="llava_v1")
    p.add_argument("--out", required=True)
    a = p.parse_args()

    conversation_lib.default_conversation = conversation_lib.conv_templates[a.conv_type]  # as train_read.py
    tokenizer, model, vision_tower, _ = load_pretrained_model_READ(
        model_path=a.version, vision_tower=a.vision_tower, model_max_length=a.model_max_length)
    vision_tower = vision_tower.to(torch.bfloat16)  # READ evaluates in bf16 (test_read.py, train_read.py --precision)
    model = model.to(torch.bfloat16).eval()
    num_patches = model.get_vision_tower().num_patches

    captured = {}
    similarity_as_points = model.similarity_as_points
    generate_pred_masks = model.generate_pred_masks

    def spy_similarity(output_hidden_states, seg_token_mask, offset, input_ids, *rest):
        points, labels = similarity_as_points(output_hidden_states, seg_token_mask, offset, input_ids, *rest)
        captured.update(hidden=output_hidden_states, seg_token_mask=seg_token_mask, input_ids=input_ids,
                        points=points, labels=labels)
        return points, labels

    def spy_masks(pred_embeddings, *rest, **kw):
        captured["pred_embeddings"] = pred_embeddings
        return generate_pred_masks(pred_embeddings, *rest, **kw)

    model.similarity_as_points = spy_similarity
    model.generate_pred_masks = spy_masks

    dataset = TestReasoningDataset(a.dataset_dir, vision_tower.image_processor, a.image_size, datasetname="ReasonSeg",
                                   train_test_split=a.split, eval_only=True, conversation_records={})
    collate = partial(collate_fn_test, tokenizer=tokenizer,
                      use_mm_start_end=getattr(model.config, "mm_use_im_start_end", False))
    os.makedirs(a.out, exist_ok=True)
    for idx in range(len(dataset)):
        batch = collate([dataset[idx]])
        stem = os.path.splitext(os.path.basename(batch["image_paths"][0]))[0]
        input_dict = prepare_input(batch, "bf16", is_cuda=True)
        captured.clear()
        with torch.no_grad():
            out = model.model_forward(**input_dict)
        hidden, mask, ids = captured["hidden"], captured["seg_token_mask"], captured["input_ids"]
        # READ.similarity_as_points: rows with exactly one [SEG]; image tokens follow the first <im_start>.
        image_rows = hidden[mask.int().sum(-1) == 1]
        im_start = torch.where(ids == model.default_im_start_token_idx)[1][0].item()
        seg_hidden = hidden[mask]
        seg_embeds = torch.cat(captured["pred_embeddings"], dim=0)  # text_hidden_fcs(hidden)[seg_token_mask]
        pred = (out["pred_masks"][0] > 0)
        for k in range(image_rows.shape[0]):
            image_hidden = image_rows[k:k + 1, im_start + 1:im_start + 1 + num_patches]
            seg_k = seg_hidden[k:k + 1]
            # READ.compute_similarity_map with one text feature: softmax weight 1, so a dot product (in bf16).
            sim = model.compute_similarity_map(image_hidden, seg_k)[0, :, 0]
            name = stem if k == 0 else f"{stem}_{k}"
            np.savez(os.path.join(a.out, name + ".npz"),
                     image_hidden=f32(image_hidden), seg_hidden=f32(seg_k[None]), seg_embeds=f32(seg_embeds[k:k + 1][None]),
                     read_similarity=f32(sim), read_points=f32(captured["points"][k]),
                     read_labels=f32(captured["labels"][k]), read_mask=pred[k].cpu().numpy().astype(np.uint8))
            print(name, tuple(image_hidden.shape), "points", tuple(captured["points"][k].shape), flush=True)


if __name__ == "__main__":
    main()
