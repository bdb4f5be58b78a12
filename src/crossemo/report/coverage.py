"""Which cells of a paper table must hold a number of ours, derived from the config alone.

A binding (:mod:`crossemo.report.tables`) asks ours of every reference cell it targets
(:func:`~crossemo.report.tables.binding_targets`); it is **bound** to those whose row keys name
something its experiment produces (:class:`Reach`: the experiment's test corpora, its variants,
its scheme's classes, the splits, its LR grid; from :func:`binding_reach` of the plan). Each
bound cell must hold a finite number tagged with its experiment: :func:`missing_cells` lists
the ones that do not (a NaN, an unclaimed cell, another experiment's tag), so a check never
trusts the table to say which cells are bound.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from crossemo.core.names import parse_run
from crossemo.report.ours import COUNT_SOURCES, Cell
from crossemo.report.tables import binding_targets, load_reference, table_measures
from crossemo.splits import SPLITS


@dataclass(frozen=True)
class Reach:
    """What an experiment's source can answer (None: anything): corpora (``scopes``; the
    overall scope always), ``variants``, ``classes``, ``splits`` and ``lrs``."""

    scopes: frozenset[str] | None = None
    variants: frozenset[str] | None = None
    classes: frozenset[str] | None = None
    splits: frozenset[str] | None = frozenset(SPLITS)
    lrs: tuple[float, ...] | None = None

    def covers(self, cell: Cell) -> bool:
        """Whether ``cell``'s keys all name something the experiment produces."""
        checks = ((cell.scope if cell.scope != "overall" else None, self.scopes),
                  (cell.variant, self.variants), (cell.cls, self.classes),
                  (cell.split, self.splits))  # fmt: skip
        if any(value is not None and known is not None and value not in known
               for value, known in checks):  # fmt: skip
            return False
        return (
            cell.lr is None
            or self.lrs is None
            or any(math.isclose(cell.lr, lr, rel_tol=1e-9) for lr in self.lrs)
        )


def binding_reach(plan: Any, experiment: str, binding: dict) -> Reach:
    """The :class:`Reach` of one binding of ``experiment`` (``plan``: a
    :class:`crossemo.plan.Plan`): counts cover every corpus of the experiment and any class
    (a class it lacks counts 0); metrics its test corpora, runs' variants and scheme classes."""
    if binding.get("source", "metrics") in COUNT_SOURCES:
        return Reach(scopes=frozenset(plan.experiment_corpora(experiment)))
    scheme = yaml.safe_load(Path(plan.experiment_scheme_file(experiment)).read_text())
    return Reach(
        scopes=frozenset(plan.test_corpora(experiment)),
        variants=frozenset(parse_run(run)[1] for run in plan.runs(experiment)),
        classes=frozenset(scheme["classes"]),
        lrs=tuple(plan.lr_grid(experiment)) or None,
    )


def bound_cells(reference: pd.DataFrame, bound: Sequence[tuple[str, dict, Reach]]
                ) -> pd.DataFrame:  # fmt: skip
    """One row per cell some binding is bound to: ``position`` (row of the long table),
    ``measure`` and ``experiment``. ``bound``: (experiment, binding, reach) per binding of
    the table."""
    measures, _ = table_measures(reference, [paper for _, paper, _ in bound])
    rows = [{"position": r * len(measures) + measures.index(col), "measure": col,
             "experiment": experiment}
            for experiment, paper, reach in bound
            for r, col, cell, _ in binding_targets(reference, paper)
            if reach.covers(cell)]  # fmt: skip
    return pd.DataFrame(rows, columns=["position", "measure", "experiment"])


def plan_bound_cells(plan: Any, table: str) -> pd.DataFrame:
    """:func:`bound_cells` of reference ``table`` (a stem) for the bindings of ``plan``."""
    reference = load_reference(plan.reference_dir / f"{table}.csv")
    bound = [(b["experiment"], b["paper"], binding_reach(plan, b["experiment"], b["paper"]))
             for b in plan.table_bindings(table)]  # fmt: skip
    return bound_cells(reference, bound)


def missing_cells(table: pd.DataFrame, expected: pd.DataFrame) -> pd.DataFrame:
    """The ``expected`` cells (:func:`bound_cells`) that the long ``table`` (as
    :func:`~crossemo.report.tables.paper_table` writes it) does not fill: ours not a finite
    number, or tagged with another experiment (``problem`` says which). ValueError when the
    table is not the long form of the reference the cells come from."""
    out = []
    for cell in expected.itertuples(index=False):
        if cell.position >= len(table) or table["measure"].iloc[cell.position] != cell.measure:
            raise ValueError(f"the table has no {cell.measure} cell at row {cell.position}: "
                             "not the long table of this reference")  # fmt: skip
        row = table.iloc[cell.position]
        ours, tag = pd.to_numeric(row["ours"], errors="coerce"), row["experiment"]
        if pd.isna(tag):
            problem = "not claimed by any experiment"
        elif str(tag) != cell.experiment:
            problem = f"claimed by {tag}"
        elif not math.isfinite(ours):
            problem = f"ours is {row['ours']}"
        else:
            continue
        out.append(dict(cell._asdict(), problem=problem))
    return pd.DataFrame(out, columns=[*expected.columns, "problem"])
