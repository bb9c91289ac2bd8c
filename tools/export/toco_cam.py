"""Export a ToCo (CVPR 2023) checkpoint to Tessera's `cam` contract.

    image [1,3,H,W] (ImageNet-normalized 0-255 RGB, dynamic H/W multiple of 16)
      -> cam [1,C-1,H/16,W/16]   raw CAM: final patch tokens x classifier weights (no ReLU)
      -> cls_logits [1,C-1]      the classification head's logits

Run inside a checkout of https://github.com/rulixiang/ToCo (its `model/` package on PYTHONPATH).
Cannot run in Tessera's development environment (no torch there).
"""
import argparse
import json
import os

import torch
import torch.nn.functional as F

from model.model_seg_neg import network  # ToCo's model definition

VOC = ["background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
       "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor"]


class CamHead(torch.nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, image):
        # model_seg_neg.network.forward(cam_only=True) computes exactly this; spelled out to fix the outputs.
        cls_token, _x, x_aux = self.net.encoder.forward_features(image)
        h, w = image.shape[-2] // self.net.encoder.patch_size, image.shape[-1] // self.net.encoder.patch_size
        _x4 = self.net.to_2D(_x, h, w)
        cam = F.conv2d(_x4, self.net.classifier.weight)
        cls_logits = self.net.classifier(self.net.pooling(_x4, (1, 1))).view(-1, self.net.num_classes - 1)
        return cam, cls_logits


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--backbone", default="vit_base_patch16_224")
    p.add_argument("--num-classes", type=int, default=21)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    net = network(backbone=a.backbone, pretrained=False, num_classes=a.num_classes, init_momentum=0.9, aux_layer=-3)
    state = torch.load(a.checkpoint, map_location="cpu")
    net.load_state_dict(state.get("model", state), strict=True)
    net.eval()
    os.makedirs(a.out, exist_ok=True)
    onnx_path = os.path.join(a.out, "toco_cam.onnx")
    dummy = torch.zeros(1, 3, 448, 448)
    torch.onnx.export(CamHead(net), (dummy,), onnx_path, input_names=["image"], output_names=["cam", "cls_logits"],
                      dynamic_axes={"image": {2: "H", 3: "W"}, "cam": {2: "h", 3: "w"}}, opset_version=17)
    names = VOC if a.num_classes == 21 else ["background"] + [f"class_{i}" for i in range(1, a.num_classes)]
    manifest = {
        "name": "toco-" + a.backbone, "kind": "cam", "files": {"model": "toco_cam.onnx"},
        "input": {"tensor": "image", "policy": "resize", "size": [448, 448], "mean": [123.675, 116.28, 103.53],
                  "std": [58.395, 57.12, 57.375], "range": [0, 255], "channel_order": "RGB"},
        "outputs": {"cam": "cam", "cls_logits": "cls_logits"},
        "classes": {"names": names, "background": 0},
        "params": {"patch_size": 16, "cam_channels": "foreground", "scales": [1.0, 0.5, 1.5], "flip": True,
                   "bg_threshold": 0.5 if a.num_classes == 21 else 0.45, "three_band": {"high": 0.7, "low": 0.25}},
        "execution_providers": ["cuda", "cpu"],
    }
    with open(os.path.join(a.out, "toco_cam.manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    print("wrote", onnx_path)


if __name__ == "__main__":
    main()
