"""Parity check: Tessera's CAM on tools/export/toco_cam.py's ONNX vs ToCo's own multi_scale_cam2.

NOT run in CI: it needs ToCo's code (https://github.com/rulixiang/ToCo, never copied into this repo)
and PyTorch. Steps, all in WORK:
  1. build ToCo's `network` (model/model_seg_neg.py) with seeded random weights and save its
     state_dict with the `module.` prefix DistributedDataParallel gives it (what ToCo's training
     scripts save);
  2. run tools/export/toco_cam.py on that checkpoint -> toco_cam.onnx + manifest;
  3. reference: per photo, ToCo's preprocessing (datasets/voc.py + tools/infer_cam.py: imageio.imread,
     datasets/transforms.py normalize_img, CHW, F.interpolate to 448x448 bilinear) then
     utils/camutils.py multi_scale_cam2(model, inputs, [1.0, 0.5, 1.5]) and, as infer_cam.py does,
     F.interpolate of the CAM to the image size (bilinear, align_corners=False);
  4. Tessera: `init`, `models add`, `import folder`, `run`, `export --format npy` (the fused,
     normalized [C,H,W] CAM at image size) with bin/tessera.js;
  5. max |delta| per photo; exit 1 if any is above --tol (1e-3).

Usage (from the repository root, ToCo checkout at TOCO; see tools/export/README.md):
    PYTHONPATH=TOCO python3 tools/export/verify/toco_parity.py --photos resources/photos --work /tmp/toco_work
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F

from model.model_seg_neg import network  # ToCo
from utils.camutils import multi_scale_cam2  # ToCo
from datasets.transforms import normalize_img  # ToCo

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
TESSERA = os.path.join(REPO, "bin", "tessera.js")


def load_rgb_like_toco(path):
    """ToCo reads images with imageio.imread (datasets/voc.py). Its VOC images are all RGB; for a grey
    image imageio returns [H,W], which ToCo's normalize_img cannot take, so such images are replicated
    to three channels (what PIL's convert('RGB') and Tessera do). An alpha channel is dropped (ToCo's
    normalize_img reads channels 0-2 only)."""
    import imageio

    img = np.asarray(imageio.imread(path))
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    return img[:, :, :3]


def toco_reference_cam(model, path, size):
    image = load_rgb_like_toco(path)
    inputs = torch.from_numpy(np.transpose(normalize_img(image), (2, 0, 1))).unsqueeze(0)
    inputs = F.interpolate(inputs, size=[size, size], mode="bilinear", align_corners=False)
    cams, _cams_aux = multi_scale_cam2(model, inputs, [1.0, 0.5, 1.5])
    resized = F.interpolate(cams, size=image.shape[:2], mode="bilinear", align_corners=False)
    return resized[0].numpy()


def tessera(work, *args):
    cmd = ["node", TESSERA, "--workspace", os.path.join(work, "workspace"), *args]
    print("$", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--photos", default=os.path.join(REPO, "resources", "photos"))
    p.add_argument("--work", required=True, help="scratch folder (created if needed)")
    p.add_argument("--backbone", default="vit_base_patch16_224")
    p.add_argument("--num-classes", type=int, default=21)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--tol", type=float, default=1e-3)
    p.add_argument("--device", default="cpu", help="execution provider for `tessera run` (cpu|cuda)")
    p.add_argument("--only", default="", help="comma-separated photo stems (default: every photo)")
    p.add_argument("--reuse", action="store_true",
                   help="reuse WORK's checkpoint, export and ToCo references from an earlier run with the same arguments")
    a = p.parse_args()
    os.makedirs(a.work, exist_ok=True)
    only = {s for s in a.only.split(",") if s}
    photos = sorted(f for f in glob.glob(os.path.join(a.photos, "*")) if f.lower().endswith((".jpg", ".jpeg", ".png"))
                    and (not only or os.path.splitext(os.path.basename(f))[0] in only))
    if not photos:
        raise SystemExit(f"no photos in {a.photos}")
    # Tessera imports a folder: give it exactly the photos compared.
    photo_dir = os.path.join(a.work, "photos")
    os.makedirs(photo_dir, exist_ok=True)
    for f in photos:
        copy = os.path.join(photo_dir, os.path.basename(f))
        if not os.path.exists(copy):
            shutil.copyfile(f, copy)

    # 1. random weights, saved as DistributedDataParallel saves them.
    torch.manual_seed(a.seed)
    model = network(backbone=a.backbone, num_classes=a.num_classes, pretrained=False, aux_layer=-3)
    model.eval()
    ckpt = os.path.join(a.work, "toco_random_ddp.pth")
    export_dir = os.path.join(a.work, "export")
    if not (a.reuse and os.path.exists(ckpt) and os.path.exists(os.path.join(export_dir, "toco_cam.onnx"))):
        torch.save({"module." + k: v for k, v in model.state_dict().items()}, ckpt)
        # 2. the export recipe, as a user runs it.
        subprocess.run([sys.executable, os.path.join(REPO, "tools", "export", "toco_cam.py"), "--checkpoint", ckpt,
                        "--backbone", a.backbone, "--num-classes", str(a.num_classes), "--out", export_dir],
                       check=True)

    # 3. ToCo's own CAM on the same weights (loaded back from the checkpoint the way ToCo loads it).
    reloaded = network(backbone=a.backbone, num_classes=a.num_classes, pretrained=False, aux_layer=-3)
    state = {k.replace("module.", ""): v for k, v in torch.load(ckpt, map_location="cpu").items()}
    reloaded.load_state_dict(state, strict=True)
    reloaded.eval()
    ref_dir = os.path.join(a.work, "toco_reference")
    os.makedirs(ref_dir, exist_ok=True)
    refs = {}
    for path in photos:
        stem = os.path.splitext(os.path.basename(path))[0]
        cached = os.path.join(ref_dir, stem + ".npy")
        if a.reuse and os.path.exists(cached):
            refs[stem] = np.load(cached)
            continue
        refs[stem] = toco_reference_cam(reloaded, path, 448)
        np.save(cached, refs[stem])
        print("ToCo reference:", stem, refs[stem].shape, flush=True)

    # 4. Tessera on the exported ONNX.
    if not os.path.exists(os.path.join(a.work, "workspace", "tessera.db")):
        tessera(a.work, "init")
        tessera(a.work, "models", "add", os.path.join(export_dir, "toco_cam.manifest.json"))
        tessera(a.work, "import", "folder", photo_dir, "--name", "photos")
    manifest = json.load(open(os.path.join(export_dir, "toco_cam.manifest.json")))
    tessera(a.work, "run", "--model", manifest["name"], "--dataset", "photos", "--run", "parity", "--device", a.device)
    npy_dir = os.path.join(a.work, "tessera_npy")
    tessera(a.work, "export", "--dataset", "photos", "--run", "parity", "--format", "npy", "--out", npy_dir)

    # 5. compare.
    worst = 0.0
    rows = []
    for stem, ref in refs.items():
        ours = np.load(os.path.join(npy_dir, stem + ".npy"))
        if ours.shape != ref.shape:
            raise SystemExit(f"{stem}: Tessera CAM {ours.shape} vs ToCo {ref.shape}")
        d = np.abs(ours.astype(np.float64) - ref.astype(np.float64))
        rows.append((stem, ref.shape, float(d.max()), float(d.mean())))
        worst = max(worst, float(d.max()))
    print(f"{'photo':24} {'CAM shape':>16} {'max |d|':>10} {'mean |d|':>10}")
    for stem, shape, mx, mean in rows:
        print(f"{stem:24} {str(tuple(shape)):>16} {mx:10.2e} {mean:10.2e}")
    print(f"worst max |d| = {worst:.3e} (tolerance {a.tol:g}): {'PASS' if worst <= a.tol else 'FAIL'}")
    sys.exit(0 if worst <= a.tol else 1)


if __name__ == "__main__":
    main()
