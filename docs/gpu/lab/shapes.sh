#!/usr/bin/env bash
# PP-OCRv4 det on CUDA and CPU: keep-aspect (a new input shape per photo) vs one 736x736 shape.
#   bash docs/gpu/lab/shapes.sh UNPACKED_BUNDLE   (ch_PP-OCRv4_det_infer.onnx beside this script)
set -u
T=$1; G=$(cd "$(dirname "$0")" && pwd); REPO=$(cd "$G/../../.." && pwd)
export LD_LIBRARY_PATH="$(bash "$T/gpu-check.sh" --find-libs | paste -sd: -)"
N="$T/node/bin/node"
for m in ppocr-v4-det ppocr-v4-det-fixed; do
  for dev in cuda cpu; do
    W=/tmp/sw-$m-$dev; rm -rf "$W"
    t() { "$N" "$T/app/bin/tessera.js" --workspace "$W" "$@"; }
    t init >/dev/null && t import folder "$REPO/resources/photos" --name photos >/dev/null && t models add "$G/$m.json" >/dev/null
    echo "== $m on $dev"; t run --model $m --dataset photos --device $dev --run $dev --profile | grep -E "complete|profile:|inference"
  done
done
