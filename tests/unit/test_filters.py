"""The MOSEI filter's arithmetic on hand-made pairs: normalisation, ratio, emotion rule, counts."""

from __future__ import annotations

import difflib

import pandas as pd
import pytest

from crossemo.transcripts.filters import (
    FilterSettings,
    FilterTable,
    emotion_label,
    filter_corpus,
    filter_files,
    normalise,
    similarity,
)

ZERO = dict.fromkeys(["happy", "sad", "anger", "surprise", "disgust", "fear"], 0.0)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("Hello, World!", "hello world"), ("sp I sp think  sp so sp", "i think so"),
     ("Don't   STOP.", "dont stop"), ("Café — naïve", "cafe naive"), ("SP spoon sp", "spoon"),
     (None, ""), ("  ", "")],
)  # fmt: skip
def test_normalise(raw, clean):
    assert normalise(raw) == clean


def test_similarity_hand_made_pairs():
    assert similarity("Hello, world.", "hello world sp") == 1.0
    # 17 of 20 characters match in order: 2 * 17 / 40 = 0.85 exactly
    assert similarity("abcdefghijklmnopqrst", "ABCDEFGHIJKLMNOPQXYZ") == pytest.approx(0.85)
    assert similarity("abcd", "abce") == pytest.approx(0.75)
    assert similarity("", "anything") == 0.0 and similarity("x", None) == 0.0
    a, b = "i really liked the movie", "i really like the movies"
    assert similarity(a, b) == pytest.approx(difflib.SequenceMatcher(None, a, b).ratio())


@pytest.mark.parametrize(
    ("scores", "label"),
    [({"happy": 2.33}, "positive"), ({"sad": 3.0}, "negative"), ({"anger": 2.1, "fear": 1.0},
     "negative"), ({}, "neutral"), ({"happy": 2.5, "anger": 0.33}, "undecided"),
     ({"happy": 2.0}, "undecided"), ({"surprise": 1.0}, "undecided"),
     ({"happy": 0.33, "sad": 2.67}, "undecided")],
)  # fmt: skip
def test_emotion_rule(scores, label):
    assert emotion_label({**ZERO, **scores}) == label


def _manifest():
    rows = [  # utt, reference text, scores, transcript (None: not transcribed)
        ("m/keep_pos", "sp I love it sp", {"happy": 3.0}, "I love it!"),
        ("m/keep_neu", "the meeting is at noon", {}, "The meeting is at noon."),
        ("m/keep_neg", "this is terrible", {"anger": 2.67}, "This is terrible"),
        ("m/edge", "abcdefghijklmnopqrst", {}, "abcdefghijklmnopqxyz"),  # 0.85, not "greater than"
        ("m/low", "the meeting is at noon", {}, "completely unrelated words"),
        ("m/mixed", "i am happy and sad", {"happy": 2.5, "sad": 1.0}, "I am happy and sad"),
        ("m/weak", "it was fine", {"happy": 1.0}, "it was fine"),
        ("m/untranscribed", "short", {}, None),
        ("m/notext", None, {"sad": 3.0}, "something"),
    ]
    manifest = pd.DataFrame([{"utt_id": u, "text": t, **ZERO, **s} for u, t, s, _ in rows])
    transcripts = pd.DataFrame([{"utt_id": u, "text": h} for u, _, _, h in rows if h is not None])
    return manifest, transcripts


def test_filter_corpus_reasons_and_step_counts():
    manifest, transcripts = _manifest()
    table, steps = filter_corpus(manifest, transcripts, FilterSettings())
    FilterTable.validate(table)
    reasons = [r if isinstance(r, str) else None for r in table["reason"]]
    got = dict(zip(table["utt_id"], reasons, strict=True))
    assert got == {
        "m/keep_pos": None, "m/keep_neu": None, "m/keep_neg": None, "m/edge": "low_similarity",
        "m/low": "low_similarity", "m/mixed": "emotion_undecided", "m/weak": "emotion_undecided",
        "m/untranscribed": "not_transcribed", "m/notext": "no_reference_text",
    }  # fmt: skip
    kept = table[table["keep"]].set_index("utt_id")["emotion"].to_dict()
    assert kept == {"m/keep_pos": "positive", "m/keep_neu": "neutral", "m/keep_neg": "negative"}
    counts = steps.set_index("step")[["positive", "neutral", "negative", "undecided", "total"]]
    assert counts.loc["manifest"].tolist() == [1, 4, 2, 2, 9]
    assert counts.loc["transcribed"].tolist() == [1, 3, 2, 2, 8]
    assert counts.loc["similar"].tolist() == [1, 1, 1, 2, 5]
    assert counts.loc["emotion_rule"].tolist() == [1, 1, 1, 0, 3]


def test_threshold_from_config_is_applied():
    manifest, transcripts = _manifest()
    strict = FilterSettings.from_config({"threshold": 0.9, "emotion_threshold": 2.0})
    table, _ = filter_corpus(manifest, transcripts, strict)
    assert table.set_index("utt_id").loc["m/edge", "reason"] == "low_similarity"
    lenient = FilterSettings.from_config({"emotion_threshold": 0.5})
    table, _ = filter_corpus(manifest, transcripts, lenient)
    assert table.set_index("utt_id").loc["m/weak", "emotion"] == "positive"


def test_filter_files_round_trip(tmp_path):
    manifest, transcripts = _manifest()
    manifest.to_parquet(tmp_path / "m.parquet")
    transcripts.iloc[:4].to_parquet(tmp_path / "t0.parquet")
    transcripts.iloc[4:].to_parquet(tmp_path / "t1.parquet")
    steps = filter_files(str(tmp_path / "m.parquet"),
                         [str(tmp_path / "t0.parquet"), str(tmp_path / "t1.parquet")],
                         FilterSettings(), str(tmp_path / "f.parquet"),
                         str(tmp_path / "tables" / "steps.csv"))  # fmt: skip
    assert pd.read_parquet(tmp_path / "f.parquet")["keep"].sum() == 3
    assert pd.read_csv(tmp_path / "tables" / "steps.csv").equals(steps)
