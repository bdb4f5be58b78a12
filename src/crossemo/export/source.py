"""What an export reads: an experiment's split table (every fold's train/dev/test rows, labels
already in the experiment's scheme), its labelled tables (gender, duration, audio shard of each
utterance) and the 16 kHz audio shards, all under one results directory.

The audio of every format that points at files is written once per experiment as 16-bit WAV
(``wav/<utt_id>.wav`` under the experiment's export folder, :meth:`ExperimentData.wavs`): the
shards hold PCM16, so the WAVs hold the very samples the experiment's models read.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from crossemo.audio.shards import encode_pcm16, iter_audio
from crossemo.core import names
from crossemo.core.configuration import ConfigError, nearest, read_yaml
from crossemo.plan import paths
from crossemo.splits.experiment import SPLITS

#: the default folder of label schemes (config key ``label_schemes_dir``)
SCHEME_DIR = "config/label_schemes"
#: the export table's columns, one row per (utterance, fold)
COLUMNS = ["utt_id", "corpus", "speaker", "gender", "label", "fold", "split", "duration", "shard"]
#: what the export reads of a labelled table
LABELLED_COLUMNS = ["utt_id", "gender", "duration", "audio_shard"]
#: the folder of the shared WAV files under an experiment's export folder
WAV_DIR = "wav"


class Wav(NamedTuple):
    """One utterance's WAV file written by the export."""

    path: Path
    frames: int
    sample_rate: int


def under_results(results_dir: str | Path, template: str, **values: object) -> Path:
    """A :mod:`crossemo.plan.paths` template filled and moved under ``results_dir`` (the
    templates start with ``results/``)."""
    return Path(results_dir) / Path(paths.fill(template, **values)).relative_to("results")


def split_file(results_dir: str | Path, experiment: str) -> Path:
    """The split table of ``experiment`` under ``results_dir``."""
    return under_results(results_dir, paths.SPLIT, experiment=experiment)


def wav_name(utt_id: str) -> str:
    """``emodb/03a01Fa`` -> ``emodb/03a01Fa.wav``: an utterance's WAV below :data:`WAV_DIR`."""
    parts = PurePosixPath(utt_id).parts
    if not parts or PurePosixPath(utt_id).is_absolute() or ".." in parts:
        raise ValueError(f"utt_id {utt_id!r} cannot name a file below the export folder")
    return f"{utt_id}.wav"


@dataclass
class ExperimentData:
    """One experiment's export input: :data:`COLUMNS` rows, the scheme's classes, the shards."""

    experiment: str
    classes: list[str]
    table: pd.DataFrame
    _wavs: dict[Path, dict[str, Wav]] = field(default_factory=dict, repr=False)

    def folds(self) -> list[int]:
        return sorted(int(k) for k in self.table["fold"].unique())

    def fold(self, k: int) -> dict[str, pd.DataFrame]:
        """Fold ``k``'s rows by split (train, dev, test; a split without rows is left out)."""
        rows = self.table[self.table["fold"] == k]
        parts = {s: rows[rows["split"] == s].reset_index(drop=True) for s in SPLITS}
        return {s: part for s, part in parts.items() if len(part)}

    def utterances(self) -> pd.DataFrame:
        """Each utterance once (the first of its rows), in table order."""
        return self.table.drop_duplicates("utt_id").reset_index(drop=True)

    def audio(self, utt_ids: set[str] | None = None) -> Iterator[tuple[str, np.ndarray, int]]:
        """``(utt_id, float32 samples, sample_rate)`` of the (selected) utterances' shards."""
        shards = sorted(self.table["shard"].unique())
        wanted = set(self.table["utt_id"]) if utt_ids is None else utt_ids
        return iter_audio(shards, wanted)

    def wavs(self, out_dir: str | Path) -> dict[str, Wav]:
        """utt_id -> its WAV under ``out_dir/wav``, written once per export folder (16-bit PCM:
        the shards' samples bit for bit)."""
        out_dir = Path(out_dir).resolve()
        if out_dir not in self._wavs:
            written = dict(self._write_wavs(out_dir / WAV_DIR))
            self.require_audio(written)
            self._wavs[out_dir] = written
        return self._wavs[out_dir]

    def _write_wavs(self, folder: Path) -> Iterator[tuple[str, Wav]]:
        import soundfile as sf

        for utt_id, samples, rate in self.audio():
            path = folder / wav_name(utt_id)
            path.parent.mkdir(parents=True, exist_ok=True)
            sf.write(path, encode_pcm16(samples)[0], rate, subtype="PCM_16")
            yield utt_id, Wav(path, len(samples), int(rate))

    def require_audio(self, found: Mapping[str, Any]) -> None:
        """Raise naming the shards when some utterance of the table has no samples there."""
        missing = sorted(set(self.table["utt_id"]) - set(found))
        if missing:
            shards = ", ".join(sorted(self.table["shard"].unique()))
            raise FileNotFoundError(
                f"{self.experiment}: {len(missing)} utterances (e.g. {missing[0]}) are in no "
                f"audio shard of {shards}; rerun the workflow's preprocess stage"
            )


