"""The leaderboard: every experiment's runs on every test set, beside chance (rule
make_leaderboard, the report's landing page, ``crossemo results``).

One row per experiment x variant (its folds pooled: the value the evaluation's interval brackets)
x test corpus, plus an ``overall`` row where a variant tests several corpora. Rows are grouped by
label scheme and test set (only rows of one group are comparable: same classes, same utterances)
and ranked by UAR within a group. Each row has UAR, WA and macro-F1 with their intervals
(:mod:`crossemo.evaluation.runs`' ``{experiment}.intervals.csv``), the number of classes,
chance UAR (1/k, k the classes present in the test set's truth:
:func:`~crossemo.evaluation.runs.chance_uar`) and a flag where the UAR interval's lower bound does
not clear chance (:func:`~crossemo.evaluation.runs.clears_chance`): such a run has not been shown
to beat guessing, whatever its UAR.

Written as CSV (fractions, :class:`crossemo.core.schemas.Leaderboard`), Markdown and HTML (per
cent), and an HTML headline that the report's front page includes (workflow/report/workflow.rst).
:mod:`crossemo.report.leaderboard_text` prints it in a terminal.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from crossemo.core.atomic import atomic_path
from crossemo.core.names import parse_lr_run, parse_run, split_seed
from crossemo.core.safe_text import html_text, write_csv
from crossemo.core.schemas import Leaderboard
from crossemo.evaluation.base import OVERALL, read_run_metrics, scope_of
from crossemo.evaluation.runs import chance_uar, clears_chance
from crossemo.stress.robustness import worst_conditions

log = logging.getLogger(__name__)

#: the measures the leaderboard shows, with their display names
MEASURES = {"uar": "UAR", "wa": "WA", "macro_f1": "macro-F1"}
AT_CHANCE, NO_INTERVAL = "at chance", "no interval"
#: the variant name shown for an experiment's only variant (runs ``main`` or ``fold{k}``)
MAIN = "main"
#: protocol shown for LR cross-validation runs: they test folds of the training corpora
LR_CV = "lr_cv (selection)"
FLAG_MARK = "⚠"
SEPARATOR = " + "
#: the worst-condition columns of an experiment without stress tests
NO_STRESS = {"worst_condition": None, "worst_condition_uar": math.nan,
             "worst_condition_uar_ci_low": math.nan,
             "worst_condition_uar_ci_high": math.nan}  # fmt: skip
WORST = "worst condition"  # a column of the Markdown and HTML tables, where stress tests ran
TRAIN_TEST = "train → test"  # a column of the Markdown and HTML tables


# ---- the table ----
def _variants(results: Sequence[Mapping]) -> dict[str, list[Mapping]]:
    out: dict[str, list[Mapping]] = {}
    for res in results:
        out.setdefault(parse_run(res["run"])[1], []).append(res)
    return out


def _pooled_support(runs: Sequence[Mapping], scope: str) -> dict[str, int]:
    """Test utterances per true class of ``scope``, over the runs of one variant."""
    support: dict[str, int] = {}
    for res in runs:
        part = scope_of(res, scope) if scope == OVERALL or scope in res["per_corpus"] else None
        if part is None:
            continue
        labels, matrix = part["confusion"]["labels"], np.asarray(part["confusion"]["matrix"])
        for label, n in zip(labels, matrix.sum(axis=1), strict=True):
            support[label] = support.get(label, 0) + int(n)
    return support


def _chance(support: Mapping[str, int]) -> float:
    return chance_uar({"confusion": {"matrix": [[n] for n in support.values()]}})


def _tested(runs: Sequence[Mapping]) -> list[str]:
    return sorted({c for res in runs for c in res["per_corpus"]})


def _row_scopes(runs: Sequence[Mapping]) -> list[str]:
    """Test corpora of a variant, with ``overall`` first where there are several."""
    corpora = _tested(runs)
    return [OVERALL, *corpora] if len(corpora) > 1 else corpora


def _measures(intervals: pd.DataFrame, variant: str, scope: str) -> dict:
    part = intervals[(intervals["variant"] == variant) & (intervals["scope"] == scope)]
    by_measure = part.set_index("measure")
    row: dict = {}
    for m in MEASURES:
        if m not in by_measure.index:
            raise ValueError(f"intervals table: no {m} of variant {variant or MAIN!r}, {scope}: "
                             "rerun rule evaluate_experiment")  # fmt: skip
        entry = by_measure.loc[m]
        row |= {m: entry["value"], f"{m}_ci_low": entry["ci_low"], f"{m}_ci_high": entry["ci_high"]}
    first = part.iloc[0]
    unit = str(first["interval_unit"])
    return row | {"n_utts": int(first["n"]), "interval_unit": unit, "level": first["level"],
                  "n_groups": first["n_clusters"] if unit == "cluster" else math.nan}  # fmt: skip


def _flag(ci_low: float, chance: float) -> tuple[bool, str]:
    if not math.isfinite(ci_low):
        return False, NO_INTERVAL
    at_chance = not clears_chance(ci_low, chance)
    return at_chance, AT_CHANCE if at_chance else ""


def experiment_rows(experiment: str, results: Sequence[Mapping], intervals: pd.DataFrame,
                    metrics: pd.DataFrame, info: Mapping,
                    worst: Mapping[tuple, Mapping] | None = None) -> list[dict]:  # fmt: skip
    """The leaderboard rows of one experiment: its runs (``.runs.json``), intervals and mean/std
    tables, ``info`` (``scheme protocol train``: :meth:`crossemo.plan.Plan.leaderboard`) and,
    where it has stress tests, its worst condition per (variant, scope)
    (:func:`crossemo.stress.robustness.worst_conditions`)."""
    rows = []
    for variant, runs in _variants(results).items():
        lr_cv = all(parse_lr_run(r["run"]) for r in runs)
        for scope in _row_scopes(runs):
            support = _pooled_support(runs, scope)
            tested = _tested(runs) if scope == OVERALL else [scope]
            fold = metrics[(metrics["variant"] == variant) & (metrics["scope"] == scope)].iloc[0]
            row = {"scheme": info["scheme"], "test_set": SEPARATOR.join(tested),
                   "experiment": experiment, "run": variant or MAIN,
                   "protocol": LR_CV if lr_cv else info["protocol"],
                   "train": ", ".join(info["train"]), "n_classes": len(support),
                   "chance_uar": _chance(support), "n_runs": int(fold["n_runs"])}  # fmt: skip
            row |= _measures(intervals, variant, scope)
            row |= {"uar_fold_mean": fold["uar_mean"], "uar_fold_std": fold["uar_std"],
                    "n_seeds": 1, "uar_seed_std": math.nan}  # fmt: skip
            rows.append(row | dict((worst or {}).get((variant, scope), NO_STRESS)))
    rows = merge_seeds(rows)
    for row in rows:
        row["at_chance"], row["flag"] = _flag(row["uar_ci_low"], row["chance_uar"])
    return rows


def merge_seeds(rows: Sequence[dict]) -> list[dict]:
    """One row per variant and test set of an experiment repeated over seeds (``seeds:``; its
    rows' variants ``s0``, ``svm-s1`` ...): each measure the mean over the seeds, its interval
    the hull of the seeds' intervals (the lowest lower and highest upper bound: the chance flag
    judges the worst seed), ``n_runs`` the seeds' runs, ``n_seeds`` and ``uar_seed_std`` (sample
    std of the seeds' UAR). Rows without a seed part are kept as they are."""
    out: list[dict] = []
    merged: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        base, seed = split_seed("" if row["run"] == MAIN else row["run"])
        if seed is None:
            out.append(row)
        else:
            merged.setdefault((base, row["test_set"]), []).append(row)
    for (base, _), seeds in merged.items():
        row = dict(seeds[0], run=base or MAIN, n_seeds=len(seeds),
                   n_runs=sum(int(r["n_runs"]) for r in seeds))  # fmt: skip
        for m in (*MEASURES, "uar_fold_mean", "uar_fold_std"):
            row[m] = float(np.mean([r[m] for r in seeds]))
        for m in MEASURES:
            row[f"{m}_ci_low"] = float(np.min([r[f"{m}_ci_low"] for r in seeds]))
            row[f"{m}_ci_high"] = float(np.max([r[f"{m}_ci_high"] for r in seeds]))
        uars = [r["uar"] for r in seeds]
        row["uar_seed_std"] = float(np.std(uars, ddof=1)) if len(uars) > 1 else math.nan
        out.append(row)
    return out


