#!/usr/bin/env bash
# Sets up target/venv-python: a fresh virtualenv with the Python package installed by
# `pip install .` from this clone (maturin builds the Rust library into it, with the model
# judge: the `onnx` feature), and pytest,
# Pillow and Albumentations 2.x (the release scripts/albumentations/setup.sh pins) for its
# tests (python/tests/). Re-run it after changing the Rust code: pip builds again
# (cargo's own cache keeps that quick).
#
# With --torch, PyTorch, torchvision and Kornia too (about 4 GB: PyPI has only the CUDA build
# of PyTorch for Linux), for the checks of real torchvision and Kornia augmentations.
#
# Usage: bash scripts/python/setup.sh [--torch]
# Environment: PYTHON (default python3).
set -euo pipefail
torch=no
case "${1:-}" in
    --torch) torch=yes ;;
    "") ;;
    *) echo "usage: bash scripts/python/setup.sh [--torch]" >&2; exit 2 ;;
esac
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"
PYTHON="${PYTHON:-python3}"
venv=target/venv-python
if [ ! -x "$venv/bin/python" ]; then
    "$PYTHON" -m venv "$venv"
fi
export NO_ALBUMENTATIONS_UPDATE=1
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "pytest==8.3.4" "pillow==11.0.0" \
    "albumentations==${ALBU2_VERSION:-2.0.8}"
if "$venv/bin/python" -m pip show --quiet opencv-python >/dev/null 2>&1; then
    "$venv/bin/python" -m pip uninstall --quiet --yes opencv-python
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps opencv-python-headless
fi
if [ "$torch" = yes ]; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "torch==2.5.1" \
        "torchvision==0.20.1" "kornia==0.7.4"
fi
# With the model judge, so that its tests run (tract: about five more minutes, once).
MATURIN_PEP517_ARGS="--features onnx" "$venv/bin/python" -m pip install --quiet --disable-pip-version-check .
"$venv/bin/python" -c "import augsafe; print('augsafe', augsafe.__version__, 'installed in $venv')"
