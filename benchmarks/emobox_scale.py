"""DAG planning of a 34-corpus matrix at EmoBox scale, without audio.

    .venv/bin/python benchmarks/emobox_scale.py [--repeats 3] [--write] [--keep]

A config names all 34 corpora (EmoBox's 32, whose utterance and speaker counts come from the
EmoBox README's dataset table, plus CMU-MOSEI and StrEmo with the strEmo paper's counts), one
audio shard per started 1000 utterances each (as the paper configs shard, e.g. CREMA-D's 7442 in
8), and one experiment: protocol ``corpus_matrix`` over all 34 (each corpus alone -> every
other: 34 runs of 33 test corpora), eGeMAPS + logistic regression, scheme basic4 (EmoBox's
cross-corpus classes). benchmarks/paper_scale.py prepares the scratch working directory
(synthetic manifests recorded as made by their rules), so the dry run plans everything after
ingestion and nothing before it (checked). ``snakemake -n all`` is timed best of --repeats with
its peak RSS and its CPU seconds (user + system: on a shared machine the wall time waits for
other processes, the CPU time much less), and ``--list-rules`` on the same config gives the
parse-only share.

--write replaces the "## DAG planning at EmoBox scale" section of BENCHMARKS.md (after the
paper-scale section; others are left as they are).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import paper_scale  # noqa: E402  (a sibling script, not a package)

REPO = paper_scale.REPO
SECTION = "## DAG planning at EmoBox scale"
TARGET_S = paper_scale.TARGET_S
EXPERIMENT = "emobox_matrix"
UTTERANCES_PER_SHARD = 1000
CURRENT = "this tree"

#: EmoBox README, "Datasets" table (github.com/emo-box/EmoBox): adapter -> (#Utts, #Spk);
#: MER2023's speakers are not given there ("/"): one group per 10 clips is assumed
EMOBOX_CORPORA = {
    "aesdd": (604, 5),
    "ased": (2474, 65),
    "asvpesd": (13964, 131),
    "cafe": (936, 12),
    "casia": (1200, 4),
    "cremad": (7442, 91),
    "emns": (1181, 1),
    "emodb": (535, 10),
    "emovdb": (6887, 4),
    "emovo": (588, 6),
    "emozionalmente": (6902, 431),
    "enterface": (1263, 44),
    "esd": (35000, 20),
    "iemocap": (5531, 10),
    "jlcorpus": (2400, 4),
    "m3ed": (24437, 626),
    "mead": (31729, 48),
    "meld": (13706, 304),
    "mer2023": (5030, 503),
    "mesd": (862, 11),
    "msppodcast": (73042, 1273),
    "oreau": (434, 32),
    "pavoque": (7334, 1),
    "polish": (450, 5),
    "ravdess": (1440, 24),
    "resd": (1396, 200),
    "savee": (480, 4),
    "shemo": (2838, 87),
    "subesco": (7000, 20),
    "tess": (2800, 2),
    "turevdb": (1735, 6),
    "urdu": (400, 29),
}


def corpus_sizes() -> dict[str, int]:
    """Utterances per adapter: EmoBox's table, CMU-MOSEI and StrEmo from the strEmo paper."""
    paper = paper_scale.paper_counts()
    sizes = {adapter: n for adapter, (n, _) in EMOBOX_CORPORA.items()}
    return {**sizes, "mosei": paper["mosei"], "strEmo": paper["strEmo"]}


def n_shards(utterances: int) -> int:
    return max(1, math.ceil(utterances / UTTERANCES_PER_SHARD))


def emobox_config(sizes: dict[str, int]) -> dict:
    """The 34-corpus config: every corpus, one corpus_matrix experiment over all of them."""
    corpora: dict[str, dict] = {}
    for adapter, n in sizes.items():
        entry: dict = {"adapter": adapter, "n_shards": n_shards(n)}
        if adapter == "strEmo":
            entry["sheet"] = f"/data/corpora/{adapter}/sheet.xlsx"  # pointed at scratch later
        else:
            entry["root"] = f"/data/corpora/{adapter}"
        corpora[adapter] = entry
    experiment = {
        "scheme": "basic4",
        "protocol": "corpus_matrix",
        "train": list(corpora),
        "dev_fraction": 0.1,
        "seed": 0,
        "balance": {"method": "none"},
        "features": "egemaps",
        "standardize": "corpus",
        "model": {"family": "logreg"},
    }
    return {"demo": {"enabled": False}, "corpora": corpora, "experiments": {EXPERIMENT: experiment}}


