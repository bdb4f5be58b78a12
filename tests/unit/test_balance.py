"""Balancing: undersampling and augmentation oversampling counts, seeds, untouched dev/test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crossemo.audio.preprocess import write_shard
from crossemo.audio.shards import load_audio
from crossemo.balance import (
    BalanceSettings,
    View,
    balance_fold,
    balance_view,
    class_target,
)
from crossemo.core.names import AUG_MARKER

COUNTS = {"neg": 12, "neu": 5, "pos": 3}


def fold_rows(counts=COUNTS, dev=2, test=3) -> pd.DataFrame:
    rows = []
    for label, n in counts.items():
        for i in range(n):
            rows.append({"utt_id": f"c/{label}{i:02d}", "corpus": "c", "label": label,
                         "split": "train", "audio_shard": "shard.parquet"})  # fmt: skip
    for which, n in (("dev", dev), ("test", test)):
        for i in range(n):
            rows.append({"utt_id": f"c/{which}{i}", "corpus": "c", "label": "neg",
                         "split": which, "audio_shard": "shard.parquet"})  # fmt: skip
    return pd.DataFrame(rows)


def train_counts(view: pd.DataFrame) -> dict[str, int]:
    return view[view["split"] == "train"]["label"].value_counts().sort_index().to_dict()


@pytest.mark.parametrize(
    ("target", "expected"), [("min", 3), ("median", 5), ("max", 12), (4, 4)]
)  # fmt: skip
def test_class_target(target, expected):
    assert class_target(pd.Series(COUNTS), target) == expected


def test_strEmo_paper_median_target():
    # strEmo paper: 11975 negative, 5198 neutral, 4149 positive -> 5198, 5198, 4149
    counts = pd.Series({"negative": 11975, "neutral": 5198, "positive": 4149})
    assert class_target(counts, "median") == 5198


def test_none_keeps_everything():
    view, plan = balance_view(fold_rows(), BalanceSettings.from_config({"method": "none"}), 0)
    assert train_counts(view) == COUNTS
    assert plan == []
    View.validate(view)


def test_undersample_to_minority():
    view, _ = balance_view(fold_rows(), BalanceSettings.from_config({"method": "undersample"}), 0)
    assert train_counts(view) == {"neg": 3, "neu": 3, "pos": 3}
    assert set(view["utt_id"]) <= set(fold_rows()["utt_id"])


def test_undersample_to_target_keeps_smaller_classes():
    settings = BalanceSettings.from_config({"method": "undersample", "target": 4})
    view, _ = balance_view(fold_rows(), settings, 0)
    assert train_counts(view) == {"neg": 4, "neu": 4, "pos": 3}


def test_undersample_is_seeded():
    settings = BalanceSettings.from_config({"method": "undersample"})
    one, _ = balance_view(fold_rows(), settings, 7)
    again, _ = balance_view(fold_rows(), settings, 7)
    other, _ = balance_view(fold_rows(), settings, 8)
    assert one["utt_id"].tolist() == again["utt_id"].tolist()
    assert one["utt_id"].tolist() != other["utt_id"].tolist()


def test_dev_and_test_are_never_touched():
    for cfg in ({"method": "undersample"}, {"method": "oversample"}):
        view, _ = balance_view(fold_rows(), BalanceSettings.from_config(cfg), 0)
        for which, n in (("dev", 2), ("test", 3)):
            part = view[view["split"] == which]
            assert len(part) == n
            assert not part["utt_id"].str.contains(AUG_MARKER).any()


def test_oversample_plan_counts():
    view, plan = balance_view(fold_rows(), BalanceSettings.from_config({"method": "oversample"}), 0)
    assert train_counts(view) == {"neg": 12, "neu": 12, "pos": 12}
    assert len(plan) == (12 - 5) + (12 - 3)
    copies = view[view["utt_id"].str.contains(AUG_MARKER)]
    assert len(copies) == len(plan)
    sources = copies["utt_id"].str.split(AUG_MARKER).str[0]
    assert sources.str.startswith("c/pos").sum() == 9
    for prefix in ("c/neu", "c/pos"):  # copies spread evenly over each class's originals
        per_source = sources[sources.str.startswith(prefix)].value_counts()
        assert per_source.max() - per_source.min() <= 1


def test_oversample_to_target_with_cap():
    settings = BalanceSettings.from_config({"method": "oversample", "target": 8, "cap": True})
    view, _ = balance_view(fold_rows(), settings, 0)
    assert train_counts(view) == {"neg": 8, "neu": 8, "pos": 8}
    uncapped, _ = balance_view(fold_rows(), BalanceSettings.from_config(
        {"method": "oversample", "target": 8}), 0)  # fmt: skip
    assert train_counts(uncapped) == {"neg": 12, "neu": 8, "pos": 8}


@pytest.fixture
def fold_files(tmp_path):
    """A shard of 8 tones, a labelled table and a one-fold split (5 train / 3 test)."""
    labels = ["a", "a", "a", "a", "b", "a", "b", "b"]
    splits = ["train"] * 5 + ["test"] * 3
    ids = [f"c/u{i}" for i in range(8)]
    t = np.arange(16000) / 16000
    write_shard(
        [
            {"utt_id": u, "samples": (0.3 * np.sin(2 * np.pi * (200 + 40 * i) * t)).astype(
                np.float32), "sample_rate": 16000, "duration": 1.0, "source_duration": 1.2,
             "trimmed_s": 0.2, "denoised": False}
            for i, u in enumerate(ids)
        ],
        tmp_path / "shard.parquet",
    )  # fmt: skip
    labelled = pd.DataFrame({
        "utt_id": ids, "corpus": "c", "speaker": [f"c/s{i}" for i in range(8)], "gender": "male",
        "group": [f"c/s{i}" for i in range(8)], "emotion": "x", "label": labels, "duration": 1.0,
        "audio_shard": str(tmp_path / "shard.parquet"),
    })  # fmt: skip
    labelled.to_parquet(tmp_path / "labels.parquet")
    split = labelled[["utt_id", "corpus", "group", "speaker", "label"]].assign(fold=0, split=splits)
    split.to_parquet(tmp_path / "split.parquet")
    return tmp_path


def run_fold(root, seed=0, name="out", balance=None):
    view = balance_fold(root / "split.parquet", [root / "labels.parquet"], 0,
                        balance or {"method": "oversample"}, seed,
                        root / f"{name}.view.parquet", root / f"{name}.aug.parquet")  # fmt: skip
    return view, load_audio([root / f"{name}.aug.parquet"])


def test_oversampling_materialises_different_audio(fold_files):
    view, augmented = run_fold(fold_files)
    assert train_counts(view) == {"a": 4, "b": 4}
    copies = view[view["utt_id"].str.contains(AUG_MARKER)]
    assert sorted(copies["utt_id"]) == ["c/u4#aug0", "c/u4#aug1", "c/u4#aug2"]
    assert set(copies["audio_shard"]) == {str(fold_files / "out.aug.parquet")}
    assert set(augmented) == set(copies["utt_id"])
    original = load_audio([fold_files / "shard.parquet"], {"c/u4"})["c/u4"]
    for samples in augmented.values():
        assert samples.dtype == np.float32
        same_length = len(samples) == len(original)
        assert not same_length or not np.allclose(samples, original, atol=1e-4)
    assert len({s.tobytes() for s in augmented.values()}) == 3  # copies differ from each other


def test_oversampling_is_seeded(fold_files):
    _, one = run_fold(fold_files, seed=1, name="one")
    _, again = run_fold(fold_files, seed=1, name="again")
    _, other = run_fold(fold_files, seed=2, name="other")
    assert one.keys() == again.keys()
    for key in one:
        np.testing.assert_array_equal(one[key], again[key])
    assert any(len(one[k]) != len(other[k]) or not np.array_equal(one[k], other[k]) for k in one)


def test_no_oversampling_writes_empty_augmented_shard(fold_files):
    view, augmented = run_fold(fold_files, balance={"method": "undersample"})
    assert augmented == {}
    assert train_counts(view) == {"a": 1, "b": 1}
    assert (view["audio_shard"] == str(fold_files / "shard.parquet")).all()


def paper_fold(counts: dict[str, int], dev_share: float = 0.0) -> pd.DataFrame:
    """A fold with ``counts`` training rows per label, every ``1/dev_share``-th row in dev."""
    rows = []
    step = round(1 / dev_share) if dev_share else 0
    for label, n in counts.items():
        for i in range(n):
            split = "dev" if step and i % step == 0 else "train"
            rows.append({"utt_id": f"c/{label}{i:05d}", "corpus": "c", "label": label,
                         "split": split, "audio_shard": "shard.parquet"})  # fmt: skip
    rows.append({"utt_id": "c/test0", "corpus": "c", "label": "negative", "split": "test",
                 "audio_shard": "shard.parquet"})  # fmt: skip
    return pd.DataFrame(rows)


def split_counts(view: pd.DataFrame, *splits: str) -> dict[str, int]:
    part = view[view["split"].isin(splits)]
    return part["label"].value_counts().sort_index().to_dict()


STREMO_TRAINING_SET = {"negative": 11975, "neutral": 5198, "positive": 4149}


def test_strEmo_paper_median_undersampling_counts():
    # strEmo paper, Sect. 4.2: 11975/5198/4149 -> "5198 samples for negative and neutral
    # emotions, and 4149 samples for positive emotion"
    settings = BalanceSettings.from_config({"method": "undersample", "target": "median"})
    view, plan = balance_view(paper_fold(STREMO_TRAINING_SET), settings, 0)
    assert split_counts(view, "train") == {"negative": 5198, "neutral": 5198, "positive": 4149}
    assert plan == []
    assert split_counts(view, "test") == {"negative": 1}


def test_scope_train_dev_balances_the_papers_training_set_before_dev():
    # 10 % of the training set is dev: balancing train alone would count 90 % of the paper's
    # numbers; scope train_dev gives train + dev the paper's 5198/5198/4149
    fold = paper_fold(STREMO_TRAINING_SET, dev_share=0.1)
    settings = BalanceSettings.from_config(
        {"method": "undersample", "target": "median", "scope": "train_dev"}
    )
    view, _ = balance_view(fold, settings, 0)
    assert split_counts(view, "train", "dev") == {
        "negative": 5198, "neutral": 5198, "positive": 4149,
    }  # fmt: skip
    dev = split_counts(view, "dev")
    assert dev["neutral"] == 520 and dev["positive"] == 415  # untouched classes keep their dev
    assert 400 < dev["negative"] < 650  # ~10 % of the kept negatives, drawn at random
    assert set(view["utt_id"]) <= set(fold["utt_id"])
    train_only, _ = balance_view(fold, BalanceSettings.from_config(
        {"method": "undersample", "target": "median"}), 0)  # fmt: skip
    assert split_counts(train_only, "train") == {
        "negative": 4678, "neutral": 4678, "positive": 3734,
    }  # fmt: skip
    assert split_counts(train_only, "dev") == {"negative": 1198, "neutral": 520, "positive": 415}


def test_scope_train_dev_needs_undersampling():
    with pytest.raises(ValueError, match="train_dev"):
        BalanceSettings.from_config({"method": "oversample", "scope": "train_dev"})
    with pytest.raises(ValueError, match="scope"):
        BalanceSettings.from_config({"method": "undersample", "scope": "dev"})


# multimodal paper, Tables 1 and 2: at most 1600 training and 400 validation utterances per class
MULTIMODAL_TRAIN = {"angry": 1891, "calm": 123, "happy": 1599, "surprised": 477}


def test_cap_per_split_oversamples_to_the_train_cap_and_caps_dev():
    fold = paper_fold(MULTIMODAL_TRAIN, dev_share=0.2)
    before_dev = split_counts(fold, "dev")
    assert before_dev == {"angry": 379, "calm": 25, "happy": 320, "surprised": 96}
    settings = BalanceSettings.from_config(
        {"method": "oversample", "target": "max", "cap": {"train": 1200, "dev": 300}}
    )
    view, plan = balance_view(fold, settings, 0)
    assert split_counts(view, "train") == {"angry": 1200, "calm": 1200, "happy": 1200,
                                           "surprised": 1200}  # fmt: skip
    # dev is capped by undersampling only: smaller classes keep what they have, no copies
    assert split_counts(view, "dev") == {"angry": 300, "calm": 25, "happy": 300, "surprised": 96}
    assert not view.loc[view["split"] == "dev", "utt_id"].str.contains(AUG_MARKER).any()
    assert set(view.loc[view["split"] == "dev", "utt_id"]) <= set(fold["utt_id"])
    train_originals = view[(view["split"] == "train") & ~view["utt_id"].str.contains(AUG_MARKER)]
    assert split_counts(train_originals, "train") == {"angry": 1200, "calm": 98, "happy": 1200,
                                                      "surprised": 381}  # fmt: skip
    assert len(plan) == (1200 - 98) + (1200 - 381)
    assert split_counts(view, "test") == {"negative": 1}


def test_cap_with_the_papers_counts():
    # Table 1 / Table 2: 1600 per class in training, 400 in validation
    counts = {"angry": 2364, "calm": 154, "sad": 2396}
    fold = paper_fold(counts, dev_share=0.2)
    settings = BalanceSettings.from_config(
        {"method": "oversample", "target": "max", "cap": {"train": 1600, "dev": 400}}
    )
    view, _ = balance_view(fold, settings, 0)
    assert split_counts(view, "train") == {"angry": 1600, "calm": 1600, "sad": 1600}
    assert split_counts(view, "dev") == {"angry": 400, "calm": 31, "sad": 400}


def test_cap_without_balancing_and_dev_only_cap():
    view, _ = balance_view(paper_fold(COUNTS), BalanceSettings.from_config(
        {"method": "none", "cap": {"train": 4}}), 0)  # fmt: skip
    assert split_counts(view, "train") == {"neg": 4, "neu": 4, "pos": 3}
    # a dev-only cap leaves train to the target: oversample to 12, nothing undersampled
    fold = paper_fold(COUNTS, dev_share=0.5)
    view, _ = balance_view(fold, BalanceSettings.from_config(
        {"method": "oversample", "cap": {"dev": 2}}), 0)  # fmt: skip
    assert split_counts(view, "train") == {"neg": 6, "neu": 6, "pos": 6}
    assert split_counts(view, "dev") == {"neg": 2, "neu": 2, "pos": 2}


def test_cap_is_seeded_and_checked():
    settings = BalanceSettings.from_config({"method": "none", "cap": {"dev": 100}})
    fold = paper_fold(MULTIMODAL_TRAIN, dev_share=0.2)
    one, _ = balance_view(fold, settings, 3)
    again, _ = balance_view(fold, settings, 3)
    other, _ = balance_view(fold, settings, 4)
    assert one["utt_id"].tolist() == again["utt_id"].tolist()
    assert one["utt_id"].tolist() != other["utt_id"].tolist()
    for bad in ({"test": 5}, {}, {"train": 0}, {"dev": True}, "yes"):
        with pytest.raises(ValueError, match="cap"):
            BalanceSettings.from_config({"method": "oversample", "cap": bad})
