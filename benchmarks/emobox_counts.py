"""A real corpus copy's per-label counts beside EmoBox's (not a test: it needs the corpus).

    .venv/bin/python benchmarks/emobox_counts.py CORPUS ROOT EMOBOX_DATA [--adapter NAME]

``ROOT`` is the corpus as its publisher ships it (what EmoBox's ``downloads/<corpus>/`` holds),
``EMOBOX_DATA`` a local checkout's ``data/`` folder of EmoBox (github.com/emo-box/EmoBox, MIT;
never downloaded here). The corpus's adapter scans ``ROOT`` (names only, no audio is decoded); each
utterance's emotion is counted beside the count of EmoBox's ``<corpus>.jsonl`` entries of that
emotion (its ``emo`` through ``label_map.json`` and crossemo.corpora.emobox.EMOBOX_CLASSES). Then
the files each side has that the other lacks (by path relative to the root, and segment times for
a segmented corpus), and the adapter's rejects by reason. Exit status 1 when the counts differ.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from crossemo.corpora import scan
from crossemo.corpora.emobox import emotion_of, read_jsonl, read_label_map, relative_path


def emobox_side(data: Path, corpus: str) -> tuple[Counter, set[str]]:
    """EmoBox's per-emotion counts and file keys of ``corpus``."""
    entries = list(read_jsonl(data / corpus / f"{corpus}.jsonl"))
    label_map = read_label_map(data / corpus / "label_map.json")
    counts = Counter(emotion_of(e, label_map) for e in entries)
    keys = {_key(relative_path(e, corpus), e.get("start_time")) for e in entries}
    return counts, keys


def ours(root: Path, corpus: str, adapter: str) -> tuple[Counter, set[str], Counter]:
    """The adapter's per-emotion counts, file keys and rejects by reason."""
    found = scan(adapter, root, corpus)
    counts = Counter(u.emotion for u in found.utterances)
    keys = {_key(u.path.relative_to(root), u.start) for u in found.utterances}
    return counts, keys, Counter(r.reason for r in found.rejects)


def _key(path: Path, start) -> str:
    return str(path) if start is None else f"{path}@{float(start):.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", help="EmoBox's name of the corpus (data/<corpus>/)")
    parser.add_argument("root", type=Path, help="the corpus as its publisher ships it")
    parser.add_argument("emobox_data", type=Path, help="EmoBox's data/ folder")
    parser.add_argument("--adapter", help="crossemo adapter (default: the corpus name)")
    parser.add_argument("--show", type=int, default=10, help="files listed per difference")
    args = parser.parse_args()
    theirs, their_keys = emobox_side(args.emobox_data, args.corpus)
    mine, my_keys, rejects = ours(args.root, args.corpus, args.adapter or args.corpus)
    print(f"{'emotion':<16}{'EmoBox':>8}{'crossemo':>10}")
    for emotion in sorted(set(theirs) | set(mine)):
        mark = "" if theirs[emotion] == mine[emotion] else "  <- differs"
        print(f"{emotion:<16}{theirs[emotion]:>8}{mine[emotion]:>10}{mark}")
    print(f"{'total':<16}{sum(theirs.values()):>8}{sum(mine.values()):>10}")
    for title, keys in (("only in EmoBox", their_keys - my_keys),
                        ("only in crossemo", my_keys - their_keys)):  # fmt: skip
        print(f"{title}: {len(keys)}")
        for key in sorted(keys)[: args.show]:
            print(f"  {key}")
    print("rejects:", dict(rejects) or "none")
    return 0 if theirs == mine else 1


if __name__ == "__main__":
    sys.exit(main())
