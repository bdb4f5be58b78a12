"""Per-paper tables: every cell the paper reports beside ours (Markdown, CSV and LaTeX).

Reference tables are the papers' numbers as CSV (``crossemo/data/reference/{table}.csv``). An
experiment's ``paper:`` config entry is one **binding** or a list of them (``rules/common.smk``
``paper_bindings`` makes it a list); a binding points at cells of one table::

    paper:
      - table: iberspeech2022_table3_uar_svm   # reference CSV stem
        source: metrics                        # where ours come from (crossemo.report.ours)
        where: {features: eGeMAPS}             # reference rows this experiment reproduces
        scope_column: eval_dataset             # the column naming the (test) corpus ...
        scope_names: {emodb: EmoDB}            # ... and our corpus -> its value there
        metrics: {uar_extended_train: uar}     # reference column -> our measure
        scale: 100                             # optional (default: 100 when the paper uses %)

Row keys, each optional, map a reference column onto what ours are split by (``*_names``:
ours -> the paper's spelling, default identical): ``scope_column``/``scope_names`` (corpus;
without it the overall/pooled value), ``variant_column``/``variant_names`` (the model of a
multi-model experiment; classic families default to the multimodal paper's names) or
``variant`` (one variant, default ``final`` for LR-CV experiments), ``class_column``/
``class_names`` with ``summary_rows`` (``{weighted_avg: weighted}``: a row averaging the
classes: ``weighted``, ``macro`` or, for counts, ``total``), ``split_column``/``split_names``
(``split``/``view`` sources; ours are ``train dev test``) and ``lr_column`` (``lr_cv``, matched
by value). A measure ``name[class]@corpus`` pins a class or a corpus (tables with a column per
class or per corpus). Two bindings claiming one cell is an error; cells nobody claims keep the
paper's value only.

Per cell the long CSV holds the paper's value, ours (mean, sample std and number of runs), our
95 % interval and how it was made, ``diff`` = ours - paper in the paper's scale, and
``paper_in_ci``: ``yes``/``no``, ``n/a`` where we have no interval (counts, a single run without
bootstrap), empty where no experiment reproduces the cell.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from crossemo.core.atomic import atomic_path
from crossemo.core.safe_text import write_csv
from crossemo.models.families import paper_names
from crossemo.report.ours import (
    COUNT_SOURCES,
    SOURCES,
    SUMMARIES,
    Cell,
    Measure,
    check_measure,
    load_source,
)

#: binding keys naming a reference column that keys the rows (never a measure)
KEY_COLUMNS = ("scope_column", "variant_column", "class_column", "split_column", "lr_column")
OURS_COLUMNS = ("paper", "ours", "ours_std", "n_runs", "ci_low", "ci_high", "ci_method", "diff",
                "paper_in_ci", "experiment", "variant", "source", "ours_measure")  # fmt: skip
COUNT_MEASURES = ("n", "speakers", "groups", "emotions", "support")
#: how the rendered tables show a cell an experiment claims whose value is NaN
UNDEFINED = "NaN"
_NAME = re.compile(r"^(?:(?:weighted|macro|total) )?(\w+)")


def reference_dir() -> Path:
    return Path(str(resources.files("crossemo") / "data" / "reference"))


def load_reference(table: str | Path) -> pd.DataFrame:
    """A reference table by stem (packaged data) or by path.

    Numbers are parsed; ``attrs["text"]`` keeps every cell as the paper wrote it, so row keys
    print as in the paper (``1e-4``, not ``0.0001``).
    """
    path = Path(table)
    if path.suffix != ".csv":
        path = reference_dir() / f"{table}.csv"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in reference_dir().glob("*.csv")))
        raise FileNotFoundError(f"no reference table {table!r}; known: {known}")
    frame = pd.read_csv(path)
    frame.attrs["text"] = pd.read_csv(path, dtype=str, keep_default_na=False)
    return frame


def _scale(paper: Mapping, ref: pd.DataFrame, columns: list[str]) -> float:
    if "scale" in paper:
        return float(paper["scale"])
    if paper.get("source", "metrics") in COUNT_SOURCES:
        return 1.0
    values = ref[columns].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    return 100.0 if np.nanmax(values) > 1.5 else 1.0


def _same(a, b) -> bool:
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-9)
    except (TypeError, ValueError):
        return str(a) == str(b)


def _inverse(names: Mapping | None) -> dict[str, str]:
    return {str(paper): str(ours) for ours, paper in (names or {}).items()}


def _cell(paper: Mapping, row: pd.Series) -> Cell | None:
    """What reference ``row`` asks of the binding's source (None: not a row of ours)."""
    kw: dict = {}
    if col := paper.get("scope_column"):
        value = str(row[col])
        kw["scope"] = _inverse(paper.get("scope_names")).get(value, value)
    if col := paper.get("variant_column"):
        names = paper_names() if paper.get("source", "metrics") == "metrics" else {}
        value = str(row[col])
        kw["variant"] = _inverse(names | dict(paper.get("variant_names") or {})).get(value, value)
    elif paper.get("variant") is not None:
        kw["variant"] = str(paper["variant"])
    if col := paper.get("split_column"):
        value = str(row[col])
        kw["split"] = _inverse(paper.get("split_names")).get(value, value)
    if col := paper.get("class_column"):
        value = str(row[col])
        summaries = paper.get("summary_rows") or {}
        if value in summaries:
            if summaries[value] not in SUMMARIES:
                raise ValueError(f"summary row {value}: use one of {sorted(SUMMARIES)}")
            kw["summary"] = summaries[value]
        else:
            kw["cls"] = _inverse(paper.get("class_names")).get(value, value)
    if col := paper.get("lr_column"):
        try:
            kw["lr"] = float(row[col])
        except (TypeError, ValueError):
            return None
    return Cell(**kw)


