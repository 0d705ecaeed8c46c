#!/usr/bin/env bash
# Set everything up, then run the whole pipeline on the bundled pages: configs/quickstart.yaml -> out/quickstart/
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/curate run configs/quickstart.yaml "$@"
