"""Conservation of utterances through ingest, preprocessing and labelling, checked.

Per corpus and label scheme::

    found        = ingested     + rejected      (manifest rows + manifest rejects)
    ingested     = preprocessed + dropped       (audio shard rows + shard rejects)
    preprocessed = mapped       + unmapped      (labelled rows + rows the scheme/filter dropped)

The identities are checked on utterance ids, not only on counts (a row lost in one place and
duplicated in another does not balance out). Label-stage drops of utterances that never made it
through preprocessing (reason e.g. ``not_preprocessed``) are already counted as preprocessing
losses and are not counted again. Any mismatch raises :class:`ConservationError`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from crossemo.core.safe_text import write_csv

log = logging.getLogger(__name__)

COLUMNS = ["corpus", "found", "rejected", "ingested", "dropped", "preprocessed", "unmapped",
           "mapped", "ok"]  # fmt: skip


class ConservationError(AssertionError):
    """The counts of a corpus do not add up."""


def _ids(paths: Sequence[str | Path]) -> list[str]:
    ids: list[str] = []
    for p in paths:
        ids += pq.read_table(p, columns=["utt_id"]).column("utt_id").to_pylist()
    return ids


def _table(paths, columns) -> pd.DataFrame:
    frames = [pd.read_parquet(p, columns=columns) for p in paths]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def _corpus_of(path: str | Path) -> str:
    """``results/.../{corpus}.parquet`` / ``.rejects.parquet`` / ``.dropped.parquet`` and
    ``results/audio/{corpus}/{shard}...`` -> corpus."""
    path = Path(path)
    if path.parent.parent.name == "audio":
        return path.parent.name
    return path.name.split(".")[0]


def _by_corpus(paths) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in paths:
        out.setdefault(_corpus_of(p), []).append(str(p))
    return out


def check_corpus(corpus, manifest, manifest_rejects, shards, shard_rejects, labels, dropped
                 ) -> tuple[dict, pd.DataFrame, list[str]]:  # fmt: skip
    """Counts, losses by reason and the list of violated identities of one corpus."""
    manifest_ids = _ids([manifest])
    rejects = _table([manifest_rejects], ["reason"])
    shard_ids = _ids(shards)
    shard_rej = _table(shard_rejects, ["utt_id", "reason"])
    label_ids = _ids([labels])
    drop = _table([dropped], ["utt_id", "reason"])
    problems = []

    found = len(manifest_ids) + len(rejects)
    pre_set, rej_set, man_set = set(shard_ids), set(shard_rej["utt_id"].dropna()), set(manifest_ids)
    if len(man_set) != len(manifest_ids):
        problems.append("manifest has duplicate utt_ids")
    if len(pre_set) != len(shard_ids) or pre_set & rej_set:
        problems.append("an utterance is preprocessed twice, or both preprocessed and dropped")
    if len(manifest_ids) != len(shard_ids) + len(shard_rej) or man_set != pre_set | rej_set:
        problems.append(
            f"ingested ({len(manifest_ids)}) != preprocessed ({len(shard_ids)}) + dropped "
            f"({len(shard_rej)}); missing {sorted(man_set - pre_set - rej_set)[:3]}, "
            f"unexpected {sorted((pre_set | rej_set) - man_set)[:3]}"
        )
    # label-stage drops of never-preprocessed rows were counted at preprocessing already
    drop_pre = drop[drop["utt_id"].isin(pre_set)]
    label_set, unmapped_set = set(label_ids), set(drop_pre["utt_id"])
    if (len(label_set) != len(label_ids) or label_set & unmapped_set
            or len(shard_ids) != len(label_ids) + len(drop_pre)
            or pre_set != label_set | unmapped_set):  # fmt: skip
        problems.append(
            f"preprocessed ({len(shard_ids)}) != mapped ({len(label_ids)}) + unmapped "
            f"({len(drop_pre)}); unaccounted {sorted(pre_set - label_set - unmapped_set)[:3]}, "
            f"unexpected {sorted(label_set - pre_set)[:3]}"
        )
    counts = {
        "corpus": corpus, "found": found, "rejected": len(rejects),
        "ingested": len(manifest_ids), "dropped": len(shard_rej),
        "preprocessed": len(shard_ids), "unmapped": len(drop_pre), "mapped": len(label_ids),
        "ok": not problems,
    }  # fmt: skip
    losses = pd.concat([
        rejects.assign(stage="ingest"),
        shard_rej[["reason"]].assign(stage="preprocess"),
        drop_pre[["reason"]].assign(stage="label"),
    ], ignore_index=True)  # fmt: skip
    losses = (losses.groupby(["stage", "reason"], sort=False).size().rename("count")
              .reset_index().assign(corpus=corpus))  # fmt: skip
    return counts, losses[["corpus", "stage", "reason", "count"]], problems


def conservation(manifests, manifest_rejects, shards, shard_rejects, labels, dropped
                 ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, list[str]]]:  # fmt: skip
    """Check every corpus; returns (counts table, losses table, problems by corpus)."""
    groups = {name: _by_corpus(paths) for name, paths in {
        "manifest": manifests, "manifest_rejects": manifest_rejects, "shards": shards,
        "shard_rejects": shard_rejects, "labels": labels, "dropped": dropped}.items()}  # fmt: skip
    rows, losses, problems = [], [], {}
    for corpus in sorted(groups["manifest"]):
        counts, lost, bad = check_corpus(
            corpus, groups["manifest"][corpus][0], groups["manifest_rejects"][corpus][0],
            groups["shards"].get(corpus, []), groups["shard_rejects"].get(corpus, []),
            groups["labels"][corpus][0], groups["dropped"][corpus][0],
        )  # fmt: skip
        rows.append(counts)
        losses.append(lost)
        if bad:
            problems[corpus] = bad
    table = pd.DataFrame(rows, columns=COLUMNS)
    lost = pd.concat(losses, ignore_index=True) if losses else pd.DataFrame()
    return table, lost, problems


def check_conservation(inputs: dict, table_output, losses_output) -> pd.DataFrame:
    """Rule check_conservation: write the tables, then fail if any corpus does not add up."""
    table, losses, problems = conservation(**inputs)
    for path in (table_output, losses_output):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    write_csv(table, table_output, index=False)
    write_csv(losses, losses_output, index=False)
    for row in table.to_dict("records"):
        log.info("%s: %d found, %d rejected, %d ingested, %d dropped, %d preprocessed, "
                 "%d unmapped, %d mapped%s", row["corpus"], row["found"], row["rejected"],
                 row["ingested"], row["dropped"], row["preprocessed"], row["unmapped"],
                 row["mapped"], "" if row["ok"] else ": DOES NOT ADD UP")  # fmt: skip
    if problems:
        Path(table_output).unlink()  # never leave a table that looks valid
        detail = "; ".join(f"{c}: {' / '.join(p)}" for c, p in problems.items())
        raise ConservationError(f"utterance counts do not add up: {detail}")
    return table
