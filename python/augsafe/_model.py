"""Your own recogniser as the judge: an ONNX model read by augsafe's engine (tract, in Rust)."""

from __future__ import annotations

import math
import os
from typing import Any, Optional, Sequence, Tuple, Union

from ._augsafe import AugsafeError

_INKS = ("bright", "dark", "as-stored")


class Model:
    """Your own recogniser, exported to ONNX, as the judge instead of augsafe's templates:
    what it reads correctly untransformed is drawn, and its readings of the transformed
    glyphs decide the verdicts (as ``augsafe scan --judge FILE.onnx``).

    Parameters
    ----------
    path:
        The ``.onnx`` file (one input of N×1×H×W, N×H×W×1, N×H×W or N×H·W floats; one output
        of a score per class).
    ink:
        Which way round the model wants the ink: ``"bright"`` on dark (as MNIST models),
        ``"dark"`` on light, or ``"as-stored"``.
    mean, std:
        The normalisation it was trained with, on pixels scaled to 0..1 (``0.1307`` and
        ``0.3081`` for the usual MNIST one).
    transpose:
        The model was trained on images stored transposed (EMNIST's files as they are).
    labels:
        A file naming the model's outputs, one per line in output order; without it, the
        outputs are the dataset's classes in their order.
    margin:
        How far, in probability, another class must lead for a change to count; closer calls
        are uncertain.
    """

    def __init__(
        self,
        path: Union[str, "os.PathLike[str]"],
        *,
        ink: str = "bright",
        mean: float = 0.0,
        std: float = 1.0,
        transpose: bool = False,
        labels: Union[str, "os.PathLike[str]", None] = None,
        margin: float = 0.1,
    ) -> None:
        if ink not in _INKS:
            raise AugsafeError(f"ink {ink!r}: one of {', '.join(_INKS)}")
        if not math.isfinite(mean):
            raise AugsafeError(f"mean must be a finite number, not {mean!r}")
        if not (math.isfinite(std) and std > 0):
            raise AugsafeError(f"std must be a positive number, not {std!r}")
        if not 0.0 <= margin <= 1.0:
            raise AugsafeError(f"margin is a probability, from 0 to 1, not {margin!r}")
        self.path = os.fspath(path)
        self.ink, self.mean, self.std = ink, float(mean), float(std)
        self.transpose = bool(transpose)
        self.labels = None if labels is None else os.fspath(labels)
        self.margin = float(margin)

    def _spec(self) -> tuple:
        return (self.path, self.ink, self.mean, self.std, self.transpose, self.labels, self.margin)

    def __repr__(self) -> str:
        return f"augsafe.Model({self.path!r}, ink={self.ink!r}, margin={self.margin})"


#: What ``judge=`` takes: ``"templates"``, a model (a :class:`Model` or its path), or for a
#: scan both of them in a list, to compare.
Judge = Union[str, "os.PathLike[str]", Model, Sequence[Union[str, "os.PathLike[str]", Model]]]


def judge_spec(judge: Judge, alone: Optional[str] = None) -> Tuple[Optional[tuple], bool]:
    """The engine's model settings (or ``None`` for the templates) and whether the templates
    judge beside the model. ``alone`` names a call that takes one judge only."""
    items: Sequence[Any] = list(judge) if isinstance(judge, (list, tuple)) else [judge]
    models = []
    templates = False
    for item in items:
        if isinstance(item, str) and item in ("template", "templates"):
            templates = True
        elif isinstance(item, Model):
            models.append(item)
        elif isinstance(item, (str, os.PathLike)):
            models.append(Model(item))
        else:
            raise TypeError(f"judge: {item!r} is not 'templates', a Model or a model's path")
    if not items or len(models) > 1 or len(items) > 2:
        raise AugsafeError("judge takes one model, and 'templates' beside it at most")
    if alone is not None and len(items) > 1:
        raise AugsafeError(
            f"{alone} takes one judge; to compare a model with the templates, scan with both "
            "(augsafe.scan(data, judge=[model, 'templates']))"
        )
    return (models[0]._spec() if models else None), templates and bool(models)
