"""augsafe: which data augmentations are safe for a character dataset.

``augsafe.scan`` runs rotations, flips, crops and the rest over every glyph of a dataset and
judges, with a template classifier built from the dataset itself, which of them change labels
(a 6 turned upside down reads as 9, a mirrored b as d). The work is done by augsafe's Rust
library; this package hands it paths or images and gives back a :class:`Report`.

>>> import augsafe
>>> report = augsafe.scan("fixtures/digits", ["rotate:180", "rotate:-10..10"])
>>> report.unsafe_classes("rotate:180")
['6', '9', ...]
"""

from __future__ import annotations

import html
import json
import os
import warnings
from typing import Any, Callable as CallableType, Iterable, Optional, Sequence, Tuple, Union

import numpy as np

from . import _augsafe
from ._augsafe import AugsafeError
from ._callable import Callable, check
from ._images import to_grey
from ._model import Judge, Model, judge_spec
from ._progress import Progress, watched

__version__: str = _augsafe.__version__
__all__ = [
    "scan",
    "sweep",
    "recommend",
    "Report",
    "SweepReport",
    "Recommendation",
    "Callable",
    "Model",
    "AugsafeError",
    "__version__",
]

#: What ``scan`` takes as data: a path, or images in memory.
Data = Union[str, "os.PathLike[str]", np.ndarray, Sequence[Any]]


def _framed(page: str) -> str:
    """A page in a frame of its own, for a notebook: its styles cannot reach the notebook's,
    and it needs nothing from outside (its images are inline)."""
    return (
        '<iframe class="augsafe-report" style="width: 100%; height: 720px; border: 0" '
        f'srcdoc="{html.escape(page, quote=True)}"></iframe>'
    )


class _Rendered:
    """A report kept by the engine: its JSON as a dictionary, and its other formats."""

    #: What the HTML page shows as the call that made it.
    _call = "augsafe.scan(...)"

    def __init__(self, native: Any) -> None:
        self._native = native
        self._dict: Optional[dict] = None

    def to_dict(self) -> dict:
        """The report as the JSON schema's dictionary (a fresh copy each call)."""
        return json.loads(self.to_json())

    def to_json(self, indent: Optional[int] = 2) -> str:
        """The report as JSON text, as the CLI's ``--json`` writes it."""
        text = self._native.json()
        if indent == 2:
            return text
        return json.dumps(json.loads(text), indent=indent)

    def to_markdown(self) -> str:
        """A GitHub-flavoured Markdown summary: the verdict table, legend and notes."""
        return self._native.markdown()

    def to_text(self) -> str:
        """The report as the command line prints it, without colour."""
        return self._native.text()

    def to_html(self, path: Union[str, "os.PathLike[str]", None] = None) -> str:
        """A self-contained HTML page (a scan's verdicts, heat maps and example strips; a
        sweep's plot and table); written to ``path`` too when one is given. Returns the page."""
        page = self._native.html(self._call)
        if path is not None:
            with open(path, "w", encoding="utf-8") as out:
                out.write(page)
        return page

    def _repr_html_(self) -> str:
        return _framed(self._native.html(self._call))

    def _data(self) -> dict:
        if self._dict is None:
            self._dict = self.to_dict()
        return self._dict


class Report(_Rendered):
    """The result of a scan: everything the CLI's JSON report holds, and its other formats.

    ``to_dict()`` is the JSON schema of the command line as Python values;
    ``to_markdown()``, ``to_text()`` and ``to_html()`` render it as the CLI does, and a
    notebook shows it through ``_repr_html_``.
    """

    def __repr__(self) -> str:
        data = self._data()
        verdicts = ", ".join(f"{t['spec']}: {t['verdict']}" for t in data["transforms"])
        root = data["dataset"]["root"]
        return f"<augsafe.Report of {root}: {verdicts}>"

    @property
    def transforms(self) -> list:
        """The specs of the transformations scanned, in report order."""
        return [t["spec"] for t in self._data()["transforms"]]

    def _transform(self, transform: str) -> dict:
        for entry in self._data()["transforms"]:
            if entry["spec"] == transform:
                return entry
        raise KeyError(f"{transform!r} is not in this report; it has {self.transforms}")

    def verdict(self, transform: str) -> str:
        """The verdict of one transformation: ``safe``, ``caution``, ``unsafe`` or
        ``not_judged``."""
        return self._transform(transform)["verdict"]

    def unsafe_classes(self, transform: str, *, caution: bool = False) -> list:
        """The classes a transformation is unsafe for (and those it needs caution for, with
        ``caution=True``), in the dataset's class order."""
        wanted = {"unsafe", "caution"} if caution else {"unsafe"}
        return [c["label"] for c in self._transform(transform)["classes"] if c["verdict"] in wanted]

    def pairs(self, transform: Optional[str] = None) -> list:
        """The from→to changes counted, most frequent first: dictionaries with ``from``,
        ``to`` (``None`` for a glyph destroyed), ``count`` and ``rate``; with ``transform``,
        of that transformation only, else of all with a ``transform`` key added."""
        if transform is not None:
            return [dict(p) for p in self._transform(transform)["pairs"]]
        return [
            dict(p, transform=t["spec"]) for t in self._data()["transforms"] for p in t["pairs"]
        ]


