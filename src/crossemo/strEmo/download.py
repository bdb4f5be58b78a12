"""Download each video's audio once with the yt-dlp Python API (never a shell).

Every video ends with one row of the status table: ``ok`` or a reason it is missing
(``unavailable``, ``private``, ``removed``, ``age_restricted``, ``geo_blocked``,
``network_error``, ``timed_out``, ``truncated``, ``invalid_id``, ``bad_audio``, ``error``), so
missing videos never fail the workflow. Only ``network_error`` and ``truncated`` are retried
(with exponential backoff). The audio is best audio converted by ffmpeg to 16 kHz mono WAV in a
private temporary folder and moved into place with an atomic rename after it decoded to the
source's full duration: a partial file is never taken for a finished one.

Each attempt runs yt-dlp (and its ffmpeg) in a child process of its own session, so the
per-video deadline (``timeout_s``, all attempts together) holds against a server that
drip-feeds bytes: at the deadline the whole process group is killed and the temporary folder
(``.part`` files, fragments, ffmpeg's temporaries) removed. A WAV already in place counts as
done, so a rerun downloads only what is missing.

The URL template (default the YouTube watch URL) and yt-dlp options (``cookiefile``,
``ratelimit``, ``proxy``, ``socket_timeout`` ... as in ``yt_dlp.YoutubeDL``) come from config.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from crossemo.core.atomic import atomic_path
from crossemo.core.reasons import TIMED_OUT, TRUNCATED
from crossemo.core.safe_text import write_csv
from crossemo.strEmo.download_child import RESULT, Failure
from crossemo.strEmo.sheet import VIDEO_ID

log = logging.getLogger(__name__)

YOUTUBE = "https://www.youtube.com/watch?v={video_id}"
STATUSES = ("ok", "unavailable", "private", "removed", "age_restricted", "geo_blocked",
            "network_error", TIMED_OUT, TRUNCATED, "invalid_id", "bad_audio", "error")  # fmt: skip
RETRYABLE = {"network_error", TRUNCATED}
#: yt-dlp options for media files served on loopback (``serve_dir``): plain files, so yt-dlp's
#: generic extractor, without matching each URL against every site's (a second per video)
LOCAL_MEDIA_OPTIONS = {"allowed_extractors": ["generic"]}
#: yt-dlp options a config may set (anything else is refused: no hooks, no exec postprocessors)
ALLOWED_OPTIONS = {
    "cookiefile", "cookiesfrombrowser", "ratelimit", "throttledratelimit", "proxy",
    "source_address", "socket_timeout", "retries", "fragment_retries", "http_headers",
    "sleep_interval_requests", "geo_bypass", "geo_bypass_country", "format", "extractor_args",
    "nocheckcertificate", "http_chunk_size", "user_agent", "verbose",
}  # fmt: skip


class DownloadStatus(pa.DataFrameModel):
    """``results/downloads/{corpus}.status.parquet``: one row per distinct video id."""

    video_id: Series[str] = pa.Field(unique=True)
    status: Series[str] = pa.Field(isin=list(STATUSES))
    reason: Series[str] = pa.Field(nullable=True)
    attempts: Series[int] = pa.Field(ge=0)
    path: Series[str] = pa.Field(nullable=True)
    duration: Series[float] = pa.Field(nullable=True, ge=0)
    url: Series[str] = pa.Field(nullable=True)
    cached: Series[bool]

    class Config:
        strict = True
        coerce = True


@dataclass
class DownloadSettings:
    """Config ``download:`` (top level, overridden per corpus by ``corpora.<name>.download``)."""

    url_template: str = YOUTUBE
    retries: int = 3
    backoff_s: float = 2.0
    sample_rate: int = 16000
    format: str = "bestaudio/best"
    ytdlp_options: dict = field(default_factory=dict)
    #: deadline of one video in seconds, all attempts and waits together
    timeout_s: float = 1800.0
    #: a WAV this much shorter than its source's duration is ``truncated``
    duration_tolerance_s: float = 2.0

    @classmethod
    def from_config(cls, cfg: Mapping | None, **overrides) -> DownloadSettings:
        cfg = {**(cfg or {}), **overrides}
        known = {k: cfg[k] for k in ("url_template", "retries", "backoff_s", "sample_rate",
                                     "format", "ytdlp_options", "timeout_s",
                                     "duration_tolerance_s") if k in cfg}  # fmt: skip
        settings = cls(**known)
        if not settings.timeout_s > 0:
            raise ValueError(f"download timeout_s must be > 0, not {settings.timeout_s!r}")
        bad = set(settings.ytdlp_options) - ALLOWED_OPTIONS
        if bad:
            raise ValueError(f"yt-dlp options not allowed from config: {sorted(bad)}")
        return settings

    def url(self, video_id: str, **extra) -> str:
        return self.url_template.format(video_id=quote(video_id, safe=""), **extra)


def _ydl_options(settings: DownloadSettings, workdir: Path) -> dict:
    return {
        "format": settings.format,
        "outtmpl": {"default": "audio.%(ext)s"},
        "paths": {"home": str(workdir), "temp": str(workdir)},
        "noplaylist": True,
        "quiet": True,
        "no_warnings": False,
        "noprogress": True,
        "retries": 2,
        "fragment_retries": 2,
        "continuedl": False,
        "cachedir": False,
        "overwrites": True,
        "restrictfilenames": True,
        "postprocessors": [
            {"key": "FFmpegExtractAudio", "preferredcodec": "wav", "preferredquality": None}
        ],
        "postprocessor_args": {
            "extractaudio": ["-ar", str(settings.sample_rate), "-ac", "1"],
        },
        **settings.ytdlp_options,
    }


def _fetch(url: str, workdir: Path, settings: DownloadSettings, timeout_s: float) -> dict:
    """One attempt in a child process of its own session, killed (with its ffmpeg) after
    ``timeout_s``: ``{"wav": path, "claims": {source: seconds}}`` or a :class:`Failure`."""
    options = _ydl_options(settings, workdir)
    request = json.dumps(
        {"url": url, "workdir": str(workdir), "options": options, "parent": os.getpid()}
    )
    child = subprocess.Popen(
        [sys.executable, "-m", "crossemo.strEmo.download_child"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env=_child_env(), start_new_session=True, text=True,
    )  # fmt: skip
    try:
        _, errors = child.communicate(request, timeout=max(timeout_s, 0.0))
    except subprocess.TimeoutExpired:
        raise Failure(TIMED_OUT, f"no complete download within {settings.timeout_s:g} s "
                                 "(download.timeout_s)") from None  # fmt: skip
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.communicate()
    return _child_result(workdir, child.returncode, errors)


def _child_env() -> dict[str, str]:
    """The environment of the download child: ours, with crossemo importable (conda envs run
    it from ``src/`` without installing it)."""
    src = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path}


def _child_result(workdir: Path, returncode: int, errors: str) -> dict:
    for line in errors.splitlines():
        log.log(logging.WARNING if line.startswith("WARNING") else logging.DEBUG, "%s", line)
    try:
        result = json.loads((workdir / RESULT).read_text())
    except (OSError, ValueError):
        last = errors.strip().splitlines()[-1:] or [f"exit {returncode}"]
        raise Failure("error", f"download process failed: {last[0][:300]}") from None
    if "status" in result:
        raise Failure(result["status"], result["reason"])
    return result


def check_complete(duration: float, claims: Mapping[str, float | None], tolerance_s: float) -> None:
    """:class:`Failure` ``truncated`` when ``duration`` (decoded seconds) falls short of the
    longest duration the source claims by more than ``tolerance_s``."""
    known = {source: seconds for source, seconds in claims.items() if seconds}
    if not known:
        return
    source, claimed = max(known.items(), key=lambda item: item[1])
    if duration < claimed - tolerance_s:
        raise Failure(TRUNCATED, f"decoded {duration:.2f} s of a {claimed:.2f} s source "
                                 f"({source})")  # fmt: skip


def _check_wav(path: Path, sample_rate: int) -> float:
    import soundfile as sf

    try:
        info = sf.info(str(path))
    except (RuntimeError, OSError) as err:
        raise Failure("bad_audio", f"unreadable WAV: {err}") from None
    if info.frames <= 0:
        raise Failure("bad_audio", "no audio frames")
    if info.samplerate != sample_rate or info.channels != 1:
        raise Failure("bad_audio", f"{info.samplerate} Hz x {info.channels}, expected mono")
    return info.frames / info.samplerate


def download_one(
    video_id: str,
    audio_dir: str | Path,
    settings: DownloadSettings,
    url_fields: Mapping | None = None,
    sleep=time.sleep,
) -> dict:
    """Download ``video_id`` into ``audio_dir/<id>.wav`` unless it is already there."""
    audio_dir = Path(audio_dir)
    row = {"video_id": video_id, "status": "ok", "reason": None, "attempts": 0, "path": None,
           "duration": None, "url": None, "cached": False}  # fmt: skip
    if not VIDEO_ID.match(video_id):
        row.update(status="invalid_id", reason=f"{video_id!r} is not an 11-character YouTube id")
        return row
    target = audio_dir / f"{video_id}.wav"
    row["url"] = url = settings.url(video_id, **(url_fields or {}))
    if target.is_file():
        try:
            row.update(path=str(target), cached=True,
                       duration=_check_wav(target, settings.sample_rate))  # fmt: skip
            return row
        except Failure as failure:
            log.warning("%s: cached WAV is bad (%s); downloading again", video_id, failure)
            target.unlink()
    workdir = audio_dir / ".partial" / video_id
    deadline = time.monotonic() + settings.timeout_s
    for attempt in range(1, settings.retries + 2):
        row["attempts"] = attempt
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
        try:
            wav, duration = _download_wav(url, workdir, settings, deadline)
        except Failure as failure:
            row.update(status=failure.status, reason=failure.reason)
            log.info("%s attempt %d: %s", video_id, attempt, failure)
            wait = settings.backoff_s * 2 ** (attempt - 1)
            if (failure.status not in RETRYABLE or attempt > settings.retries
                    or time.monotonic() + wait >= deadline):  # fmt: skip
                break
            sleep(wait)
            continue
        wav.replace(target)  # same file system: atomic
        row.update(status="ok", reason=None, path=str(target), duration=duration)
        break
    shutil.rmtree(workdir, ignore_errors=True)
    return row


def _download_wav(
    url: str, workdir: Path, settings: DownloadSettings, deadline: float
) -> tuple[Path, float]:
    """One attempt before ``deadline`` (``time.monotonic``): the checked WAV and its duration."""
    fetched = _fetch(url, workdir, settings, deadline - time.monotonic())
    wav = Path(fetched["wav"])
    duration = _check_wav(wav, settings.sample_rate)
    check_complete(duration, fetched.get("claims", {}), settings.duration_tolerance_s)
    return wav, duration


def download_videos(
    video_ids: Iterable[str],
    audio_dir: str | Path,
    settings: DownloadSettings,
    url_fields: Mapping | None = None,
    sleep=time.sleep,
) -> pd.DataFrame:
    """The status table of every distinct id in ``video_ids`` (downloading what is missing)."""
    audio_dir = Path(audio_dir)
    audio_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for video_id in dict.fromkeys(str(v) for v in video_ids):
        row = download_one(video_id, audio_dir, settings, url_fields, sleep=sleep)
        log.info("%r: %s %s", video_id, row["status"], row["reason"] or "")
        rows.append(row)
    shutil.rmtree(audio_dir / ".partial", ignore_errors=True)
    table = pd.DataFrame(rows, columns=list(DownloadStatus.to_schema().columns))
    return DownloadStatus.validate(table, lazy=True)


def status_report(status: pd.DataFrame) -> pd.DataFrame:
    """The report's view: missing videos first with their reason, then the downloaded ones."""
    order = status.assign(_ok=status["status"].eq("ok")).sort_values(["_ok", "status", "video_id"])
    return order[["video_id", "status", "reason", "attempts", "duration", "url"]]


