"""Glue shared by the workflow scripts: logging routed to the rule's log file, kept readable.

A rule log is read in an editor or the report, not a terminal: :func:`route_logging` turns off
the progress bars of tqdm, huggingface_hub and transformers (:data:`QUIET_PROGRESS_ENV`; long
loops log their own progress, :mod:`crossemo.core.progress`), strips what still arrives as ANSI
colour codes or carriage-return redraws (:class:`PlainTextStream`), and condenses transformers'
weight-loading reports (a table of every unused or new tensor) to one line
(:class:`LoadReportFilter`).
"""

from __future__ import annotations

import atexit
import io
import logging
import math
import os
import re
import sys
from pathlib import Path

from crossemo.core.safe_text import TerminalSafeFormatter

#: environment turning off progress bars (read when tqdm / huggingface_hub are imported)
QUIET_PROGRESS_ENV = {"TQDM_DISABLE": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1"}
#: environment naming the job's log file (for the processes a data-parallel job starts)
LOG_ENV = "CROSSEMO_JOB_LOG"
#: loggers of transformers that write a weight-loading report
LOAD_REPORT_LOGGERS = ("transformers.modeling_utils", "transformers.modeling_layers",
                       "transformers.integrations.peft")  # fmt: skip
#: ANSI escape sequences (CSI: colours, cursor moves; OSC: titles)
_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")
_STATUS = re.compile(r"[A-Z]+")
_BRACES = re.compile(r"\{([^}]*)\}")


def route_logging(log_path: str | Path | None, level: int = logging.INFO,
                  mode: str = "w") -> None:  # fmt: skip
    """Send ``logging`` records, warnings and stderr of this process to ``log_path``, as plain
    text: no progress bars, ANSI codes or carriage returns, one line per weight-loading report.
    ``mode`` "a": appended (a data-parallel job's processes write into the job's log)."""
    for name, value in QUIET_PROGRESS_ENV.items():
        os.environ.setdefault(name, value)
    condense_load_reports()
    if log_path is None:
        logging.basicConfig(level=level)
        return
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    os.environ[LOG_ENV] = str(log_path)
    stream = PlainTextStream(log_path.open(mode, buffering=1))
    sys.stderr = stream
    atexit.register(stream.finish)
    handler = logging.StreamHandler(stream)  # input text (names, speakers) with ESC escaped
    handler.setFormatter(TerminalSafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    logging.captureWarnings(True)
    # transformers imported before: its handler holds the stderr of before, use the log's
    # (looked up, not imported: a job that never imports transformers must not pay for it)
    hf_logging = sys.modules.get("transformers.utils.logging")
    if hf_logging is not None:
        hf_logging.disable_default_handler()
        hf_logging.enable_propagation()


def plain_text(text: str) -> str:
    """``text`` without ANSI escape sequences, each line only its last carriage-return
    redraw (what a terminal would end up showing)."""
    lines = _ANSI.sub("", text).split("\n")
    return "\n".join(line.rstrip("\r").rsplit("\r", 1)[-1] for line in lines)


class PlainTextStream(io.TextIOBase):
    """A text stream writing :func:`plain_text` of what it is given to ``target``; a
    carriage-return redraw is held until its line ends, so only the last state is written."""

    def __init__(self, target: io.TextIOBase) -> None:
        self.target, self._pending = target, ""

    def write(self, text: str) -> int:
        head, newline, self._pending = (self._pending + text).rpartition("\n")
        if newline:
            self.target.write(plain_text(head) + "\n")
        return len(text)

    def flush(self) -> None:
        """Write a pending partial line unless it is a redraw (holds a carriage return)."""
        if self._pending and "\r" not in self._pending:
            self.target.write(plain_text(self._pending))
            self._pending = ""
        self.target.flush()

    def finish(self) -> None:
        """Write what is pending as a line of its own (at exit)."""
        if self._pending:
            self.target.write(plain_text(self._pending) + "\n")
            self._pending = ""
        self.target.flush()

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.target.fileno()


def summarise_load_report(message: str) -> str:
    """transformers' weight-loading report (a header line, a table of ``key | STATUS`` rows,
    notes) as one line: per status the number of tensors and their top-level modules, e.g.
    ``WhisperForAudioClassification from enc/: 115 UNEXPECTED (decoder), 4 MISSING
    (classifier, projector)``."""
    lines = plain_text(message).splitlines()
    head = lines[0].replace(" LOAD REPORT", "").replace(" from: ", " from ")
    found: dict[str, list[str]] = {}
    for line in lines[1:]:
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 1 and _STATUS.fullmatch(cells[1]) and cells[1] != "Status":
            found.setdefault(cells[1], []).append(cells[0])
    parts = [f"{sum(map(_tensors, keys))} {status} "
             f"({', '.join(sorted({k.split('.')[0] for k in keys}))})"
             for status, keys in found.items()]  # fmt: skip
    return f"{head.strip()}: {', '.join(parts) or 'no unused or new weights'}"


def _tensors(key: str) -> int:
    """Tensors a report key names: ``layers.{0, 1, 2}.fc1.bias`` is three."""
    return math.prod(group.count(",") + 1 for group in _BRACES.findall(key))


class LoadReportFilter(logging.Filter):
    """Rewrites a transformers weight-loading report record to :func:`summarise_load_report`
    (an encoder loaded under a classifier lists every decoder tensor it drops: 34 lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "LOAD REPORT" in message:
            record.msg, record.args = summarise_load_report(message), None
        return True


def condense_load_reports() -> None:
    """Install :class:`LoadReportFilter` on transformers' loading loggers (once)."""
    for name in LOAD_REPORT_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, LoadReportFilter) for f in logger.filters):
            logger.addFilter(LoadReportFilter())
