"""CAM quality sweep the way IRN's eval_cam.py / ToCo score saved CAM dicts, for every background
threshold: load each <stem>.npz (keys, high_res) and its GT PNG, pad a background channel of value t
in front, argmax, keys + 1, np.bincount confusion (GT 255 ignored); mIoU over GT classes. The
end-to-end anchor of `npm run bench -- cam-sweep` (timed as a whole process by the bench).

usage: python3 eval_cam_numpy.py GT_DIR CAM_DIR NUM_CLASSES -> {"images", "miou": [per threshold]}
"""
import json, os, sys
import numpy as np
from PIL import Image

gt_dir, cam_dir, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
thresholds = [i * 5 / 100 for i in range(20)]
hists = [np.zeros((n, n)) for _ in thresholds]
files = sorted(f for f in os.listdir(cam_dir) if f.endswith(".npz"))
for f in files:
    d = np.load(os.path.join(cam_dir, f))
    keys = np.pad(d["keys"] + 1, (1, 0), mode="constant")
    cams = d["high_res"]
    gt = np.array(Image.open(os.path.join(gt_dir, f[:-4] + ".png")))
    k = gt < n
    g = gt[k].astype(np.int64)
    for h, t in zip(hists, thresholds):
        padded = np.pad(cams, ((1, 0), (0, 0), (0, 0)), mode="constant", constant_values=t)
        label = keys[np.argmax(padded, axis=0)]
        h += np.bincount(n * g + label[k], minlength=n * n).reshape(n, n)
miou = []
for h in hists:
    with np.errstate(divide="ignore", invalid="ignore"):
        iu = np.diag(h) / (h.sum(axis=1) + h.sum(axis=0) - np.diag(h))
    valid = h.sum(axis=1) > 0
    miou.append(float(np.nanmean(iu[valid])) if valid.any() else None)
print(json.dumps({"images": len(files), "miou": miou}))
