"""Codec round trips through ffmpeg (subprocess pipes): encode, decode, align.

Clips are joined into one stream with :data:`GAP_S` of silence between them (a codec frame
does not reach from one clip into the next), encoded by one ffmpeg process and decoded by a
second one back to ``s16le`` at the clips' rate, so a shard costs two processes rather than two
per clip. The codec's delay (encoder look-ahead and padding, a decoder that keeps it) is found
by cross-correlating the decoded stream with the input (lags 0 to :data:`MAX_DELAY_S`), removed,
and every clip is cut back out at its own offsets: aligned (correlation peak at lag 0) and of
its own length.

Codecs (``codec`` setting; GSM and mu-law work at 8 kHz, so the stream is resampled to 8 kHz
and back by ffmpeg's resampler, as a telephone line would band-limit it):

* ``mp3``: libmp3lame at ``bitrate_kbps`` (CBR), the clips' rate;
* ``opus``: libopus at ``bitrate_kbps`` (VBR, application audio), the clips' rate;
* ``gsm``: libgsm full rate (13 kbit/s), 8 kHz;
* ``mulaw``: G.711 mu-law (64 kbit/s), 8 kHz.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence

import numpy as np

from crossemo.audio.shards import decode_pcm16, encode_pcm16

GAP_S = 0.25  #: silence between clips in the joined stream
MAX_DELAY_S = 0.25  #: the largest codec delay searched for
ALIGN_S = 30.0  #: seconds of the stream's start that the delay is estimated on
#: codec -> (ffmpeg encoder options, container format, coded rate or None: the clips' rate)
CODECS: dict[str, tuple[tuple[str, ...], str, int | None]] = {
    "mp3": (("-c:a", "libmp3lame"), "mp3", None),
    "opus": (("-c:a", "libopus", "-application", "audio"), "ogg", None),
    "gsm": (("-c:a", "libgsm"), "gsm", 8000),
    "mulaw": (("-c:a", "pcm_mulaw"), "mulaw", 8000),
}


def _ffmpeg(args: Sequence[str], data: bytes) -> bytes:
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", *args]
    try:
        done = subprocess.run(cmd, input=data, capture_output=True, check=False)
    except FileNotFoundError:
        raise RuntimeError("codec conditions need ffmpeg on PATH (envs/audio.yaml has it)"
                           ) from None  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"ffmpeg {' '.join(args)} failed: {done.stderr.decode()[-500:]}")
    return done.stdout


def encode_decode(pcm: np.ndarray, sr: int, codec: str, bitrate_kbps: int) -> np.ndarray:
    """int16 ``pcm`` at ``sr`` through ``codec`` and back to int16 at ``sr`` (not aligned)."""
    options, container, rate = CODECS[codec]
    raw_in = ("-f", "s16le", "-ar", str(sr), "-ac", "1", "-i", "pipe:0")
    coded_rate = ("-ar", str(rate)) if rate else ()
    bitrate = ("-b:a", f"{bitrate_kbps}k") if bitrate_kbps else ()
    coded = _ffmpeg([*raw_in, *options, *coded_rate, *bitrate, "-f", container, "pipe:1"],
                    pcm.astype("<i2").tobytes())  # fmt: skip
    decode_in = ("-f", container, *(("-ar", str(rate), "-ac", "1") if container == "mulaw" else ()))
    out = _ffmpeg([*decode_in, "-i", "pipe:0", "-ar", str(sr), "-ac", "1", "-f", "s16le",
                   "pipe:1"], coded)  # fmt: skip
    return np.frombuffer(out, dtype="<i2")


def delay(reference: np.ndarray, decoded: np.ndarray, sr: int) -> int:
    """Samples by which ``decoded`` lags ``reference`` (0 to :data:`MAX_DELAY_S`), by FFT
    cross-correlation over the first :data:`ALIGN_S` seconds."""
    n = min(len(reference), int(ALIGN_S * sr))
    max_lag = int(MAX_DELAY_S * sr)
    a = reference[:n].astype(np.float64)
    b = decoded[: n + max_lag].astype(np.float64)
    if not np.any(a) or not np.any(b):
        return 0
    size = 1 << int(np.ceil(np.log2(len(a) + len(b))))
    corr = np.fft.irfft(np.fft.rfft(b, size) * np.conj(np.fft.rfft(a, size)), size)
    return int(np.argmax(corr[: max_lag + 1]))


def round_trip(clips: Sequence[np.ndarray], sr: int, codec: str, bitrate_kbps: int = 0
               ) -> list[np.ndarray]:  # fmt: skip
    """Each float32 clip through ``codec`` (one joined stream), aligned, its own length."""
    gap = np.zeros(int(GAP_S * sr), dtype=np.int16)
    pcm = [encode_pcm16(np.asarray(c, dtype=np.float32))[0] for c in clips]
    starts = np.cumsum([len(gap)] + [len(p) + len(gap) for p in pcm])[:-1]
    stream = np.concatenate([gap, *[np.concatenate([p, gap]) for p in pcm]])
    decoded = encode_decode(stream, sr, codec, bitrate_kbps)
    lag = delay(stream, decoded, sr)
    decoded = decoded[lag:]
    if len(decoded) < len(stream):
        decoded = np.pad(decoded, (0, len(stream) - len(decoded)))
    return [decode_pcm16(decoded[s : s + len(p)]) for s, p in zip(starts, pcm, strict=True)]
