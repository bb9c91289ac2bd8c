#!/usr/bin/env bash
# Tessera GPU check for a machine with only an NVIDIA driver and CUDA libraries (no Node.js, no network).
#
# Beside the parts (tessera-gpu.tar.gz.000, ... + SHA256SUMS): verifies every part (a missing or corrupted
# part is named), reassembles and unpacks them into ./tessera-gpu (or --into DIR), then runs the check there.
# Inside the unpacked bundle: finds the CUDA libraries (system loader paths, $CUDA_HOME/$CUDA_PATH,
# /usr/local/cuda*, pip's site-packages/nvidia/*/lib of any python3 here), puts them on LD_LIBRARY_PATH and
# runs app/gpu/check.mjs with the bundled Node.js, which prints one JSON report on stdout.
#
#   bash gpu-check.sh [--into DIR] [--verify-only]   (beside the parts)
#   bash gpu-check.sh [--find-libs] [check options]  (in the bundle; check options: node app/gpu/check.mjs --help)
set -u

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# For tests: a prefix for the fixed system locations searched below (default: the real root).
ROOT="${TESSERA_GPU_ROOT:-}"

say() { echo "gpu-check: $*" >&2; }

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then shasum -a 256 "$1" | cut -d' ' -f1
  else openssl dgst -sha256 "$1" | sed 's/.*= *//'
  fi
}

# ---- parts mode -------------------------------------------------------------------------------------
verify_parts() {
  local sums="$HERE/SHA256SUMS" bad=0 n=0 hash file actual
  while read -r hash file; do
    [ -z "${file:-}" ] && continue
    n=$((n + 1))
    if [ ! -f "$HERE/$file" ]; then
      echo "error: part $file is missing" >&2
      bad=$((bad + 1))
      continue
    fi
    actual="$(sha256_of "$HERE/$file")"
    if [ "$actual" != "$hash" ]; then
      echo "error: part $file is corrupted (sha256 $actual, expected $hash)" >&2
      bad=$((bad + 1))
    fi
  done <"$sums"
  if [ "$n" -eq 0 ]; then
    echo "error: SHA256SUMS lists no parts" >&2
    return 1
  fi
  if [ "$bad" -gt 0 ]; then
    echo "error: $bad of $n parts failed verification; copy them again" >&2
    return 1
  fi
  say "all $n parts verified"
}

if [ -f "$HERE/SHA256SUMS" ] && [ ! -x "$HERE/node/bin/node" ]; then
  INTO="$HERE"
  VERIFY_ONLY=0
  REST=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --into) INTO="$2"; shift 2 ;;
      --verify-only) VERIFY_ONLY=1; shift ;;
      *) REST+=("$1"); shift ;;
    esac
  done
  verify_parts || exit 1
  [ "$VERIFY_ONLY" -eq 1 ] && exit 0
  mkdir -p "$INTO" || exit 1
  rm -rf "$INTO/tessera-gpu"
  say "unpacking into $INTO/tessera-gpu"
  files=()
  while read -r _ file; do [ -n "${file:-}" ] && files+=("$HERE/$file"); done <"$HERE/SHA256SUMS"
  if ! cat "${files[@]}" | tar -xzf - -C "$INTO"; then
    echo "error: unpacking the parts failed" >&2
    exit 1
  fi
  exec bash "$INTO/tessera-gpu/gpu-check.sh" "${REST[@]+"${REST[@]}"}"
fi

# ---- bundle mode: find the CUDA libraries -----------------------------------------------------------
CUDA_LIB_PATTERNS="libcudart.so* libcublas.so* libcublasLt.so* libcudnn.so* libcufft.so* libcurand.so* libnvrtc.so* libnvJitLink.so* libcuda.so*"

has_cuda_libs() {
  local dir="$1" pattern
  [ -d "$dir" ] || return 1
  for pattern in $CUDA_LIB_PATTERNS; do
    compgen -G "$dir/$pattern" >/dev/null && return 0
  done
  return 1
}

