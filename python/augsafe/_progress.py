"""Progress of long work: a bar in a notebook, a line on a terminal, or a callable of yours.

The engine calls the reporter from the calling thread about ten times a second with
``(done, total)``; between calls Python runs its signal handlers, so Ctrl-C stops the work.
"""

from __future__ import annotations

import html
import sys
import time
from typing import Any, Callable, Optional, Union

#: What ``progress=`` takes: ``None`` (shown in a notebook or on a terminal once the work has
#: lasted a second), ``True`` (always shown, from the start), ``False`` (never), or a callable
#: called with ``(done, total)``.
Progress = Union[bool, None, Callable[[int, int], Any]]

#: How long work runs before the default display appears: quick work prints nothing.
_DELAY = 1.0


def _in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (IPython with a kernel, not a terminal IPython)."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def _left(elapsed: float, done: int, total: int) -> str:
    """The time left, guessed from the pace so far."""
    if done <= 0 or done >= total:
        return ""
    seconds = elapsed / done * (total - done)
    if seconds < 60:
        return f", {seconds:.0f} s left"
    return f", {seconds / 60:.0f} min left"


class _Shown:
    """Progress drawn once the work has lasted ``delay`` seconds, at most ``rate`` times a
    second, and cleared at the end."""

    rate = 10.0

    def __init__(self, what: str, unit: str, delay: float) -> None:
        self.what, self.unit, self.delay = what, unit, delay
        self.start = time.monotonic()
        self.drawn_at: Optional[float] = None

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.start < self.delay:
            return
        if self.drawn_at is not None and now - self.drawn_at < 1.0 / self.rate:
            return
        self.drawn_at = now
        total = max(total, 1)
        done = min(done, total)
        line = f"{done:,}/{total:,} {self.unit}{_left(now - self.start, done, total)}"
        self.draw(done, total, line)

    def draw(self, done: int, total: int, line: str) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Clears what was drawn."""


class _Terminal(_Shown):
    """One line on standard error, rewritten in place."""

    width = 24

    def __init__(self, what: str, unit: str, delay: float) -> None:
        super().__init__(what, unit, delay)
        self.length = 0

    def draw(self, done: int, total: int, line: str) -> None:
        filled = self.width * done // total
        text = f"{self.what} [{'=' * filled}{' ' * (self.width - filled)}] {line}"
        sys.stderr.write("\r" + text.ljust(self.length))
        sys.stderr.flush()
        self.length = len(text)

    def close(self) -> None:
        if self.length:
            sys.stderr.write("\r" + " " * self.length + "\r")
            sys.stderr.flush()


class _Notebook(_Shown):
    """An HTML progress bar in the cell's output, updated in place."""

    rate = 4.0

    def __init__(self, what: str, unit: str, delay: float) -> None:
        super().__init__(what, unit, delay)
        self.handle: Any = None

    def draw(self, done: int, total: int, line: str) -> None:
        from IPython.display import HTML, display

        page = HTML(
            f'<div class="augsafe-progress">{html.escape(self.what)} '
            f'<progress value="{done}" max="{total}" style="width: 16em"></progress> '
            f"{html.escape(line)}</div>"
        )
        if self.handle is None:
            self.handle = display(page, display_id=True)
        else:
            self.handle.update(page)

    def close(self) -> None:
        if self.handle is not None:
            from IPython.display import HTML

            self.handle.update(HTML(""))


class _Yours:
    """A callable of the user's, called with ``(done, total)``."""

    def __init__(self, report: Callable[[int, int], Any]) -> None:
        self.report = report

    def __call__(self, done: int, total: int) -> None:
        self.report(done, total)

    def close(self) -> None:
        pass


def reporter(progress: Progress, what: str, unit: str) -> Any:
    """What the engine reports to for ``progress=`` (see :data:`Progress`), or ``None``.
    ``what`` names the work (``scanning``), ``unit`` what it counts (``images``)."""
    if progress is False:
        return None
    if progress is None or progress is True:
        delay = _DELAY if progress is None else 0.0
        if _in_notebook():
            return _Notebook(what, unit, delay)
        if progress is True or sys.stderr.isatty():
            return _Terminal(what, unit, delay)
        return None
    if callable(progress):
        return _Yours(progress)
    raise TypeError(f"progress: {progress!r} is not True, False, None or a callable")


def watched(call: Callable[[Any], Any], progress: Progress, what: str, unit: str) -> Any:
    """``call(reporter)``, the display cleared however it ends (Ctrl-C included)."""
    shown = reporter(progress, what, unit)
    try:
        return call(shown)
    finally:
        if shown is not None:
            shown.close()
