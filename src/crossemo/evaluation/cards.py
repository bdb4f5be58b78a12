"""Model cards: a ``README.md`` with Hugging Face front matter in every run's model folder.

Rule write_model_cards runs once per experiment, after evaluate_experiment (the scores exist
only then): it writes each run's card into ``results/models/{experiment}/{run}/README.md`` and
the experiment's index, ``results/models/{experiment}/README.md``, its declared output. The run
cards are not declared outputs: a neural run's folder is a ``directory()`` output of
train_neural, and Snakemake refuses a file of another rule inside it (its mtime is carried by
the folder's ``.snakemake_timestamp``, which the card leaves alone). A retrained run's folder
is recreated without a card; its new predictions rerun evaluation and this rule, which writes
it again.

Front matter: ``library_name``, ``tags``, ``datasets`` (the training corpora), ``base_model``
(an encoder named by a Hub id), ``model-index`` with UAR/WA/macro-F1 and their intervals per
test corpus; the ``license`` is left to whoever shares the model, with the training corpora's
licences (:mod:`crossemo.corpora.licences`) listed. Prose: intended and out-of-scope use, the
training data, the split audit's leak counts, calibration, subgroup gaps, the deviations that
apply, and how to call the model.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from crossemo.core.atomic import atomic_path
from crossemo.core.names import run_seed
from crossemo.evaluation.card_facts import (
    AUDIT_LEAK_COLUMNS,
    MEASURES,
    CorpusInfo,
    RunFacts,
)
from crossemo.evaluation.card_usage import usage_section

log = logging.getLogger(__name__)

CARD_FILE = "README.md"
LICENCE_COMMENT = (
    "# license: left to you. Choose the licence under which you share this model; it must\n"
    "# respect the training corpora's terms (listed under 'Training data').\n"
)


@dataclass
class ExperimentFacts:
    """What every run card of an experiment shares."""

    name: str
    scheme: str
    protocol: str
    corpora: list[CorpusInfo]
    encoder: Any = None  #: ``model.encoder`` as configured (None for classic families)
    features: Any = None  #: ``features`` of a classic experiment
    leaks: dict[str, int] | None = None  #: the split audit's counts (None: no audit)
    deviations: Sequence[Mapping[str, Any]] = ()

    @property
    def train(self) -> list[str]:
        return [c.name for c in self.corpora if "train" in c.roles]


#: where a card of a repeat over seeds points for the mean over the seeds
SEEDS_POINTER = (
    "The mean, standard deviation and per-seed values are in results/tables/seeds_{experiment}.csv."
)


def hub_id(encoder: Any) -> str | None:
    """``encoder`` when it names a Hub model (``org/name``, not a local path), else None."""
    name = encoder.get("name") if isinstance(encoder, Mapping) else encoder
    if not isinstance(name, str) or name.count("/") != 1 or name.startswith((".", "/")):
        return None
    return None if name.split("/")[0] in ("results", "resources") else name


def library_name(family: str, hf_audio: bool) -> str:
    from crossemo.models import families

    if hf_audio:
        return "transformers"
    return "sklearn" if families.get(family).kind == families.CLASSIC else "pytorch"


def model_index(exp: ExperimentFacts, run: RunFacts) -> list[dict[str, Any]]:
    """``model-index``: one result per test corpus (and overall), each measure with its
    interval in ``args``."""
    level = run.interval.get("level")
    results = []
    for res in run.results:
        metrics = []
        for key, label in MEASURES.items():
            score = res.scores.get(key)
            if score is None:
                continue
            args = {"ci_low": _round(score.low), "ci_high": _round(score.high), "level": level,
                    "interval_unit": run.interval.get("unit"), "n": res.n}  # fmt: skip
            metrics.append({"type": key, "name": label, "value": _round(score.value),
                            "args": {k: v for k, v in args.items() if v is not None}})  # fmt: skip
        dataset = {"name": res.corpus, "type": res.corpus, "split": "test"}
        if res.corpus == "overall":
            dataset = {"name": "all test corpora", "type": "overall", "split": "test"}
        results.append({"task": {"type": "audio-classification",
                                 "name": "Speech emotion recognition"},
                        "dataset": dataset, "metrics": metrics})  # fmt: skip
    return [{"name": f"{exp.name}/{run.run}", "results": results}]


def front_matter(exp: ExperimentFacts, run: RunFacts) -> str:
    """The YAML block between ``---`` lines, the licence left as a comment."""
    tags = ["speech-emotion-recognition", "audio-classification", "crossemo", run.family,
            exp.scheme, exp.protocol.replace("_", "-")]  # fmt: skip
    meta: dict[str, Any] = {"library_name": library_name(run.family, run.hf_audio),
                            "tags": list(dict.fromkeys(t for t in tags if t)),
                            "datasets": exp.train}  # fmt: skip
    if run.hf_audio:
        meta["pipeline_tag"] = "audio-classification"
    base = hub_id(exp.encoder)
    if base:
        meta["base_model"] = base
    meta["model-index"] = model_index(exp, run)
    body = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
    return f"---\n{LICENCE_COMMENT}{body}---\n"


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), 4)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * float(x):.1f}"


def results_section(run: RunFacts) -> list[str]:
    chance = 1 / len(run.classes) if run.classes else None
    level = run.interval.get("level", 0.95)
    lines = ["## Results", "",
             f"Scores in % with {100 * float(level):.0f}% intervals "
             f"({run.interval.get('unit', 'bootstrap')} bootstrap); chance UAR is "
             f"{_pct(chance)} ({len(run.classes)} classes). A run whose UAR interval does not "
             "clear chance is marked.", "",
             "| test corpus | n | clusters | " + " | ".join(MEASURES.values()) + " | |",
             "|---|---:|---:|" + "---|" * len(MEASURES) + "---|"]  # fmt: skip
    for res in run.results:
        cells = [f"{_pct(s.value)} [{_pct(s.low)}, {_pct(s.high)}]" if s else "-"
                 for s in (res.scores.get(m) for m in MEASURES)]  # fmt: skip
        uar = res.scores.get("uar")
        flag = "at chance" if chance and uar and (uar.low or uar.value) <= chance + 1e-9 else ""
        lines.append(f"| {res.corpus} | {res.n} | {res.n_clusters or '-'} | "
                     + " | ".join(cells) + f" | {flag} |")  # fmt: skip
    return lines


def use_sections(exp: ExperimentFacts, run: RunFacts) -> list[str]:
    train = ", ".join(exp.train) or "-"
    synthetic = any(c.synthetic for c in exp.corpora)
    lines = ["## Intended use", "",
             f"Research on speech emotion recognition: classifying short utterances into the "
             f"{exp.scheme} classes ({', '.join(run.classes)}) and measuring how a model "
             f"trained on {train} transfers to other corpora. Scores hold for the test corpora "
             "above, under this run's protocol.", "",
             "## Out-of-scope use", "",
             "- Decisions about people (hiring, credit, health, policing, education, "
             "surveillance): acted or elicited emotion in a corpus is not a person's state.",
             "- Languages, recording conditions, speakers or classes the training corpora do "
             "not cover; spontaneous speech where only acted speech trained it.",
             "- Any use the training corpora's licences exclude (e.g. commercial use of "
             "non-commercial corpora)."]  # fmt: skip
    if synthetic:
        lines.append("- Anything but testing the workflow: the demo trained it on synthetic "
                     "audio generated in the corpora's formats.")  # fmt: skip
    return lines


def data_section(exp: ExperimentFacts) -> list[str]:
    lines = ["## Training data", "",
             f"Label scheme {exp.scheme}; protocol {exp.protocol}"
             + (f"; features {exp.features}" if exp.features else "")
             + (f"; encoder {json.dumps(exp.encoder)}" if exp.encoder else "") + ".", "",
             "| corpus | role | licence | stated at |", "|---|---|---|---|"]  # fmt: skip
    for c in exp.corpora:
        licence = c.licence
        note = " (synthetic demo audio in its format)" if c.synthetic else ""
        lines.append(f"| {c.name}{note} | {', '.join(c.roles)} | {licence.licence} | "
                     f"{licence.source or '-'} |")  # fmt: skip
    return lines


def audit_section(exp: ExperimentFacts) -> list[str]:
    lines = ["## Split audit (leakage)", ""]
    if exp.leaks is None:
        return [*lines, "No split audit was found for this experiment."]
    lines.append(f"The split passed the leak checks (no group in two splits of a fold, no "
                 f"test-only corpus in training, no utterance twice; "
                 f"results/splits/{exp.name}.audit.csv). Counts over all folds:")  # fmt: skip
    lines += [f"- {what}: {exp.leaks.get(col, 0)}" for col, what in AUDIT_LEAK_COLUMNS.items()]
    return lines


def calibration_section(run: RunFacts) -> list[str]:
    lines = ["## Calibration", ""]
    if not run.calibration:
        return [*lines, "No calibration rows for this run's variant."]
    lines += [
        f"Folds of variant '{run.variant or run.run}' pooled.",
        "",
        "| test corpus | method | n | ECE | Brier | note |",
        "|---|---|---:|---:|---:|---|",
    ]
    for r in run.calibration:
        lines.append(
            f"| {r.get('scope')} | {r.get('method')} | {r.get('n')} | "
            f"{_num(r.get('ece'))} | {_num(r.get('brier'))} | {r.get('note', '')} |"
        )
    return lines


def gaps_section(run: RunFacts) -> list[str]:
    lines = ["## Subgroup gaps", ""]
    if not run.gaps:
        return [*lines, "No subgroup attribute (e.g. gender) was available on the test corpora."]
    lines += [
        "Largest UAR gap between the groups of each attribute (points, with interval):",
        "",
        "| test corpus | attribute | groups | n | UAR gap |",
        "|---|---|---|---:|---|",
    ]
    for r in run.gaps:
        gap = f"{_pct(r.get('uar'))} [{_pct(r.get('uar_ci_low'))}, {_pct(r.get('uar_ci_high'))}]"
        groups = str(r.get("value", "")).removeprefix("largest gap").strip(" ()")
        lines.append(f"| {r.get('scope')} | {r.get('attribute')} | {groups} | {r.get('n')} | "
                     f"{gap} |")  # fmt: skip
    return lines


def deviations_section(exp: ExperimentFacts) -> list[str]:
    lines = ["## Deviations", ""]
    if not exp.deviations:
        return [*lines, "The configuration declares no deviation that concerns this experiment."]
    for d in exp.deviations:
        lines.append(f'- **{d.get("topic")}**: {d.get("ours")} (paper: "{d.get("paper")}")')
    return lines


def _num(x: Any) -> str:
    try:
        return f"{float(x):.3f}"
    except (TypeError, ValueError):
        return "-"


def render_card(exp: ExperimentFacts, run: RunFacts, folder: str) -> str:
    """The whole ``README.md`` of one run."""
    title = [
        f"# {exp.name} / {run.run}",
        "",
        f"A {run.family} model for speech emotion recognition ({exp.scheme}: "
        f"{', '.join(run.classes)}), trained by crossemo on {', '.join(exp.train) or '-'}.",
    ]
    if (seed := run_seed(run.run)) is not None:
        title += ["", f"One repeat of the experiment's runs over seeds: trained with seed {seed}. "
                  f"{SEEDS_POINTER.format(experiment=exp.name)}"]  # fmt: skip
    parts = [title, results_section(run), use_sections(exp, run), data_section(exp),
             audit_section(exp), calibration_section(run), gaps_section(run),
             deviations_section(exp), usage_section(run, folder)]  # fmt: skip
    return front_matter(exp, run) + "\n" + "\n\n".join("\n".join(p) for p in parts) + "\n"


def render_index(exp: ExperimentFacts, runs: Sequence[RunFacts]) -> str:
    """The experiment's ``README.md``: each run's folder and overall scores."""
    lines = [f"# {exp.name}", "", f"Model folders of experiment {exp.name} ({exp.scheme}, "
             f"{exp.protocol}); each holds its own card ({CARD_FILE}).", "",
             "| run | family | UAR | WA | macro-F1 |", "|---|---|---|---|---|"]  # fmt: skip
    seeds = sorted({s for r in runs if (s := run_seed(r.run)) is not None})
    if seeds:
        lines[3:3] = [f"Repeated over {len(seeds)} seeds ({', '.join(map(str, seeds))}): one "
                      f"folder per run and seed. {SEEDS_POINTER.format(experiment=exp.name)}",
                      ""]  # fmt: skip
    for run in runs:
        overall = next((r for r in run.results if r.corpus == "overall"), None)
        cells = [_pct(overall.scores[m].value) if overall and m in overall.scores else "-"
                 for m in MEASURES]  # fmt: skip
        lines.append(f"| [{run.run}]({run.run}/{CARD_FILE}) | {run.family} | "
                     + " | ".join(cells) + " |")  # fmt: skip
    return "\n".join(lines) + "\n"


def write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")


def write_cards(exp: ExperimentFacts, runs: Sequence[RunFacts], folders: Mapping[str, str],
                index: str | Path) -> None:  # fmt: skip
    """Each run's card into its folder, then the experiment's ``index``."""
    for run in runs:
        folder = Path(folders[run.run])
        folder.mkdir(parents=True, exist_ok=True)
        write_text(folder / CARD_FILE, render_card(exp, run, str(folder)))
    write_text(index, render_index(exp, runs))
    log.info("write_model_cards %s: %d model cards (%s), index %s", exp.name, len(runs),
             ", ".join(r.run for r in runs), index)  # fmt: skip


MODEL_PREFIX = "model_"


def model_folders(inputs: Mapping[str, Any]) -> dict[str, str]:
    """Run -> its model folder, from the ``model_<run>`` inputs (a folder or a file in it)."""
    folders = {}
    for key, value in inputs.items():
        if key.startswith(MODEL_PREFIX):
            path = Path(str(value))
            folders[key.removeprefix(MODEL_PREFIX)] = str(path if path.is_dir() else path.parent)
    return folders


def cards_stage(inputs: Mapping[str, Any], index: str | Path, experiment: str,
                card: Mapping[str, Any]) -> None:  # fmt: skip
    """Rule write_model_cards: every run's card of ``experiment`` and its ``index``; ``card``:
    :meth:`crossemo.plan.Plan.card_params`."""
    from crossemo.core.names import run_family
    from crossemo.evaluation.card_facts import audit_leaks, corpus_infos, read_runs, run_facts

    exp = ExperimentFacts(
        experiment, str(card.get("scheme")), str(card.get("protocol")),
        corpus_infos(card.get("corpora") or {}, card.get("train") or [], card.get("test") or []),
        card.get("encoder"), card.get("features"), audit_leaks(inputs.get("audit")),
        list(card.get("deviations") or []),
    )  # fmt: skip
    entries, folders = read_runs(inputs["runs"]), model_folders(inputs)
    tables = {k: inputs.get(k) for k in ("calibration", "subgroups")}
    families = list(card.get("families") or [])
    runs = [run_facts(experiment, run, run_family(run, families), entries[run], tables, folder)
            for run, folder in folders.items() if run in entries]  # fmt: skip
    write_cards(exp, runs, folders, index)