def check_binding(paper: Mapping) -> None:
    """Fail on a binding whose source or measures do not fit together."""
    source = paper.get("source", "metrics")
    if source not in SOURCES:
        raise ValueError(f"table {paper.get('table')}: unknown source {source!r}; use {SOURCES}")
    for spec in paper["metrics"].values():
        check_measure(source, Measure.parse(spec))
    if source == "lr_cv" and not paper.get("lr_column"):
        raise ValueError(f"table {paper.get('table')}: an lr_cv binding needs lr_column")


def table_measures(reference: pd.DataFrame, papers: Sequence[Mapping]
                   ) -> tuple[list[str], list[str]]:  # fmt: skip
    """``(measures, keys)``: the reference columns that become the long table's ``measure``
    values (in the paper's order; numeric columns no binding maps are listed too, ours empty)
    and the columns that key its rows. The long table holds reference row ``r``'s measure ``m``
    at position ``r * len(measures) + measures.index(m)``."""
    keys_used = {c for p in papers for c in p.get("where", {})}
    keys_used |= {p[k] for p in papers for k in KEY_COLUMNS if p.get(k)}
    mapped = set(c for p in papers for c in p["metrics"])
    missing = [c for c in sorted(mapped | keys_used) if c not in reference.columns]
    if missing:
        raise KeyError(f"reference table has no columns {missing}")
    measures = [c for c in reference.columns if c in mapped or (
        c not in keys_used and pd.api.types.is_numeric_dtype(reference[c])
        and not pd.api.types.is_bool_dtype(reference[c]))]  # fmt: skip
    return measures, [c for c in reference.columns if c not in measures]


