"""Write the EmoBox metadata excerpts the adapters' tests build their trees from.

For each corpus: up to ``--per-label`` entries of every label of EmoBox's
``data/<corpus>/<corpus>.jsonl`` (seeded choice), kept in file order, and its ``label_map.json``,
under ``tests/data/emobox/<corpus>/``. EmoBox (github.com/emo-box/EmoBox) is MIT-licensed; the
excerpts credit it in ``tests/data/emobox/README.md``. Run from the repository root:

    python tools/emobox_excerpt.py /path/to/EmoBox/data aesdd ased ...
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from collections import defaultdict
from pathlib import Path

OUT = Path("tests/data/emobox")


def excerpt(data: Path, corpus: str, per_label: int, seed: int) -> int:
    """Write one corpus's excerpt; the number of entries written."""
    lines = (data / corpus / f"{corpus}.jsonl").read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines if line.strip()]
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, entry in enumerate(entries):
        by_label[str(entry["emo"])].append(i)
    rng = random.Random(f"{seed}/{corpus}")
    keep = sorted(
        i for rows in by_label.values() for i in rng.sample(rows, min(per_label, len(rows)))
    )
    folder = OUT / corpus
    folder.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(entries[i], ensure_ascii=False) + "\n" for i in keep)
    (folder / f"{corpus}.jsonl").write_text(text, encoding="utf-8")
    label_map = data / corpus / "label_map.json"
    if label_map.is_file():
        shutil.copyfile(label_map, folder / "label_map.json")
    return len(keep)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="EmoBox's data/ folder")
    parser.add_argument("corpora", nargs="+")
    parser.add_argument("--per-label", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for corpus in args.corpora:
        print(corpus, excerpt(args.data, corpus, args.per_label, args.seed))


if __name__ == "__main__":
    main()
