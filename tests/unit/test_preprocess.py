"""Preprocessing: resampling, mono, denoise, silence removal, duration limits, shards."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from crossemo.audio.preprocess import (
    DenoiseSettings,
    Dropped,
    PreprocessSettings,
    TrimSettings,
    preprocess_shard,
    process,
    remove_silence,
)
from crossemo.audio.shards import iter_audio, load_audio, read_shard_meta
from crossemo.schemas import AudioShard, Manifest, Rejects, read_table, write_table
from crossemo.sharding import select_shard, shard_of

SR = 16000


def tone(seconds: float, sr: int = SR, freq: float = 220.0, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def silence(seconds: float, sr: int = SR) -> np.ndarray:
    return np.zeros(int(seconds * sr), dtype=np.float32)


NO_TRIM = PreprocessSettings(trim=TrimSettings(method="none"), min_duration=0.0)


def test_resamples_48k_to_16k_keeping_duration():
    audio, info = process(tone(2.0, sr=48000), 48000, NO_TRIM)
    assert info["sample_rate"] == 16000
    assert len(audio) == 32000
    assert audio.dtype == np.float32
    # the tone survives resampling: dominant frequency stays at 220 Hz
    spectrum = np.abs(np.fft.rfft(audio))
    assert abs(np.argmax(spectrum) * 16000 / len(audio) - 220) < 2


def test_energy_trim_removes_leading_trailing_and_long_inner_silence():
    clip = np.concatenate([silence(1.0), tone(1.0), silence(2.0), tone(1.0), silence(1.0)])
    out = remove_silence(clip, SR, TrimSettings(method="energy", top_db=30, keep_margin=0.1))
    # two 1 s tones kept; of the 4 s of silence at most margins + analysis frames remain
    frame_edge = 2048 / SR  # librosa.effects.split's frame length
    assert 2.0 <= len(out) / SR <= 2.0 + 4 * (0.1 + frame_edge)


def test_trim_none_keeps_everything():
    clip = np.concatenate([silence(1.0), tone(1.0)])
    assert len(remove_silence(clip, SR, TrimSettings(method="none"))) == len(clip)


def test_vad_trim_keeps_speech_and_drops_silence(tmp_path: Path):
    wav = tmp_path / "speech.wav"
    subprocess.run(
        ["espeak-ng", "-w", str(wav), "the quick brown fox jumps over the lazy dog"], check=True
    )
    speech, sr = sf.read(wav, dtype="float32")
    import soxr

    speech = soxr.resample(speech, sr, SR).astype(np.float32)
    clip = np.concatenate([silence(2.0), speech, silence(2.0)])
    out = remove_silence(clip, SR, TrimSettings(method="vad", vad_threshold=0.5, keep_margin=0.1))
    assert len(out) < len(clip) - 3.0 * SR  # most of the 4 s of silence is gone
    assert len(out) > 0.7 * len(speech)  # the speech is kept


def test_denoise_reduces_noise_and_keeps_the_tone():
    rng = np.random.default_rng(0)
    clean = np.concatenate([silence(1.0), tone(1.0)])
    noisy = clean + 0.05 * rng.standard_normal(2 * SR).astype(np.float32)
    settings = PreprocessSettings(
        denoise=DenoiseSettings(enabled=True, prop_decrease=1.0),
        trim=TrimSettings(method="none"),
        min_duration=0.0,
    )
    out, info = process(noisy, SR, settings)
    assert info["denoised"] is True
    # noise-only first second: much quieter; tone second: still the tone
    assert np.std(out[: SR // 2]) < 0.5 * np.std(noisy[: SR // 2])  # at least -6 dB
    assert (
        np.corrcoef(out[SR + 2000 : 2 * SR - 2000], clean[SR + 2000 : 2 * SR - 2000])[0, 1] > 0.95
    )


def test_too_short_clip_is_dropped_with_reason():
    with pytest.raises(Dropped) as err:
        process(tone(0.5), SR, PreprocessSettings(trim=TrimSettings(method="none")))
    assert err.value.reason == "too_short"


def test_max_duration_truncates_or_rejects():
    long = tone(5.0)
    cut, info = process(
        long, SR, PreprocessSettings(trim=TrimSettings(method="none"), max_duration=3.0)
    )
    assert len(cut) == 3 * SR and info["duration"] == 3.0
    with pytest.raises(Dropped) as err:
        process(
            long,
            SR,
            PreprocessSettings(
                trim=TrimSettings(method="none"), max_duration=3.0, max_policy="reject"
            ),
        )
    assert err.value.reason == "too_long"


def test_no_limits_keep_every_clip_whole():
    # the strEmo paper states no duration limits: max_duration null, min_duration 0
    settings = PreprocessSettings.from_config(
        {"trim": {"method": "none"}, "min_duration": 0.0, "max_duration": None}
    )
    for seconds in (0.1, 45.0):
        out, info = process(tone(seconds), SR, settings)
        assert len(out) == int(seconds * SR) and info["trimmed_s"] == 0.0


def test_settings_from_config_roundtrip():
    cfg = {
        "sample_rate": 16000,
        "denoise": {"enabled": True, "stationary": False, "prop_decrease": 0.5},
        "trim": {"method": "vad", "top_db": 30, "vad_threshold": 0.4, "keep_margin": 0.2},
        "min_duration": 1.5,
        "max_duration": 12.0,
        "max_policy": "reject",
    }
    s = PreprocessSettings.from_config(cfg)
    assert s.denoise.stationary is False and s.trim.method == "vad" and s.min_duration == 1.5


def _manifest(rows: list[dict]) -> pd.DataFrame:
    base = {
        "corpus": "c",
        "start": None,
        "end": None,
        "speaker": "c/s1",
        "gender": "female",
        "group": "c/s1",
        "raw_label": "x",
        "emotion": "neutral",
        "text": None,
        "language": "en",
        "duration": 1.0,
        "sample_rate": 16000.0,
        "channels": 1.0,
    }
    return pd.DataFrame([{**base, **r} for r in rows])


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    """A small corpus: stereo 48 kHz, a long file cut into segments, a short clip, a lost file."""
    sf.write(tmp_path / "stereo48k.wav", np.stack([tone(2.0, 48000), tone(2.0, 48000)], 1), 48000)
    sf.write(tmp_path / "video.wav", np.concatenate([tone(2.0), silence(1.0), tone(3.0)]), SR)
    sf.write(tmp_path / "short.wav", tone(0.4), SR, subtype="PCM_24")
    sf.write(tmp_path / "gone.wav", tone(2.0), SR)
    rows = [
        {"utt_id": "c/stereo", "path": str(tmp_path / "stereo48k.wav")},
        {"utt_id": "c/seg0", "path": str(tmp_path / "video.wav"), "start": 0.0, "end": 2.0},
        {"utt_id": "c/seg1", "path": str(tmp_path / "video.wav"), "start": 3.0, "end": 6.0},
        {"utt_id": "c/short", "path": str(tmp_path / "short.wav")},
        {"utt_id": "c/gone", "path": str(tmp_path / "gone.wav")},
    ]
    write_table(_manifest(rows), tmp_path / "manifest.parquet", Manifest)
    (tmp_path / "gone.wav").unlink()  # removed between ingest and preprocessing
    return tmp_path


def test_preprocess_shard_writes_shard_and_rejects(corpus: Path):
    out, rej = corpus / "audio" / "0000.parquet", corpus / "audio" / "0000.rejects.parquet"
    kept, dropped = preprocess_shard(
        corpus / "manifest.parquet",
        "0000",
        1,
        PreprocessSettings(trim=TrimSettings(method="none")),
        out,
        rej,
    )
    assert (kept, dropped) == (3, 2)
    meta = read_shard_meta([out]).set_index("utt_id")
    assert AudioShard.validate(pd.read_parquet(out)).shape[0] == 3
    assert meta.loc["c/stereo", "duration"] == pytest.approx(2.0)
    assert meta.loc["c/seg0", "duration"] == pytest.approx(2.0)
    assert meta.loc["c/seg1", "duration"] == pytest.approx(3.0)
    rejects = read_table(rej, Rejects).set_index("utt_id")
    assert rejects.loc["c/short", "reason"] == "too_short"
    assert rejects.loc["c/gone", "reason"] == "missing_file"
    assert set(rejects["stage"]) == {"preprocess"}
    audio = load_audio([out])
    assert set(audio) == {"c/stereo", "c/seg0", "c/seg1"}
    assert all(a.dtype == np.float32 for a in audio.values())


def test_shards_partition_the_manifest(corpus: Path):
    manifest = pd.read_parquet(corpus / "manifest.parquet")
    parts = [set(select_shard(manifest, i, 3)["utt_id"]) for i in range(3)]
    assert set().union(*parts) == set(manifest["utt_id"])
    assert sum(len(p) for p in parts) == len(manifest)
    assert shard_of("ravdess/03-01-05-01-01-01-01", 7) == shard_of(
        "ravdess/03-01-05-01-01-01-01", 7
    )


def test_iter_audio_filters_by_id(corpus: Path):
    out = corpus / "a.parquet"
    preprocess_shard(
        corpus / "manifest.parquet",
        0,
        1,
        PreprocessSettings(trim=TrimSettings(method="none")),
        out,
        corpus / "a.rejects.parquet",
    )
    got = list(iter_audio([out], utt_ids={"c/seg1"}))
    assert [u for u, _, _ in got] == ["c/seg1"] and got[0][2] == 16000
    assert len(got[0][1]) == 3 * SR


def test_containers_go_through_ffmpeg_at_their_own_rate(tmp_path: Path):
    from crossemo.audio.decode import load, probe

    wav = tmp_path / "x.wav"
    sf.write(wav, tone(2.0, 44100), 44100)
    m4a = tmp_path / "x.m4a"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(wav), "-c:a", "aac", str(m4a)], check=True)
    info = probe(m4a)
    samples, sr = load(m4a, start=0.5, end=1.5)
    assert info.sample_rate == 44100 and sr == 44100
    assert abs(info.duration - 2.0) < 0.1
    assert abs(len(samples) - 44100) <= 1


@pytest.mark.parametrize("seed", range(6))
def test_energy_intervals_equal_librosa_split(seed: int):
    import librosa

    from crossemo.audio.preprocess import energy_intervals

    rng = np.random.default_rng(seed)
    parts = []
    for _ in range(rng.integers(2, 6)):
        parts.append(silence(rng.uniform(0.05, 1.0)) + 1e-4 * rng.standard_normal(1).astype("f4"))
        parts.append(
            tone(rng.uniform(0.1, 1.5), freq=rng.uniform(100, 900), amp=rng.uniform(0.05, 0.9))
        )
    clip = np.concatenate(parts + [tone(0.01, amp=0.0)]).astype(np.float32)
    clip = clip[: len(clip) - rng.integers(0, 511)]  # lengths that are not a hop multiple
    for top_db in (20, 35, 60):
        ours = energy_intervals(clip, top_db=top_db)
        theirs = librosa.effects.split(clip, top_db=top_db)
        assert np.array_equal(ours, theirs), (top_db, ours, theirs)


def test_atomic_path_keeps_the_old_file_when_the_write_fails(tmp_path: Path):
    from crossemo.atomic import atomic_path

    target = tmp_path / "sub" / "table.csv"
    with atomic_path(target) as tmp:
        tmp.write_text("v1")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed mid-write")
    assert target.read_text() == "v1"
    assert [p.name for p in target.parent.iterdir()] == ["table.csv"]
