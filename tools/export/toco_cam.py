"""Export a ToCo (CVPR 2023) checkpoint to Tessera's `cam` contract.

    image [N,3,H,W] (0-255 RGB normalized with ImageNet mean/std; dynamic N, H, W; H, W multiples of 16)
      -> cam [N,C-1,H/16,W/16]   raw CAM: F.conv2d(patch tokens, classifier.weight), no ReLU
      -> cls_logits [N,C-1]      the classification head: classifier(adaptive_max_pool2d(tokens))

Follows ToCo's own inference code (https://github.com/rulixiang/ToCo):
- the model is built as tools/infer_cam.py builds it: `network(backbone, num_classes, pretrained=False,
  aux_layer=-3)`;
- checkpoints are what scripts/dist_train_*_seg_neg.py saves, `torch.save(model.state_dict())` of a
  DistributedDataParallel model, so every key carries a `module.` prefix; it is removed exactly as
  tools/infer_cam.py does (`k.replace('module.', '')`);
- `cam` is model/model_seg_neg.py `network.forward(x, cam_only=True)`'s `cam` (`--cam aux`: its
  `cam_aux`, from the aux layer and aux_classifier), and `cls_logits` is the same forward's `cls_x4`
  (`cls_aux`). Multi-scale + flip fusion, ReLU and min-max (utils/camutils.py multi_scale_cam2) are
  NOT in the graph: Tessera applies them itself, so its stored per-scale outputs stay raw.
- the batch axis is dynamic because multi_scale_cam2 runs an image and its flip as one batch.

Run with ToCo's checkout on PYTHONPATH (its `model/` package and its timm dependency):
    PYTHONPATH=/path/to/ToCo python toco_cam.py --checkpoint ckpt.pth --out out/
Verified against ToCo's own multi_scale_cam2 by tools/export/verify/toco_parity.py (see README).
"""
import argparse
import json
import os
from collections import OrderedDict

import torch
import torch.nn.functional as F

from model.model_seg_neg import network  # ToCo's model definition

VOC = ["background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
       "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor"]


class CamHead(torch.nn.Module):
    """model_seg_neg.network.forward, keeping the CAM (cam_only=True branch) and the class logits."""

    def __init__(self, net, aux):
        super().__init__()
        self.net = net
        self.aux = aux

    def forward(self, image):
        net = self.net
        _cls_token, _x, x_aux = net.encoder.forward_features(image)
        h, w = image.shape[-2] // net.encoder.patch_size, image.shape[-1] // net.encoder.patch_size
        if self.aux:
            tokens, classifier = net.to_2D(x_aux, h, w), net.aux_classifier
        else:
            tokens, classifier = net.to_2D(_x, h, w), net.classifier
        cam = F.conv2d(tokens, classifier.weight)
        cls_logits = classifier(net.pooling(tokens, (1, 1))).view(-1, net.num_classes - 1)
        return cam, cls_logits


def load_toco_state(path):
    """ToCo's checkpoint loading (tools/infer_cam.py): strip `module.` from every key."""
    trained = torch.load(path, map_location="cpu")
    if isinstance(trained, dict) and "model" in trained and isinstance(trained["model"], dict):
        trained = trained["model"]
    state = OrderedDict()
    for k, v in trained.items():
        state[k.replace("module.", "")] = v
    return state


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--checkpoint", required=True, help="ToCo checkpoint (.pth, as saved by dist_train_*_seg_neg.py)")
    p.add_argument("--backbone", default="vit_base_patch16_224", help="ToCo backbone name (model/backbone)")
    p.add_argument("--num-classes", type=int, default=21, help="21 for VOC, 81 for COCO (background included)")
    p.add_argument("--cam", choices=["final", "aux"], default="final", help="ToCo's CAM (final layer) or its aux CAM")
    p.add_argument("--size", type=int, default=448, help="working size: ToCo resizes every image to 448x448")
    p.add_argument("--opset", type=int, default=17)
    p.add_argument("--out", required=True)
    a = p.parse_args()

    net = network(backbone=a.backbone, num_classes=a.num_classes, pretrained=False, aux_layer=-3)
    result = net.load_state_dict(load_toco_state(a.checkpoint), strict=False)  # ToCo loads with strict=False
    # ToCo only prints the result; a key the CAM needs that is missing would silently stay random, so refuse.
    needed = [k for k in result.missing_keys if k.startswith(("encoder.", "classifier.", "aux_classifier."))]
    if needed:
        raise SystemExit(f"checkpoint lacks {len(needed)} weights the CAM needs, e.g. {needed[:5]}")
    if result.missing_keys or result.unexpected_keys:
        print("not used by the CAM:", result)
    net.eval()

    os.makedirs(a.out, exist_ok=True)
    onnx_path = os.path.join(a.out, "toco_cam.onnx")
    dummy = torch.zeros(2, 3, a.size, a.size)
    with torch.no_grad():
        torch.onnx.export(CamHead(net, a.cam == "aux"), (dummy,), onnx_path, input_names=["image"],
                          output_names=["cam", "cls_logits"], opset_version=a.opset,
                          dynamic_axes={"image": {0: "N", 2: "H", 3: "W"}, "cam": {0: "N", 2: "h", 3: "w"},
                                        "cls_logits": {0: "N"}})
    coco = a.num_classes == 81
    names = VOC if a.num_classes == 21 else ["background"] + [f"class_{i}" for i in range(1, a.num_classes)]
    manifest = {
        "name": f"toco-{a.backbone}" + ("-aux" if a.cam == "aux" else ""),
        "kind": "cam",
        "files": {"model": "toco_cam.onnx"},
        # datasets/voc.py + tools/infer_cam.py: RGB uint8, normalize_img (mean/std in 0-255 units),
        # then F.interpolate to 448x448, bilinear, align_corners=False.
        "input": {"tensor": "image", "policy": "resize", "size": [a.size, a.size], "mean": [123.675, 116.28, 103.53],
                  "std": [58.395, 57.12, 57.375], "range": [0, 255], "channel_order": "RGB"},
        "outputs": {"cam": "cam", "cls_logits": "cls_logits"},
        "classes": {"names": names, "background": 0},
        # scripts/dist_train_{voc,coco}_seg_neg.py defaults: cam_scales, bkg_thre, high_thre, low_thre.
        "params": {"patch_size": 16, "cam_channels": "foreground", "scales": [1.0, 0.5, 1.5], "flip": True,
                   "bg_threshold": 0.45 if coco else 0.5,
                   "three_band": {"high": 0.65 if coco else 0.7, "low": 0.25}},
        "execution_providers": ["cuda", "cpu"],
    }
    with open(os.path.join(a.out, "toco_cam.manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    print("wrote", onnx_path, "and toco_cam.manifest.json")


if __name__ == "__main__":
    main()
