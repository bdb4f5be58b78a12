"""Preprocessing: resampling, mono, denoise, silence removal, duration limits, shards."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
import soxr
from audio_quirks import long_wav, write

import crossemo.audio.preprocess as preprocess_module
from crossemo.audio.preprocess import (
    Dropped,
    PreprocessSettings,
    preprocess_shard,
    process,
    write_shard,
)
from crossemo.audio.sharding import select_shard, shard_of
from crossemo.audio.shards import (
    PCM16_SCALE,
    decode_pcm16,
    encode_pcm16,
    iter_audio,
    load_audio,
    read_shard_meta,
)
from crossemo.audio.steps import DenoiseSettings, TrimSettings, remove_silence, resample
from crossemo.core.reasons import TOO_LONG
from crossemo.core.schemas import AudioShard, Manifest, Rejects, read_table, write_table

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


@pytest.mark.parametrize("sr", [8000, 22050, 24414, 44100, 48000, 96000])
def test_resampling_gives_soxr_s_one_shot_samples_clip_after_clip(sr):
    """The reused resampler leaves nothing of one clip in the next: every clip, in any order and
    of any length, comes out as ``soxr.resample`` gives it alone."""
    rng = np.random.default_rng(sr)
    clips = [rng.standard_normal(n).astype(np.float32) * 0.3 for n in (sr * 2 + 7, 3, sr // 3, 1)]
    for clip in clips + clips[::-1]:
        ours = resample(clip, sr, SR)
        alone = soxr.resample(clip, sr, SR, quality="HQ")
        assert ours.dtype == np.float32 and ours.shape == alone.shape
        assert np.array_equal(ours, alone)
    assert len(resample(np.zeros(0, np.float32), sr, SR)) == 0


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


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_samples_are_dropped_with_reason(bad):
    samples = tone(2.0)
    samples[SR // 2] = bad
    with pytest.raises(Dropped) as err:
        process(samples, SR, PreprocessSettings(trim=TrimSettings(method="none")))
    assert err.value.reason == "non_finite_samples"
    assert "1 of 32000 samples" in err.value.detail


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


def test_one_bad_row_never_fails_the_shard(tmp_path: Path, monkeypatch):
    """Defence in depth: rows ingest should have refused (an infinite end, from an older
    manifest) and a file that fails to read (an I/O error) become rejects with their reasons;
    the rest is kept."""
    sf.write(tmp_path / "video.wav", tone(4.0), SR)
    sf.write(tmp_path / "odd.wav", tone(2.0), SR)
    rows = [
        {"utt_id": "c/good", "path": str(tmp_path / "video.wav"), "start": 0.0, "end": 2.0},
        {"utt_id": "c/inf", "path": str(tmp_path / "video.wav"), "start": 2.0, "end": np.inf},
        {"utt_id": "c/odd", "path": str(tmp_path / "odd.wav")},
    ]
    write_table(_manifest(rows), tmp_path / "manifest.parquet", Manifest)
    real_load = preprocess_module.load_frames

    def load_frames(path, *args, **kwargs):
        if str(path).endswith("odd.wav"):
            raise OSError(5, "Input/output error")
        return real_load(path, *args, **kwargs)

    monkeypatch.setattr(preprocess_module, "load_frames", load_frames)
    out, rej = tmp_path / "0000.parquet", tmp_path / "0000.rejects.parquet"
    settings = PreprocessSettings(trim=TrimSettings(method="none"))
    assert preprocess_shard(tmp_path / "manifest.parquet", "0000", 1, settings, out, rej) == (1, 2)
    rejects = read_table(rej, Rejects).set_index("utt_id")
    assert dict(rejects["reason"]) == {"c/inf": "non_finite_time", "c/odd": "unreadable"}
    assert "Input/output error" in rejects.loc["c/odd", "detail"]
    assert list(read_shard_meta([out])["utt_id"]) == ["c/good"]


@pytest.mark.parametrize(
    ("samples", "reason"),
    [
        (np.zeros(2 * SR, dtype=np.float32), "silent"),
        (np.full(2 * SR, 1e-5, dtype=np.float32), "silent"),
        (
            np.where(np.arange(2 * SR) == SR, np.nan, tone(2.0)).astype(np.float32),
            "non_finite_samples",
        ),
        (
            np.where(np.arange(2 * SR) == 7, np.inf, tone(2.0)).astype(np.float32),
            "non_finite_samples",
        ),
    ],
    ids=["zeros", "near-zero", "nan", "inf"],
)
def test_silent_and_non_finite_audio_are_dropped_with_their_reasons(samples, reason):
    for method in ("energy", "none"):
        with pytest.raises(Dropped) as err:
            process(samples, SR, PreprocessSettings(trim=TrimSettings(method=method)))
        assert err.value.reason == reason, method


def test_quiet_speech_is_not_silent():
    out, _ = process(tone(2.0, amp=0.002), SR, PreprocessSettings(trim=TrimSettings(method="none")))
    assert len(out) == 2 * SR


def test_silent_and_non_finite_files_become_shard_rejects(tmp_path: Path):
    sf.write(tmp_path / "zeros.wav", np.zeros(2 * SR, dtype=np.float32), SR, subtype="PCM_16")
    nan = tone(2.0)
    nan[100:200] = np.nan
    sf.write(tmp_path / "nan.wav", nan, SR, subtype="FLOAT")
    sf.write(tmp_path / "ok.wav", tone(2.0), SR)
    names = ("zeros", "nan", "ok")
    rows = [{"utt_id": f"c/{n}", "path": str(tmp_path / f"{n}.wav")} for n in names]
    write_table(_manifest(rows), tmp_path / "manifest.parquet", Manifest)
    out, rej = tmp_path / "0000.parquet", tmp_path / "0000.rejects.parquet"
    preprocess_shard(tmp_path / "manifest.parquet", "0000", 1, PreprocessSettings(), out, rej)
    rejects = read_table(rej, Rejects).set_index("utt_id")
    assert dict(rejects["reason"]) == {"c/zeros": "silent", "c/nan": "non_finite_samples"}
    assert list(read_shard_meta([out])["utt_id"]) == ["c/ok"]


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
    from crossemo.core.jit_cache import import_librosa

    librosa = import_librosa()

    from crossemo.audio.steps import energy_intervals

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
    from crossemo.core.atomic import atomic_path

    target = tmp_path / "sub" / "table.csv"
    with atomic_path(target) as tmp:
        tmp.write_text("v1")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed mid-write")
    assert target.read_text() == "v1"
    assert [p.name for p in target.parent.iterdir()] == ["table.csv"]


# --- shard samples: 16-bit PCM (format 2) -------------------------------------------------

STEP = 1 / PCM16_SCALE  # one PCM16 step in float


def processed_floats(manifest_path: Path, settings: PreprocessSettings) -> dict[str, np.ndarray]:
    """What preprocessing makes of each kept row in float32, before the shard stores it."""
    from crossemo.audio.decode import DecodeError, load

    out = {}
    for row in read_table(manifest_path, Manifest).itertuples():
        start = None if pd.isna(row.start) else row.start
        try:
            out[row.utt_id] = process(*load(row.path, start, None if pd.isna(row.end) else row.end),
                                      settings)[0]  # fmt: skip
        except (DecodeError, Dropped):
            continue
    return out


def test_pcm16_round_trip_error_is_bounded():
    rng = np.random.default_rng(0)
    edges = [-1.0, -1.0 + STEP / 2, -STEP / 2, 0.0, STEP / 2, 1 - STEP, 1 - STEP / 3, 1.0]
    x = np.concatenate([rng.uniform(-1, 1, 200_000), edges]).astype(np.float32)
    q, clipped = encode_pcm16(x)
    back = decode_pcm16(q)
    assert q.dtype == np.int16 and back.dtype == np.float32 and clipped == 0
    err = np.abs(back.astype(np.float64) - x)
    assert err.max() <= STEP  # the contract: |err| <= 1/32768 on [-1, 1]
    inside = x <= 1 - STEP  # everything a PCM16 sample can hold: rounding, half a step
    assert err[inside].max() <= STEP / 2
    assert back.min() >= -1.0 and back.max() <= 1 - STEP
    assert back[-1] == np.float32(1 - STEP)  # +1.0 itself is the one-step case


def test_pcm16_clips_samples_beyond_full_scale_and_counts_them():
    x = np.array([1.5, -2.0, 1.0, -1.0, 1.0000001, np.inf, -np.inf, np.nan, 0.25], "f4")
    q, clipped = encode_pcm16(x)
    assert clipped == 5  # 1.5, -2.0, 1.0000001, +inf, -inf; +-1.0 themselves are in range
    assert q.tolist() == [32767, -32768, 32767, -32768, 32767, 32767, -32768, 0, 8192]


def test_pcm16_stores_16_bit_sources_bit_for_bit():
    q = np.random.default_rng(1).integers(-32768, 32768, 50_000).astype(np.int16)
    as_read = q / np.float32(32768)  # soundfile's float view of PCM_16 (dtype="float32")
    assert np.array_equal(encode_pcm16(as_read.astype(np.float32))[0], q)


def test_write_shard_logs_clipping(tmp_path: Path, caplog):
    record = {"utt_id": "c/a", "samples": np.array([0.5, 1.25, -1.5], "f4"),
              "sample_rate": SR, "duration": 3 / SR, "source_duration": 3 / SR,
              "trimmed_s": 0.0, "denoised": False}  # fmt: skip
    with caplog.at_level("WARNING"):
        write_shard([record], tmp_path / "s.parquet")
    assert "2 samples beyond [-1, 1] clipped" in caplog.text
    (_, back, _), = iter_audio([tmp_path / "s.parquet"])  # fmt: skip
    assert back.tolist() == [0.5, 1 - STEP, -1.0]


def test_shard_stores_pcm16_and_reads_float32_within_the_bound(corpus: Path):
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    settings = PreprocessSettings(trim=TrimSettings(method="none"))
    out = corpus / "p.parquet"
    preprocess_shard(corpus / "manifest.parquet", 0, 1, settings, out, corpus / "p.rej.parquet")
    schema = pq.read_schema(out)
    assert schema.field("samples").type == pa.large_binary()  # headerless s16le per utterance
    assert json.loads(schema.metadata[b"crossemo.audio_shard"]) == {
        "version": 2, "samples": "pcm_s16le", "scale": 32768}  # fmt: skip
    raw = pq.read_table(out).to_pandas().set_index("utt_id")["samples"]
    floats = processed_floats(corpus / "manifest.parquet", settings)
    got = load_audio([out])
    assert got.keys() == floats.keys()
    for utt_id, back in got.items():
        assert back.dtype == np.float32 and len(back) == len(floats[utt_id])
        assert np.abs(back - np.clip(floats[utt_id], -1, 1)).max() <= STEP
        stored = np.frombuffer(raw[utt_id], dtype="<i2")  # what any s16le reader sees
        np.testing.assert_array_equal(stored / np.float32(PCM16_SCALE), back)


def test_iter_audio_still_reads_format_1_float_shards(tmp_path: Path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    waves = [tone(0.5), tone(0.25, amp=0.9)]
    for value_type in (pa.float32(), pa.float64()):
        pq.write_table(pa.table({
            "utt_id": ["a", "b"], "samples": pa.array([w.tolist() for w in waves],
                                                      pa.list_(value_type)),
            "sample_rate": [SR, SR]}), tmp_path / "v1.parquet")  # fmt: skip
        got = list(iter_audio([tmp_path / "v1.parquet"]))
        assert [u for u, _, _ in got] == ["a", "b"]
        for (_, back, rate), wave in zip(got, waves, strict=True):
            assert back.dtype == np.float32 and rate == SR
            np.testing.assert_array_equal(back, wave)


SENTENCES = {
    "en+m1": "Kids are talking by the door, and nobody knows why.",
    "en+m3": "Dogs are sitting by the door waiting for dinner.",
    "en+f1": "The weather was lovely on the day we left the city.",
    "en+f4": "Please say the word again, slowly and clearly.",
}


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng missing")
def test_real_speech_shard_takes_at_most_2_bytes_per_sample(tmp_path: Path):
    """espeak-ng speech at 22.05 kHz through the default preprocessing (resample, trim)."""
    rows = []
    for i, (voice, text) in enumerate(SENTENCES.items()):
        wav = tmp_path / f"u{i}.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-w", str(wav), text], check=True)
        rows.append({"utt_id": f"c/u{i}", "path": str(wav)})
    write_table(_manifest(rows), tmp_path / "manifest.parquet", Manifest)
    out = tmp_path / "0000.parquet"
    settings = PreprocessSettings()
    kept, _ = preprocess_shard(tmp_path / "manifest.parquet", 0, 1, settings, out,
                               tmp_path / "0000.rejects.parquet")  # fmt: skip
    assert kept == len(SENTENCES)
    audio = load_audio([out])
    n_samples = sum(len(a) for a in audio.values())
    assert n_samples > 4 * 1.5 * SR
    assert out.stat().st_size / n_samples <= 2.0
    floats = processed_floats(tmp_path / "manifest.parquet", settings)
    for utt_id, back in audio.items():
        assert np.abs(back - np.clip(floats[utt_id], -1, 1)).max() <= STEP


# --- the shard job's plain (numpy) contract checks never let through what pandera rejects ---

ROW_MUTATIONS = {
    "valid": lambda r: r,
    "duplicate_id": lambda r: pd.concat([r, r.iloc[:1]], ignore_index=True),
    "id_without_corpus_prefix": lambda r: r.assign(utt_id=r["utt_id"].str.replace("c/", "x/")),
    "end_before_start": lambda r: r.assign(start=2.0, end=1.0),
    "negative_start": lambda r: r.assign(start=-1.0, end=1.0),
    "missing_path": lambda r: r.assign(path=pd.Series([None] * len(r), dtype="str")),
    "int_times": lambda r: r.assign(start=0, end=1),  # coercible: pandera passes it
}


@pytest.mark.parametrize("name", sorted(ROW_MUTATIONS))
def test_plain_row_check_agrees_with_pandera(corpus: Path, name: str):
    import pandera.errors

    from crossemo.audio.preprocess import _INPUT_COLUMNS, _INPUT_SCHEMA, _rows_plainly_valid

    rows = ROW_MUTATIONS[name](pd.read_parquet(corpus / "manifest.parquet", columns=_INPUT_COLUMNS))
    try:
        _INPUT_SCHEMA.validate(rows, lazy=True)
        pandera_ok = True
    except pandera.errors.SchemaErrors:
        pandera_ok = False
    assert pandera_ok == (name in ("valid", "int_times"))
    if _rows_plainly_valid(rows):
        assert pandera_ok
    assert _rows_plainly_valid(rows) == (name == "valid")


def test_shard_job_rejects_a_manifest_that_breaks_the_contract(corpus: Path):
    import pandera.errors

    bad = pd.read_parquet(corpus / "manifest.parquet")
    pd.concat([bad, bad.iloc[:1]]).to_parquet(corpus / "bad.parquet")  # a duplicated utt_id
    with pytest.raises(pandera.errors.SchemaErrors):
        preprocess_shard(corpus / "bad.parquet", 0, 1, NO_TRIM, corpus / "o.parquet",
                         corpus / "o.rejects.parquet")  # fmt: skip


def _record(utt_id: str = "c/a", **changes) -> dict:
    base = {"utt_id": utt_id, "samples": tone(0.1), "sample_rate": SR, "duration": 0.1,
            "source_duration": 0.1, "trimmed_s": 0.0, "denoised": False}  # fmt: skip
    return {**base, **changes}


@pytest.mark.parametrize(
    "records",
    [
        [_record(duration=0.0)],
        [_record(sample_rate=0)],
        [_record(trimmed_s=-0.5)],
        [_record(), _record()],  # duplicate utt_id
    ],
    ids=["zero_duration", "zero_rate", "negative_trim", "duplicate_id"],
)
def test_write_shard_refuses_metadata_that_breaks_the_contract(tmp_path: Path, records):
    import pandera.errors

    with pytest.raises((pandera.errors.SchemaErrors, ValueError)):
        write_shard(records, tmp_path / "s.parquet")
    assert list(tmp_path.iterdir()) == []  # no shard, no temporary file left behind


def test_shard_is_written_in_row_groups_and_read_back_whole(tmp_path: Path, monkeypatch):
    import pyarrow.parquet as pq

    from crossemo.audio.preprocess import ShardWriter

    monkeypatch.setattr(ShardWriter, "ROW_GROUP_BYTES", 3 * 2 * SR // 10)  # ~3 clips of 0.1 s
    records = [_record(f"c/u{i}", samples=tone(0.1, freq=100.0 + i)) for i in range(10)]
    write_shard(records, tmp_path / "s.parquet")
    assert pq.ParquetFile(tmp_path / "s.parquet").num_row_groups == 4
    got = load_audio([tmp_path / "s.parquet"])
    assert list(got) == [r["utt_id"] for r in records]
    for r in records:
        assert np.abs(got[r["utt_id"]] - r["samples"]).max() <= STEP / 2
    assert list(iter_audio([tmp_path / "s.parquet"], utt_ids={"c/u7"}))[0][0] == "c/u7"


def test_write_shard_coerces_what_pandera_coerces(tmp_path: Path):
    write_shard([_record(sample_rate=16000.0, denoised=0)], tmp_path / "s.parquet")
    meta = read_shard_meta([tmp_path / "s.parquet"])
    assert meta["sample_rate"].tolist() == [16000] and meta["denoised"].tolist() == [False]


def test_a_failing_shard_job_keeps_the_previous_shard(tmp_path: Path):
    from crossemo.audio.preprocess import ShardWriter

    out = tmp_path / "s.parquet"
    write_shard([_record("c/old")], out)
    with pytest.raises(RuntimeError), ShardWriter(out) as writer:
        writer.add(_record("c/new"))
        raise RuntimeError("killed mid-shard")
    assert list(load_audio([out])) == ["c/old"]
    assert [p.name for p in tmp_path.iterdir()] == ["s.parquet"]


def speech_like(seconds: float = 2.0, sr: int = SR) -> np.ndarray:
    """A tone in syllable-like bursts with pauses: what energy trimming has to measure."""
    envelope = (np.sin(2 * np.pi * 2.0 * np.arange(int(seconds * sr)) / sr) > -0.3).astype(
        np.float32
    )
    return tone(seconds, sr) * envelope


def test_energy_trim_measures_huge_float_values_without_overflow():
    from crossemo.audio.steps import energy_intervals

    clip = speech_like()
    expected = energy_intervals(clip, top_db=35.0)
    assert len(expected) == 5  # the bursts and pauses are found
    huge = (clip.astype(np.float64) * 1e30).astype(np.float32)
    assert np.array_equal(energy_intervals(huge, top_db=35.0), expected)


def test_a_float_wav_with_huge_values_is_measured_not_too_short(tmp_path: Path):
    """Samples of 1e30 (finite float32) are trimmed like the same clip at normal level; stored,
    they clip at full scale, which the clipping share reports."""
    clip = speech_like()
    settings = PreprocessSettings(max_clipping_share=1.0)
    kept, info = process(clip * np.float32(1e30), SR, settings)
    expected, expected_info = process(clip, SR, settings)
    assert len(kept) == len(expected) and info["trimmed_s"] == expected_info["trimmed_s"]
    sf.write(tmp_path / "huge.wav", clip * np.float32(1e30), SR, subtype="FLOAT")
    write_table(_manifest([{"utt_id": "c/huge", "path": str(tmp_path / "huge.wav")}]),
                tmp_path / "manifest.parquet", Manifest)  # fmt: skip
    out, rej = tmp_path / "0000.parquet", tmp_path / "0000.rejects.parquet"
    assert preprocess_shard(tmp_path / "manifest.parquet", 0, 1, PreprocessSettings(), out,
                            rej) == (0, 1)  # fmt: skip
    reject = read_table(rej, Rejects).iloc[0]
    assert reject["reason"] == "clipping", reject["detail"]


def test_inverted_stereo_channels_are_loud_not_silent(tmp_path: Path):
    """L = -R averages to silence: the level is measured per channel before the downmix, and
    the opposite-polarity channel is inverted so the kept clip holds the voice."""
    clip = tone(2.0, amp=0.5)
    sf.write(tmp_path / "inverted.wav", np.stack([clip, -clip], 1), SR, subtype="PCM_16")
    write_table(_manifest([{"utt_id": "c/inv", "path": str(tmp_path / "inverted.wav")}]),
                tmp_path / "manifest.parquet", Manifest)  # fmt: skip
    out, rej = tmp_path / "0000.parquet", tmp_path / "0000.rejects.parquet"
    settings = PreprocessSettings(trim=TrimSettings(method="none"))
    assert preprocess_shard(tmp_path / "manifest.parquet", 0, 1, settings, out, rej) == (1, 0)
    stored = load_audio([out])["c/inv"]
    assert np.abs(stored - clip).max() <= 1 / PCM16_SCALE


@pytest.mark.parametrize(
    "samples",
    [
        np.full(2 * SR, 0.5, dtype=np.float32),
        np.full(2 * SR, -0.9, dtype=np.float32),
        np.full(2 * SR, 0.5, dtype=np.float32) + tone(2.0, amp=1e-5),
        np.stack([np.full(2 * SR, 0.3, np.float32), np.zeros(2 * SR, np.float32)], 1),
    ],
    ids=["dc", "negative-dc", "dc-plus-hiss", "stereo-dc"],
)
def test_pure_dc_is_silent_after_removing_the_offset(samples):
    with pytest.raises(Dropped) as err:
        process(samples, SR, NO_TRIM)
    assert err.value.reason == "silent"


def test_per_channel_level_check_keeps_a_clip_with_one_silent_channel():
    stereo = np.stack([tone(2.0), np.zeros(2 * SR, np.float32)], 1)
    audio, _ = process(stereo, SR, NO_TRIM)
    assert np.allclose(audio, tone(2.0) / 2, atol=1e-6)


def clipped_tone(share: float, seconds: float = 2.0) -> np.ndarray:
    """A tone of which exactly ``share`` of the samples sit at full scale."""
    clip = tone(seconds, amp=0.5)
    n = int(round(share * len(clip)))
    clip[:n] = np.where(np.arange(n) % 2, -1.0, 32767 / 32768)
    return clip


def test_clipping_share_is_recorded_and_clips_above_the_limit_are_rejects(tmp_path: Path):
    for name, share in (("clean", 0.0), ("some", 0.02), ("much", 0.2)):
        sf.write(tmp_path / f"{name}.wav", clipped_tone(share), SR, subtype="PCM_16")
    names = ("clean", "some", "much")
    rows = [{"utt_id": f"c/{n}", "path": str(tmp_path / f"{n}.wav")} for n in names]
    write_table(_manifest(rows), tmp_path / "manifest.parquet", Manifest)
    out, rej = tmp_path / "0000.parquet", tmp_path / "0000.rejects.parquet"
    settings = PreprocessSettings(trim=TrimSettings(method="none"), max_clipping_share=0.1)
    assert preprocess_shard(tmp_path / "manifest.parquet", 0, 1, settings, out, rej) == (2, 1)
    meta = read_shard_meta([out]).set_index("utt_id")
    assert meta.loc["c/clean", "clipping_share"] == 0.0
    assert meta.loc["c/some", "clipping_share"] == pytest.approx(0.02, abs=1e-4)
    AudioShard.validate(pd.read_parquet(out))
    reject = read_table(rej, Rejects).set_index("utt_id").loc["c/much"]
    assert reject["reason"] == "clipping"
    assert "0.2000 of samples at full scale > max_clipping_share 0.1" in reject["detail"]


def test_default_clipping_limit_passes_a_normalised_clip():
    """Peak-normalised speech touches full scale a few times: far below the default limit."""
    clip = tone(2.0, amp=32767 / 32768)  # every peak of the tone at full scale
    _, info = process(clip, SR, NO_TRIM)
    assert 0 < info["clipping_share"] < PreprocessSettings().max_clipping_share


def test_a_code_error_fails_the_shard_job_while_a_corrupt_file_is_a_reject(tmp_path, monkeypatch):
    """Known input failures become rejects; anything unexpected (a bug) fails the job with its
    traceback instead of hiding as a reject row."""
    sf.write(tmp_path / "good.wav", tone(2.0), SR)
    (tmp_path / "corrupt.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk" + b"\x01" * 64)
    rows = [{"utt_id": f"c/{n}", "path": str(tmp_path / f"{n}.wav")} for n in ("good", "corrupt")]
    write_table(_manifest(rows), tmp_path / "manifest.parquet", Manifest)
    out, rej = tmp_path / "0000.parquet", tmp_path / "0000.rejects.parquet"
    settings = PreprocessSettings(trim=TrimSettings(method="none"))
    assert preprocess_shard(tmp_path / "manifest.parquet", 0, 1, settings, out, rej) == (1, 1)
    assert read_table(rej, Rejects)["reason"].tolist() == ["not_audio"]

    def buggy(samples, sr, settings):
        return samples.no_such_attribute

    monkeypatch.setattr(preprocess_module, "remove_silence", buggy)
    with pytest.raises(AttributeError, match="no_such_attribute"):
        preprocess_shard(tmp_path / "manifest.parquet", 0, 1, settings, tmp_path / "b.parquet",
                         tmp_path / "b.rejects.parquet")  # fmt: skip
    assert not (tmp_path / "b.parquet").exists()


@pytest.mark.parametrize("rate", [1, 500_000])
def test_a_file_with_an_absurd_header_rate_is_a_reject_not_resampled(tmp_path: Path, rate):
    sf.write(tmp_path / "odd.wav", tone(2.0), rate, subtype="FLOAT")
    write_table(_manifest([{"utt_id": "c/odd", "path": str(tmp_path / "odd.wav")}]),
                tmp_path / "manifest.parquet", Manifest)  # fmt: skip
    out, rej = tmp_path / "0000.parquet", tmp_path / "0000.rejects.parquet"
    assert preprocess_shard(tmp_path / "manifest.parquet", 0, 1, NO_TRIM, out, rej) == (0, 1)
    assert read_table(rej, Rejects)["reason"].tolist() == ["bad_sample_rate"]


def test_benchmark_floor_decodes_with_the_job_s_reader(tmp_path: Path, monkeypatch):
    """The preprocessing benchmark's floor decodes as the shard job does (our direct PCM
    reader), so "ours / floor" compares the same decoder."""
    import importlib.util

    import crossemo.audio.decode as decode_module

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "preprocess_throughput.py"
    spec = importlib.util.spec_from_file_location("preprocess_throughput", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    sf.write(tmp_path / "a.wav", tone(1.0, sr=48000), 48000, subtype="PCM_16")
    rows = pd.DataFrame({"path": [str(tmp_path / "a.wav")] * 2, "start": [np.nan, 0.25],
                         "end": [np.nan, 0.75]})  # fmt: skip
    calls = []
    real = decode_module.load_frames

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(decode_module, "load_frames", counted)
    assert bench.floor(rows) == pytest.approx(1.5)
    assert len(calls) == 2


# ---- long recordings: memory follows max_source_duration, not the file ------------------------
_LONG_FILE_CHILD = """
import json, resource, sys
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
import pandas as pd
from crossemo.audio.preprocess import PreprocessSettings, preprocess_rows
paths = sys.argv[3:]
rows = pd.DataFrame({"utt_id": [f"c/{i}" for i in range(len(paths))], "corpus": "c",
                     "path": paths, "start": float("nan"), "end": float("nan")})
