#!/usr/bin/env bash
# Sets up the virtualenv that writes the IDX fixtures in fixtures/idx/ (issue 5):
# target/venv-albu2, the same one scripts/albumentations/setup.sh --current makes
# (albumentations 2.x, numpy, opencv-python-headless), plus idx2numpy, the independent
# IDX writer and reader the fixtures are made and checked with.
# Idempotent: an idx2numpy that already imports at the pinned version is left alone.
# Only registry packages are installed (pip, PyPI).
#
# Usage: bash scripts/idx/setup.sh
# Environment: PYTHON (as for scripts/albumentations/setup.sh), IDX2NUMPY_VERSION (default 1.2.3).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"

IDX2NUMPY_VERSION="${IDX2NUMPY_VERSION:-1.2.3}"

bash scripts/albumentations/setup.sh --current
py=target/venv-albu2/bin/python
if "$py" -c "import sys, importlib.metadata as m, idx2numpy; sys.exit(m.version('idx2numpy') != '$IDX2NUMPY_VERSION')" >/dev/null 2>&1; then
    echo "target/venv-albu2: idx2numpy $IDX2NUMPY_VERSION already installed"
else
    echo "target/venv-albu2: installing idx2numpy $IDX2NUMPY_VERSION"
    "$py" -m pip install --quiet --disable-pip-version-check "idx2numpy==$IDX2NUMPY_VERSION"
fi
