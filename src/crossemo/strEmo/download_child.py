"""One yt-dlp download attempt, run by :mod:`crossemo.strEmo.download` in a child process.

The child imports only yt-dlp (no pandas), reads ``{"url", "workdir", "options", "parent"}``
as JSON on stdin and writes its answer to ``workdir/result.json``: the WAV and the durations the
source claims (yt-dlp's info, the container header), or a failure status and reason. A watchdog
kills the child's process group (yt-dlp and its ffmpeg) when its parent (process id ``parent``)
goes away; the parent kills it at the deadline.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

#: the child's answer, written into its temporary folder
RESULT = "result.json"
#: how often the child checks that its parent is still there
_WATCHDOG_S = 0.5


class Failure(Exception):
    """A download that gave no usable WAV: a status slug and a reason for the status table."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(f"{status}: {reason}")
        self.status, self.reason = status, reason


_PATTERNS = (  # (status, lower-case fragments of yt-dlp's messages), first match wins
    ("private", ("private video", "this video is private")),
    ("removed", ("has been removed", "account associated with this video has been terminated",
                 "copyright claim", "violating youtube's", "no longer available because")),
    ("age_restricted", ("sign in to confirm your age", "age-restricted", "inappropriate for some")),
    ("geo_blocked", ("available in your country", "geo restrict", "geo-restrict")),
    ("network_error", ("timed out", "timeout", "connection reset", "connection refused",
                       "connection aborted", "temporary failure in name resolution",
                       "network is unreachable", "incompleteread", "did not get any data",
                       "content-length", "unable to download video data", "http error 5",
                       "remote end closed", "giving up after", "urlopen error",
                       "read error", "eof occurred")),
    ("unavailable", ("video unavailable", "http error 404", "http error 410", "not found",
                     "does not exist", "unsupported url", "is not available",
                     "http error 403", "unable to extract")),
)  # fmt: skip


def classify(message: str) -> str:
    """The status slug of a yt-dlp error message (``error`` when nothing matches)."""
    text = message.lower()
    for status, fragments in _PATTERNS:
        if any(f in text for f in fragments):
            return status
    return "error"


class _Quiet:
    """yt-dlp logger: debug/info to our log at debug level, warnings and errors kept."""

    def debug(self, msg: str) -> None:
        log.debug(msg)

    info = debug

    def warning(self, msg: str) -> None:
        log.warning(msg)

    def error(self, msg: str) -> None:
        log.debug("yt-dlp: %s", msg)


def _short(err: BaseException) -> str:
    text = str(err).replace("ERROR: ", "").strip().splitlines()
    return (text[0] if text else type(err).__name__)[:300]


def attempt(url: str, workdir: Path, options: dict) -> dict:
    """One yt-dlp download of ``url`` into ``workdir`` with YoutubeDL ``options``: the WAV it
    produced and the durations its source claims, or a :class:`Failure`."""
    import yt_dlp

    claims: dict[str, float | None] = {}

    def finished(progress: dict) -> None:  # the download is complete, not yet converted
        if progress.get("status") == "finished":
            claims["yt-dlp info"] = _positive((progress.get("info_dict") or {}).get("duration"))
            claims["container header"] = _header_duration(progress.get("filename"))

    options = {**options, "logger": _Quiet(), "progress_hooks": [finished]}
    try:
        with yt_dlp.YoutubeDL(options) as ydl:
            code = ydl.download([url])
    except yt_dlp.utils.DownloadError as err:
        raise Failure(classify(str(err)), _short(err)) from None
    except (OSError, yt_dlp.utils.YoutubeDLError) as err:
        raise Failure("network_error" if isinstance(err, OSError) else classify(str(err)),
                      _short(err)) from None  # fmt: skip
    wavs = sorted(workdir.glob("*.wav"))
    if code != 0 or not wavs:
        raise Failure("error", f"yt-dlp exit {code}, no WAV written")
    return {"wav": str(wavs[0]), "claims": claims}


def _positive(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def _header_duration(path: str | None) -> float | None:
    """The duration a media file's container header states (ffprobe), None when it has none."""
    ffprobe = shutil.which("ffprobe")
    if not path or ffprobe is None:
        return None
    try:
        done = subprocess.run(
            [ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    return _positive(done.stdout.strip()) if done.returncode == 0 else None


def main() -> None:
    """The child: one :func:`attempt` as the JSON on stdin asks, answered in ``result.json``."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    request = json.load(sys.stdin)
    _watch_parent(request["parent"])
    workdir = Path(request["workdir"])
    try:
        result = attempt(request["url"], workdir, request["options"])
    except Failure as failure:
        result = {"status": failure.status, "reason": failure.reason}
    (workdir / RESULT).write_text(json.dumps(result))


def _watch_parent(parent: int) -> None:
    """Kill this child's process group (yt-dlp, ffmpeg) when its parent goes away."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_WATCHDOG_S)
        os.killpg(os.getpgrp(), signal.SIGKILL)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


if __name__ == "__main__":
    main()