def _label_names(labels: Any, classes: Optional[Sequence[str]], count: int) -> list:
    names = list(np.asarray(labels).tolist()) if isinstance(labels, np.ndarray) else list(labels)
    if len(names) != count:
        raise AugsafeError(f"{count} images but {len(names)} labels")
    out = []
    for i, label in enumerate(names):
        if isinstance(label, (bool, np.bool_)):
            raise AugsafeError(f"label {i}: {label!r} is neither a name nor a class index")
        if isinstance(label, (int, np.integer)):
            if classes is None:
                out.append(str(int(label)))
            elif 0 <= int(label) < len(classes):
                out.append(str(classes[int(label)]))
            else:
                raise AugsafeError(
                    f"label {i}: index {int(label)} is outside the {len(classes)} class names"
                )
        elif isinstance(label, str):
            out.append(label)
        else:
            raise AugsafeError(f"label {i}: {label!r} is neither a name nor a class index")
    return out


def _probe() -> np.ndarray:
    """A small glyph to try callables on before a scan: a dark F on white, which no turn or
    flip leaves as it is (a random flip or quarter turn must look random on it)."""
    probe = np.full((28, 28), 255, dtype=np.uint8)
    probe[5:23, 7:11] = 0
    probe[5:9, 7:21] = 0
    probe[12:16, 7:17] = 0
    return probe


def _is_albumentations(item: Any) -> bool:
    module = getattr(type(item), "__module__", "") or ""
    return module.split(".")[0] == "albumentations"


def _albumentations(item: Any) -> tuple:
    """An Albumentations transform or ``Compose`` as its own serialisation: its class name and
    the JSON ``albumentations.save`` would write, which augsafe reads as a saved pipeline."""
    import albumentations

    try:
        document = albumentations.to_dict(item)
    except Exception as err:  # noqa: BLE001 - the library's own refusal, named
        raise AugsafeError(
            f"{type(item).__name__}: Albumentations cannot serialise it ({type(err).__name__}: "
            f"{err}); augsafe reads pipelines through their own to_dict"
        ) from err
    return (type(item).__name__, json.dumps(document))


def _items(transforms: Any, seed: int) -> tuple:
    """The transforms as the engine takes them: spec strings and (label, Callable, random)
    triples in their order, each callable tried first; and the Albumentations pipeline, if
    one is among them, as (name, JSON)."""
    if transforms is None:
        return [], None
    if isinstance(transforms, str) or callable(transforms):
        transforms = [transforms]
    items: list = []
    pipeline = None
    for item in transforms:
        if isinstance(item, str):
            items.append(item)
            continue
        if _is_albumentations(item):
            if pipeline is not None:
                raise AugsafeError(
                    "transforms: one Albumentations pipeline per scan (put its transforms in "
                    "one Compose)"
                )
            pipeline = _albumentations(item)
            continue
        if not callable(item):
            raise TypeError(
                f"transforms: {item!r} is neither a spec string such as 'rotate:-10..10' nor a "
                "callable that takes an image and returns one"
            )
        wrapped = item if isinstance(item, Callable) else Callable(item)
        random_, note = check(wrapped, _probe(), seed)
        if note is not None:
            warnings.warn(note, stacklevel=3)
        items.append((wrapped.label, wrapped, random_))
    if not items and pipeline is None:
        raise AugsafeError("transforms is empty; give None for the default set")
    labels = [i[0] if isinstance(i, tuple) else i for i in items]
    twice = sorted({label for label in labels if labels.count(label) > 1})
    if any(isinstance(i, tuple) for i in items) and twice:
        raise AugsafeError(
            f"transforms: {', '.join(twice)} given twice; name callables apart with "
            "augsafe.Callable(fn, name=...)"
        )
    return items, pipeline


