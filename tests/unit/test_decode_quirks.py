"""decode.probe/load on the file quirks real corpus releases contain."""

from __future__ import annotations

import numpy as np
import pytest
from audio_quirks import (
    aiff_as_wav,
    empty,
    resource_fork,
    text_file,
    truncated,
    with_list_chunk,
    write,
    zero_frames,
)

from crossemo.audio.decode import DecodeError, load, probe

GOOD = {
    "list_chunk_48k": (lambda p: with_list_chunk(p, 0.25, 48000), 48000, 12000, 1),
    "list_chunk_stereo": (lambda p: with_list_chunk(p, 0.25, 48000, 2), 48000, 12000, 2),
    "stereo": (lambda p: write(p, 0.5, 48000, 2), 48000, 24000, 2),
    "8k": (lambda p: write(p, 0.5, 8000), 8000, 4000, 1),
    "96k": (lambda p: write(p, 0.1, 96000), 96000, 9600, 1),
    "pcm24": (lambda p: write(p, 0.2, 16000, subtype="PCM_24"), 16000, 3200, 1),
    "float32": (lambda p: write(p, 0.2, 16000, subtype="FLOAT"), 16000, 3200, 1),
    "pcm_u8": (lambda p: write(p, 0.2, 16000, subtype="PCM_U8"), 16000, 3200, 1),
    "aiff_as_wav": (lambda p: aiff_as_wav(p, 0.1, 24414), 24414, 2441, 1),
}


@pytest.mark.parametrize("name", sorted(GOOD))
def test_load_quirky_files_gives_mono_float32(tmp_path, name):
    make, sr, frames, channels = GOOD[name]
    path = make(tmp_path / f"{name}.wav")
    info = probe(path)
    assert (info.sample_rate, info.frames, info.channels) == (sr, frames, channels)
    samples, got_sr = load(path)
    assert got_sr == sr
    assert samples.dtype == np.float32 and samples.ndim == 1 and len(samples) == frames
    assert 0.2 < np.abs(samples).max() <= 1.0  # the sine survived (not silence, not garbage)


def test_load_segment_of_a_quirky_file(tmp_path):
    path = with_list_chunk(tmp_path / "a.wav", 1.0, 48000, 2)
    samples, sr = load(path, start=0.25, end=0.5)
    assert sr == 48000 and len(samples) == 12000 and samples.dtype == np.float32
    samples, _ = load(path, start=0.9, end=5.0)  # end past the file is clipped
    assert len(samples) == 4800
    with pytest.raises(DecodeError) as err:
        load(path, start=2.0, end=3.0)
    assert err.value.reason == "segment_out_of_range"


BAD = {
    "empty_file": empty,
    "truncated": truncated,
    "not_audio": text_file,
    "no_audio_frames": zero_frames,
}


@pytest.mark.parametrize("reason", sorted(BAD))
def test_unusable_files_raise_decode_error_with_reason(tmp_path, reason):
    path = BAD[reason](tmp_path / "bad.wav")
    for call in (probe, load):
        with pytest.raises(DecodeError) as err:
            call(path)
        assert err.value.reason == reason


def test_resource_fork_and_missing_file(tmp_path):
    fork = resource_fork(write(tmp_path / "a.wav"))
    with pytest.raises(DecodeError) as err:
        probe(fork)
    assert err.value.reason == "not_audio"
    with pytest.raises(DecodeError) as err:
        probe(tmp_path / "nope.wav")
    assert err.value.reason == "missing_file"


def test_a_file_without_read_permission_is_unreadable_not_not_audio(tmp_path, monkeypatch):
    import os

    path = write(tmp_path / "locked.wav", 0.2)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, m: str(p) != str(path) and real_access(p, m))
    real_open = os.open

    def denied_open(p, flags, *args, **kwargs):
        if str(p) == str(path):
            raise PermissionError(13, "Permission denied", str(p))
        return real_open(p, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied_open)
    monkeypatch.setattr(
        "soundfile.SoundFile", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("denied"))
    )  # what libsndfile says when the file cannot be opened (tests run as root)
    for call in (probe, load):
        with pytest.raises(DecodeError) as err:
            call(path)
        assert err.value.reason == "unreadable", call.__name__


def _soundfile_mono(path, start=None, end=None):
    """What soundfile alone decodes: float32 frames of [start, end), averaged to mono."""
    import soundfile as sf

    with sf.SoundFile(str(path)) as fh:
        sr = fh.samplerate
        first = int(round((start or 0.0) * sr))
        last = fh.frames if end is None else min(fh.frames, int(round(end * sr)))
        fh.seek(first)
        data = fh.read(last - first, dtype="float32", always_2d=True)
    return data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]