def download_sheet(
    sheet: str | Path,
    audio_dir: str | Path,
    settings: DownloadSettings,
    serve_dir: str | Path | None = None,
    sleep=time.sleep,
) -> pd.DataFrame:
    """Download every video named by the valid rows of a StrEmo sheet.

    With ``serve_dir`` a loopback :mod:`crossemo.strEmo.devserver` serves that directory for the
    duration of the call and the URL template may use ``{port}`` (the demo DAG's route).
    """
    from crossemo.strEmo.sheet import read_sheet, validate_sheet

    clips, rejects = validate_sheet(read_sheet(sheet))
    if rejects:
        log.info("%d sheet rows rejected (listed in the manifest rejects)", len(rejects))
    ids = clips["video_id"].tolist()
    if serve_dir is None:
        return download_videos(ids, audio_dir, settings, sleep=sleep)
    from crossemo.strEmo.devserver import serve

    local = replace(settings, ytdlp_options={**LOCAL_MEDIA_OPTIONS, **settings.ytdlp_options})
    with serve(serve_dir) as server:
        return download_videos(ids, audio_dir, local, {"port": server.port}, sleep=sleep)


def write_status(status: pd.DataFrame, path: str | Path, table_csv: str | Path | None) -> None:
    """Write the status Parquet (atomic, validated) and the report CSV."""
    from crossemo.core.schemas import write_table

    write_table(status, path, DownloadStatus)
    if table_csv is not None:
        with atomic_path(table_csv) as tmp:
            write_csv(status_report(status), tmp, index=False)