def scan(
    data: Data,
    transforms: Union[str, CallableType[..., Any], Iterable[Any], None] = None,
    *,
    labels: Optional[Sequence[Any]] = None,
    classes: Optional[Sequence[str]] = None,
    format: Optional[str] = None,
    split: Optional[str] = None,
    seed: int = 42,
    draws: int = 5,
    control: Optional[str] = "default",
    examples: int = 6,
    judge: Judge = "templates",
    progress: Progress = None,
) -> Report:
    """Scan a dataset: which transformations change which labels, how often, into what.

    Parameters
    ----------
    data:
        A path the command line reads (an ImageFolder tree ``ROOT/<label>/<image>``, a folder
        holding an IDX pair, a CSV manifest of ``path,label`` rows, a pixel CSV such as
        Kaggle's ``train.csv``, NumPy's ``mnist.npz`` or a folder of ``.npy``/``.npz`` files;
        the training split where there are several), or images in memory:
        a NumPy array N×H×W (or N×H×W×1, or colour N×H×W×3), or a list of arrays or PIL
        images, with ``labels``. Grey levels are taken as they are; float images in 0..1 are
        scaled; colour is turned to grey.
    transforms:
        A list of spec strings (``"rotate:180"``, ``"rotate:-10..10"``, ``"hflip"``,
        ``"crop:0.7"``, ``"p=0.5:hflip"``, ``"A+B"``; the README lists them all) and Python
        callables that take an image and return one (a function, a torchvision v2
        ``Compose``, a Kornia module; see :class:`Callable`), reported in their order; or one
        of them. An Albumentations transform or ``Compose`` (one per scan) is read through its
        own ``to_dict``, run by augsafe's engine and reported first, as the CLI reports a
        pipeline file: as a whole, then component by component (``report.to_dict()
        ["pipeline"]`` names what it passed through or could not evaluate). ``None`` scans the default set of rotations, flips and crops. Each callable
        is tried on a small glyph first: one that raises or returns no image is an error, one
        that gives another image under the same seed a warning.
    labels:
        With images in memory: one label per image, as names, or as indices into
        ``classes`` (indices without ``classes`` are named by their number).
    classes:
        The class names that integer ``labels`` index.
    format, split:
        With a path: its format (``"folder"``, ``"idx"``, ``"manifest"``, ``"pixel-csv"``,
        ``"numpy"``, ``"gnt"``, ``"parquet"``; ``None`` tells it from the path) and which
        split to read where it holds several (``"test"``; ``None``: the training split).
    seed:
        Decides every random draw: the same seed gives the same report.
    draws:
        How many times each random transformation is drawn per image.
    control:
        The control transformation that shows the judge's own noise (``"default"``: a jitter
        of a pixel and a degree or two), another spec, or ``None`` for none.
    examples:
        Example strips per flagged from→to pair in the HTML report.
    judge:
        Who reads the glyphs: ``"templates"`` (augsafe's template classifier built from the
        dataset), your own model (a :class:`Model`, or the path of its ``.onnx`` file with
        the default settings), or ``[model, "templates"]`` to have both judge and each
        transformation's agreement reported (the report is the model's).
    progress:
        ``None`` shows a progress bar in a notebook, or a line on a terminal's standard error,
        once the work has lasted a second; ``True`` always, from the start; ``False`` never;
        a callable is called with ``(done, total)`` about ten times a second. Ctrl-C (or a
        notebook's interrupt) stops the work and raises ``KeyboardInterrupt``; an exception
        raised by the callable stops it too, and is raised. Nothing is left running.

    Returns
    -------
    Report
        The scan's report.

    Raises
    ------
    AugsafeError
        For a bad spec, data augsafe cannot read, labels that do not fit the images, fewer
        than two classes, or a callable that raises or returns no image.
    TypeError
        For an item of ``transforms`` that is neither a spec nor callable.
    """
    seed_, draws_, control_spec = _judging(seed, draws, control)
    if not isinstance(examples, (int, np.integer)) or isinstance(examples, bool) or examples < 0:
        raise AugsafeError(f"examples must be a whole number from 0, not {examples!r}")
    items, pipeline = _items(transforms, seed_)
    model, templates_too = judge_spec(judge)
    common = (items, pipeline, seed_, draws_, control_spec, int(examples), model, templates_too)
    dataset = _dataset(data, labels, classes, (format, split))
    native = watched(
        lambda shown: _augsafe.scan(dataset, *common, shown), progress, "scanning", "images"
    )
    return Report(native)


