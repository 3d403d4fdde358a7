#!/usr/bin/env python3
"""Load an Albumentations pipeline file and apply it, to prove the library reads it.

    target/venv-albu2/bin/python scripts/albumentations/load_check.py FILE.json|FILE.yaml

Loads FILE with `A.load(FILE, data_format=...)` (json or yaml, by extension), applies the
pipeline 20 times to a random 32x32 uint8 grey image, and prints `ok <n transforms>`
(the number of leaf transforms, composites counted by their children). On any failure it
prints the exception on stderr and exits 1; a usage error exits 2.
"""

from __future__ import annotations

import os
import sys
import traceback
import warnings

# Importing albumentations otherwise checks PyPI for a newer version over the network.
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")


def count_transforms(t) -> int:
    children = getattr(t, "transforms", None)
    if children is None:
        return 1
    return sum(count_transforms(c) for c in children)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: load_check.py FILE.json|FILE.yaml|FILE.yml", file=sys.stderr)
        return 2
    path = argv[1]
    ext = os.path.splitext(path)[1].lower()
    if ext == ".json":
        fmt = "json"
    elif ext in (".yaml", ".yml"):
        fmt = "yaml"
    else:
        print(f"error: {path}: unknown extension {ext!r} (want .json, .yaml or .yml)", file=sys.stderr)
        return 2
    try:
        # Albumentations reports ignored or out-of-date arguments as warnings; show them on
        # stderr without failing, as a training script would.
        warnings.simplefilter("default")
        import albumentations as A
        import numpy as np

        pipeline = A.load(path, data_format=fmt)
        if pipeline is None or not callable(pipeline):
            raise TypeError(f"A.load returned {type(pipeline).__name__}, not a transform")
        rng = np.random.default_rng(0)
        image = rng.integers(0, 256, size=(32, 32), dtype=np.uint8)
        # A Compose with bbox_params/keypoint_params gets empty boxes/keypoints (1.3 insists).
        extra = {key: [] for key in getattr(pipeline, "processors", {})}
        for _ in range(20):
            out = pipeline(image=image, **extra)["image"]
            if not isinstance(out, np.ndarray) or out.dtype != np.uint8:
                raise TypeError(f"pipeline returned {type(out).__name__} {getattr(out, 'dtype', '')}")
    except Exception as exc:  # noqa: BLE001 - report whatever the library raised
        traceback.print_exc(limit=3, file=sys.stderr)
        print(f"error: {path}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"ok {count_transforms(pipeline)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
