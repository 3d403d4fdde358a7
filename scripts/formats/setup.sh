#!/usr/bin/env bash
# Sets up the virtualenv that writes the dataset-format fixtures in fixtures/formats/:
# target/venv-albu2 (as scripts/idx/setup.sh uses: numpy, opencv-python-headless) plus pandas,
# whose to_csv writes the pixel CSV as Kaggle's files are written, and Hugging Face's datasets,
# whose to_parquet writes the Parquet shards as the Hub serves them.
# Only registry packages are installed (pip, PyPI).
#
# Usage: bash scripts/formats/setup.sh
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"
bash scripts/albumentations/setup.sh --current
target/venv-albu2/bin/python -m pip install --quiet --disable-pip-version-check "pandas==2.2.3" "datasets==3.2.0" "pillow==11.0.0"