def _dataset(
    data: Data,
    labels: Optional[Sequence[Any]],
    classes: Optional[Sequence[str]],
    reading: Tuple[Optional[str], Optional[str]] = (None, None),
) -> Any:
    """The native dataset of a path (``reading``: its format and split, or ``None`` to tell
    them), or of images in memory with their labels."""
    format_, split = reading
    if isinstance(data, (str, os.PathLike)):
        if labels is not None or classes is not None:
            raise AugsafeError("labels and classes go with images in memory, not with a path")
        path = os.fspath(data)
        if not os.path.exists(path):
            raise AugsafeError(f"{path}: no such file or folder")
        return _augsafe.load_path(path, format_, split)
    if format_ is not None or split is not None:
        raise AugsafeError("format and split go with a path, not with images in memory")
    if labels is None:
        raise AugsafeError("images in memory need labels: scan(images, labels=[...])")
    if isinstance(data, np.ndarray):
        if data.ndim not in (3, 4):
            raise AugsafeError(
                f"an array of images must be N×H×W or N×H×W×C, got shape {data.shape}"
            )
        images = [data[i] for i in range(data.shape[0])]
    else:
        images = list(data)
    names = _label_names(labels, classes, len(images))
    grey = [to_grey(image, f"image {i}", AugsafeError) for i, image in enumerate(images)]
    return _augsafe.from_images([(g.shape[0], g.shape[1], g.tobytes()) for g in grey], names)


def _judging(seed: Any, draws: Any, control: Optional[str]) -> tuple:
    """The seed, draws and control as the engine takes them, checked."""
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise AugsafeError(f"seed must be a whole number from 0, not {seed!r}")
    if not isinstance(draws, (int, np.integer)) or isinstance(draws, bool) or draws < 1:
        raise AugsafeError(f"draws must be a whole number from 1, not {draws!r}")
    if control is None:
        control_spec: Optional[str] = "none"
    elif control == "default":
        control_spec = None
    else:
        control_spec = control
    return int(seed), int(draws), control_spec


class SweepReport(_Rendered):
    """The result of :func:`sweep`: per class, the loss rate along the swept parameter and
    the safe range; ``to_svg()`` plots it, ``to_html()`` gives the plot and the table."""

    _call = "augsafe.sweep(...)"

    def __repr__(self) -> str:
        data = self._data()
        return f"<augsafe.SweepReport of {data['op']} on {data['dataset']['root']}: safe {data['safe_spec']}>"

    @property
    def safe_spec(self) -> str:
        """The widest range safe for every class, as a spec (``rotate:-30..30``)."""
        return self._data()["safe_spec"]

    @property
    def safe_range(self) -> tuple:
        """The safe range of the whole dataset, (from, to)."""
        low, high = self._data()["overall"]["safe_range"]
        return (low, high)

    def to_svg(self) -> str:
        """The plot of the loss rate against the parameter, one line per class that changes."""
        return self._native.svg()


def sweep(
    data: Data,
    op: str,
    range: Optional[tuple] = None,
    step: Optional[float] = None,
    *,
    labels: Optional[Sequence[Any]] = None,
    classes: Optional[Sequence[str]] = None,
    format: Optional[str] = None,
    split: Optional[str] = None,
    seed: int = 42,
    draws: int = 5,
    control: Optional[str] = "default",
    judge: Judge = "templates",
    progress: Progress = None,
) -> SweepReport:
    """Sweep one transformation's parameter: the loss rate per class along it, and the
    range that is safe for every class.

    ``op`` is ``rotate`` (degrees; a value v pools v and -v), ``crop`` (fraction kept),
    ``scale`` (factor), ``shear`` (degrees) or ``translate`` (fraction of the size); ``range``
    is ``(from, to)`` and ``step`` the step between values (defaults as the CLI's). ``data``,
    ``labels``, ``classes``, ``format``, ``split``, ``seed``, ``draws``, ``control``,
    ``judge`` (one judge) and ``progress`` are as for :func:`scan`.
    Raises :class:`AugsafeError` for an unknown op or a range it does not accept.
    """
    seed_, draws_, control_spec = _judging(seed, draws, control)
    model, _ = judge_spec(judge, "sweep")
    low, high = (None, None) if range is None else (float(range[0]), float(range[1]))
    dataset = _dataset(data, labels, classes, (format, split))
    values = (low, high, None if step is None else float(step))
    settings = (seed_, draws_, control_spec, model)
    native = watched(
        lambda shown: _augsafe.sweep(dataset, op, values, *settings, shown),
        progress,
        "sweeping",
        "images",
    )
    return SweepReport(native)


