#!/usr/bin/env bash
# Set up curate on a fresh Debian machine with Python 3.11: system packages, a virtualenv in .venv, the CPU build
# of PyTorch (first, so nothing pulls the CUDA build), then the project with its extras.
#
#   bash scripts/setup.sh          # what the quickstart needs
#   bash scripts/setup.sh --tests  # plus what the test suite needs (Slurm, Chromium, test tools)
#
# Idempotent and quick when already done: each part is skipped when its stamp matches.
set -euo pipefail
cd "$(dirname "$0")/.."

WITH_TESTS=0
[[ "${1:-}" == "--tests" ]] && WITH_TESTS=1

SYSTEM_PACKAGES=(libmagic1 build-essential)
TEST_PACKAGES=(chromium slurmctld slurmd slurm-client munge)

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

install_debian() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if ((${#missing[@]})); then
    echo "setup: installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

install_debian "${SYSTEM_PACKAGES[@]}"
((WITH_TESTS)) && install_debian "${TEST_PACKAGES[@]}"

PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
"$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] < (3, 11))' || {
  echo "setup: Python >= 3.11 is needed (found $("$PYTHON" --version)); set PYTHON=/path/to/python3.11" >&2; exit 1; }

[[ -x .venv/bin/python ]] || "$PYTHON" -m venv .venv
PIP=(.venv/bin/python -m pip --disable-pip-version-check -q)
# pip here may be configured with a local index that lacks most packages: drop its "is ignored" noise
pip_install() { "${PIP[@]}" install "$@" 2>&1 | { grep -v "is neither a file nor a directory" || true; }; }

EXTRAS="llm,ray,notebooks"
((WITH_TESTS)) && EXTRAS="$EXTRAS,test"
STAMP=".venv/.curate-setup-$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)-${EXTRAS//,/-}"
if [[ ! -f "$STAMP" ]]; then
  # torch first: the CPU wheel (pip finds it locally); installing it later would pull the CUDA build
  .venv/bin/python -c 'import torch' 2>/dev/null || pip_install "torch==2.13.0"
  echo "setup: installing curate[$EXTRAS] (the first time builds llama.cpp: ~5 minutes on 2 cores)"
  pip_install -e ".[$EXTRAS]"
  touch "$STAMP"
fi
echo "setup: ready ($(.venv/bin/python --version), torch $(.venv/bin/python -c 'import torch; print(torch.__version__)'))"
