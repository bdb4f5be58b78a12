"""Label schemes: each scheme's mapping, per-corpus overrides, dropped rows and their reasons."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from crossemo.corpora.base import EMOTIONS
from crossemo.labels import (
    Dropped,
    Labelled,
    LabelScheme,
    SchemeError,
    apply_scheme,
    drop_counts,
    label_corpus,
    load_scheme,
)

REPO = Path(__file__).resolve().parents[2]
SCHEMES = REPO / "config" / "label_schemes"

# emotion -> expected class (None: dropped), per scheme, for a corpus without overrides.
EXPECTED = {
    "valence3": {
        "happiness": "positive", "excitement": "positive", "pleasant_surprise": "positive",
        "positive": "positive", "anger": "negative", "sadness": "negative", "fear": "negative",
        "disgust": "negative", "frustration": "negative", "disappointment": "negative",
        "negative": "negative", "neutral": "neutral", "calm": "neutral", "surprise": None,
        "other": None, "undecided": None, "boredom": None, "contempt": None,
    },
    "basic4": {
        "neutral": "neutral", "happiness": "happy", "excitement": "happy", "anger": "angry",
        "sadness": "sad", "calm": None, "boredom": None, "fear": None, "disgust": None,
        "surprise": None, "pleasant_surprise": None, "frustration": None, "contempt": None,
        "disappointment": None, "positive": None, "negative": None, "other": None,
        "undecided": None,
    },
    "seven": {
        "calm": "calm", "happiness": "happy", "sadness": "sad", "anger": "angry",
        "fear": "fearful", "disgust": "disgust", "surprise": "surprised",
        "pleasant_surprise": "surprised", "neutral": None, "excitement": None,
        "frustration": None, "boredom": None, "contempt": None, "disappointment": None,
        "positive": None, "negative": None, "other": None, "undecided": None,
    },
    "arousal_valence6": {
        "sadness": "low_negative", "boredom": "low_negative", "disgust": "low_negative",
        "contempt": "low_negative", "disappointment": "low_negative", "neutral": "low_neutral",
        "calm": "low_positive", "anger": "high_negative", "fear": "high_negative",
        "frustration": "high_negative", "surprise": "high_neutral",
        "happiness": "high_positive", "excitement": "high_positive",
        "pleasant_surprise": "high_positive", "positive": None, "negative": None,
        "other": None, "undecided": None,
    },
}  # fmt: skip

#: EmoBox's further classes: dropped by every paper's scheme
EMOBOX_ONLY = ("amusement", "sleepiness", "sarcasm", "concern", "apology", "assertiveness",
               "anxiety", "encouragement", "worry", "enthusiasm", "poker_face", "pleasure", "pain",
               "breath")  # fmt: skip
for _table in EXPECTED.values():
    _table.update(dict.fromkeys(EMOBOX_ONLY))

CASES = [(s, e, c) for s, table in EXPECTED.items() for e, c in table.items()]


def test_expected_tables_cover_every_emotion():
    for scheme, table in EXPECTED.items():
        assert set(table) == set(EMOTIONS), scheme


@pytest.mark.parametrize(("scheme", "emotion", "expected"), CASES)
def test_scheme_mapping(scheme, emotion, expected):
    assert load_scheme(SCHEMES / f"{scheme}.yaml").label("ravdess", emotion) == expected


@pytest.mark.parametrize("scheme", sorted(EXPECTED))
def test_scheme_files_are_valid(scheme):
    loaded = load_scheme(SCHEMES / f"{scheme}.yaml")
    assert loaded.name == scheme
    assert set(loaded.table("any").values()) - {None} == set(loaded.classes)


def test_class_orders():
    assert load_scheme(SCHEMES / "valence3.yaml").classes == ("negative", "neutral", "positive")
    assert load_scheme(SCHEMES / "basic4.yaml").classes == ("neutral", "happy", "angry", "sad")
    seven = load_scheme(SCHEMES / "seven.yaml").classes
    assert seven == ("angry", "calm", "disgust", "fearful", "happy", "sad", "surprised")
    assert len(load_scheme(SCHEMES / "arousal_valence6.yaml").classes) == 6


def test_mosei_sentiment_labels():
    valence = load_scheme(SCHEMES / "valence3.yaml")
    for label in ("positive", "negative", "neutral"):
        assert valence.label("mosei", label) == label
    av6 = load_scheme(SCHEMES / "arousal_valence6.yaml")
    assert av6.label("mosei", "neutral") is None  # override: sentiment-only, no arousal
    assert av6.label("strEmo", "neutral") is None
    assert av6.label("iemocap", "neutral") == "low_neutral"


def scheme(**kw) -> LabelScheme:
    base = dict(name="t", classes=("pos", "neg"), mapping={"happiness": "pos", "anger": "neg"})
    return LabelScheme(**{**base, **kw})


def test_overrides_remap_and_drop_per_corpus():
    s = scheme(overrides={"a": {"anger": None, "calm": "pos"}, "b": {"anger": "pos"}})
    assert s.label("a", "anger") is None
    assert s.label("a", "calm") == "pos"
    assert s.label("b", "anger") == "pos"
    assert s.label("c", "anger") == "neg"
    assert s.label("c", "calm") is None


@pytest.mark.parametrize(
    "kw",
    [
        {"mapping": {"happiness": "joy"}},  # target not a class
        {"mapping": {"glee": "pos"}},  # not an EMOTIONS name
        {"overrides": {"a": {"anger": "joy"}}},
        {"drop": ["happiness"]},  # dropped and mapped
        {"classes": ("pos",)},
    ],
)
def test_inconsistent_schemes_fail(kw):
    with pytest.raises(SchemeError):
        scheme(**kw)


def test_scheme_name_must_match_file(tmp_path):
    data = yaml.safe_load((SCHEMES / "basic4.yaml").read_text())
    path = tmp_path / "other.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(SchemeError, match="file stem"):
        load_scheme(path)


def test_json_schema_rejects_unknown_keys(tmp_path):
    data = yaml.safe_load((SCHEMES / "basic4.yaml").read_text()) | {"clases": ["x"]}
    path = tmp_path / "basic4.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(SchemeError, match="clases"):
        load_scheme(path)


def manifest(emotions: list[str], corpus: str = "c") -> pd.DataFrame:
    ids = [f"{corpus}/u{i}" for i in range(len(emotions))]
    return pd.DataFrame({
        "utt_id": ids, "corpus": corpus, "speaker": f"{corpus}/s", "gender": "female",
        "group": f"{corpus}/s", "emotion": emotions,
    })  # fmt: skip


def meta(ids: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"utt_id": ids, "duration": 1.5, "audio_shard": "shard.parquet"})


def test_apply_scheme_counts_every_drop_with_its_reason():
    m = manifest(["happiness", "surprise", "anger", "neutral", "anger", "happiness"])
    ids = list(m["utt_id"])
    rejects = pd.DataFrame({"utt_id": [ids[3]], "reason": ["too_short"]})
    labelled, dropped = apply_scheme(
        m, load_scheme(SCHEMES / "valence3.yaml"), meta(ids[:3] + ids[5:]), rejects
    )
    Labelled.validate(labelled)
    Dropped.validate(dropped)
    assert len(labelled) + len(dropped) == len(m)
    assert dict(zip(labelled["utt_id"], labelled["label"], strict=True)) == {
        ids[0]: "positive",
        ids[2]: "negative",
        ids[5]: "positive",
    }
    reasons = {r.utt_id: (r.reason, r.detail) for r in dropped.itertuples()}
    assert reasons == {
        ids[1]: ("unmapped_by_scheme", "surprise"),
        ids[3]: ("not_preprocessed", "too_short"),
        ids[4]: ("not_preprocessed", "missing_from_shards"),
    }
    counts = drop_counts(dropped).set_index(["reason", "detail"])["count"].to_dict()
    assert counts == {
        ("not_preprocessed", "missing_from_shards"): 1,
        ("not_preprocessed", "too_short"): 1,
        ("unmapped_by_scheme", "surprise"): 1,
    }
    assert (labelled["audio_shard"] == "shard.parquet").all()
    assert (labelled["duration"] == 1.5).all()


def test_unmapped_counts_per_emotion():
    emotions = ["neutral"] * 3 + ["calm"] * 2 + ["boredom"] + ["happiness"] * 4
    m = manifest(emotions)
    labelled, dropped = apply_scheme(m, load_scheme(SCHEMES / "seven.yaml"), meta(list(m.utt_id)))
    assert dropped.groupby("detail").size().to_dict() == {"neutral": 3, "boredom": 1}
    assert set(dropped["reason"]) == {"unmapped_by_scheme"}
    assert labelled["label"].value_counts().to_dict() == {"happy": 4, "calm": 2}


def test_filter_table_drops_and_relabels():
    m = manifest(["other", "other", "happiness", "anger"], corpus="mosei")
    ids = list(m["utt_id"])
    filt = pd.DataFrame({
        "utt_id": ids[:3], "keep": [True, False, True],
        "reason": [None, "low_similarity", None], "similarity": [0.9, 0.1, 0.8],
        "emotion": ["negative", "positive", None],
    })  # fmt: skip
    labelled, dropped = apply_scheme(
        m, load_scheme(SCHEMES / "valence3.yaml"), meta(ids), None, filt
    )
    assert dict(zip(labelled["utt_id"], labelled["label"], strict=True)) == {
        ids[0]: "negative",
        ids[2]: "positive",
    }
    reasons = {r.utt_id: (r.reason, r.detail) for r in dropped.itertuples()}
    assert reasons == {
        ids[1]: ("filtered", "low_similarity"),
        ids[3]: ("filtered", "not_in_filter_table"),
    }


def test_not_preprocessed_wins_over_filter_and_scheme():
    m = manifest(["surprise"])
    filt = pd.DataFrame({"utt_id": list(m.utt_id), "keep": [False], "reason": ["x"]})
    rejects = pd.DataFrame({"utt_id": list(m.utt_id), "reason": ["decode_error"]})
    _, dropped = apply_scheme(m, load_scheme(SCHEMES / "valence3.yaml"), meta([]), rejects, filt)
    assert dropped.iloc[0][["reason", "detail"]].tolist() == ["not_preprocessed", "decode_error"]


def test_label_corpus_writes_both_tables(tmp_path):
    import numpy as np

    from crossemo.audio.preprocess import write_shard
    from crossemo.core.schemas import REJECT_COLUMNS

    m = manifest(["happiness", "surprise", "sadness"]).assign(
        path="x.wav", start=None, end=None, raw_label="x", text=None, language="en",
        duration=1.0, sample_rate=16000.0, channels=1.0,
    )  # fmt: skip
    m.to_parquet(tmp_path / "manifest.parquet")
    write_shard(
        [
            {"utt_id": u, "samples": np.zeros(16000, np.float32), "sample_rate": 16000,
             "duration": 1.0, "source_duration": 1.0, "trimmed_s": 0.0, "denoised": False}
            for u in m["utt_id"][:2]
        ],
        tmp_path / "0000.parquet",
    )  # fmt: skip
    rejects = pd.DataFrame([dict.fromkeys(REJECT_COLUMNS, "x")])
    rejects["utt_id"] = m["utt_id"][2]
    rejects["reason"] = "too_short"
    rejects.to_parquet(tmp_path / "0000.rejects.parquet")
    n_labelled, n_dropped = label_corpus(
        tmp_path / "manifest.parquet", [tmp_path / "0000.parquet"],
        [tmp_path / "0000.rejects.parquet"], SCHEMES / "basic4.yaml",
        tmp_path / "out.parquet", tmp_path / "out.dropped.parquet",
    )  # fmt: skip
    assert (n_labelled, n_dropped) == (1, 2)
    out = pd.read_parquet(tmp_path / "out.parquet")
    assert out["audio_shard"].tolist() == [str(tmp_path / "0000.parquet")]
    reasons = set(pd.read_parquet(tmp_path / "out.dropped.parquet")["reason"])
    assert reasons == {"unmapped_by_scheme", "not_preprocessed"}