def binding_targets(reference: pd.DataFrame, paper: Mapping
                    ) -> Iterator[tuple[int, str, Cell, Measure]]:  # fmt: skip
    """Every reference cell one binding asks ours of: ``(row position, reference column, the
    cell of ours, the measure)``; a source may have no answer (a corpus, class or model the
    experiment lacks)."""
    for r, (_, row) in enumerate(reference.iterrows()):
        if not all(_same(row[c], v) for c, v in (paper.get("where") or {}).items()):
            continue
        cell = _cell(paper, row)
        if cell is None:
            continue
        for ref_col, spec in paper["metrics"].items():
            m = Measure.parse(spec)
            if m.scope is not None and paper.get("scope_column") and cell.scope != m.scope:
                continue  # name@corpus pins the corpus: other rows are not this cell
            if m.cls is not None and (cell.cls not in (None, m.cls) or cell.summary):
                continue
            at = Cell(m.scope or cell.scope, cell.variant, cell.split, cell.cls,
                      cell.summary, cell.lr)  # fmt: skip
            yield r, ref_col, at, m


def paper_table(reference: pd.DataFrame, bound: Sequence[tuple[str, Mapping, object]]
                ) -> pd.DataFrame:  # fmt: skip
    """Long table: one row per reference cell (row keys, ``measure``) with ours beside it.

    ``bound``: (experiment, binding, source) triples, a source being one of
    :mod:`crossemo.report.ours` (``get(cell, measure)`` -> Stat or None). A cell whose source
    answers NaN keeps its experiment and source (ours NaN, shown as ``NaN``); only a cell the
    source has no answer for (None) stays unclaimed.
    """
    for _, paper, _ in bound:
        check_binding(paper)
    measures, keys = table_measures(reference, [p for _, p, _ in bound])
    text = reference.attrs.get("text")
    records = []
    for r, (_, row) in enumerate(reference.iterrows()):
        for measure in measures:
            rec = {k: (row[k] if text is None else text.iloc[r][k]) for k in keys}
            rec["measure"] = measure
            rec["paper"] = pd.to_numeric(pd.Series([row[measure]]), errors="coerce").iloc[0]
            records.append(rec)
    long = pd.DataFrame(records, columns=[*keys, "measure", "paper"])
    long["paper"] = long["paper"].astype(float)
    for col in ("ours", "ours_std", "n_runs", "ci_low", "ci_high", "diff"):
        long[col] = np.nan
    for col in ("ci_method", "paper_in_ci", "experiment", "variant", "source", "ours_measure"):
        long[col] = pd.Series([None] * len(long), dtype=object)
    position = {m: i for i, m in enumerate(measures)}
    claimed: dict[int, str] = {}
    for number, (name, paper, source) in enumerate(bound):
        scale = _scale(paper, reference, list(paper["metrics"]))
        claimer = f"{name} (binding {number})"
        for r, ref_col, at, m in binding_targets(reference, paper):
            stat = source.get(at, m)
            if stat is None:
                continue  # not a cell of ours; a NaN answer is claimed (and shown) as NaN
            i = r * len(measures) + position[ref_col]
            if i in claimed and claimed[i] != claimer:
                row = reference.iloc[r]
                where = {k: row[k] for k in keys} | {"measure": ref_col}
                raise ValueError(f"cell {where} claimed by {claimed[i]} and {claimer}")
            claimed[i] = claimer
            stat = stat.scaled(scale)
            long.loc[i, ["ours", "ours_std", "n_runs", "ci_low", "ci_high"]] = [
                stat.value,
                stat.std,
                stat.n_runs,
                stat.lo,
                stat.hi,
            ]
            long.loc[i, "ci_method"] = stat.method
            long.loc[i, "experiment"] = name
            variant = at.variant
            if variant is None and hasattr(source, "runs"):
                variant = source.default_variant()
            long.loc[i, "variant"] = variant or None
            long.loc[i, "source"] = paper.get("source", "metrics")
            long.loc[i, "ours_measure"] = _describe(m, at)
    long["diff"] = long["ours"] - long["paper"]
    long["paper_in_ci"] = [_in_ci(*v) for v in
                           zip(long["paper"], long["ours"], long["ci_low"], long["ci_high"],
                               strict=True)]  # fmt: skip
    return long


