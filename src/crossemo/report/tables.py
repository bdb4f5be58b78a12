"""Per-paper tables: the paper's reported values beside ours (Markdown, CSV and LaTeX).

Reference tables are the papers' numbers as CSV (``crossemo/data/reference/{table}.csv``, copied
from the shared reference set). An experiment points at cells of one table with its ``paper:``
config entry::

    paper:
      table: iberspeech2022_table3_uar_svm     # reference CSV stem
      where: {features: eGeMAPS}               # reference rows this experiment reproduces
      scope_column: eval_dataset               # optional: the column naming the test corpus ...
      scope_names: {emodb: EmoDB}              # ... and our corpus -> its value there
      variant_column: classifier               # optional: the column naming the model ...
      variant_names: {knn: KNeighborsClassifier}  # ... (defaults: the multimodal paper's names)
      metrics: {uar_extended_train: uar}       # reference column -> our metric
      scale: 100                               # optional (default: 100 when the paper uses %)

Without ``scope_column`` the experiment's overall metrics fill the cells. A metric written
``weighted_f1@savee`` takes that one test corpus's value (tables with a column per corpus).
Every reference cell of the mapped columns is listed; ours stay empty where no experiment
reproduces the cell.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from crossemo.models.classic import PAPER_NAMES

OUR_METRICS = ("uar", "wa", "ua", "macro_f1", "weighted_f1")


def reference_dir() -> Path:
    return Path(str(resources.files("crossemo") / "data" / "reference"))


def load_reference(table: str | Path) -> pd.DataFrame:
    """A reference table by stem (packaged data) or by path."""
    path = Path(table)
    if path.suffix != ".csv":
        path = reference_dir() / f"{table}.csv"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in reference_dir().glob("*.csv")))
        raise FileNotFoundError(f"no reference table {table!r}; known: {known}")
    return pd.read_csv(path)


def _scale(paper: dict, ref: pd.DataFrame, columns: list[str]) -> float:
    if "scale" in paper:
        return float(paper["scale"])
    values = ref[columns].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    return 100.0 if np.nanmax(values) > 1.5 else 1.0


def paper_table(reference: pd.DataFrame, experiments: dict[str, dict],
                metrics: dict[str, pd.DataFrame]) -> pd.DataFrame:  # fmt: skip
    """Long table: reference keys, measure, paper value, ours (mean, std, runs), experiment.

    ``experiments``: name -> its ``paper:`` entry; ``metrics``: name -> its aggregated metrics
    (:func:`crossemo.evaluate.aggregate`). Two experiments claiming one cell is an error.
    """
    measures = list(dict.fromkeys(m for p in experiments.values() for m in p["metrics"]))
    # the paper's other numeric columns are listed too (paper value only, ours empty)
    measures += [c for c in reference.columns if c not in measures
                 and pd.api.types.is_float_dtype(reference[c])]  # fmt: skip
    missing = [m for m in measures if m not in reference.columns]
    if missing:
        raise KeyError(f"reference table has no columns {missing}")
    keys = [c for c in reference.columns if c not in measures]
    long = reference.melt(id_vars=keys, value_vars=measures, var_name="measure",
                          value_name="paper")  # fmt: skip
    long["paper"] = pd.to_numeric(long["paper"], errors="coerce")
    for col in ("ours", "ours_std", "n_runs"):
        long[col] = np.nan
    long["experiment"] = pd.Series([None] * len(long), dtype=object)
    long["variant"] = pd.Series([None] * len(long), dtype=object)
    for name, paper in experiments.items():
        bad = [v for v in paper["metrics"].values() if v.partition("@")[0] not in OUR_METRICS]
        if bad:
            raise ValueError(f"experiment {name}: unknown metrics {bad}; use {OUR_METRICS}")
        scale = _scale(paper, reference, list(paper["metrics"]))
        agg = metrics[name].copy()
        agg["variant"] = agg["variant"].fillna("").astype(str)
        scope_col, variant_col = paper.get("scope_column"), paper.get("variant_column")
        for _, row in agg.iterrows():
            where = dict(paper.get("where", {}))
            if scope_col is not None and row["scope"] != "overall":
                where[scope_col] = paper.get("scope_names", {}).get(row["scope"], row["scope"])
            if variant_col is not None:
                names = PAPER_NAMES | paper.get("variant_names", {})
                where[variant_col] = names.get(row["variant"], row["variant"])
            match = pd.Series(True, index=long.index)
            for col, value in where.items():
                match &= long[col].astype(str) == str(value)
            for ref_col, spec in paper["metrics"].items():
                ours, _, at = spec.partition("@")
                if at:
                    if row["scope"] != at:
                        continue
                elif (scope_col is None) != (row["scope"] == "overall"):
                    continue
                cell = match & (long["measure"] == ref_col)
                if not cell.any():
                    continue  # e.g. a test corpus the paper does not report
                taken = long.loc[cell, "experiment"].dropna()
                if len(taken) and (taken != name).any():
                    raise ValueError(f"cells {where} {ref_col} claimed by {set(taken)} and {name}")
                long.loc[cell, "ours"] = row[f"{ours}_mean"] * scale
                long.loc[cell, "ours_std"] = row[f"{ours}_std"] * scale
                long.loc[cell, "n_runs"] = row["n_runs"]
                long.loc[cell, "experiment"] = name
                long.loc[cell, "variant"] = row["variant"] or None
    long["diff"] = long["ours"] - long["paper"]
    return long


def _fmt(value, std=None, digits=2) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    text = f"{value:.{digits}f}"
    if std is not None and not (isinstance(std, float) and np.isnan(std)):
        text += f" ± {std:.{digits}f}"
    return text


def display_table(long: pd.DataFrame) -> pd.DataFrame:
    """Human-readable columns: keys, measure, paper, ours (mean ± std), diff, experiment."""
    keys = [
        c
        for c in long.columns
        if c
        not in ("measure", "paper", "ours", "ours_std", "n_runs", "experiment", "variant", "diff")
    ]
    out = long[keys + ["measure"]].astype(str).copy()
    out["paper"] = [_fmt(v) for v in long["paper"]]
    out["ours"] = [_fmt(v, s) for v, s in zip(long["ours"], long["ours_std"], strict=True)]
    out["diff"] = [_fmt(v) for v in long["diff"]]
    out["runs"] = [("–" if np.isnan(v) else str(int(v))) for v in long["n_runs"]]
    out["experiment"] = long["experiment"].fillna("–").astype(str)
    return out  # fmt: skip


def to_markdown(table: pd.DataFrame, title: str = "") -> str:
    cells = table.astype(str).map(lambda s: s.replace("|", "\\|"))
    lines = [f"### {title}", ""] if title else []
    lines.append("| " + " | ".join(table.columns) + " |")
    lines.append("|" + "|".join(" --- " for _ in table.columns) + "|")
    lines += ["| " + " | ".join(row) + " |" for row in cells.to_numpy().tolist()]
    return "\n".join(lines) + "\n"


def _tex_escape(text: str) -> str:
    for a, b in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("_", r"\_"),
                 ("#", r"\#"), ("±", r"$\pm$"), ("–", "--")):  # fmt: skip
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


def write_paper_table(table: str, reference_path, experiments: dict[str, dict],
                      metric_paths: dict[str, str], md, csv, tex) -> pd.DataFrame:  # fmt: skip
    """Rule make_paper_table: the long CSV, and Markdown/LaTeX renderings of it."""
    reference = load_reference(reference_path)
    metrics = {name: pd.read_csv(path) for name, path in metric_paths.items()}
    long = paper_table(reference, experiments, metrics)
    for path in (md, csv, tex):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    long.to_csv(csv, index=False, float_format="%.4f")
    shown = display_table(long)
    title = f"{table}: paper vs. ours"
    Path(md).write_text(to_markdown(shown, title))
    Path(tex).write_text(to_latex(shown, caption=title, label=f"tab:{table}"))
    return long
