"""CAM quality sweep the way ToCo scores CAMs (utils/camutils.py cam_to_label + utils/evaluate.py scores):
per image the highest CAM score and its class, then at each background threshold t a pseudo label
(background where the highest score <= t) and an np.bincount confusion against the GT (255 ignored);
mIoU over the classes present in the GT. The anchor of `npm run bench -- cam-sweep`. The per-image
max/argmax is done once, not once per threshold (the fastest way to write it in numpy).

usage: python3 cam_sweep_numpy.py DIR   (DIR/index.json: classes, thresholds, items [{cam, gt, keys, height, width}])
prints one JSON line: images, seconds (the sweep, files already loaded), miou (per threshold).
"""
import json, os, sys, time
import numpy as np

root = sys.argv[1]
index = json.load(open(os.path.join(root, "index.json")))
n = index["classes"]
thresholds = index["thresholds"]
items = []
for it in index["items"]:
    cam = np.load(os.path.join(root, it["cam"]))
    gt = np.fromfile(os.path.join(root, it["gt"]), dtype=np.uint8).reshape(it["height"], it["width"])
    items.append((cam, np.array(it["keys"], dtype=np.int64), gt))
t0 = time.perf_counter()
hists = [np.zeros((n, n)) for _ in thresholds]
for cam, keys, gt in items:
    if len(keys) == 0:
        top = np.full(gt.shape, -np.inf, dtype=np.float32)
        label_fg = np.zeros(gt.shape, dtype=np.int64)
    else:
        top = cam.max(axis=0)
        label_fg = keys[cam.argmax(axis=0)]
    k = gt < n
    g = gt[k].astype(np.int64)
    for h, t in zip(hists, thresholds):
        label = np.where(top <= np.float32(t), 0, label_fg)
        h += np.bincount(n * g + label[k], minlength=n * n).reshape(n, n)
seconds = time.perf_counter() - t0
miou = []
for h in hists:
    with np.errstate(divide="ignore", invalid="ignore"):
        iu = np.diag(h) / (h.sum(axis=1) + h.sum(axis=0) - np.diag(h))
    valid = h.sum(axis=1) > 0
    miou.append(float(np.nanmean(iu[valid])) if valid.any() else None)
print(json.dumps({"images": len(items), "seconds": seconds, "miou": miou}))
