"""Stress perturbations: each condition type's effect measured on synthetic audio, determinism,
and identity bit for bit through a shard write and read."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest

from crossemo.audio.preprocess import write_shard
from crossemo.audio.shards import encode_pcm16
from crossemo.stress import codecs
from crossemo.stress.conditions import TYPES, condition_name
from crossemo.stress.perturb import (
    PERTURBATIONS,
    Babble,
    perturb,
    room_impulse_response,
    snr_db,
    utterance_rng,
)
from crossemo.stress.shards import perturb_shard

SR = 16000


def tone(hz: float, seconds: float = 1.0, amp: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    return (amp * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def speechlike(seconds: float = 1.0, seed: int = 0) -> np.ndarray:
    """Bursts of harmonics with pauses: active and silent frames."""
    rng = np.random.default_rng(seed)
    x = sum(tone(f, seconds, 0.05) for f in (180, 360, 720, 1440, 2880))
    envelope = np.repeat(rng.random(int(seconds * 10)) > 0.3, SR // 10)
    return (x * envelope[: len(x)]).astype(np.float32)


def band_energy(x: np.ndarray, lo: float, hi: float) -> float:
    spectrum = np.abs(np.fft.rfft(x)) ** 2
    f = np.fft.rfftfreq(len(x), 1 / SR)
    return float(spectrum[(f >= lo) & (f < hi)].sum())


def test_every_condition_type_has_a_perturbation():
    assert set(PERTURBATIONS) == set(TYPES)


def _noise(color: str, snr: float, x: np.ndarray, utt: str = "u1") -> np.ndarray:
    babble = Babble([speechlike(0.7, seed=s) for s in range(1, 7)], talkers=4)
    spec = {"type": "noise", "color": color, "snr_db": snr}
    return perturb(x, SR, spec, utterance_rng(0, condition_name(spec), utt), babble)


@pytest.mark.parametrize("color", ["white", "pink", "babble"])
@pytest.mark.parametrize("snr", [-20.0, 0.0, 17.0])
def test_noise_is_mixed_at_the_asked_snr_over_active_samples(color, snr):
    x = speechlike() * np.float32(0.1)  # quiet: no peak limiting
    stored = encode_pcm16(_noise(color, snr, x))[0] / 32768
    assert abs(snr_db(x, stored - x, SR) - snr) < 0.2


def test_a_mix_beyond_full_scale_is_scaled_down_not_clipped():
    y = _noise("white", -20.0, speechlike() * np.float32(3))
    assert np.max(np.abs(y)) == pytest.approx(0.99, abs=1e-6)
    assert encode_pcm16(y)[1] == 0


def test_pink_noise_falls_3_db_per_octave():
    x = speechlike() * np.float32(1e-3)
    noise = _noise("pink", -40.0, x).astype(np.float64) - x
    low, high = band_energy(noise, 500, 1000), band_energy(noise, 1000, 2000)
    assert 10 * np.log10(low / high) == pytest.approx(0.0, abs=0.7)  # equal energy per octave


def test_perturbations_are_deterministic_per_seed_condition_and_utterance():
    x = speechlike()
    same = [_noise("white", 0.0, x, "u1"), _noise("white", 0.0, x, "u1")]
    assert same[0].tobytes() == same[1].tobytes()
    assert not np.allclose(_noise("white", 0.0, x, "u2"), same[0])
    assert utterance_rng(1, "c", "u").random() != utterance_rng(0, "c", "u").random()


def test_telephone_passes_1khz_and_attenuates_100hz_and_6khz():
    def out_gain(hz: float) -> float:
        x = tone(hz)
        y = perturb(x, SR, {"type": "telephone"}, utterance_rng(0, "t", "u"))
        assert len(y) == len(x)
        mid = slice(2000, -2000)
        return 20 * np.log10(np.std(y[mid]) / np.std(x[mid]))

    assert abs(out_gain(1000)) < 0.5
    assert out_gain(100) < -20
    assert out_gain(6000) < -40


@pytest.mark.parametrize(
    "spec",
    [
        {"type": "codec", "codec": "mp3", "bitrate_kbps": 32},
        {"type": "codec", "codec": "opus", "bitrate_kbps": 16},
        {"type": "codec", "codec": "gsm", "bitrate_kbps": 0},
        {"type": "codec", "codec": "mulaw", "bitrate_kbps": 0},
    ],
)
def test_codec_output_is_aligned_and_of_the_same_length(spec):
    clips = [speechlike(0.8, seed=1), speechlike(1.3, seed=2)]
    out = codecs.round_trip(clips, SR, spec["codec"], spec["bitrate_kbps"])
    for x, y in zip(clips, out, strict=True):
        assert len(y) == len(x)
        lags = np.arange(-40, 41)
        core = slice(100, len(x) - 100)
        corr = [np.dot(x[core], np.roll(y, -lag)[core]) for lag in lags]
        assert lags[int(np.argmax(corr))] == 0
        assert np.corrcoef(x, y)[0, 1] > 0.8  # the speech survives


def _rt60(rir: np.ndarray) -> float:
    """RT60 from the Schroeder energy decay curve's -5 to -25 dB slope (T20 x 3)."""
    edc = np.cumsum((rir**2)[::-1])[::-1]
    db = 10 * np.log10(edc / edc[0])
    t5, t25 = np.argmax(db <= -5), np.argmax(db <= -25)
    return 3 * (t25 - t5) / SR