python_candidates() {
  local py
  for py in python3 python "$ROOT"/usr/bin/python3 "$ROOT"/usr/bin/python3.* "$ROOT"/usr/local/bin/python3 "$ROOT"/usr/local/bin/python3.* \
    "${CONDA_PREFIX:-/nonexistent}/bin/python3" "${VIRTUAL_ENV:-/nonexistent}/bin/python3" "$ROOT"/opt/conda/bin/python3 \
    "$HOME"/miniconda3/bin/python3 "$HOME"/anaconda3/bin/python3 "$HOME"/miniforge3/bin/python3; do
    case "$py" in
      */*) [ -x "$py" ] && echo "$py" ;;
      *) command -v "$py" 2>/dev/null ;;
    esac
  done
}

site_dirs() {
  local py
  for py in $(python_candidates | awk '!seen[$0]++'); do
    "$py" -c 'import site, sys
dirs = list(getattr(site, "getsitepackages", lambda: [])()) + [site.getusersitepackages()] + sys.path
print("\n".join(d for d in dirs if d))' 2>/dev/null
  done
  # Common places, for interpreters that are not on PATH or cannot start.
  local d
  for d in "$ROOT"/usr/local/lib/python3*/site-packages "$ROOT"/usr/local/lib/python3*/dist-packages \
    "$ROOT"/usr/lib/python3*/site-packages "$ROOT"/usr/lib/python3*/dist-packages "$ROOT"/usr/lib/python3/dist-packages \
    "$HOME"/.local/lib/python3*/site-packages "$ROOT"/opt/conda/lib/python3*/site-packages "$ROOT"/opt/conda/envs/*/lib/python3*/site-packages \
    "$HOME"/miniconda3/lib/python3*/site-packages "$HOME"/miniconda3/envs/*/lib/python3*/site-packages \
    "$HOME"/anaconda3/lib/python3*/site-packages "$HOME"/anaconda3/envs/*/lib/python3*/site-packages \
    "$HOME"/miniforge3/lib/python3*/site-packages "$HOME"/miniforge3/envs/*/lib/python3*/site-packages \
    "$HOME"/*/lib/python3*/site-packages "$HOME"/.venv/lib/python3*/site-packages "$ROOT"/opt/*/lib/python3*/site-packages; do
    [ -d "$d" ] && echo "$d"
  done
}

candidate_dirs() {
  local base d
  for base in "${CUDA_HOME:-}" "${CUDA_PATH:-}" "${CUDA_ROOT:-}" "${CUDNN_HOME:-}" "${CUDNN_PATH:-}"; do
    [ -n "$base" ] || continue
    echo "$base/lib64"; echo "$base/lib"; echo "$base/targets/x86_64-linux/lib"
  done
  for d in "$ROOT"/usr/local/cuda/lib64 "$ROOT"/usr/local/cuda/targets/x86_64-linux/lib "$ROOT"/usr/local/cuda-*/lib64 \
    "$ROOT"/usr/local/cuda-*/targets/x86_64-linux/lib "$ROOT"/usr/lib/x86_64-linux-gnu "$ROOT"/usr/lib64 "$ROOT"/usr/lib/wsl/lib \
    "$ROOT"/usr/local/nvidia/lib64 "$ROOT"/usr/local/nvidia/lib; do
    echo "$d"
  done
  local sp
  while read -r sp; do
    for d in "$sp"/nvidia/*/lib; do echo "$d"; done
  done < <(site_dirs | awk '!seen[$0]++')
}

find_cuda_lib_dirs() {
  local d real
  while read -r d; do
    has_cuda_libs "$d" || continue
    real="$(cd "$d" && pwd -P)"
    echo "$real"
  done < <(candidate_dirs) | awk '!seen[$0]++'
}

LIB_DIRS="$(find_cuda_lib_dirs | paste -sd: -)"

if [ "${1:-}" = "--find-libs" ]; then
  find_cuda_lib_dirs
  exit 0
fi

NODE="$HERE/node/bin/node"
CHECK="$HERE/app/gpu/check.mjs"
if [ ! -x "$NODE" ] || [ ! -f "$CHECK" ]; then
  echo "error: $HERE is not an unpacked tessera-gpu bundle (no node/bin/node or app/gpu/check.mjs)" >&2
  exit 1
fi
# Native modules built on the bundle machine need its glibc or newer (BUNDLE.json glibcRequired).
NEED="$(sed -n 's/.*"glibcRequired": "\([0-9.]*\)".*/\1/p' "$HERE/BUNDLE.json" 2>/dev/null)"
HAVE="$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')"
if [ -n "$NEED" ] && [ -n "$HAVE" ] && [ "$(printf '%s\n%s\n' "$NEED" "$HAVE" | sort -V | head -1)" != "$NEED" ]; then
  echo "error: this machine has glibc $HAVE; the bundle's native modules need glibc $NEED or newer (build the bundle on a machine with glibc <= $HAVE)" >&2
  exit 1
fi
if [ -n "$LIB_DIRS" ]; then
  export LD_LIBRARY_PATH="$LIB_DIRS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  say "CUDA library folders: $LIB_DIRS"
else
  say "no CUDA library folder found outside the loader's default paths"
fi
export TESSERA_CUDA_LIB_DIRS="$LIB_DIRS"
exec "$NODE" "$CHECK" --app "$HERE/app" "$@"
