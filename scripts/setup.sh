#!/usr/bin/env bash
# Create .venv (if needed) and install roicodec with its test dependencies. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
. .venv/bin/activate
python -m pip install --quiet --upgrade pip
# torch first, pinned to the CPU build this workplace's registry serves (a plain "torch" requirement
# would pull a multi-GB CUDA build); elsewhere, if that pin is not available, any torch >= 2.2 does.
if ! python -c "import torch" 2>/dev/null; then
  python -m pip install --quiet "torch==2.13.0" || python -m pip install --quiet "torch>=2.2"
fi
python -m pip install --quiet -e ".[test]"
# Optional: jpegtran writes progressive adaptive JPEGs (--progressive). Installed when we can.
if ! command -v jpegtran >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get install -y -qq libjpeg-turbo-progs >/dev/null 2>&1 ||
   (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq libjpeg-turbo-progs >/dev/null 2>&1)) ||
   echo "note: could not install jpegtran; --progressive with the adaptive method will be unavailable" >&2
fi