kept, rejects = preprocess_rows(rows, PreprocessSettings(max_policy=sys.argv[2]))
print(json.dumps({"kept": {r["utt_id"]: r["duration"] for r in kept},
                  "rejects": {r["utt_id"]: r["reason"] for r in rejects}}))
"""


@pytest.mark.parametrize("policy", ["truncate", "reject"])
def test_a_two_hour_file_is_read_only_up_to_max_source_duration(tmp_path, policy):
    """A 2-hour 48 kHz stereo take (1.4 GB of PCM, 2.8 GB as float32: 4.2 GB decoded whole)
    beside a short clip, preprocessed under a 3 GiB address-space limit: read up to
    max_source_duration (600 s), it is truncated to max_duration or rejected too_long, and the
    short clip is kept."""
    import json
    import os
    import sys

    long = tmp_path / "two_hours.wav"
    long_wav(long, seconds=7200)
    short = write(tmp_path / "short.wav", seconds=2.0)
    limit = str(3 * 2**30)
    proc = subprocess.run(
        [sys.executable, "-c", _LONG_FILE_CHILD, limit, policy, str(long), str(short)],
        capture_output=True, text=True, timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.splitlines()[-1])
    assert result["kept"]["c/1"] == pytest.approx(2.0, abs=0.05)
    if policy == "truncate":
        assert result["kept"]["c/0"] == pytest.approx(PreprocessSettings().max_duration)
    else:
        assert result["rejects"] == {"c/0": TOO_LONG}


def test_decode_end_follows_the_rows_of_a_file():
    from crossemo.audio.preprocess import _Row, decode_end

    nan = float("nan")
    whole = _Row("c/a", "c", "a.wav", nan, nan)
    segments = [_Row("c/b", "c", "b.wav", 1.0, 4.5), _Row("c/c", "c", "b.wav", 7.0, 9.25)]
    assert decode_end([whole], 600.0) == 600.0
    assert decode_end([whole], None) is None
    assert decode_end(segments, 600.0) == 9.25
    assert decode_end([_Row("c/d", "c", "d.wav", 3.0, nan)], 600.0) is None
    assert decode_end([_Row("c/e", "c", "e.wav", 0.0, float("inf"))], 600.0) is None
