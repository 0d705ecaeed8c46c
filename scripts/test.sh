#!/usr/bin/env bash
# Set up (with the test extras and system packages), then run the test suite. Extra arguments go to pytest,
# e.g. `bash scripts/test.sh -m "not slow"` or `bash scripts/test.sh tests/extract`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
exec .venv/bin/python -m pytest "$@"
