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
# torch and torchvision first, as a consistent pair this workplace's disk holds (torchvision from
# the registry does not import beside other torch builds; see docs/DESIGN.md). Elsewhere, if the pins are
# not available, any consistent pair >= 2.2 does.
if ! python -c "import torch, torchvision" 2>/dev/null; then
  if [ "$(uname -m)" = aarch64 ]; then PAIR="torch==2.9.1 torchvision==0.24.1"; else PAIR="torch==2.14.1 torchvision==0.29.1"; fi
  # shellcheck disable=SC2086
  python -m pip install --quiet $PAIR || python -m pip install --quiet "torch>=2.2" torchvision
fi
python -m pip install --quiet -e ".[test,people,learned]"
# The learned codec: CompressAI 1.2.8 alone (see pyproject.toml's `learned` extra for why --no-deps).
if ! python -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('compressai') is None)"; then
  python -m pip install --quiet --no-deps "compressai==1.2.8" ||
    echo "note: could not install compressai 1.2.8; --codec learned will be unavailable" >&2
fi
# The people cue's face detector: BlazeFace from mediapipe 0.10.14 (the last release with the legacy
# solutions; its models ship in the wheel). Its declared dependencies are not needed for face
# detection and one clashes (opencv-contrib-python beside opencv-python-headless; jax), so it is
# installed alone; the few it uses come with the `people` extra above. Without it the people cue
# falls back to OpenCV's Haar cascade.
if ! python -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('mediapipe') is None)"; then
  python -m pip install --quiet --no-deps "mediapipe==0.10.14" ||
    echo "note: could not install mediapipe 0.10.14; the people cue will use OpenCV's Haar cascade" >&2
fi
# Optional: jpegtran writes progressive adaptive JPEGs (--progressive). Installed when we can.
if ! command -v jpegtran >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get install -y -qq libjpeg-turbo-progs >/dev/null 2>&1 ||
   (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq libjpeg-turbo-progs >/dev/null 2>&1)) ||
   echo "note: could not install jpegtran; --progressive with the adaptive method will be unavailable" >&2
fi
# The studio's browser tests drive Debian's Chromium (Playwright's own browser download is not used).
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get install -y -qq chromium >/dev/null 2>&1 ||
   (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null 2>&1)) ||
   echo "note: could not install chromium; the studio's browser tests need it (apt-get install chromium)" >&2
fi
