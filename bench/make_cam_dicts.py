"""Writes ToCo-like CAM dicts for `npm run bench -- cam-sweep`: for the first N ground-truth PNGs of
GT_DIR, <stem>.npz with keys (0-based foreground classes of the GT, as ToCo saves them) and high_res
[K,H,W] float32 (the class's mask smoothed by a 16-px box along rows and columns, plus noise), i.e.
np.savez of the dict ToCo's infer step np.save's.

usage: python3 make_cam_dicts.py GT_DIR OUT_DIR N
"""
import os, sys
import numpy as np
from PIL import Image

gt_dir, out, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(5)
for name in sorted(f[:-4] for f in os.listdir(gt_dir) if f.endswith(".png"))[:count]:
    g = np.array(Image.open(os.path.join(gt_dir, name + ".png")))
    classes = [c for c in np.unique(g) if c not in (0, 255)]
    cams = np.empty((len(classes), g.shape[0], g.shape[1]), np.float32)
    for k, c in enumerate(classes):
        m = (g == c).astype(np.float32)
        for ax in (0, 1):
            cs = np.cumsum(np.pad(m, [(8, 8) if a == ax else (0, 0) for a in (0, 1)]), axis=ax)
            m = (np.take(cs, range(16, cs.shape[ax]), axis=ax) - np.take(cs, range(0, cs.shape[ax] - 16), axis=ax)) / 16
        cams[k] = np.clip(m * 0.9 + rng.random(m.shape, dtype=np.float32) * 0.25, 0, 1)
    np.savez(os.path.join(out, name + ".npz"), keys=np.array(classes, np.int64) - 1, high_res=cams)