def _describe(m: Measure, cell: Cell) -> str:
    text = m.name
    if cell.summary:
        text = f"{cell.summary} {text}"
    elif m.cls or cell.cls:
        text += f"[{m.cls or cell.cls}]"
    if cell.split:
        text += f" {cell.split}"
    if cell.lr is not None:
        text += f" lr={cell.lr:g}"
    return text + ("" if cell.scope == "overall" else f"@{cell.scope}")


def _in_ci(paper, ours, lo, hi) -> str:
    if np.isnan(ours):
        return ""
    if np.isnan(paper) or np.isnan(lo) or np.isnan(hi):
        return "n/a"
    return "yes" if lo <= paper <= hi else "no"


def _fmt(value, digits: int, sign: bool = False) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"


def _digits(long: pd.DataFrame) -> list[int]:
    """Decimals per row: counts whole, durations 2, metrics 2 in percent and 3 in fractions."""
    paper = long["paper"].to_numpy(dtype=float)
    fraction = bool(np.nanmax(np.abs(paper), initial=0) <= 1.5)
    whole = {m: bool(len(v.dropna())) and bool((v.dropna() % 1 == 0).all()) and v.max() > 1.5
             for m, v in long.groupby("measure", sort=False)["paper"]}  # fmt: skip
    out = []
    for measure, spec, source in zip(long["measure"], long["ours_measure"], long["source"],
                                     strict=True):  # fmt: skip
        found = _NAME.match(str(spec)) if spec else None
        name = found[1] if found else ""
        if name in COUNT_MEASURES or (source in COUNT_SOURCES and name != "avg_duration"):
            out.append(0)
        elif name == "avg_duration":
            out.append(2)
        elif source is None and whole[measure]:
            out.append(0)
        else:
            out.append(3 if fraction else 2)
    return out


def display_table(long: pd.DataFrame) -> pd.DataFrame:
    """Human-readable columns: row keys, measure, paper, ours (mean ± std), diff, 95 % CI,
    whether the paper's value is inside it, runs, experiment."""
    keys = [c for c in long.columns if c not in ("measure", *OURS_COLUMNS)]
    out = long[keys + ["measure"]].astype(str).copy()
    digits = _digits(long)
    out["paper"] = [_fmt(v, d) for v, d in zip(long["paper"], digits, strict=True)]
    ours = []
    claimed = long["experiment"].notna()
    for v, s, d, bound in zip(long["ours"], long["ours_std"], digits, claimed, strict=True):
        text = UNDEFINED if bound and np.isnan(v) else _fmt(v, d)
        if not np.isnan(v) and not np.isnan(s):
            text += f" ± {s:.{d}f}"
        ours.append(text)
    out["ours"] = ours
    out["diff"] = [_fmt(v, d, sign=True) for v, d in zip(long["diff"], digits, strict=True)]
    out["95% CI"] = [
        "–" if np.isnan(v) else ("n/a" if np.isnan(lo) else f"[{lo:.{d}f}, {hi:.{d}f}]")
        for v, lo, hi, d in zip(
            long["ours"], long["ci_low"], long["ci_high"], digits, strict=True
        )  # fmt: skip
    ]
    out["paper in CI"] = [v or "–" for v in long["paper_in_ci"]]
    out["runs"] = [("–" if np.isnan(v) else str(int(v))) for v in long["n_runs"]]
    out["experiment"] = long["experiment"].fillna("–").astype(str)
    return out


LEGEND = ("diff = ours − paper, in the paper's scale. 95% CI: bootstrap percentile interval over "
          "the test utterances for one run; t interval over runs/folds (mean ± t·s/√n) for "
          "several; counts have none (n/a). – : no experiment of this configuration reproduces "
          f"the cell. {UNDEFINED}: an experiment reproduces the cell but its value is "
          "undefined (e.g. no test utterances).")  # fmt: skip


