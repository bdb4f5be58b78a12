"""yt-dlp downloads: error classification, id validation, options, the Range server, retries."""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path

import pytest
from strEmo_media import make_media

from crossemo.strEmo import download as dl
from crossemo.strEmo.devserver import serve
from crossemo.strEmo.download import (
    LOCAL_MEDIA_OPTIONS,
    DownloadSettings,
    check_complete,
    download_one,
    download_videos,
)
from crossemo.strEmo.download_child import classify


@pytest.mark.parametrize(
    ("message", "status"),
    [("ERROR: [youtube] abc: Private video. Sign in if you've been granted access", "private"),
     ("ERROR: [youtube] abc: Video unavailable", "unavailable"),
     ("ERROR: [youtube] abc: Video unavailable. This video has been removed by the uploader",
      "removed"),
     ("This video is no longer available because the YouTube account associated with this "
      "video has been terminated.", "removed"),
     ("Sign in to confirm your age. This video may be inappropriate for some users.",
      "age_restricted"),
     ("The uploader has not made this video available in your country", "geo_blocked"),
     ("This video is not available in your country", "geo_blocked"),
     ("Unable to download webpage: HTTP Error 404: Not Found", "unavailable"),
     ("[download] Got error: 1568 bytes read, 78166 more expected. Giving up after 2 retries",
      "network_error"),
     ("Unable to download webpage: <urlopen error [Errno 111] Connection refused>",
      "network_error"),
     ("HTTP Error 503: Service Unavailable", "network_error"),
     ("something entirely different", "error")],
)  # fmt: skip
def test_classify(message, status):
    assert classify(message) == status


@pytest.mark.parametrize("bad", ["$(touch x)", "abc;rm -rf /", "short", "../../etc/pwd",
                                 "a b c d e f", "`id`xxxxxxxx", "vidHappy0011"])  # fmt: skip
def test_invalid_ids_never_reach_yt_dlp(tmp_path, monkeypatch, bad):
    called = []
    monkeypatch.setattr(dl, "_fetch", lambda *a, **k: called.append(a))
    row = download_one(bad, tmp_path, DownloadSettings())
    assert row["status"] == "invalid_id" and row["attempts"] == 0 and not called
    assert list(tmp_path.iterdir()) == []


def test_settings_from_config_and_url():
    s = DownloadSettings.from_config(
        {"retries": 1, "ytdlp_options": {"ratelimit": 50000, "proxy": "socks5://h:1",
                                         "cookiefile": "c.txt"}},
        url_template="http://127.0.0.1:{port}/{video_id}.m4a",
    )  # fmt: skip
    assert s.retries == 1 and s.url("abc-_123456", port=8) == "http://127.0.0.1:8/abc-_123456.m4a"
    assert DownloadSettings().url("abc-_123456") == "https://www.youtube.com/watch?v=abc-_123456"
    opts = dl._ydl_options(s, Path("/x"))
    assert opts["ratelimit"] == 50000 and opts["proxy"] == "socks5://h:1"
    assert opts["postprocessor_args"]["extractaudio"] == ["-ar", "16000", "-ac", "1"]
    assert opts["postprocessors"][0]["key"] == "FFmpegExtractAudio"
    with pytest.raises(ValueError, match="not allowed"):
        DownloadSettings.from_config({"ytdlp_options": {"exec_cmd": "touch x"}})


def test_server_honours_range(tmp_path):
    (tmp_path / "f.bin").write_bytes(bytes(range(256)) * 4)
    with serve(tmp_path) as server:
        req = urllib.request.Request(f"{server.base_url}/f.bin", headers={"Range": "bytes=10-19"})
        with urllib.request.urlopen(req) as resp:
            assert resp.status == 206
            assert resp.headers["Content-Range"] == "bytes 10-19/1024"
            assert resp.read() == bytes(range(10, 20))
        req = urllib.request.Request(f"{server.base_url}/f.bin", headers={"Range": "bytes=-4"})
        with urllib.request.urlopen(req) as resp:
            assert resp.read() == bytes(range(252, 256))
        with urllib.request.urlopen(f"{server.base_url}/f.bin") as resp:
            assert resp.status == 200 and len(resp.read()) == 1024
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"{server.base_url}/../../etc/passwd")
        assert err.value.code == 404
        req = urllib.request.Request(f"{server.base_url}/f.bin", headers={"Range": "bytes=5000-"})
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req)
        assert err.value.code == 416


def test_network_errors_retry_with_backoff(tmp_path, monkeypatch):
    calls, sleeps = [], []

    def flaky(url, workdir, settings, timeout_s):
        calls.append(url)
        (workdir / "audio.m4a.part").write_bytes(b"partial")
        raise dl.Failure("network_error", "timed out")

    monkeypatch.setattr(dl, "_fetch", flaky)
    s = DownloadSettings(retries=3, backoff_s=1.5)
    row = download_one("abcdefghijk", tmp_path, s, sleep=sleeps.append)
    assert row["status"] == "network_error" and row["attempts"] == 4 and len(calls) == 4
    assert sleeps == [1.5, 3.0, 6.0]
    assert not (tmp_path / "abcdefghijk.wav").exists()
    assert not (tmp_path / ".partial" / "abcdefghijk").exists()


