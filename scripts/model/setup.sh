#!/usr/bin/env bash
# Sets up target/venv-model, the virtualenv that trains the fixture model in fixtures/models/
# (scripts/model/train.py): NumPy for the training, Pillow to read the fixture PNGs, and the
# `onnx` package, whose helper writes the graph. Nothing else: the model is a small
# multilayer perceptron trained with plain gradient descent, so no deep-learning framework is
# needed to rebuild it. Idempotent; only registry packages are installed (pip, PyPI).
#
# Usage: bash scripts/model/setup.sh
# Environment: PYTHON (default python3).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"

PYTHON="${PYTHON:-python3}"
venv=target/venv-model
packages=("numpy==2.1.3" "pillow==11.0.0" "onnx==1.17.0")
if [ ! -x "$venv/bin/python" ]; then
    "$PYTHON" -m venv "$venv"
fi
if "$venv/bin/python" -c "import numpy, PIL, onnx" >/dev/null 2>&1; then
    echo "$venv: numpy, pillow and onnx already installed"
else
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${packages[@]}"
fi
