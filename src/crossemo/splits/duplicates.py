"""Duplicate recordings: the same clip twice in one corpus copy, or in two corpora.

A recording can reach the data twice: a corpus that holds a file under two names, two corpora
assembled from the same source, or one corpus ingested under two names. Speaker groups cannot
see it (``ravdess/Actor_01`` and ``ravdess_copy/Actor_01`` are different groups), so the audio
itself is compared, by the fingerprints rule ``fingerprint_audio`` writes beside every audio shard
(:mod:`crossemo.audio.fingerprint`): ``exact`` pairs share the SHA-256 of their processed PCM,
``near`` pairs differ in few bits of the tolerant print (re-encoded, resampled or louder copies).

:func:`duplicate_table` lists every pair (rule ``find_duplicates``:
``results/tables/duplicates.csv``, with a warning in the log and on the console), and the split
fails when a pair has one side in test and the other in train or dev of the same fold
(:func:`check_duplicate_leaks`), whatever the corpora are called.
"""

from __future__ import annotations

import itertools
import logging
from pathlib import Path

import pandas as pd

from crossemo.audio.fingerprint import NEAR_THRESHOLD, near_pairs
from crossemo.core.safe_text import write_csv
from crossemo.core.schemas import AudioPrints, read_table

log = logging.getLogger(__name__)

DUPLICATE_COLUMNS = ["utt_a", "utt_b", "corpus_a", "corpus_b", "kind", "scope", "bit_error_rate"]


def read_prints(paths: list[str | Path]) -> pd.DataFrame:
    """The prints tables of ``paths`` in one frame, with each row's ``corpus`` (from its id)."""
    frames = [read_table(p, AudioPrints) for p in paths]
    columns = list(AudioPrints.to_schema().columns)
    prints = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    prints["corpus"] = prints["utt_id"].astype(str).str.split("/", n=1).str[0]
    return prints


def find_duplicates(prints: pd.DataFrame, threshold: float = NEAR_THRESHOLD) -> pd.DataFrame:
    """Every pair of rows of ``prints`` (``utt_id``, ``corpus``, ``duration``, ``pcm_sha256``,
    ``near_print``) that are one recording: ``exact`` (same PCM hash) or ``near`` (tolerant prints
    within ``threshold``, not exact); ``scope`` ``within_corpus`` or ``across_corpora``."""
    prints = prints.sort_values("utt_id").reset_index(drop=True)
    rows = []
    exact = set()
    for _, same in prints.groupby("pcm_sha256", sort=True):
        for i, j in itertools.combinations(same.index, 2):
            exact.add((i, j))
            rows.append(_pair(prints, i, j, "exact", 0.0))
    found = near_pairs(list(prints["near_print"]), prints["duration"].to_numpy(), threshold)
    for i, j, ber in found:
        if (i, j) not in exact:
            rows.append(_pair(prints, i, j, "near", ber))
    table = pd.DataFrame(rows, columns=DUPLICATE_COLUMNS)
    return table.sort_values(["utt_a", "utt_b"]).reset_index(drop=True)


def _pair(prints: pd.DataFrame, i: int, j: int, kind: str, ber: float) -> dict:
    a, b = prints.loc[i], prints.loc[j]
    scope = "within_corpus" if a["corpus"] == b["corpus"] else "across_corpora"
    return {"utt_a": a["utt_id"], "utt_b": b["utt_id"], "corpus_a": a["corpus"],
            "corpus_b": b["corpus"], "kind": kind, "scope": scope,
            "bit_error_rate": round(ber, 4)}  # fmt: skip


def warn_duplicates(pairs: pd.DataFrame, shown: int = 5) -> None:
    """Log a warning with the counts per kind and scope and the first pairs (none: info)."""
    if pairs.empty:
        log.info("no duplicate recordings")
        return
    counts = pairs.groupby(["kind", "scope"]).size()
    summary = ", ".join(f"{n} {kind} {scope}" for (kind, scope), n in counts.items())
    examples = "; ".join(
        f"{r.utt_a} = {r.utt_b} ({r.kind})" for r in pairs.head(shown).itertuples()
    )
    log.warning("duplicate recordings: %s pairs, e.g. %s", summary, examples)


def duplicate_table(print_paths: list[str | Path], output: str | Path) -> pd.DataFrame:
    """Rule find_duplicates: every duplicate pair over the prints of all corpora, as CSV."""
    pairs = find_duplicates(read_prints(print_paths))
    warn_duplicates(pairs)
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    write_csv(pairs, output, index=False)
    return pairs


def duplicate_leaks(split: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """Pairs of ``pairs`` with one side in test and the other in train or dev of the same fold:
    columns ``fold``, ``test_utt``, ``train_utt``, ``train_split``, ``kind``."""
    columns = ["fold", "test_utt", "train_utt", "train_split", "kind"]
    if pairs.empty or split.empty:
        return pd.DataFrame(columns=columns)
    both = pd.concat(
        [
            pairs.rename(columns={"utt_a": "test_utt", "utt_b": "train_utt"}),
            pairs.rename(columns={"utt_b": "test_utt", "utt_a": "train_utt"}),
        ],
        ignore_index=True,
    )[["test_utt", "train_utt", "kind"]]
    test = split.loc[split["split"] == "test", ["utt_id", "fold"]]
    train = split.loc[split["split"].isin(["train", "dev"]), ["utt_id", "fold", "split"]]
    merged = both.merge(test.rename(columns={"utt_id": "test_utt"}), on="test_utt")
    merged = merged.merge(
        train.rename(columns={"utt_id": "train_utt", "split": "train_split"}),
        on=["train_utt", "fold"],
    )
    return merged[columns].sort_values(["fold", "test_utt", "train_utt"]).reset_index(drop=True)
