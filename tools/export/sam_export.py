"""Export SAM's image encoder and the official ONNX decoder to Tessera's `prompt-decoder` contract.

Decoder: segment-anything's own SamOnnxModel (scripts/export_onnx_model.py), i.e. inputs
image_embeddings [1,256,64,64], point_coords [1,N,2], point_labels [1,N], mask_input [1,1,256,256],
has_mask_input [1], orig_im_size [2]; outputs masks, iou_predictions, low_res_masks.
Encoder: image [1,3,1024,1024] (longest side 1024, zero-padded, ImageNet-normalized) -> image_embeddings.
Cannot run in Tessera's development environment (no torch there).
"""
import argparse
import json
import os

import torch
from segment_anything import sam_model_registry
from segment_anything.utils.onnx import SamOnnxModel


class Encoder(torch.nn.Module):
    def __init__(self, sam):
        super().__init__()
        self.image_encoder = sam.image_encoder

    def forward(self, image):
        return self.image_encoder(image)  # normalization and padding are done by Tessera's preprocessing


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--model-type", default="vit_h")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    sam = sam_model_registry[a.model_type](checkpoint=a.checkpoint).eval()
    os.makedirs(a.out, exist_ok=True)
    torch.onnx.export(Encoder(sam), (torch.zeros(1, 3, 1024, 1024),), os.path.join(a.out, "sam_encoder.onnx"),
                      input_names=["image"], output_names=["image_embeddings"], opset_version=17)
    onnx_model = SamOnnxModel(sam, return_single_mask=True)
    dummy = {
        "image_embeddings": torch.randn(1, 256, 64, 64),
        "point_coords": torch.randint(0, 1024, (1, 5, 2), dtype=torch.float),
        "point_labels": torch.randint(0, 4, (1, 5), dtype=torch.float),
        "mask_input": torch.randn(1, 1, 256, 256),
        "has_mask_input": torch.tensor([1], dtype=torch.float),
        "orig_im_size": torch.tensor([1500, 2250], dtype=torch.float),
    }
    torch.onnx.export(onnx_model, tuple(dummy.values()), os.path.join(a.out, "sam_decoder.onnx"),
                      input_names=list(dummy.keys()), output_names=["masks", "iou_predictions", "low_res_masks"],
                      dynamic_axes={"point_coords": {1: "num_points"}, "point_labels": {1: "num_points"}}, opset_version=17)
    manifest = {
        "name": "sam-" + a.model_type, "kind": "prompt-decoder",
        "files": {"model": "sam_decoder.onnx", "encoder": "sam_encoder.onnx"},
        "input": {"tensor": "image", "policy": "longest-side-pad", "size": [1024, 1024], "mean": [123.675, 116.28, 103.53],
                  "std": [58.395, 57.12, 57.375], "range": [0, 255], "channel_order": "RGB"},
        "outputs": {"masks": "masks", "iou_predictions": "iou_predictions", "low_res_masks": "low_res_masks"},
        "params": {"encoder": {"file": "encoder", "input": "image", "output": "image_embeddings"}, "mask_threshold": 0.0},
        "execution_providers": ["cuda", "cpu"],
    }
    with open(os.path.join(a.out, "sam.manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)


if __name__ == "__main__":
    main()
