#!/usr/bin/env python3
"""Write real Albumentations-serialised pipelines as fixtures for augsafe (issue 3).

Run with the python of each virtualenv that scripts/albumentations/setup.sh made:

    target/venv-albu2/bin/python scripts/albumentations/make_fixtures.py   # -> fixtures/pipelines/v2/
    target/venv-albu1/bin/python scripts/albumentations/make_fixtures.py   # -> fixtures/pipelines/v1/
    target/venv-albu13/bin/python scripts/albumentations/make_fixtures.py  # -> fixtures/pipelines/v1_3/
                                                      (optional, setup.sh --legacy)

Each pipeline is written with the library's own `A.save(...)`, once as NAME.json and once as
NAME.yaml (data_format="yaml"), then read back with `A.load(...)` and applied to a 32x32 grey
image, so that every fixture is known to load in the version that wrote it.
The 2.x run also writes the malformed files in fixtures/pipelines/bad/ (derived from a real
2.x save where possible).

Options: --out DIR (default: fixtures/pipelines/v2, v1 or v1_3 under the repository root).

The parameters suit 32x32 glyph images. Both versions get the same pipelines; make_v1 writes
them with the 1.x argument names (value=, cval=, height=/width=, max_holes=, var_limit=...),
make_v2 with the 2.x ones (fill=, size=, *_range=, std_range=...). Deprecation and "argument not
valid" warnings are not silenced: each distinct one is printed once, as a note, on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from pathlib import Path

# Importing albumentations otherwise checks PyPI for a newer version over the network.
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

import albumentations as A  # noqa: E402
import cv2  # noqa: E402
import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
MAJOR, MINOR = (int(x) for x in A.__version__.split(".")[:2])
# 1.3.x and older write the classic 1.x keys; they get their own optional set.
SET = f"v{MAJOR}" if (MAJOR, MINOR) >= (1, 4) else f"v{MAJOR}_{MINOR}"

# cv2 constants, spelled out so the serialised integers are explained here:
# cv2.BORDER_CONSTANT == 0, cv2.INTER_LINEAR == 1, cv2.INTER_NEAREST == 0.
BORDER_CONSTANT = cv2.BORDER_CONSTANT
INTER_LINEAR = cv2.INTER_LINEAR


def one(t) -> A.Compose:
    """A Compose of a single transform: how a user saves a one-transform pipeline."""
    return A.Compose([t])


def make_v2() -> dict[str, A.Compose]:
    """Albumentations 2.x: current argument names (size=, fill=, *_range=, std_range=)."""
    geo = dict(border_mode=BORDER_CONSTANT, fill=0)
    p = {}
    p["rotate"] = one(A.Rotate(limit=15, interpolation=INTER_LINEAR, p=0.7, **geo))
    p["saferotate"] = one(A.SafeRotate(limit=(-20, 20), p=0.6, **geo))
    p["randomrotate90"] = one(A.RandomRotate90(p=0.5))
    p["horizontalflip"] = one(A.HorizontalFlip(p=0.5))
    p["verticalflip"] = one(A.VerticalFlip(p=0.3))
    p["transpose"] = one(A.Transpose(p=0.4))
    p["d4"] = one(A.D4(p=0.8))
    # 2.x's own name for D4 (a subclass that saves as "SquareSymmetry"); 1.x has no such class.
    p["squaresymmetry"] = one(A.SquareSymmetry(p=0.8))
    p["randomcrop"] = one(A.RandomCrop(height=24, width=24, p=0.9))
    p["centercrop"] = one(A.CenterCrop(height=24, width=24, p=0.9))
    p["randomresizedcrop"] = one(
        A.RandomResizedCrop(size=(32, 32), scale=(0.6, 1.0), ratio=(0.75, 4 / 3), p=0.8)
    )
    p["randomsizedcrop"] = one(
        A.RandomSizedCrop(min_max_height=(20, 30), size=(32, 32), w2h_ratio=1.0, p=0.8)
    )
    p["crop"] = one(A.Crop(x_min=4, y_min=4, x_max=28, y_max=28, p=1.0))
    p["affine"] = one(
        A.Affine(
            scale=(0.9, 1.1),
            translate_percent=(-0.1, 0.1),
            rotate=(-10, 10),
            shear=(-8, 8),
            p=0.7,
            **geo,
        )
    )
    p["shiftscalerotate"] = one(
        A.ShiftScaleRotate(
            shift_limit=0.0625, scale_limit=0.1, rotate_limit=12, p=0.6, **geo
        )
    )
    # alpha (px) and sigma (px) as in Simard et al. for 28x28 MNIST digits.
    p["elastictransform"] = one(A.ElasticTransform(alpha=30.0, sigma=4.0, p=0.3, **geo))
    p["coarsedropout"] = one(
        A.CoarseDropout(
            num_holes_range=(1, 3), hole_height_range=(2, 6), hole_width_range=(2, 6), fill=0, p=0.5
        )
    )
    # composites
    p["oneof"] = A.Compose(
        [A.OneOf([A.Rotate(limit=30, p=1.0, **geo), A.HorizontalFlip(p=1.0)], p=0.8)]
    )
    p["someof"] = A.Compose(
        [
            A.SomeOf(
                [A.Rotate(limit=10, p=1.0, **geo), A.HorizontalFlip(p=1.0), A.VerticalFlip(p=1.0)],
                n=2,
                replace=False,
                p=0.9,
            )
        ]
    )
    p["sequential"] = A.Compose(
        [A.Sequential([A.Rotate(limit=10, p=1.0, **geo), A.RandomCrop(height=28, width=28, p=1.0)], p=0.6)]
    )
    p["oneorother"] = A.Compose(
        [A.OneOrOther(first=A.HorizontalFlip(p=1.0), second=A.VerticalFlip(p=1.0), p=0.5)]
    )
    p["photometric"] = A.Compose(
        [
            A.RandomBrightnessContrast(brightness_limit=0.2, contrast_limit=0.2, p=0.5),
            A.GaussianBlur(blur_limit=(3, 5), sigma_limit=(0.1, 1.0), p=0.3),
            A.GaussNoise(std_range=(0.02, 0.08), p=0.3),
            A.Rotate(limit=10, p=0.5, **geo),
        ]
    )
    p["unknown"] = A.Compose(
        [
            A.Perspective(scale=(0.02, 0.06), p=0.5, **geo),
            A.GridDistortion(num_steps=5, distort_limit=0.2, p=0.3, **geo),
            A.HorizontalFlip(p=0.5),
        ]
    )
    # Defaults on purpose, as a user would write it (2.x Rotate's default border is constant 0).
    p["rotate180_vflip"] = A.Compose([A.Rotate(limit=180, p=1.0), A.VerticalFlip(p=0.5)])
    p["typical_ocr"] = A.Compose(
        [
            A.Rotate(limit=5, p=0.5, **geo),
            A.Affine(scale=(0.9, 1.1), translate_percent=(-0.05, 0.05), shear=(-5, 5), p=0.5, **geo),
            A.RandomBrightnessContrast(brightness_limit=0.2, contrast_limit=0.2, p=0.5),
            A.GaussNoise(std_range=(0.02, 0.06), p=0.3),
            A.CoarseDropout(
                num_holes_range=(1, 2), hole_height_range=(2, 4), hole_width_range=(2, 4), fill=0, p=0.2
            ),
        ]
    )
    return p


def make_v1() -> dict[str, A.Compose]:
    """Albumentations 1.4.24, the last 1.x release, written with 1.x argument names.

    1.4.24 is a transition release: it still accepts the classic 1.x names used below
    (value=, cval=/mode=, height=/width= on the resized crops, max_holes=/max_height=...,
    var_limit=) and converts them, with a DeprecationWarning, to the 2.x names; its to_dict
    writes only the converted (2.x-style) keys. The warnings are printed as notes by main().
    """
    geo = dict(border_mode=BORDER_CONSTANT, value=0)
    p = {}
    p["rotate"] = one(A.Rotate(limit=15, interpolation=INTER_LINEAR, p=0.7, **geo))
    # 1.4.24's SafeRotate ignores value= (warns "not valid"); it takes fill= only.
    p["saferotate"] = one(A.SafeRotate(limit=(-20, 20), border_mode=BORDER_CONSTANT, fill=0, p=0.6))
    p["randomrotate90"] = one(A.RandomRotate90(p=0.5))
    p["horizontalflip"] = one(A.HorizontalFlip(p=0.5))
    p["verticalflip"] = one(A.VerticalFlip(p=0.3))
    p["transpose"] = one(A.Transpose(p=0.4))
    # D4 exists in 1.x too (added in 1.4.0), so it gets a v1 fixture as well.
    p["d4"] = one(A.D4(p=0.8))
    p["randomcrop"] = one(A.RandomCrop(height=24, width=24, p=0.9))
    p["centercrop"] = one(A.CenterCrop(height=24, width=24, p=0.9))
    p["randomresizedcrop"] = one(
        A.RandomResizedCrop(height=32, width=32, scale=(0.6, 1.0), ratio=(0.75, 4 / 3), p=0.8)
    )
    p["randomsizedcrop"] = one(
        A.RandomSizedCrop(min_max_height=(20, 30), height=32, width=32, w2h_ratio=1.0, p=0.8)
    )
    p["crop"] = one(A.Crop(x_min=4, y_min=4, x_max=28, y_max=28, p=1.0))
    p["affine"] = one(
        A.Affine(
            scale=(0.9, 1.1),
            translate_percent=(-0.1, 0.1),
            rotate=(-10, 10),
            shear=(-8, 8),
            mode=BORDER_CONSTANT,
            cval=0,
            p=0.7,
        )
    )
    p["shiftscalerotate"] = one(
        A.ShiftScaleRotate(
            shift_limit=0.0625, scale_limit=0.1, rotate_limit=12, p=0.6, **geo
        )
    )
    # 1.4.24's distortions always fill the border with 0 and neither take nor save a border.
    p["elastictransform"] = one(A.ElasticTransform(alpha=30.0, sigma=4.0, p=0.3))
    p["coarsedropout"] = one(
        A.CoarseDropout(
            min_holes=1, max_holes=3, min_height=2, max_height=6, min_width=2, max_width=6, p=0.5
        )
    )
    # composites
    p["oneof"] = A.Compose(
        [A.OneOf([A.Rotate(limit=30, p=1.0, **geo), A.HorizontalFlip(p=1.0)], p=0.8)]
    )
    p["someof"] = A.Compose(
        [
            A.SomeOf(
                [A.Rotate(limit=10, p=1.0, **geo), A.HorizontalFlip(p=1.0), A.VerticalFlip(p=1.0)],
                n=2,
                replace=False,
                p=0.9,
            )
        ]
    )
    p["sequential"] = A.Compose(
        [A.Sequential([A.Rotate(limit=10, p=1.0, **geo), A.RandomCrop(height=28, width=28, p=1.0)], p=0.6)]
    )
    p["oneorother"] = A.Compose(
        [A.OneOrOther(first=A.HorizontalFlip(p=1.0), second=A.VerticalFlip(p=1.0), p=0.5)]
    )
    p["photometric"] = A.Compose(
        [
            A.RandomBrightnessContrast(brightness_limit=0.2, contrast_limit=0.2, p=0.5),
            A.GaussianBlur(blur_limit=(3, 5), sigma_limit=(0.1, 1.0), p=0.3),
            A.GaussNoise(var_limit=(10.0, 50.0), p=0.3),
            A.Rotate(limit=10, p=0.5, **geo),
        ]
    )
    p["unknown"] = A.Compose(
        [
            A.Perspective(scale=(0.02, 0.06), pad_mode=BORDER_CONSTANT, pad_val=0, p=0.5),
            A.GridDistortion(num_steps=5, distort_limit=0.2, p=0.3),
            A.HorizontalFlip(p=0.5),
        ]
    )
    # Defaults on purpose, as a user would write it: 1.x Rotate's default border is
    # cv2.BORDER_REFLECT_101 (4), 2.x's is cv2.BORDER_CONSTANT (0).
    p["rotate180_vflip"] = A.Compose([A.Rotate(limit=180, p=1.0), A.VerticalFlip(p=0.5)])
    p["typical_ocr"] = A.Compose(
        [
            A.Rotate(limit=5, p=0.5, **geo),
            A.Affine(
                scale=(0.9, 1.1), translate_percent=(-0.05, 0.05), shear=(-5, 5),
                mode=BORDER_CONSTANT, cval=0, p=0.5,
            ),
            A.RandomBrightnessContrast(brightness_limit=0.2, contrast_limit=0.2, p=0.5),
            A.GaussNoise(var_limit=(5.0, 25.0), p=0.3),
            A.CoarseDropout(
                min_holes=1, max_holes=2, min_height=2, max_height=4, min_width=2, max_width=4, p=0.2
            ),
        ]
    )
    return p


def make_v1_legacy() -> dict[str, A.Compose]:
    """Albumentations 1.3.x (optional set, fixtures/pipelines/v1_3/): the classic 1.x format.

    Before 1.4 every transform wrote `always_apply`, and the old argument names were the
    serialised keys (value/mask_value, cval/mode, height/width, max_holes..., var_limit).
    1.3 has no D4, and its ElasticTransform has an extra affine part (alpha_affine, pixels).
    """
    geo = dict(border_mode=BORDER_CONSTANT, value=0)
    p = {}
    p["rotate"] = one(A.Rotate(limit=15, interpolation=INTER_LINEAR, p=0.7, **geo))
    p["saferotate"] = one(A.SafeRotate(limit=(-20, 20), p=0.6, **geo))
    p["randomrotate90"] = one(A.RandomRotate90(p=0.5))
    p["horizontalflip"] = one(A.HorizontalFlip(p=0.5))
    p["verticalflip"] = one(A.VerticalFlip(p=0.3))
    p["transpose"] = one(A.Transpose(p=0.4))
    p["randomcrop"] = one(A.RandomCrop(height=24, width=24, p=0.9))
    p["centercrop"] = one(A.CenterCrop(height=24, width=24, p=0.9))
    p["randomresizedcrop"] = one(
        A.RandomResizedCrop(height=32, width=32, scale=(0.6, 1.0), ratio=(0.75, 4 / 3), p=0.8)
    )
    p["randomsizedcrop"] = one(
        A.RandomSizedCrop(min_max_height=(20, 30), height=32, width=32, w2h_ratio=1.0, p=0.8)
    )
    p["crop"] = one(A.Crop(x_min=4, y_min=4, x_max=28, y_max=28, p=1.0))
    p["affine"] = one(
        A.Affine(
            scale=(0.9, 1.1), translate_percent=(-0.1, 0.1), rotate=(-10, 10), shear=(-8, 8),
            mode=BORDER_CONSTANT, cval=0, p=0.7,
        )
    )
    p["shiftscalerotate"] = one(
        A.ShiftScaleRotate(shift_limit=0.0625, scale_limit=0.1, rotate_limit=12, p=0.6, **geo)
    )
    p["elastictransform"] = one(
        A.ElasticTransform(alpha=30.0, sigma=4.0, alpha_affine=2.0, p=0.3, **geo)
    )
    p["coarsedropout"] = one(
        A.CoarseDropout(
            min_holes=1, max_holes=3, min_height=2, max_height=6, min_width=2, max_width=6,
            fill_value=0, p=0.5,
        )
    )
    p["oneof"] = A.Compose(
        [A.OneOf([A.Rotate(limit=30, p=1.0, **geo), A.HorizontalFlip(p=1.0)], p=0.8)]
    )
    p["someof"] = A.Compose(
        [
            A.SomeOf(
                [A.Rotate(limit=10, p=1.0, **geo), A.HorizontalFlip(p=1.0), A.VerticalFlip(p=1.0)],
                n=2,
                replace=False,
                p=0.9,
            )
        ]
    )
    p["sequential"] = A.Compose(
        [A.Sequential([A.Rotate(limit=10, p=1.0, **geo), A.RandomCrop(height=28, width=28, p=1.0)], p=0.6)]
    )
    p["oneorother"] = A.Compose(
        [A.OneOrOther(first=A.HorizontalFlip(p=1.0), second=A.VerticalFlip(p=1.0), p=0.5)]
    )
    p["photometric"] = A.Compose(
        [
            A.RandomBrightnessContrast(brightness_limit=0.2, contrast_limit=0.2, p=0.5),
            A.GaussianBlur(blur_limit=(3, 5), sigma_limit=(0.1, 1.0), p=0.3),
            A.GaussNoise(var_limit=(10.0, 50.0), p=0.3),
            A.Rotate(limit=10, p=0.5, **geo),
        ]
    )
    p["unknown"] = A.Compose(
        [
            A.Perspective(scale=(0.02, 0.06), pad_mode=BORDER_CONSTANT, pad_val=0, p=0.5),
            A.GridDistortion(num_steps=5, distort_limit=0.2, p=0.3, **geo),
            A.HorizontalFlip(p=0.5),
        ]
    )
    # Defaults on purpose: 1.x Rotate's default border is cv2.BORDER_REFLECT_101 (4).
    p["rotate180_vflip"] = A.Compose([A.Rotate(limit=180, p=1.0), A.VerticalFlip(p=0.5)])
    p["typical_ocr"] = A.Compose(
        [
            A.Rotate(limit=5, p=0.5, **geo),
            A.Affine(
                scale=(0.9, 1.1), translate_percent=(-0.05, 0.05), shear=(-5, 5),
                mode=BORDER_CONSTANT, cval=0, p=0.5,
            ),
            A.RandomBrightnessContrast(brightness_limit=0.2, contrast_limit=0.2, p=0.5),
            A.GaussNoise(var_limit=(5.0, 25.0), p=0.3),
            A.CoarseDropout(
                min_holes=1, max_holes=2, min_height=2, max_height=4, min_width=2, max_width=4,
                fill_value=0, p=0.2,
            ),
        ]
    )
    return p


def compose_options() -> A.Compose:
    """A Compose with its own options set: p < 1, bbox/keypoint params, an additional target.

    Where the version accepts them, seed=, strict= and save_applied_params= are set too, to show
    that no version writes them (nor mask_interpolation=) to the file.
    """
    kw = dict(
        bbox_params=A.BboxParams(format="pascal_voc", min_visibility=0.1),
        keypoint_params=A.KeypointParams(format="xy"),
        additional_targets={"image2": "image"},
        is_check_shapes=False,
        p=0.9,
    )
    if (MAJOR, MINOR) >= (1, 4):
        kw.update(seed=137, strict=True, save_applied_params=True)
    rotate = A.Rotate(limit=10, border_mode=BORDER_CONSTANT, p=0.5)
    return A.Compose([A.HorizontalFlip(p=0.5), rotate], **kw)


def count_transforms(t) -> int:
    """Number of leaf transforms in a (possibly nested) pipeline."""
    children = getattr(t, "transforms", None)
    if children is None:
        return 1
    return sum(count_transforms(c) for c in children)


def check_roundtrip(path: Path, fmt: str) -> None:
    loaded = A.load(str(path), data_format=fmt)
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, size=(32, 32), dtype=np.uint8)
    # A Compose with bbox_params/keypoint_params wants those targets too (1.3 insists).
    extra = {key: [] for key in getattr(loaded, "processors", {})}
    for _ in range(5):
        out = loaded(image=img, **extra)["image"]
        assert out.dtype == np.uint8 and out.ndim == 2, (path, out.shape, out.dtype)


def write_bad(bad_dir: Path, rotate_json: Path) -> None:
    """Malformed inputs for error tests, derived from a real 2.x save."""
    bad_dir.mkdir(parents=True, exist_ok=True)
    text = rotate_json.read_text()
    # Cut in the middle of the document (inside the transform's fields).
    (bad_dir / "truncated.json").write_text(text[: len(text) // 2])
    # Valid JSON, but no "transform" key: what from_dict reads first.
    doc = json.loads(text)
    (bad_dir / "not_a_pipeline.json").write_text(
        json.dumps({"__version__": doc["__version__"], "transforms": [], "note": "no transform key"}, indent=2)
        + "\n"
    )
    # The real Rotate pipeline with the Rotate's p edited to 1.5 (valid range is [0, 1]).
    doc = json.loads(text)
    doc["transform"]["transforms"][0]["p"] = 1.5
    (bad_dir / "out_of_range.json").write_text(json.dumps(doc) + "\n")
    # A real YAML Rotate pipeline with its limit replaced by a string.
    import yaml

    doc = yaml.safe_load(rotate_json.with_suffix(".yaml").read_text())
    doc["transform"]["transforms"][0]["limit"] = "abc"
    (bad_dir / "bad_limit.yaml").write_text(yaml.safe_dump(doc, default_flow_style=False))
    # A class name that Albumentations has never had.
    doc = json.loads((rotate_json.parent / "horizontalflip.json").read_text())
    doc["transform"]["transforms"][0]["__class_fullname__"] = "FlipSideways"
    (bad_dir / "unknown_class.json").write_text(json.dumps(doc) + "\n")


def write_fullnames(legacy_dir: Path, source: Path) -> None:
    """The rotate180_vflip pipeline with module-qualified class names, as 0.x releases wrote
    them (0.5.2: "albumentations.core.composition.Compose",
    "albumentations.augmentations.transforms.Rotate"). Hand-derived from the 1.3 save, whose
    keys are the classic ones; every loader from 1.0 on strips an "albumentations." prefix
    down to the class name, so 1.3, 1.4 and 2.x all read it."""
    legacy_dir.mkdir(parents=True, exist_ok=True)
    modules = {
        "Compose": "albumentations.core.composition",
        "Rotate": "albumentations.augmentations.transforms",
        "VerticalFlip": "albumentations.augmentations.transforms",
    }

    def qualify(t: dict) -> None:
        t["__class_fullname__"] = f"{modules[t['__class_fullname__']]}.{t['__class_fullname__']}"
        for child in t.get("transforms", []):
            qualify(child)

    doc = json.loads(source.read_text())
    qualify(doc["transform"])
    target = legacy_dir / "rotate180_vflip_fullnames.json"
    target.write_text(json.dumps(doc, indent=2) + "\n")
    check_roundtrip(target, "json")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=REPO / "fixtures" / "pipelines" / SET)
    ap.add_argument("--bad", type=Path, default=REPO / "fixtures" / "pipelines" / "bad")
    args = ap.parse_args()

    if SET not in ("v2", "v1", "v1_3"):
        print(f"unsupported albumentations {A.__version__}", file=sys.stderr)
        return 2
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    # Warnings (deprecations, "Argument(s) ... are not valid") are caught and printed once per
    # pipeline, so that any fixture built from a deprecated or ignored argument is visible.
    notes: dict[str, list[str]] = {}

    def note(caught, where: str) -> None:
        for w in caught:
            notes.setdefault(f"{w.category.__name__}: {w.message}", []).append(where)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pipelines = (
            make_v2() if MAJOR == 2 else make_v1() if SET == "v1" else make_v1_legacy()
        )
        pipelines["compose_options"] = compose_options()
    note(caught, "construction")
    for name, pipe in pipelines.items():
        for fmt in ("json", "yaml"):
            path = out / f"{name}.{fmt}"
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                A.save(pipe, str(path), data_format=fmt)
                check_roundtrip(path, fmt)
            note(caught, f"load {path.name}")
            if fmt == "json":
                # A.save writes JSON without a final newline; add one so the files diff cleanly.
                path.write_text(path.read_text() + "\n")
        shown = out.relative_to(REPO) if out.is_relative_to(REPO) else out
        print(f"{shown}/{name}.{{json,yaml}}  {count_transforms(pipe)} transform(s)")

    if MAJOR == 2:
        write_bad(args.bad, out / "rotate.json")
        print(f"{args.bad.relative_to(REPO) if args.bad.is_relative_to(REPO) else args.bad}/: "
              "truncated.json not_a_pipeline.json out_of_range.json bad_limit.yaml unknown_class.json")
    if SET == "v1_3":
        write_fullnames(out.parent / "legacy", out / "rotate180_vflip.json")
        print("fixtures/pipelines/legacy/rotate180_vflip_fullnames.json")
    for msg, where in notes.items():
        places = sorted(set(where))
        more = f" and {len(places) - 3} more" if len(places) > 3 else ""
        print(f"note: {msg} (at {', '.join(places[:3])}{more})", file=sys.stderr)
    print(f"albumentations {A.__version__}: {len(pipelines)} pipelines written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
