#!/usr/bin/env bash
# Sets up two virtualenvs with real Albumentations releases, used to write and
# read back the pipeline fixtures in fixtures/pipelines/ (issue 3):
#   target/venv-albu2  albumentations 2.x (current release)
#   target/venv-albu1  albumentations 1.4.24 (the last 1.x release)
# and, with --legacy, a third one for the classic 1.x format (always_apply, value=...):
#   target/venv-albu13 albumentations 1.3.1 with numpy<2 (pulls scikit-image and
#                      scikit-learn, hence optional)
# With --current, only the 2.x one (what the tests need to read back a recommended pipeline).
# Idempotent: a venv whose albumentations already imports at the pinned version
# is left alone. Only registry packages are installed (pip, PyPI).
#
# Environment: PYTHON (default python3.11, else python3) picks the interpreter.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"

PYTHON="${PYTHON:-}"
if [[ -z "$PYTHON" ]]; then
    if command -v python3.11 >/dev/null 2>&1; then PYTHON=python3.11; else PYTHON=python3; fi
fi

ALBU2_VERSION="${ALBU2_VERSION:-2.0.8}"
ALBU1_VERSION="${ALBU1_VERSION:-1.4.24}"
ALBU13_VERSION="${ALBU13_VERSION:-1.3.1}"

legacy=0
current_only=0
for arg in "$@"; do
    case "$arg" in
        --legacy) legacy=1 ;;
        --current) current_only=1 ;;
        -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "setup.sh: unknown argument $arg (--legacy or --current)" >&2; exit 2 ;;
    esac
done

# Importing albumentations otherwise checks PyPI for a newer release over the network.
export NO_ALBUMENTATIONS_UPDATE=1

# setup_venv DIR VERSION [EXTRA PIP REQUIREMENT...]
setup_venv() {
    local dir="$1" version="$2"
    shift 2
    local py="$dir/bin/python"
    if [[ -x "$py" ]] && "$py" -c "import sys, albumentations as A; sys.exit(A.__version__ != '$version')" >/dev/null 2>&1; then
        echo "$dir: albumentations $version already installed"
    else
        echo "$dir: installing albumentations $version"
        [[ -x "$py" ]] || "$PYTHON" -m venv "$dir"
        "$py" -m pip install --quiet --disable-pip-version-check \
            "albumentations==$version" "$@"
        # albumentations depends on opencv-python-headless itself; make sure no
        # GUI opencv-python was pulled in beside it by another dependency.
        if "$py" -m pip show --quiet opencv-python >/dev/null 2>&1; then
            "$py" -m pip uninstall --quiet --yes opencv-python
            "$py" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps opencv-python-headless
        fi
    fi
    "$py" - <<'PY'
import sys, warnings
warnings.simplefilter("ignore")
import albumentations as A, cv2, numpy
print(f"  python {sys.version.split()[0]}  albumentations {A.__version__}  "
      f"opencv {cv2.__version__}  numpy {numpy.__version__}")
PY
}

mkdir -p target
setup_venv target/venv-albu2 "$ALBU2_VERSION"
[[ "$current_only" == 1 ]] && exit 0
setup_venv target/venv-albu1 "$ALBU1_VERSION"
if [[ "$legacy" == 1 ]]; then
    # 1.3.x predates numpy 2.
    setup_venv target/venv-albu13 "$ALBU13_VERSION" "numpy<2"
fi
