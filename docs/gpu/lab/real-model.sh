#!/usr/bin/env bash
# PP-OCRv4 det (a real third-party model) through the product's CLI, once per device in its own workspace
# (the output cache would otherwise serve the first device's results), then the exported maps compared.
#   bash docs/gpu/lab/real-model.sh UNPACKED_BUNDLE OUT_DIR   (ch_PP-OCRv4_det_infer.onnx beside this script)
set -u
T=$1; O=$2; G=$(cd "$(dirname "$0")" && pwd); REPO=$(cd "$G/../../.." && pwd)
export LD_LIBRARY_PATH="$(bash "$T/gpu-check.sh" --find-libs | paste -sd: -)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
N="$T/node/bin/node"
for dev in cpu cuda; do
  W=/tmp/rw-$dev; rm -rf "$W" /tmp/rx-$dev
  t() { "$N" "$T/app/bin/tessera.js" --workspace "$W" "$@"; }
  t init >/dev/null && t import folder "$REPO/resources/photos" --name photos >/dev/null \
    && t models add "$G/ppocr-v4-det.json" >/dev/null \
    && { s=$(date +%s.%N); t run --model ppocr-v4-det --dataset photos --device $dev --run $dev --json > "$O/real-run-$dev.json"; e=$(date +%s.%N); } \
    && t export --dataset photos --run $dev --format npy --raw --out /tmp/rx-$dev > /dev/null \
    || echo "real model on $dev failed"
  echo "real model $dev: $(python3 -c "print(round($e-$s,2))") s for the run command"
done
python3 "$G/compare-npy.py" /tmp/rx-cpu /tmp/rx-cuda "$O/real-compare.json"