def leaderboard_table(runs: Mapping[str, Sequence[Mapping]], intervals: Mapping[str, pd.DataFrame],
                      metrics: Mapping[str, pd.DataFrame],
                      experiments: Mapping[str, Mapping],
                      stress: Mapping[str, pd.DataFrame] | None = None
                      ) -> pd.DataFrame:  # fmt: skip
    """Every experiment's rows (:func:`experiment_rows`), grouped by scheme and test set, by
    UAR within a group; validated (:class:`~crossemo.core.schemas.Leaderboard`). ``stress``:
    experiment -> its stress metrics table, for the experiments with stress tests."""
    worst = {exp: worst_conditions(table) for exp, table in (stress or {}).items()}
    rows = [row for exp in sorted(runs)
            for row in experiment_rows(exp, runs[exp], intervals[exp], metrics[exp],
                                       experiments[exp], worst.get(exp))]  # fmt: skip
    table = pd.DataFrame(rows, columns=list(Leaderboard.to_schema().columns))
    table = table.sort_values(["scheme", "test_set", "uar", "experiment", "run"],
                              ascending=[True, True, False, True, True], kind="stable")  # fmt: skip
    return Leaderboard.validate(table.reset_index(drop=True), lazy=True)


def _by_experiment(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    table = table.assign(variant=table["variant"].fillna("").astype(str))
    return {str(exp): part for exp, part in table.groupby("experiment", sort=True)}


def read_evaluation(runs: Sequence[str | Path], intervals: Sequence[str | Path],
                    metrics: Sequence[str | Path]) -> tuple[dict, dict, dict]:  # fmt: skip
    """The evaluation's files of every experiment (``{experiment}.runs.json``,
    ``.intervals.csv``, ``.csv``), each as experiment -> its runs or table."""
    results: dict[str, list[dict]] = {}
    for res in read_run_metrics(runs):
        results.setdefault(res["experiment"], []).append(res)
    read = [_by_experiment(pd.concat([pd.read_csv(p) for p in paths], ignore_index=True))
            if paths else {} for paths in (intervals, metrics)]  # fmt: skip
    for exp in results:
        missing = [kind for kind, tables in zip(("intervals", "metrics"), read, strict=True)
                   if exp not in tables]  # fmt: skip
        if missing:
            raise ValueError(f"experiment {exp}: no {' or '.join(missing)} table beside its "
                             "runs.json: rerun rule evaluate_experiment")  # fmt: skip
    return results, read[0], read[1]


def read_stress(paths: Sequence[str | Path]) -> dict[str, pd.DataFrame]:
    """Experiment -> its stress metrics table (``results/stress/metrics_{experiment}.csv``,
    column ``experiment``)."""
    tables = [pd.read_csv(p) for p in paths]
    if not tables:
        return {}
    return {str(e): part for e, part in pd.concat(tables).groupby("experiment", sort=True)}


# ---- what a reader sees ----
def percent(value: float) -> str:
    return "–" if not math.isfinite(value) else f"{100 * value:.1f}"


def with_interval(row: Mapping, measure: str) -> str:
    """``75.0 [66.6, 80.7]``: a measure and its interval in per cent."""
    low, high = row[f"{measure}_ci_low"], row[f"{measure}_ci_high"]
    if not (math.isfinite(low) and math.isfinite(high)):
        return percent(row[measure])
    return f"{percent(row[measure])} [{percent(low)}, {percent(high)}]"


def seeds_note(row: Mapping) -> str:
    """``mean of 3 seeds, UAR sd 1.2``: how a row over repeats says so (per cent)."""
    return f"mean of {row['n_seeds']} seeds, UAR sd {percent(row['uar_seed_std'])}"


def display_row(row: Mapping) -> dict[str, str]:
    """One row as the Markdown, HTML and terminal tables show it."""
    groups = row["n_groups"]
    n = f"{row['n_utts']}" + (f" ({int(groups)})" if math.isfinite(groups) else "")
    runs = f" ×{row['n_runs']}" if row["n_runs"] > 1 else ""
    runs += f" · {seeds_note(row)}" if row.get("n_seeds", 1) > 1 else ""  # older CSVs: none
    shown = {"experiment": row["experiment"], "run": f"{row['run']}{runs}",
             "protocol": row["protocol"], TRAIN_TEST: f"{row['train']} → {row['test_set']}",
             "classes": str(row["n_classes"]), "chance": percent(row["chance_uar"]),
             "n (groups)": n}  # fmt: skip
    shown |= {name: with_interval(row, m) for m, name in MEASURES.items()}
    flag = {"flag": f"{FLAG_MARK} {row['flag']}" if row["flag"] else ""}
    columns = list(shown)  # the flag beside the UAR interval it judges
    at = columns.index(MEASURES["uar"]) + 1
    out = {k: shown[k] for k in columns[:at]} | flag | {k: shown[k] for k in columns[at:]}
    return out | worst_cell(row)


def worst_cell(row: Mapping) -> dict[str, str]:
    """``{worst condition: "noise_white_snr0dB: 31.0 [25.2, 36.9]"}`` of a row with stress
    tests; empty for one without."""
    name = row.get("worst_condition")
    if not isinstance(name, str) or not name:
        return {}
    shown = with_interval({"uar": row["worst_condition_uar"],
                           "uar_ci_low": row["worst_condition_uar_ci_low"],
                           "uar_ci_high": row["worst_condition_uar_ci_high"]}, "uar")  # fmt: skip
    return {WORST: f"{name}: {shown}"}


def shown_rows(part: pd.DataFrame) -> list[dict[str, str]]:
    """The displayed rows of one group, with the worst-condition column (blank where a row has
    none) when any row of the group has one."""
    rows = [display_row(r) for r in part.to_dict("records")]
    if any(WORST in r for r in rows):
        rows = [r | {WORST: r.get(WORST, "")} for r in rows]
    return rows


def groups(table: pd.DataFrame) -> Iterator[tuple[str, str, pd.DataFrame]]:
    """(scheme, test set, rows) in the table's order."""
    for (scheme, test_set), part in table.groupby(["scheme", "test_set"], sort=False):
        yield str(scheme), str(test_set), part


def legend(table: pd.DataFrame) -> str:
    """What the numbers are, in one paragraph."""
    level = f"{100 * table['level'].iloc[0]:.0f} %" if len(table) else "95 %"
    return (f"UAR, WA and macro-F1 in per cent with their {level} bootstrap intervals, resampling "
            "the test set's groups (speakers, sessions, videos; `n (groups)`); a run's folds are "
            "pooled (×k: k runs). Chance UAR is 1/k over the classes present in the test set. "
            f"{FLAG_MARK} at chance: the UAR interval's lower bound does not clear chance, so the "
            "run has not been shown to beat guessing. Rows are comparable only within a group "
            "(same label scheme, same test set).")  # fmt: skip


def summary(table: pd.DataFrame) -> str:
    """``34 results of 13 experiments; 3 at chance`` (plain text)."""
    n_exp, flagged = table["experiment"].nunique(), int(table["at_chance"].sum())
    n_groups = table.groupby(["scheme", "test_set"]).ngroups
    return (f"{len(table)} results of {n_exp} experiment(s) in {n_groups} group(s); "
            f"{flagged} at chance")  # fmt: skip


def _md(text: str) -> str:
    return html_text(text).replace("|", "\\|")


def leaderboard_markdown(table: pd.DataFrame) -> str:
    """The leaderboard as Markdown: a table per scheme and test set, flagged rows marked."""
    lines = ["# Leaderboard", ""]
    if table.empty:
        return "\n".join([*lines, "No experiment with a model: nothing to rank."]) + "\n"
    lines += [summary(table) + ".", "", legend(table), ""]
    for scheme, test_set, part in groups(table):
        rows = shown_rows(part)
        lines += [f"## {_md(scheme)} · test {_md(test_set)}", "",
                  "| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]  # fmt: skip
        for shown in rows:
            cells = [_md(v) for v in shown.values()]
            if shown["flag"]:
                cells = [f"**{c}**" if c else c for c in cells]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #1f2328; }
table { border-collapse: collapse; margin: 0.4em 0 1.6em; font-size: 0.9em; width: 100%; }
th, td { padding: 0.3em 0.6em; border-bottom: 1px solid #d0d7de; text-align: left; }
th { background: #f6f8fa; white-space: nowrap; }
td.text { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.at-chance td { background: #ffebe9; }
td.flag { color: #b42318; font-weight: bold; white-space: nowrap; }
h2 { margin-bottom: 0.2em; } h3 { margin: 0.8em 0 0.2em; }
p.legend { max-width: 60em; color: #57606a; }
"""
NUMERIC = {"classes", "chance", "n (groups)", *MEASURES.values()}


def _cell_class(column: str) -> str:
    if column in NUMERIC:
        return "num"
    return {"flag": "flag", TRAIN_TEST: "train"}.get(column, "text")


def _html_table(part: pd.DataFrame) -> list[str]:
    rows = shown_rows(part)
    out = ["<table>", "<tr>" + "".join(f"<th>{html_text(k)}</th>" for k in rows[0]) + "</tr>"]
    for shown in rows:
        css = ' class="at-chance"' if shown["flag"] else ""
        cells = "".join(
            f'<td class="{_cell_class(k)}">{html_text(v)}</td>' for k, v in shown.items()
        )
        out.append(f"<tr{css}>{cells}</tr>")
    return [*out, "</table>"]


def headline_html(table: pd.DataFrame) -> str:
    """The report's front-page headline: the count, the runs at chance, each group's best."""
    if table.empty:
        return "<p><b>Leaderboard</b>: no experiment with a model.</p>\n"
    out = [f"<p><b>Leaderboard</b>: {html_text(summary(table))}.</p>"]
    flagged = table[table["at_chance"]]
    if len(flagged):
        names = ", ".join(f"{r.experiment} ({r.run}) on {r.test_set}" for r in flagged.itertuples())
        out.append(f"<p>{FLAG_MARK} <b>At chance</b>: {html_text(names)}.</p>")
    out.append("<p>Best per label scheme and test set:</p><ul>")
    for scheme, test_set, part in groups(table):
        best = part.iloc[0]
        mark = f" {FLAG_MARK} at chance" if best["at_chance"] else ""
        out.append(f"<li>{html_text(scheme)} · {html_text(test_set)}: "
                   f"<b>{html_text(best['experiment'])}</b> ({html_text(best['run'])}) UAR "
                   f"{with_interval(best, 'uar')}, chance {percent(best['chance_uar'])}"
                   f"{mark}</li>")  # fmt: skip
    return "\n".join([*out, "</ul>"]) + "\n"


def leaderboard_html(table: pd.DataFrame) -> str:
    """A page: the headline, the legend, then a table per scheme and test set."""
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>Leaderboard</title><style>{STYLE}</style></head><body>",
           "<h1>Leaderboard</h1>", headline_html(table)]  # fmt: skip
    if not table.empty:
        out.append(f'<p class="legend">{html_text(legend(table)).replace("`", "")}</p>')
    scheme_shown = None
    for scheme, test_set, part in groups(table):
        if scheme != scheme_shown:
            out.append(f"<h2>Label scheme {html_text(scheme)}</h2>")
            scheme_shown = scheme
        out.append(f"<h3>Test set: {html_text(test_set)}</h3>")
        out += _html_table(part)
    return "\n".join([*out, "</body></html>"]) + "\n"


def write_text(text: str, path: str | Path) -> None:
    with atomic_path(Path(path)) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_leaderboard(runs: Sequence[str | Path], intervals: Sequence[str | Path],
                      metrics: Sequence[str | Path], experiments: Mapping[str, Mapping],
                      outputs: Mapping[str, str | Path],
                      stress: Sequence[str | Path] = ()) -> pd.DataFrame:  # fmt: skip
    """Rule make_leaderboard: the evaluation files of every experiment (and the stress metrics
    of those with stress tests) -> ``outputs`` ``csv``, ``md``, ``html`` and ``headline`` (the
    report's front page includes the last)."""
    table = leaderboard_table(*read_evaluation(runs, intervals, metrics), experiments,
                              read_stress(stress))  # fmt: skip
    with atomic_path(Path(outputs["csv"])) as tmp:
        write_csv(table, tmp, index=False, float_format="%.6g")
    write_text(leaderboard_markdown(table), outputs["md"])
    write_text(leaderboard_html(table), outputs["html"])
    write_text(headline_html(table), outputs["headline"])
    log.info("leaderboard: %s", summary(table) if len(table) else "no experiment with a model")
    for row in table[table["at_chance"]].to_dict("records"):
        log.info("at chance: %s (%s) on %s, UAR %s, chance %s", row["experiment"],
                 row["run"], row["test_set"], with_interval(row, "uar"),
                 percent(row["chance_uar"]))  # fmt: skip
    return table