def timed(cmd: list[str], cwd: Path) -> tuple[float, float, float, str]:
    """(wall seconds, CPU seconds, peak RSS in MB, output) of one process."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        out.seek(0)
        text = out.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{text[-4000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, text


def best_of(cmd: list[str], cwd: Path, repeats: int) -> tuple[float, float, float, str]:
    """Least wall and CPU seconds, most RSS over ``repeats`` runs, and the last output."""
    runs = [timed(cmd, cwd) for _ in range(repeats)]
    wall, cpu, rss, _ = zip(*runs, strict=True)
    return min(wall), min(cpu), max(rss), runs[-1][3]


def interleaved(cmds: dict[str, list[str]], cwd: Path, repeats: int) -> dict[str, tuple]:
    """:func:`best_of` of each command, their runs taken in turn (the same load for each)."""
    runs: dict[str, list] = {label: [] for label in cmds}
    for _ in range(repeats):
        for label, cmd in cmds.items():
            runs[label].append(timed(cmd, cwd))
    best = {}
    for label, rows in runs.items():
        wall, cpu, rss, _ = zip(*rows, strict=True)
        best[label] = (min(wall), min(cpu), max(rss), rows[-1][3])
    return best


def measure(work: Path, repeats: int, trees: dict[str, Path]) -> dict[str, dict]:
    """Prepare ``work``, then time the parse and the dry run of each tree's Snakefile (label ->
    checkout) on it; returns the figures by label."""
    sizes = corpus_sizes()
    config_path = work / "emobox.yaml"
    config_path.write_text(yaml.safe_dump(emobox_config(sizes), sort_keys=False))
    paper_scale.SPEAKERS.update({a: spk for a, (_, spk) in EMOBOX_CORPORA.items()})
    config, utts = paper_scale.prepare(config_path, work, sizes)
    base = paper_scale.snakemake_base(work)
    cmds = {label: [*base[:2], str(tree / "Snakefile"), *base[3:]] for label, tree in trees.items()}
    parse = interleaved({k: [*c, "--list-rules"] for k, c in cmds.items()}, work, repeats)
    dry = interleaved({k: [*c, "-n", "all"] for k, c in cmds.items()}, work, repeats)
    results = {}
    for label in trees:
        (parse_s, parse_cpu, _, _), (wall, cpu, rss, text) = parse[label], dry[label]
        per_rule, _ = paper_scale.planned_jobs(text)
        upstream = sorted(
            {"ingest_corpus", "download_videos", "segment_clips", "synthesize_demo_corpora"}
            & set(per_rule)
        )
        if upstream:
            raise RuntimeError(f"{label}: the dry run would re-ingest: {upstream}")
        results[label] = {
            "corpora": len(utts),
            "utterances": sum(utts.values()),
            "shards": sum(int(e["n_shards"]) for e in config["corpora"].values()),
            "runs": len(config["corpora"]),
            "jobs": sum(per_rule.values()),
            "per_rule": per_rule,
            "parse_s": parse_s,
            "parse_cpu": parse_cpu,
            "dry_run_s": wall,
            "dry_run_cpu": cpu,
            "dag_s": max(wall - parse_s, 0.0),
            "rss_mb": rss,
        }
    return results


#: what profiling the dry run found slow (cProfile, and a sampler of the main thread), what was
#: changed, and what is left: the figures above are measured, these words summarise the profiles
FINDINGS = (
    "What was slow (cProfile of the dry run): rule `preprocess_audio` read `n_shards` with "
    "Snakemake's `lookup(dpath=..., within=config)`, which walks every key of the whole config "
    "(`dpath.segments.fold`) for each job: 301 jobs x a 34-corpus config, ~10 % of the profiled "
    "run, quadratic in corpora x shards. Changed: every rule reads its corpus's or "
    "experiment's keys through the plan "
    "(`PARAMS.n_shards`, `adapter`, `root`, `adapter_options`, `filter_settings`, `clip_sheet`, "
    "`clip_tolerance_s`, `lr_cv_metric`, `lr_cv_select_on`: the same values, so no params "
    "rerun; `tests/unit/test_plan_params.py` compares them with the lookups). Tried and dropped: "
    "handing Snakemake's `validate` a JSON copy of the 67 KB config schema (its YAML loader, "
    "yte, is pure Python: ~0.2 s CPU a parse) — it loads JSON into OrderedDicts, so the schema "
    "defaults it fills change the params' recorded form and would rerun jobs. What is left is "
    "Snakemake's own work: start-up imports "
    "(~1.3 s CPU for `snakemake --version` here), per job (wildcards, params, resources, the "
    "script's source opened once per job, the dry-run printout) and per input file (~15,000 "
    "job inputs, 10,336 of them train_classic's: each of the 34 runs reads the eGeMAPS shards of "
    "all 34 corpora, 304 files); crossemo.plan's input, params and resource functions take under "
    "0.1 s of it. Fewer input edges would need a different DAG (e.g. one feature table per "
    "corpus), which changes files and jobs and is not done here. The wall time follows the "
    "machine's load: earlier runs here at load averages 2.6-5.5 (2 CPUs) measured 7.0-8.1 s "
    "(5.4-5.6 s CPU) before and 5.4-5.6 s (5.1-5.4 s CPU) after the change."
)


def render(results: dict[str, dict], repeats: int) -> str:
    load = os.getloadavg()[0]
    r = results[CURRENT]
    met = "meets" if r["dry_run_s"] < TARGET_S else "MISSES"
    rules = ", ".join(f"{k} {v}" for k, v in sorted(r["per_rule"].items(), key=lambda kv: -kv[1]))
    rows = [
        f"| {label} | {x['corpora']} | {x['utterances']} | {x['shards']} | {x['runs']} "
        f"| {x['jobs']} | **{x['dry_run_s']:.2f}** | {x['dry_run_cpu']:.2f} | {x['parse_s']:.2f} "
        f"| {x['parse_cpu']:.2f} | {x['dag_s']:.2f} | {x['rss_mb']:.0f} |"
        for label, x in results.items()
    ]
    return "\n".join(
        [
            SECTION,
            "",
            "`benchmarks/emobox_scale.py`: one config naming all 34 corpora (EmoBox's 32 with the "
            "utterance and speaker counts of the EmoBox README's dataset table, CMU-MOSEI and "
            "StrEmo with the strEmo paper's), one audio shard per started "
            f"{UTTERANCES_PER_SHARD} utterances, and one experiment `{EXPERIMENT}`: protocol "
            "`corpus_matrix` over all 34 (each corpus alone -> every other one: 34 runs, 34 x 33 "
            "cells), eGeMAPS + logistic regression, scheme basic4. The scratch working directory "
            "is prepared as in the paper-scale section (synthetic manifests recorded as made by "
            "their rules; the script fails if the dry run would re-ingest). "
            f"`snakemake -n all`, best of {repeats}: wall time of the whole process, its CPU time "
            "(user + system; on a shared machine the wall time also waits for other processes) "
            "and its peak RSS; *parse* is `--list-rules` on the same config, *DAG* the wall-time "
            "difference. With `--baseline DIR` the same working directory is also planned by "
            "another checkout's Snakefile, the runs of both taken in turn.",
            "",
            f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical "
            f"CPUs, load average {load:.1f} at the end (above the CPU count other jobs share the "
            f"CPUs); Python {platform.python_version()}, Snakemake "
            f"{paper_scale.snakemake_version()}. Target: < {TARGET_S:.0f} s.",
            "",
            "| workflow | corpora | utterances | shards | matrix runs | jobs | dry run (s) "
            "| dry run CPU (s) | parse (s) | parse CPU (s) | DAG (s) | peak RSS (MB) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            *rows,
            "",
            f"Jobs per rule: {rules}.",
            "",
            f"Reading: the 34 x 33 matrix plans {r['jobs']} jobs in {r['dry_run_s']:.1f} s "
            f"({r['dry_run_cpu']:.1f} s CPU) and {r['rss_mb']:.0f} MB, which {met} the "
            f"{TARGET_S:.0f} s target on this machine.",
            "",
            FINDINGS,
            "",
            "Reproduce: `.venv/bin/python benchmarks/emobox_scale.py --write [--baseline DIR]` "
            "(DIR: e.g. `git archive <commit> | tar -x -C DIR`; exit 1 when this tree misses "
            "the target).",
            "",
        ]
    )


def write_section(path: Path, section: str) -> None:
    """Replace this script's section of BENCHMARKS.md, or insert it after the paper-scale one."""
    text = path.read_text() if path.exists() else ""
    if SECTION not in text and paper_scale.SECTION in text:
        start = text.index(paper_scale.SECTION) + len(paper_scale.SECTION)
        end = text.find("\n## ", start)
        end = len(text) if end < 0 else end + 1
        path.write_text(text[:end] + section + "\n" + text[end:])
        return
    paper_scale.write_section(path, section, SECTION)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="another checkout to time beside this one")
    parser.add_argument("--label", help="the baseline's row label (default: its git commit)")
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args(argv)
    trees = {CURRENT: REPO}
    if args.baseline:
        trees[f"before ({args.label or commit(args.baseline)})"] = args.baseline.resolve()
    scratch = Path(tempfile.mkdtemp(prefix="crossemo-emobox-scale."))
    try:
        results = measure(scratch, args.repeats, trees)
        section = render(results, args.repeats)
        print(section)
        if args.write:
            write_section(REPO / "BENCHMARKS.md", section)
    finally:
        if args.keep:
            print(f"scratch kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0 if results[CURRENT]["dry_run_s"] < TARGET_S else 1


def commit(tree: Path) -> str:
    """Short commit of a checkout, or its folder name outside git."""
    done = subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True)  # fmt: skip
    return done.stdout.strip() if done.returncode == 0 else tree.name


if __name__ == "__main__":
    sys.exit(main())
