"""Python callables as augmentations: what the Rust engine calls for every draw."""

from __future__ import annotations

import inspect
import random
import sys
import threading
from typing import Any, Callable as CallableType, Optional

import numpy as np

from ._augsafe import AugsafeError
from ._images import to_grey

#: Held from seeding the global generators to the end of the call, so that no other draw
#: (the engine calls from several threads) reseeds them in between: Python may switch
#: threads between any two bytecodes, and PyTorch's operations let go of the GIL.
_SEEDED_CALL = threading.Lock()

#: What a callable is handed: NumPy arrays, PIL images or PyTorch tensors.
TAKES = ("array", "pil", "tensor")


class Callable:
    """A Python augmentation for ``augsafe.scan``: ``fn`` takes one image and returns one.

    A bare callable in ``transforms`` is wrapped in one of these, so this is needed only to
    name it in the report (``name``) or to say what it takes (``takes``: ``"array"``, a
    2-D uint8 NumPy array; ``"pil"``, a PIL image in mode ``L``; or ``"tensor"``, a PyTorch
    float tensor 1×1×H×W in 0..1). torchvision transforms are handed PIL images and Kornia
    modules tensors unless told otherwise, everything else arrays. It returns the same kind:
    an array (H×W or H×W×1, uint8, or floats in 0..1), a PIL image, or a tensor (H×W, 1×H×W
    or 1×1×H×W, floats in 0..1).

    Each draw gets its own seed, from the scan's ``seed``: passed as ``rng`` (a
    ``numpy.random.Generator``) when ``fn`` takes a parameter of that name, and set in
    Python's ``random``, NumPy's global generator and PyTorch's (when it is imported) before
    each call, so that torchvision and hand-written augmentations draw the same values on
    every run.
    """

    def __init__(self, fn: CallableType[..., Any], *, name: Optional[str] = None, takes: Optional[str] = None):
        if not callable(fn):
            raise TypeError(f"{fn!r} is not callable")
        if takes is None:
            module = getattr(type(fn), "__module__", "") or ""
            if module.startswith("torchvision"):
                takes = "pil"
            elif module.startswith("kornia"):
                takes = "tensor"
            else:
                takes = "array"
        if takes not in TAKES:
            raise AugsafeError(f"takes must be one of {TAKES}, not {takes!r}")
        self.fn = fn
        self.takes = takes
        self.name = name or _name_of(fn)
        try:
            parameters = inspect.signature(fn).parameters
        except (TypeError, ValueError):
            parameters = {}
        self.wants_rng = "rng" in parameters

    @property
    def label(self) -> str:
        """The label of its rows in the report."""
        return f"callable:{self.name}"

    def apply(self, image: np.ndarray, seed: int) -> np.ndarray:
        """``fn`` on one grey image (2-D uint8) with the draw's ``seed``; the result as a 2-D
        uint8 array. Raises ``TypeError`` for a result that is no image."""
        given: Any = image
        if self.takes == "pil":
            from PIL import Image

            given = Image.fromarray(image)  # mode L: a 2-D uint8 array
        elif self.takes == "tensor":
            import torch

            given = torch.from_numpy(image.astype(np.float32) / 255.0)[None, None]
        with _SEEDED_CALL:
            _seed_everything(seed)
            if self.wants_rng:
                result = self.fn(given, rng=np.random.default_rng(seed))
            else:
                result = self.fn(given)
        return to_grey(result, f"what {self.label} returned", TypeError)

    def __call__(self, pixels: bytes, height: int, width: int, seed: int):
        # The engine's side: bytes in, (height, width, bytes) out.
        image = np.frombuffer(pixels, dtype=np.uint8).reshape(height, width).copy()
        out = self.apply(image, seed)
        return (out.shape[0], out.shape[1], out.tobytes())

    def __repr__(self) -> str:
        return f"augsafe.Callable({self.fn!r}, name={self.name!r}, takes={self.takes!r})"


def _name_of(fn: Any) -> str:
    """A function's name (``lambda`` for a lambda), else its class's (``Compose``)."""
    name = getattr(fn, "__name__", None)
    if not isinstance(name, str):
        return type(fn).__name__
    return "lambda" if name == "<lambda>" else name


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch = sys.modules.get("torch")
    if torch is not None:
        # The CPU generator directly: torch.manual_seed also walks every other device's
        # generators, forty times the cost, which a scan pays on every draw.
        torch.random.default_generator.manual_seed(seed % 2**63)
        cuda = getattr(torch, "cuda", None)
        if cuda is not None and cuda.is_initialized():
            cuda.manual_seed_all(seed % 2**63)


def check(callable_: Callable, image: np.ndarray, seed: int) -> tuple:
    """Tries it on ``image`` before the scan. An exception or a wrong result is raised now,
    with its name. Returns ``(random, note)``: whether it gives other images under other seeds
    (one that never does is drawn once per glyph, as a flip is), and, when it gives two images
    under one seed, a note that its report will not repeat."""
    try:
        first = callable_.apply(image, seed)
        repeats = [callable_.apply(image, seed) for _ in range(2)]
        others = [callable_.apply(image, seed + k) for k in range(1, 6)]
    except Exception as err:  # noqa: BLE001 - any failure of user code, named and re-raised
        raise AugsafeError(f"transform {callable_.label}: {type(err).__name__}: {err}") from err

    def same(a: np.ndarray, b: np.ndarray) -> bool:
        return a.shape == b.shape and np.array_equal(a, b)

    random_ = not all(same(first, other) for other in others)
    if not all(same(first, repeat) for repeat in repeats):
        return True, (
            f"{callable_.label} gave two different images for one seed: it draws from a "
            "generator augsafe does not seed (take an `rng` parameter, or use Python's random, "
            "NumPy's global generator or PyTorch's), so its report will not repeat"
        )
    return random_, None
