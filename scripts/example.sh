#!/usr/bin/env bash
# Set up, then compress a Kodak photo with the embedded model (offline) and print the report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
DATA=${ROICODEC_SHARED_DATA:-../shared/data}
IMAGE=${1:-$DATA/kodak/kodim23.png}
mkdir -p out
name=$(basename "${IMAGE%.*}")
roicodec map "$IMAGE" -o "out/${name}_map.png" --overlay "out/${name}_overlay.png"
roicodec compress "$IMAGE" -o "out/${name}.jpg" --target-size 30KB --report