def wav_bytes(samples: np.ndarray, rate: int) -> bytes:
    """A 16-bit PCM WAV file of float ``samples`` in memory (the shards' samples exactly)."""
    import soundfile as sf

    buffer = io.BytesIO()
    sf.write(buffer, encode_pcm16(samples)[0], rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def read_experiments(config_file: str | Path) -> tuple[dict[str, Mapping], Path]:
    """The experiments of ``config_file`` by name and the folder of its label schemes."""
    config_file = Path(config_file)
    config = read_yaml(config_file, "config")
    if not isinstance(config, Mapping):
        raise ConfigError(f"config {config_file}: not a mapping of keys; see config/README.md")
    scheme_dir = Path(config.get("label_schemes_dir", SCHEME_DIR))
    if not scheme_dir.is_absolute() and not scheme_dir.exists():
        scheme_dir = config_file.resolve().parent.parent / scheme_dir
    return dict(config.get("experiments") or {}), scheme_dir


def choose(experiments: Mapping[str, Mapping], wanted: list[str], results_dir: Path) -> list[str]:
    """The experiments to export: ``wanted`` (each must be in the config), else every
    experiment whose split table is in ``results_dir`` (at least one)."""
    for name in wanted:
        if name not in experiments:
            raise ConfigError(f"experiments.{name}: no such experiment in the config"
                              f"{nearest(name, experiments)}")  # fmt: skip
    if wanted:
        return list(dict.fromkeys(wanted))
    found = [e for e in experiments if split_file(results_dir, e).is_file()]
    if not found:
        raise FileNotFoundError(
            f"{results_dir}/splits: no split table of any configured experiment; run the "
            "workflow first (snakemake --cores N) or pass --results"
        )
    return found


def load(experiment: str, entry: Mapping, scheme_dir: Path, results_dir: Path) -> ExperimentData:
    """The export input of ``experiment`` (its config ``entry``) from ``results_dir``."""
    from crossemo.labels import load_scheme
    from crossemo.splits.io import Split

    path = split_file(results_dir, experiment)
    if not path.is_file():
        target = paths.fill(paths.SPLIT, experiment=experiment)
        raise FileNotFoundError(f"{path}: no split table of {experiment}; make it first "
                                f"(snakemake --cores N {target})")  # fmt: skip
    split = Split.validate(pd.read_parquet(path))
    scheme = load_scheme(scheme_dir / f"{entry['scheme']}.yaml")
    labelled = _labelled(results_dir, entry["scheme"], sorted(split["corpus"].unique()))
    table = split.merge(labelled, on="utt_id", how="left", validate="many_to_one")
    if table["shard"].isna().any():
        lost = table.loc[table["shard"].isna(), "utt_id"].iloc[0]
        raise ValueError(f"{path}: {lost} is in no labelled table of scheme {entry['scheme']}; "
                         "rerun the workflow's labels and splits stages")  # fmt: skip
    return ExperimentData(experiment, list(scheme.classes), table[COLUMNS])


def _labelled(results_dir: Path, scheme: str, corpora: list[str]) -> pd.DataFrame:
    """utt_id, gender, duration and shard (moved under ``results_dir``) of the corpora."""
    frames = []
    for corpus in corpora:
        path = under_results(results_dir, paths.LABELS, scheme=scheme, corpus=corpus)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no labelled table; run the workflow's labels stage")
        frames.append(
            pd.read_parquet(path, columns=["utt_id", "gender", "duration", "audio_shard"])
        )
    table = pd.concat(frames, ignore_index=True)
    table["shard"] = [str(results_dir / _in_results(s)) for s in table.pop("audio_shard")]
    return table


def _in_results(shard: str) -> str:
    """A labelled table's shard path (``results/audio/...``) relative to ``results``."""
    parts = PurePosixPath(shard).parts
    return str(PurePosixPath(*parts[parts.index("results") + 1 :])) if "results" in parts else shard


def fold_label(k: int) -> str:
    """The folder name of fold ``k`` (the workflow's ``{fold}`` wildcard: ``fold0``)."""
    return names.fold_name(k)