class Recommendation:
    """The result of :func:`recommend`: what became of each component, the class-conditional
    policy, and the recommended pipeline (verified as a whole)."""

    def __init__(self, native: Any) -> None:
        self._native = native

    def to_dict(self) -> dict:
        """The recommendation as the JSON report's dictionary (``augsafe recommend --json``)."""
        return json.loads(self._native.json())

    def to_json(self) -> str:
        """The recommendation as JSON text."""
        return self._native.json()

    def to_text(self) -> str:
        """The recommendation as the command line prints it."""
        return self._native.text()

    def policy(self) -> dict:
        """The class-conditional policy: per component not kept as it was, the classes it is
        safe for at full strength and those it is not."""
        return json.loads(self._native.policy())

    def document(self) -> dict:
        """The recommended pipeline in Albumentations' own serialisation."""
        return json.loads(self._native.document("json"))

    def pipeline(self) -> Any:
        """The recommended pipeline as an Albumentations object (``albumentations.from_dict``);
        the document as a dictionary when Albumentations is not installed."""
        try:
            import albumentations
        except ImportError:
            return self.document()
        return albumentations.from_dict(self.document())

    def save(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Writes the recommended pipeline, JSON or YAML by the extension, readable by
        ``albumentations.load``."""
        name = os.fspath(path)
        format_ = "yaml" if name.endswith((".yaml", ".yml")) else "json"
        with open(name, "w", encoding="utf-8") as out:
            out.write(self._native.document(format_))

    def __repr__(self) -> str:
        data = self.to_dict()
        actions = ", ".join(f"{c['component']}: {c['action']}" for c in data["changes"])
        return f"<augsafe.Recommendation: {actions}; verified {data['verification']['verdict']}>"


def recommend(
    data: Data,
    pipeline: Any = None,
    *,
    labels: Optional[Sequence[Any]] = None,
    classes: Optional[Sequence[str]] = None,
    format: Optional[str] = None,
    split: Optional[str] = None,
    seed: int = 42,
    draws: int = 5,
    control: Optional[str] = "default",
    judge: Judge = "templates",
    progress: Progress = None,
) -> Recommendation:
    """Recommend a safe training pipeline: each geometric component of ``pipeline`` (an
    Albumentations object, or a path to one saved by ``albumentations.save``; ``None``: a
    broad candidate of augsafe's own) kept, narrowed toward no change until every class is
    safe, or removed. ``data`` and the rest are as for :func:`scan` (one judge; ``progress``
    counts components). The result's
    ``pipeline()`` is an Albumentations object when Albumentations is installed.
    """
    seed_, draws_, control_spec = _judging(seed, draws, control)
    model, _ = judge_spec(judge, "recommend")
    if pipeline is None:
        given = None
    elif isinstance(pipeline, (str, os.PathLike)):
        path = os.fspath(pipeline)
        try:
            with open(path, encoding="utf-8") as source:
                text = source.read()
        except OSError as err:
            raise AugsafeError(f"{path}: {err.strerror}") from err
        if path.endswith((".yaml", ".yml")):
            raise AugsafeError(f"{path}: give a YAML pipeline to the CLI, or load it first")
        given = (os.path.basename(path), text)
    elif _is_albumentations(pipeline):
        given = _albumentations(pipeline)
    else:
        raise TypeError(f"pipeline: {pipeline!r} is not an Albumentations object or a path")
    dataset = _dataset(data, labels, classes, (format, split))
    settings = (seed_, draws_, control_spec, model)
    native = watched(
        lambda shown: _augsafe.recommend(dataset, given, *settings, shown),
        progress,
        "recommending",
        "components",
    )
    return Recommendation(native)
