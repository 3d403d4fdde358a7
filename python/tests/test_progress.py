"""Progress and interruption: the engine tells a callable how far it is, draws a line on a
terminal or a bar in a notebook, and stops (with nothing left running) on Ctrl-C or when the
progress callable raises."""

import os
import signal
import sys
import threading
import time
import types

import numpy as np
import pytest

import augsafe

from common import DIGITS
GLYPHS = sum(len(files) for _, _, files in os.walk(DIGITS))


class Slow:
    """A deterministic callable that takes `pause` seconds a call and counts its calls."""

    def __init__(self, pause):
        self.pause = pause
        self.calls = 0

    def __call__(self, image):
        self.calls += 1
        time.sleep(self.pause)
        return image[:, ::-1]


def calls_settle(slow):
    """The callable's count of calls, checked not to grow any more: nothing is left running."""
    before = slow.calls
    time.sleep(0.5)
    assert slow.calls == before, f"{slow.calls - before} calls after the scan returned"
    return before


def test_a_progress_callable_is_told_how_far_the_scan_is():
    seen = []
    augsafe.scan(DIGITS, [Slow(0.001)], progress=lambda done, total: seen.append((done, total)))
    # Told as it went (it runs for about a fifth of a second), and at its end.
    assert len(seen) >= 2
    assert seen[-1] == (GLYPHS, GLYPHS)
    done = [d for d, _ in seen]
    assert done == sorted(done) and all(t == GLYPHS for _, t in seen)


def test_a_sweep_and_a_recommendation_tell_their_progress():
    seen = []
    augsafe.sweep(DIGITS, "rotate", (0, 20), 10, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (3 * GLYPHS, 3 * GLYPHS)
    seen.clear()
    recommendation = augsafe.recommend(DIGITS, progress=lambda d, t: seen.append((d, t)))
    components = len(recommendation.to_dict()["changes"])
    assert seen[-1] == (components, components)


def test_an_exception_from_the_progress_callable_stops_the_scan():
    slow = Slow(0.01)

    def impatient(done, total):
        raise RuntimeError("enough")

    with pytest.raises(RuntimeError, match="enough"):
        augsafe.scan(DIGITS, [slow], progress=impatient)
    # Stopped within a batch or two of images, not after all of them.
    assert calls_settle(slow) < GLYPHS // 2


def test_ctrl_c_stops_a_scan_with_keyboard_interrupt_and_leaves_nothing_running():
    slow = Slow(0.01)
    # Python turns SIGINT into KeyboardInterrupt only if it did not start with the signal
    # ignored, and a command a non-interactive shell starts in the background does: the
    # handler is set here so the test does not depend on how it was started.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        # A real SIGINT, as a terminal's Ctrl-C or a notebook's interrupt sends it.
        timer = threading.Timer(0.4, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            augsafe.scan(DIGITS, [slow], progress=False)
        timer.join()
    finally:
        signal.signal(signal.SIGINT, previous)
    assert time.monotonic() - started < 0.01 * GLYPHS
    assert calls_settle(slow) < GLYPHS // 2
    # The engine is usable again afterwards.
    assert augsafe.scan(DIGITS, ["rotate:180"]).verdict("rotate:180") == "unsafe"


def test_on_a_terminal_a_line_is_drawn_and_cleared(capsys):
    augsafe.scan(DIGITS, [Slow(0.001)], progress=True)
    err = capsys.readouterr().err
    assert "scanning [" in err and f"/{GLYPHS} images" in err
    # Cleared at the end: the last thing written blanks the line and returns to its start.
    assert err.endswith("\r") and err.rsplit("\r", 2)[-2].strip() == ""


def test_by_default_quick_work_and_a_redirected_stream_show_nothing(capsys):
    augsafe.scan(DIGITS, ["rotate:180"])
    assert capsys.readouterr().err == ""


def test_in_a_notebook_a_bar_is_displayed_updated_and_cleared(monkeypatch):
    shown = []

    class Handle:
        def update(self, page):
            shown.append(("update", page.data))

    def display(page, display_id=False):
        assert display_id is True
        shown.append(("display", page.data))
        return Handle()

    class HTML:
        def __init__(self, data):
            self.data = data

    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: types.SimpleNamespace(kernel=object())
    ipython_display = types.ModuleType("IPython.display")
    ipython_display.HTML, ipython_display.display = HTML, display
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", ipython_display)
    augsafe.scan(DIGITS, [Slow(0.002)], progress=True)
    assert shown[0][0] == "display" and "<progress" in shown[0][1]
    assert f'max="{GLYPHS}"' in shown[0][1]
    assert shown[-1] == ("update", "")


def test_progress_must_be_a_flag_or_a_callable():
    with pytest.raises(TypeError, match="progress"):
        augsafe.scan(DIGITS, ["hflip"], progress="yes")


def test_images_in_memory_report_progress_too():
    images = np.zeros((4, 8, 8), dtype=np.uint8)
    images[:, 2:6, 3:5] = 255
    images[2:, 2:4, 2:6] = 255
    seen = []
    augsafe.scan(images, ["hflip"], labels=["a", "a", "b", "b"], progress=lambda d, t: seen.append(t))
    assert seen and set(seen) == {4}