@pytest.mark.parametrize("rt60", [0.3, 0.6, 1.2])
def test_reverb_decays_at_the_asked_rt60(rt60):
    impulse = np.zeros(int(2 * rt60 * SR), dtype=np.float32)
    impulse[0] = 0.5
    spec = {"type": "reverb", "rt60_s": rt60}
    rir = perturb(impulse, SR, spec, utterance_rng(0, condition_name(spec), "u"))
    assert len(rir) == len(impulse)
    assert np.argmax(np.abs(rir)) == 0  # the direct path stays at lag 0
    assert _rt60(rir.astype(np.float64)) == pytest.approx(rt60, rel=0.2)
    assert _rt60(room_impulse_response(rt60, SR, np.random.default_rng(3))) == pytest.approx(
        rt60, rel=0.2
    )


@pytest.mark.parametrize("db_per_octave", [-6.0, 3.0])
def test_tilt_changes_the_250hz_to_4khz_ratio_by_the_asked_slope(db_per_octave):
    x = tone(250) + tone(4000)
    y = perturb(x, SR, {"type": "tilt", "db_per_octave": db_per_octave}, None)

    def ratio(z: np.ndarray) -> float:
        return 10 * np.log10(band_energy(z, 4000 - 50, 4000 + 50) / band_energy(z, 200, 300))

    assert ratio(y) - ratio(x) == pytest.approx(4 * db_per_octave, abs=0.1)  # 4 octaves


def test_gain_is_exact_and_clipping_holds_the_level():
    x = speechlike()
    y = perturb(x, SR, {"type": "gain", "db": -6.0}, None)
    np.testing.assert_allclose(y, x * 10 ** (-6 / 20), rtol=1e-6)
    loud = x * np.float32(4)
    clipped = perturb(loud, SR, {"type": "clipping", "level": 0.25}, None)
    assert np.max(np.abs(clipped)) == pytest.approx(0.25)
    np.testing.assert_array_equal(clipped[np.abs(loud) < 0.25], loud[np.abs(loud) < 0.25])


@pytest.mark.parametrize("factor", [0.9, 1.1])
def test_speed_changes_length_and_pitch_by_the_factor(factor):
    x = tone(440)
    y = perturb(x, SR, {"type": "speed", "factor": factor}, None)
    assert len(y) == pytest.approx(len(x) / factor, abs=1)
    assert _peak_hz(y) == pytest.approx(440 * factor, rel=0.01)


def _peak_hz(x: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x)), 8 * len(x)))
    return float(np.fft.rfftfreq(8 * len(x), 1 / SR)[np.argmax(spectrum)])


@pytest.mark.parametrize("semitones", [-2.0, 1.0])
def test_pitch_moves_a_tone_by_the_semitones_at_the_same_length(semitones):
    x = tone(440)
    y = perturb(x, SR, {"type": "pitch", "semitones": semitones}, None)
    assert len(y) == len(x)
    assert _peak_hz(y[2000:-2000]) == pytest.approx(440 * 2 ** (semitones / 12), rel=0.015)


def _shard(tmp_path, clips):
    records = [
        {"utt_id": f"u{i}", "samples": c, "sample_rate": SR, "duration": len(c) / SR,
         "source_duration": len(c) / SR, "trimmed_s": 0.0, "denoised": False}
        for i, c in enumerate(clips)
    ]  # fmt: skip
    path = tmp_path / "clean.parquet"
    write_shard(records, path)
    return path


def test_identity_rewrites_the_shard_bit_for_bit(tmp_path):
    clean = _shard(tmp_path, [speechlike(0.5, seed=s) for s in range(3)])
    out = tmp_path / "identity.parquet"
    perturb_shard(clean, {"type": "identity"}, 0, out)
    assert pq.read_table(out).equals(pq.read_table(clean))


def test_a_shard_under_speed_and_babble_keeps_the_contract(tmp_path):
    clean = _shard(tmp_path, [speechlike(0.5, seed=s) for s in range(3)])
    out = tmp_path / "fast.parquet"
    perturb_shard(clean, {"type": "speed", "factor": 1.25}, 0, out)
    table = pq.read_table(out).to_pandas()
    assert table["duration"].tolist() == pytest.approx([0.4] * 3, abs=1e-3)
    assert table["source_duration"].tolist() == pytest.approx([0.5] * 3)
    babbled = tmp_path / "babble.parquet"
    spec = {"type": "noise", "color": "babble", "snr_db": 0.0}
    perturb_shard(clean, spec, 0, babbled, babble=[clean], talkers=2)
    again = tmp_path / "babble2.parquet"
    perturb_shard(clean, spec, 0, again, babble=[clean], talkers=2)
    assert pq.read_table(babbled).equals(pq.read_table(again))
    samples = [pq.read_table(p).column("samples") for p in (babbled, clean)]
    assert not samples[0].equals(samples[1])