def seeds_note(bound: Sequence[tuple[str, Mapping, object]]) -> str:
    """The legend's sentence on repeats over seeds: which experiments' cells are the mean over
    their seeds (a metrics source's ``seeds``), or nothing when none is."""
    seeded = {name: seeds for name, _, source in bound
              for seeds in (getattr(source, "seeds", None) or {}).values()}  # fmt: skip
    if not seeded:
        return ""
    which = "; ".join(f"{name}: {len(s)} seeds ({', '.join(map(str, s))})"
                      for name, s in sorted(seeded.items()))  # fmt: skip
    return (
        f" Repeated over seeds ({which}): ours is the mean over the seeds of each seed's "
        "value, ± its std over the seeds, its CI a t interval over the seeds."
    )


def to_markdown(table: pd.DataFrame, title: str = "", note: str = "") -> str:
    cells = table.astype(str).map(lambda s: s.replace("|", "\\|").replace("\n", " "))
    lines = [f"### {title}", ""] if title else []
    lines.append("| " + " | ".join(table.columns) + " |")
    lines.append("|" + "|".join(" --- " for _ in table.columns) + "|")
    lines += ["| " + " | ".join(row) + " |" for row in cells.to_numpy().tolist()]
    if note:
        lines += ["", note]
    return "\n".join(lines) + "\n"


def _tex_escape(text: str) -> str:
    for a, b in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("_", r"\_"),
                 ("#", r"\#"), ("±", r"$\pm$"), ("–", "--"), ("−", "-"), ("·", r"$\cdot$"),
                 ("√", r"$\sqrt{}$")):  # fmt: skip
        text = text.replace(a, b)
    return text


def to_latex(table: pd.DataFrame, caption: str = "", label: str = "") -> str:
    header = " & ".join(_tex_escape(str(c)) for c in table.columns) + r" \\"
    body = [" & ".join(_tex_escape(str(v)) for v in row) + r" \\" for row in table.to_numpy()]
    lines = [r"\begin{table}[ht]", r"\centering", r"\begin{tabular}{" + "l" * table.shape[1] + "}",
             r"\hline", header, r"\hline", *body, r"\hline", r"\end{tabular}"]  # fmt: skip
    if caption:
        lines.append(r"\caption{" + _tex_escape(caption) + "}")
    if label:
        lines.append(r"\label{" + label + "}")
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


def write_paper_table(table: str, reference_path, bindings: Sequence[Mapping], md, csv, tex,
                      n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:  # fmt: skip
    """Rule make_paper_table: the long CSV, and Markdown/LaTeX renderings of it.

    ``bindings``: ``{experiment, paper, inputs}`` per binding of the table (rules/common.smk
    ``paper_table_bindings``), ``inputs`` the files of its source.
    """
    reference = load_reference(reference_path)
    bound = [(b["experiment"], b["paper"], load_source(b["paper"], b["inputs"], n_boot, seed))
             for b in bindings]  # fmt: skip
    long = paper_table(reference, bound)
    with atomic_path(csv) as tmp:  # 6 decimals; numbers stay floats (counts read back as 40.0)
        write_csv(long.round(6), tmp, index=False)
    shown = display_table(long)
    title = f"{table}: paper vs. ours"
    legend = LEGEND + seeds_note(bound)
    with atomic_path(md) as tmp:
        tmp.write_text(to_markdown(shown, title, legend))
    with atomic_path(tex) as tmp:
        tmp.write_text(to_latex(shown, caption=f"{title}. {legend}", label=f"tab:{table}"))
    logging.getLogger(__name__).info("%s: %d rows from %d bindings (%s) -> %s", table,
                                     len(long), len(bindings),
                                     ", ".join(sorted({b["experiment"] for b in bindings})) or
                                     "none", csv)  # fmt: skip
    return long
