#!/usr/bin/env bash
# Sets up target/venv-python: a fresh virtualenv with the Python package installed by
# `pip install .` from this clone (maturin builds the Rust library into it), and pytest and
# Pillow for its tests (python/tests/). Re-run it after changing the Rust code: pip builds again
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
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "pytest==8.3.4" "pillow==11.0.0"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check .
"$venv/bin/python" -c "import augsafe; print('augsafe', augsafe.__version__, 'installed in $venv')"
