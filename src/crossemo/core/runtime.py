"""Glue shared by the workflow scripts: logging routed to the rule's log file."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from crossemo.core.safe_text import TerminalSafeFormatter


def route_logging(log_path: str | Path | None, level: int = logging.INFO) -> None:
    """Send ``logging`` records, warnings and stderr of this process to ``log_path``."""
    if log_path is None:
        logging.basicConfig(level=level)
        return
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    stream = log_path.open("w", buffering=1)
    sys.stderr = stream
    handler = logging.StreamHandler(stream)  # input text (names, speakers) with ESC escaped
    handler.setFormatter(TerminalSafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    logging.captureWarnings(True)
