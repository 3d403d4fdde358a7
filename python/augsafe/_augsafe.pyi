"""Type stubs of augsafe's native module (the Rust library); see ``augsafe`` for the API."""

from typing import Any, List, Optional, Tuple, Union

Item = Union[str, Tuple[str, Any, bool]]

__version__: str

class AugsafeError(ValueError):
    """Input augsafe cannot use: a bad spec, a dataset it cannot read, too few classes."""

class NativeReport:
    """A finished scan, kept in Rust for rendering."""

    def json(self) -> str: ...
    def markdown(self) -> str: ...
    def text(self) -> str: ...
    def html(self, command: str) -> str: ...

def scan_path(
    path: str,
    transforms: List[Item],
    albumentations: Optional[Tuple[str, str]],
    seed: int,
    draws: int,
    control: Optional[str],
    examples: int,
) -> NativeReport: ...
def scan_images(
    images: List[Tuple[int, int, bytes]],
    labels: List[str],
    transforms: List[Item],
    albumentations: Optional[Tuple[str, str]],
    seed: int,
    draws: int,
    control: Optional[str],
    examples: int,
) -> NativeReport: ...
