"""Stop requests by signal: SLURM preemption (SIGTERM) or its time-limit warning (SIGUSR1).

While :class:`StopRequest` is active, those signals only set a flag; the training loop checks it
after each optimiser step, writes a checkpoint and leaves, so a requeued job resumes there.
"""

from __future__ import annotations

import signal
from types import FrameType, TracebackType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGUSR1)


class StopRequest:
    """Context manager: ``hit`` turns true when one of ``signals`` arrives; the previous
    handlers are restored on exit. Outside the main thread it installs nothing."""

    def __init__(self, signals: tuple[signal.Signals, ...] = STOP_SIGNALS) -> None:
        self.signals = signals
        self.hit = False
        self._previous: dict[signal.Signals, object] = {}

    def __enter__(self) -> StopRequest:
        for sig in self.signals:
            try:
                self._previous[sig] = signal.signal(sig, self._on_signal)
            except ValueError:  # not the main thread
                pass
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:  # fmt: skip
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.hit = True
