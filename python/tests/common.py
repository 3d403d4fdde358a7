"""What the Python tests share: the repository's fixtures, and the command line to compare
with."""

import json
import os
import subprocess

import pytest

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DIGITS = os.path.join(ROOT, "fixtures", "digits")


def cli_binary():
    """The command line to compare with: cargo test's (AUGSAFE_BIN), else the debug build.
    Missing under CI is a failure, on a hand run a loud skip."""
    binary = os.environ.get("AUGSAFE_BIN", os.path.join(ROOT, "target", "debug", "augsafe"))
    if not os.path.exists(binary):
        message = f"{binary} is not built: run `cargo build` (cargo test builds it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip("SKIPPED, NOT PASSED: " + message)
    return binary


def cli_json(*args):
    """The JSON report of `augsafe ARGS --json - --quiet`, run from the repository's root."""
    run = subprocess.run(
        [cli_binary(), *args, "--json", "-", "--quiet"], check=True, capture_output=True, cwd=ROOT
    )
    return json.loads(run.stdout)


def require(module, why):
    """The module, imported; missing under CI a failure, on a hand run a loud skip."""
    try:
        return __import__(module)
    except ImportError:
        message = f"{module} is not installed ({why}): run `bash scripts/python/setup.sh --torch`"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip("SKIPPED, NOT PASSED: " + message)
