"""ToCo-style evaluation (utils/evaluate.py): PIL read of each ground-truth and prediction PNG,
np.bincount confusion, then IoU per class. The anchor of `npm run bench -- eval`.

usage: python3 eval_numpy.py GT_DIR PRED_DIR NUM_CLASSES   (every GT_DIR/<stem>.png with a prediction)
prints one JSON line: images, seconds (reading + counting + scores), miou (nanmean over classes with a
non-empty union, mmseg), miou_gt_classes (ToCo scores(): classes with ground truth).
"""
import json, os, sys, time
import numpy as np
from PIL import Image

gt_dir, pred_dir, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
names = sorted(f[:-4] for f in os.listdir(gt_dir) if f.endswith(".png"))
t0 = time.perf_counter()
hist = np.zeros((n, n))
for name in names:
    gt = np.array(Image.open(os.path.join(gt_dir, name + ".png")))
    pred = np.array(Image.open(os.path.join(pred_dir, name + ".png")))
    k = (gt >= 0) & (gt < n)
    hist += np.bincount(n * gt[k].astype(int) + pred[k], minlength=n**2).reshape(n, n)
with np.errstate(divide="ignore", invalid="ignore"):
    iu = np.diag(hist) / (hist.sum(axis=1) + hist.sum(axis=0) - np.diag(hist))
valid = hist.sum(axis=1) > 0
seconds = time.perf_counter() - t0
print(json.dumps({"images": len(names), "seconds": seconds, "miou": float(np.nanmean(iu)), "miou_gt_classes": float(np.nanmean(iu[valid]))}))
