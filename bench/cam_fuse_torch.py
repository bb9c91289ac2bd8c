"""ToCo's CAM fusion in torch, the way utils/camutils.py multi_scale_cam2 does it after the model:
per scale F.interpolate of the [image, flipped image] CAM pair to 448x448 (bilinear,
align_corners=False), max with the flipped one flipped back, ReLU, sum over scales, then per class
cam - min, / (max + 1e-5). The anchor of `npm run bench -- cam-fuse`.

usage: python3 cam_fuse_torch.py DIR THREADS   (DIR/index.json: items [[npy per scale, [2,C,h,w]]], size)
prints one JSON line: images, seconds (the fusion only, tensors already loaded), sha256 of the fused bytes.
"""
import hashlib, json, os, sys, time
import numpy as np
import torch
import torch.nn.functional as F

root = sys.argv[1]
torch.set_num_threads(int(sys.argv[2]))
index = json.load(open(os.path.join(root, "index.json")))
size = tuple(index["size"])
items = [[torch.from_numpy(np.load(os.path.join(root, f))) for f in scales] for scales in index["items"]]


def fuse(scales):
    cam_list = []
    for pair in scales:
        _cam = F.interpolate(pair, size=size, mode="bilinear", align_corners=False)
        _cam = torch.max(_cam[:1, ...], _cam[1:, ...].flip(-1))
        cam_list.append(F.relu(_cam))
    cam = torch.sum(torch.stack(cam_list, dim=0), dim=0)
    cam = cam + F.adaptive_max_pool2d(-cam, (1, 1))
    cam /= F.adaptive_max_pool2d(cam, (1, 1)) + 1e-5
    return cam


with torch.no_grad():
    fuse(items[0])
    t0 = time.perf_counter()
    fused = [fuse(s) for s in items]
    seconds = time.perf_counter() - t0
digest = hashlib.sha256()
for f in fused:
    digest.update(f.contiguous().numpy().astype(np.float32).tobytes())
print(json.dumps({"images": len(items), "seconds": seconds, "sha256": digest.hexdigest()}))