def _full_range_pcm16(path, sr, channels, fmt="WAV"):
    """Random 16-bit PCM over the whole range, both extremes included."""
    import soundfile as sf

    rng = np.random.default_rng(channels)
    pcm = rng.integers(-32768, 32768, size=(sr // 2, channels), dtype=np.int16)
    pcm[:2] = [[-32768] * channels, [32767] * channels]
    sf.write(str(path), pcm, sr, format=fmt, subtype="PCM_16")
    return path


PCM16_FILES = {
    "mono": lambda p: _full_range_pcm16(p, 16000, 1),
    "stereo": lambda p: _full_range_pcm16(p, 44100, 2),
    "extensible": lambda p: _full_range_pcm16(p, 48000, 2, fmt="WAVEX"),
    "list_chunk": lambda p: with_list_chunk(p, 0.25, 48000, 2),
}


@pytest.mark.parametrize(
    "name", sorted(PCM16_FILES) + ["pcm24", "float32", "pcm_u8", "aiff_as_wav"]
)
def test_pcm16_wav_is_read_directly_with_soundfile_s_samples(tmp_path, name):
    """16-bit PCM WAV takes the direct read (other formats soundfile), and both give exactly
    soundfile's float32 samples, for the whole file and for segments."""
    import os

    from crossemo.audio.decode import _open_checked

    make = PCM16_FILES.get(name) or GOOD[name][0]
    path = make(tmp_path / f"{name}.wav")
    fd, chunk = _open_checked(str(path))
    os.close(fd)
    assert (chunk is not None and chunk.pcm16 is not None) == (name in PCM16_FILES)
    for start, end in [(None, None), (0.0123, 0.2), (0.05, 9.0)]:
        samples, _ = load(path, start=start, end=end)
        expected = _soundfile_mono(path, start, end)
        assert samples.dtype == np.float32 and samples.shape == expected.shape
        assert np.array_equal(samples, expected), (name, start, end)


def test_pcm16_wav_with_an_odd_data_chunk_drops_the_partial_frame(tmp_path):
    """A data chunk whose size is not a whole number of frames: the partial frame is dropped,
    as libsndfile drops it."""
    import struct

    path = _full_range_pcm16(tmp_path / "odd.wav", 16000, 2)
    raw = bytearray(path.read_bytes())
    at = raw.index(b"data")
    size = struct.unpack("<I", raw[at + 4 : at + 8])[0]
    raw[at + 4 : at + 8] = struct.pack("<I", size - 2)  # one sample short of the last frame
    path.write_bytes(bytes(raw[: at + 8 + size - 2]))
    samples, _ = load(path)
    assert len(samples) == size // 4 - 1
    assert np.array_equal(samples, _soundfile_mono(path))


def _wav_with_rate(path, rate: int, subtype: str = "PCM_16", seconds: float = 0.5):
    """A WAV whose header claims ``rate`` Hz (the samples are a 16 kHz tone)."""
    import struct

    write(path, seconds, subtype=subtype)
    raw = bytearray(path.read_bytes())
    fmt = raw.index(b"fmt ") + 8
    channels, bits = (
        struct.unpack_from("<H", raw, fmt + 2)[0],
        struct.unpack_from("<H", raw, fmt + 14)[0],
    )
    struct.pack_into("<II", raw, fmt + 4, rate, rate * channels * bits // 8)
    path.write_bytes(bytes(raw))
    return path


@pytest.mark.parametrize("rate", [1, 3999, 384001, 4_000_000])
@pytest.mark.parametrize("subtype", ["PCM_16", "FLOAT"])
def test_header_sample_rate_outside_the_sane_range_is_a_reject(tmp_path, rate, subtype):
    path = _wav_with_rate(tmp_path / "odd.wav", rate, subtype)
    for call in (probe, load):
        with pytest.raises(DecodeError) as err:
            call(path)
        assert err.value.reason == "bad_sample_rate", call.__name__
        assert f"{rate} Hz" in err.value.detail


@pytest.mark.parametrize("rate", [4000, 8000, 384000])
def test_header_sample_rates_in_the_sane_range_decode(tmp_path, rate):
    path = _wav_with_rate(tmp_path / "ok.wav", rate)
    assert probe(path).sample_rate == rate
    assert load(path)[1] == rate


def _special_files(folder):
    """A FIFO, a socket and a link to a character device, each named like audio."""
    import os
    import socket

    folder.mkdir(parents=True, exist_ok=True)
    os.mkfifo(folder / "fifo.wav")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(folder / "sock.wav"))
    os.symlink("/dev/null", folder / "device.wav")
    return sock, {"fifo.wav": "FIFO", "sock.wav": "socket", "device.wav": "character device"}


def test_special_files_are_rejects_and_never_opened(tmp_path):
    """A FIFO is never opened (opening one blocks until a writer comes); special files are
    ``not_regular_file`` rejects naming their kind."""
    import os
    import threading

    sock, kinds = _special_files(tmp_path)
    results: dict = {}

    def decode_all():
        for name in kinds:
            for call in (probe, load):
                try:
                    call(tmp_path / name)
                except DecodeError as err:
                    results[name, call.__name__] = (err.reason, err.detail)

    worker = threading.Thread(target=decode_all, daemon=True)
    worker.start()
    worker.join(10)
    blocked = worker.is_alive()
    if blocked:  # release the reader blocked on the FIFO, then fail
        os.close(os.open(tmp_path / "fifo.wav", os.O_WRONLY | os.O_NONBLOCK))
        worker.join(10)
    sock.close()
    assert not blocked, "decoding blocked on a FIFO"
    for name, kind in kinds.items():
        for call in ("probe", "load"):
            reason, detail = results[name, call]
            assert reason == "not_regular_file", (name, call)
            assert kind in detail, (name, call, detail)
