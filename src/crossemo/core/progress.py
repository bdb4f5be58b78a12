"""Progress of a long loop (feature extraction, transcription, training) in the job log: a line
at a steady interval with what is done, the rate and the time left (ETA), not a progress bar
(which a log file turns into carriage returns)."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
#: seconds between two progress lines of a long loop
PROGRESS_INTERVAL_S = 30.0


def duration(seconds: float) -> str:
    """``seconds`` as ``42s``, ``3m05s`` or ``2h07m`` (``?`` when unknown)."""
    if not math.isfinite(seconds) or seconds < 0:
        return "?"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def eta(done: float, total: float, elapsed_s: float) -> str:
    """Time left (:func:`duration`) when ``done`` of ``total`` took ``elapsed_s`` at a steady
    rate; ``?`` before anything is done."""
    if done <= 0 or elapsed_s <= 0:
        return "?"
    return duration(max(0.0, total - done) * elapsed_s / done)


class Progress:
    """Logs ``{what}: {done}/{total} {unit} (P%), R {unit}/s, ETA T`` at most every
    ``interval_s`` seconds as :meth:`advance` is called, and at the end a line with the total
    time. ``clock`` is for tests."""

    def __init__(self, what: str, total: int, unit: str = "items",
                 logger: logging.Logger | None = None, interval_s: float = PROGRESS_INTERVAL_S,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.what, self.total, self.unit, self.done = what, max(0, int(total)), unit, 0
        self.logger = logger or logging.getLogger("crossemo.progress")
        self.interval_s, self.clock = interval_s, clock
        self.start = self.last = clock()

    def advance(self, n: int = 1, note: str = "") -> None:
        """``n`` more done; a progress line when ``interval_s`` passed since the last one
        (``note``, e.g. the loss, is appended)."""
        self.done += n
        now = self.clock()
        if now - self.last >= self.interval_s and self.done < self.total:
            self.last = now
            self.logger.info("%s%s", self.line(now), f", {note}" if note else "")

    def line(self, now: float) -> str:
        """The progress line at time ``now``."""
        elapsed = now - self.start
        rate = self.done / elapsed if elapsed > 0 else math.nan
        share = 100 * self.done / self.total if self.total else 100.0
        return (f"{self.what}: {self.done}/{self.total} {self.unit} ({share:.0f}%), "
                f"{rate:.3g} {self.unit}/s, ETA {eta(self.done, self.total, elapsed)}")  # fmt: skip

    def track(self, items: Iterable[T]) -> Iterator[T]:
        """``items``, advancing by one as each is taken; the closing line at their end."""
        for item in items:
            yield item
            self.advance()
        self.finish()

    def finish(self) -> None:
        """Log the closing line: everything done, in how long."""
        elapsed = self.clock() - self.start
        self.logger.info("%s: %d %s in %s", self.what, self.done, self.unit, duration(elapsed))
