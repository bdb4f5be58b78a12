"""What test shares with training, per fold and corpus, for the audit: ``shared_groups`` (test
groups, i.e. speakers, sessions or videos, also in train or dev) and ``shared_recordings`` (test
utterances that are one recording with a train or dev utterance,
:func:`crossemo.splits.duplicates.duplicate_leaks`); the audit's ``sentence_seen`` counts shared
sentences. The leak checks make these 0 for every protocol but EmoBox's, whose assignment is kept
as it is; :func:`overlap_notices` says on the console where they are not."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crossemo.core.safe_text import terminal_text


def shared_groups(split: pd.DataFrame) -> pd.Series:
    """Per (fold, corpus): the corpus's test groups that train or dev of the fold also hold."""
    counts = {}
    for (fold, corpus), part in split.groupby(["fold", "corpus"], sort=True):
        test = set(part.loc[part["split"] == "test", "group"])
        training = set(split.loc[(split["fold"] == fold) & (split["split"] != "test"), "group"])
        counts[(fold, corpus)] = len(test & training)
    return pd.Series(counts, dtype=int)


def shared_recordings(split: pd.DataFrame, leaks: pd.DataFrame | None) -> pd.Series:
    """Per (fold, corpus): test utterances that ``leaks`` (duplicate pairs across test and
    training, :func:`crossemo.splits.duplicates.duplicate_leaks`) pair with training."""
    if leaks is None or leaks.empty:
        return pd.Series(dtype=int)
    corpus = split.drop_duplicates("utt_id").set_index("utt_id")["corpus"]
    tested = leaks.drop_duplicates(["fold", "test_utt"])
    return tested.groupby([tested["fold"], tested["test_utt"].map(corpus)]).size()


def overlap_notices(audit_paths: dict[str, str | Path]) -> list[str]:
    """Console lines, per experiment (-> its audit CSV), fold and corpus whose test shares
    speakers, sentences or recordings with training, and EmoBox entries matching no utterance."""
    lines = []
    for experiment, path in sorted(audit_paths.items()):
        if not Path(path).is_file():
            continue
        table = pd.read_csv(path, keep_default_na=False)
        if "shared_groups" not in table:
            continue
        test = table[table["split"] == "test"]
        for row in test.itertuples():
            if row.shared_groups or row.sentence_seen or row.shared_recordings:
                lines.append(f"  {terminal_text(experiment)} {terminal_text(row.corpus)} "
                             f"fold{row.fold}: {row.shared_groups} of {row.groups} test speakers "
                             f"also in training, {row.sentence_seen} test utterances share a "
                             f"sentence, {row.shared_recordings} a recording")  # fmt: skip
        if "emobox_unmatched" in table:
            lines += [f"  {terminal_text(experiment)} {terminal_text(r.corpus)} fold{r.fold}: "
                      f"{r.emobox_unmatched} EmoBox entries match no utterance, "
                      f"{r.emobox_unlisted} utterances not listed" for r in test.itertuples()
                      if r.emobox_unmatched or r.emobox_unlisted]  # fmt: skip
    return lines
