"""Real torchvision v2 and Kornia augmentations as callables: the README's example, a mirror
that judges as `hflip`, a half turn that reads 6 as 9, draws seeded through PyTorch's
generator so that a report repeats."""

import warnings

import pytest

import augsafe
from common import DIGITS, require

torch = require("torch", "the torchvision and Kornia checks")
T = require("torchvision.transforms.v2", "the torchvision checks").transforms.v2
kornia = require("kornia", "the Kornia checks")
import kornia.augmentation as K  # noqa: E402 - only once Kornia is known to be there


def verdicts(transform):
    return [(c["label"], c["verdict"]) for c in transform["classes"]]


def scan_quietly(transforms, **settings):
    """The report's transforms, failing on any warning (a callable that does not repeat)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return augsafe.scan(DIGITS, transforms, **settings).to_dict()["transforms"]


def test_a_torchvision_mirror_judges_as_hflip():
    spec, mirror = scan_quietly(["hflip", T.RandomHorizontalFlip(p=1.0)])
    assert mirror["spec"] == "callable:RandomHorizontalFlip"
    assert verdicts(mirror) == verdicts(spec)
    assert mirror["change_rate"] == spec["change_rate"]
    # Never random, so drawn once per glyph, as the flip is.
    assert mirror["samples"] == spec["samples"]


def test_a_torchvision_half_turn_reads_six_as_nine():
    (half_turn,) = scan_quietly([T.RandomRotation((180, 180))])
    assert half_turn["verdict"] == "unsafe"
    six_as_nine = sum(p["count"] for p in half_turn["pairs"] if p["from"] == "6" and p["to"] == "9")
    assert six_as_nine >= 15


def test_the_readme_compose_is_drawn_seeded_and_repeats():
    train_tf = T.Compose([T.RandomRotation(15), T.RandomAffine(0, translate=(0.1, 0.1))])
    first = scan_quietly([train_tf, "hflip"], draws=3)
    composed = first[0]
    assert composed["spec"] == "callable:Compose"
    # Random under PyTorch's generator: drawn three times per glyph the flip is drawn once.
    assert composed["samples"] == 3 * first[1]["samples"]
    assert scan_quietly([train_tf, "hflip"], draws=3) == first
    assert scan_quietly([train_tf], draws=3, seed=7)[0] != composed
    # As the README says: torchvision fills the corners it turns in with black, which is ink
    # on these white pages; filled with the background, the same Compose is safe.
    assert composed["verdict"] == "unsafe" and composed["destroyed_rate"] > 0.5
    white = T.Compose([T.RandomRotation(15, fill=255), T.RandomAffine(0, translate=(0.1, 0.1), fill=255)])
    (filled,) = scan_quietly([white])
    assert filled["verdict"] == "safe" and filled["destroyed_rate"] == 0.0


def test_a_kornia_module_is_handed_tensors():
    spec, mirror, turned = scan_quietly(
        ["hflip", K.RandomHorizontalFlip(p=1.0), K.RandomRotation(degrees=180.0, p=1.0)]
    )
    assert mirror["spec"] == "callable:RandomHorizontalFlip"
    assert verdicts(mirror) == verdicts(spec)
    # Random: drawn every time, and flagged for what a turn of up to 180° does to 6 and 9.
    assert turned["samples"] == 5 * spec["samples"]
    assert {"6", "9"} <= {c["label"] for c in turned["classes"] if c["verdict"] == "unsafe"}


def test_a_torchvision_transform_can_be_handed_tensors():
    spec, mirror = scan_quietly(["hflip", augsafe.Callable(T.RandomHorizontalFlip(p=1.0), takes="tensor")])
    assert verdicts(mirror) == verdicts(spec)