def test_permanent_errors_are_not_retried(tmp_path, monkeypatch):
    def private(url, workdir, settings, timeout_s):
        raise dl.Failure("private", "Private video")

    monkeypatch.setattr(dl, "_fetch", private)
    row = download_one("abcdefghijk", tmp_path, DownloadSettings(backoff_s=0), sleep=lambda s: None)
    assert (row["status"], row["attempts"]) == ("private", 1)


def test_corrupt_cached_wav_is_downloaded_again(tmp_path):
    media = tmp_path / "media"
    make_media(media / "abcdefghijk.m4a", 2.0)
    audio = tmp_path / "audio"
    audio.mkdir()
    (audio / "abcdefghijk.wav").write_bytes(b"RIFF....WAVEjunk")
    s = DownloadSettings(url_template="http://127.0.0.1:{port}/{video_id}.m4a", backoff_s=0)
    with serve(media) as server:
        status = download_videos(["abcdefghijk"], audio, s, {"port": server.port})
    assert status["status"].tolist() == ["ok"] and status["cached"].tolist() == [False]


TEMPLATE = "http://127.0.0.1:{port}/{video_id}.m4a"


def _leftovers(audio: Path) -> list[str]:
    return sorted(str(p.relative_to(audio)) for p in audio.rglob("*"))


def test_drip_fed_download_meets_its_deadline_and_the_others_download(tmp_path):
    media = tmp_path / "media"
    make_media(media / "dripdripdri.m4a", 2.0)
    make_media(media / "fastfastfas.m4a", 2.0)
    audio = tmp_path / "audio"
    settings = DownloadSettings(url_template=TEMPLATE, retries=3, backoff_s=0, timeout_s=3,
                                ytdlp_options=LOCAL_MEDIA_OPTIONS)  # fmt: skip
    with serve(media) as server:
        server.drip["dripdripdri.m4a"] = 64.0  # bytes per second, never a stall
        server.drip_limit_s = 12.0  # bounds the test when the deadline does not hold
        start = time.monotonic()
        status = download_videos(["dripdripdri", "fastfastfas"], audio, settings,
                                 {"port": server.port})  # fmt: skip
        elapsed = time.monotonic() - start
    by_id = status.set_index("video_id")
    assert by_id.loc["dripdripdri", "status"] == "timed_out"
    assert "within 3 s (download.timeout_s)" in by_id.loc["dripdripdri", "reason"]
    assert by_id.loc["fastfastfas", "status"] == "ok"
    assert elapsed < 10.0
    assert _leftovers(audio) == ["fastfastfas.wav"]  # no .part, fragment or temporary file
    time.sleep(1.0)
    assert _leftovers(audio) == ["fastfastfas.wav"]  # the killed download wrote nothing later


def test_download_one_removes_its_partial_files_at_the_deadline(tmp_path):
    media = tmp_path / "media"
    make_media(media / "dripdripdri.m4a", 2.0)
    audio = tmp_path / "audio"
    settings = DownloadSettings(url_template=TEMPLATE, retries=0, timeout_s=2,
                                ytdlp_options=LOCAL_MEDIA_OPTIONS)  # fmt: skip
    with serve(media) as server:
        server.drip["dripdripdri.m4a"] = 64.0
        server.drip_limit_s = 12.0
        row = download_one("dripdripdri", audio, settings, {"port": server.port})
    assert (row["status"], row["attempts"]) == ("timed_out", 1)
    assert _leftovers(audio) == [".partial"]


def test_truncated_source_is_not_ok(tmp_path):
    media = tmp_path / "media"
    make_media(media / "halfhalfhal.m4a", 8.0, keep=0.5)  # header says 8 s, data holds ~4 s
    make_media(media / "wholewholew.m4a", 8.0)
    audio = tmp_path / "audio"
    settings = DownloadSettings(url_template=TEMPLATE, retries=1, backoff_s=0,
                                ytdlp_options=LOCAL_MEDIA_OPTIONS)  # fmt: skip
    with serve(media) as server:
        status = download_videos(["halfhalfhal", "wholewholew"], audio, settings,
                                 {"port": server.port})  # fmt: skip
    half = status.set_index("video_id").loc["halfhalfhal"]
    assert (half.status, half.attempts) == ("truncated", 2)
    assert half.reason.startswith("decoded ") and "of a 8.00 s source (container header)" in (
        half.reason)  # fmt: skip
    assert _leftovers(audio) == ["wholewholew.wav"]


def test_check_complete_against_every_claimed_duration():
    check_complete(299.5, {"yt-dlp info": 300.0, "container header": None}, 2.0)
    check_complete(5.0, {}, 2.0)  # nothing claimed: nothing to compare
    with pytest.raises(dl.Failure) as err:
        check_complete(120.0, {"yt-dlp info": 300.0, "container header": 120.0}, 2.0)
    assert err.value.status == "truncated"
    assert err.value.reason == "decoded 120.00 s of a 300.00 s source (yt-dlp info)"


@pytest.mark.parametrize("timeout", [0, -1.0])
def test_deadline_must_be_positive(timeout):
    with pytest.raises(ValueError, match="timeout_s must be > 0"):
        DownloadSettings.from_config({"timeout_s": timeout})
