"""Type stubs of augsafe's native module (the Rust library); see ``augsafe`` for the API."""

from typing import Any, Callable, List, Optional, Tuple, Union

__version__: str

#: A spec, or a callable's (label, wrapper, whether it draws at random).
Item = Union[str, Tuple[str, Any, bool]]

#: A model judge: path, ink, mean, std, transpose, label file, margin.
ModelSpec = Tuple[str, str, float, float, bool, Optional[str], float]

class AugsafeError(ValueError):
    """Input augsafe cannot use: a bad spec, a dataset it cannot read, too few classes."""

class NativeDataset:
    """A dataset read once, for scans, sweeps and recommendations."""

    def classes(self) -> List[str]: ...
    def __len__(self) -> int: ...

class NativeReport:
    """A finished scan, kept in Rust for rendering."""

    def json(self) -> str: ...
    def markdown(self) -> str: ...
    def text(self) -> str: ...
    def html(self, command: str) -> str: ...

class NativeSweep:
    """A finished sweep."""

    def json(self) -> str: ...
    def markdown(self) -> str: ...
    def text(self) -> str: ...
    def html(self, command: str) -> str: ...
    def svg(self) -> str: ...

class NativeRecommendation:
    """A finished recommendation."""

    def json(self) -> str: ...
    def text(self) -> str: ...
    def policy(self) -> str: ...
    def document(self, format: str) -> str: ...

def load_path(path: str, format: Optional[str] = None, split: Optional[str] = None) -> NativeDataset: ...
def from_images(images: List[Tuple[int, int, bytes]], labels: List[str]) -> NativeDataset: ...
def scan(
    dataset: NativeDataset,
    transforms: List[Item],
    albumentations: Optional[Tuple[str, str]],
    seed: int,
    draws: int,
    control: Optional[str],
    examples: int,
    model: Optional[ModelSpec],
    templates_too: bool,
    progress: Optional[Callable[[int, int], Any]],
) -> NativeReport: ...
def sweep(
    dataset: NativeDataset,
    op: str,
    values: Tuple[Optional[float], Optional[float], Optional[float]],
    seed: int,
    draws: int,
    control: Optional[str],
    model: Optional[ModelSpec],
    progress: Optional[Callable[[int, int], Any]],
) -> NativeSweep: ...
def recommend(
    dataset: NativeDataset,
    albumentations: Optional[Tuple[str, str]],
    seed: int,
    draws: int,
    control: Optional[str],
    model: Optional[ModelSpec],
    progress: Optional[Callable[[int, int], Any]],
) -> NativeRecommendation: ...
