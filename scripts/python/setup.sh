#!/usr/bin/env bash
# Sets up target/venv-python: a fresh virtualenv with the Python package installed by
# `pip install .` from this clone (maturin builds the Rust library into it, with the model
# judge: the `onnx` feature), and pytest,
# Pillow and Albumentations 2.x (the release scripts/albumentations/setup.sh pins) for its
# tests (python/tests/). Re-run it after changing the Rust code: pip builds again
# (cargo's own cache keeps that quick).
#
# Usage: bash scripts/python/setup.sh
# Environment: PYTHON (default python3).
set -euo pipefail
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
# With the model judge, so that its tests run (tract: about five more minutes, once).
MATURIN_PEP517_ARGS="--features onnx" "$venv/bin/python" -m pip install --quiet --disable-pip-version-check .
"$venv/bin/python" -c "import augsafe; print('augsafe', augsafe.__version__, 'installed in $venv')"
