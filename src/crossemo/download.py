"""Download each video's audio once with the yt-dlp Python API (never a shell).

Every video ends with one row of the status table: ``ok`` or a reason it is missing
(``unavailable``, ``private``, ``removed``, ``age_restricted``, ``geo_blocked``,
``network_error``, ``invalid_id``, ``bad_audio``, ``error``), so missing videos never fail the
workflow. Only ``network_error`` is retried (with exponential backoff). The audio is best audio
converted by ffmpeg to 16 kHz mono WAV in a private temporary folder and moved into place with
an atomic rename after it decoded: a partial file is never taken for a finished one. A WAV
already in place counts as done, so a rerun downloads only what is missing.

The URL template (default the YouTube watch URL) and yt-dlp options (``cookiefile``,
``ratelimit``, ``proxy``, ``socket_timeout`` ... as in ``yt_dlp.YoutubeDL``) come from config.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from crossemo.atomic import atomic_path
from crossemo.strEmo import VIDEO_ID

log = logging.getLogger(__name__)

YOUTUBE = "https://www.youtube.com/watch?v={video_id}"
STATUSES = ("ok", "unavailable", "private", "removed", "age_restricted", "geo_blocked",
            "network_error", "invalid_id", "bad_audio", "error")  # fmt: skip
RETRYABLE = {"network_error"}
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

    @classmethod
    def from_config(cls, cfg: Mapping | None, **overrides) -> DownloadSettings:
        cfg = {**(cfg or {}), **overrides}
        known = {k: cfg[k] for k in ("url_template", "retries", "backoff_s", "sample_rate",
                                     "format", "ytdlp_options") if k in cfg}  # fmt: skip
        settings = cls(**known)
        bad = set(settings.ytdlp_options) - ALLOWED_OPTIONS
        if bad:
            raise ValueError(f"yt-dlp options not allowed from config: {sorted(bad)}")
        return settings

    def url(self, video_id: str, **extra) -> str:
        return self.url_template.format(video_id=quote(video_id, safe=""), **extra)


class Failure(Exception):
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


def _ydl_options(settings: DownloadSettings, workdir: Path) -> dict:
    return {
        "format": settings.format,
        "outtmpl": {"default": "audio.%(ext)s"},
        "paths": {"home": str(workdir), "temp": str(workdir)},
        "noplaylist": True,
        "quiet": True,
        "no_warnings": False,
        "noprogress": True,
        "logger": _Quiet(),
        "retries": 2,
        "fragment_retries": 2,
        "continuedl": False,
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


def _fetch(url: str, workdir: Path, settings: DownloadSettings) -> Path:
    """One yt-dlp attempt into ``workdir``; the WAV it produced or a :class:`Failure`."""
    import yt_dlp

    try:
        with yt_dlp.YoutubeDL(_ydl_options(settings, workdir)) as ydl:
            code = ydl.download([url])
    except yt_dlp.utils.DownloadError as err:
        raise Failure(classify(str(err)), _short(err)) from None
    except (OSError, yt_dlp.utils.YoutubeDLError) as err:
        raise Failure("network_error" if isinstance(err, OSError) else classify(str(err)),
                      _short(err)) from None  # fmt: skip
    wavs = sorted(workdir.glob("*.wav"))
    if code != 0 or not wavs:
        raise Failure("error", f"yt-dlp exit {code}, no WAV written")
    return wavs[0]


def _short(err: BaseException) -> str:
    text = str(err).replace("ERROR: ", "").strip().splitlines()
    return (text[0] if text else type(err).__name__)[:300]


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
    for attempt in range(1, settings.retries + 2):
        row["attempts"] = attempt
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
        try:
            wav = _fetch(url, workdir, settings)
            duration = _check_wav(wav, settings.sample_rate)
        except Failure as failure:
            row.update(status=failure.status, reason=failure.reason)
            log.info("%s attempt %d: %s", video_id, attempt, failure)
            if failure.status not in RETRYABLE or attempt > settings.retries:
                break
            sleep(settings.backoff_s * 2 ** (attempt - 1))
            continue
        wav.replace(target)  # same file system: atomic
        row.update(status="ok", reason=None, path=str(target), duration=duration)
        break
    shutil.rmtree(workdir, ignore_errors=True)
    return row


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
        log.info("%s: %s %s", video_id, row["status"], row["reason"] or "")
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

    With ``serve_dir`` a loopback :mod:`crossemo.devserver` serves that directory for the
    duration of the call and the URL template may use ``{port}`` (the demo DAG's route).
    """
    from crossemo.strEmo import read_sheet, validate_sheet

    clips, rejects = validate_sheet(read_sheet(sheet))
    if rejects:
        log.info("%d sheet rows rejected (listed in the manifest rejects)", len(rejects))
    ids = clips["video_id"].tolist()
    if serve_dir is None:
        return download_videos(ids, audio_dir, settings, sleep=sleep)
    from crossemo.devserver import serve

    with serve(serve_dir) as server:
        return download_videos(ids, audio_dir, settings, {"port": server.port}, sleep=sleep)


def write_status(status: pd.DataFrame, path: str | Path, table_csv: str | Path | None) -> None:
    """Write the status Parquet (atomic, validated) and the report CSV."""
    from crossemo.schemas import write_table

    write_table(status, path, DownloadStatus)
    if table_csv is not None:
        with atomic_path(table_csv) as tmp:
            status_report(status).to_csv(tmp, index=False)
