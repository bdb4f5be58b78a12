"""Balancing of a fold's training split into a training view (dev and test are never touched).

* ``undersample`` -- every class above the target keeps a seeded random subset of ``target``
  utterances (target ``min``: the minority class; ``median``: the strEmo paper's 5198 of
  11975/5198/4149; or a number).
* ``oversample`` -- every class below the target gets augmented copies of its own utterances
  (time stretch, pitch shift, gain, background noise; at least one per copy) until it reaches
  ``target`` (default ``max``); ``cap: true`` also undersamples classes above it. Copies are
  materialised as an audio shard (``results/augmented/{experiment}/{fold}.parquet``) with ids
  ``<utt_id>#aug<k>``.
* ``cap: {train: N, dev: M}`` -- per-class ceilings per split, whatever the method: train
  classes above ``N`` are undersampled to it (and oversampling tops up to at most ``N``), dev
  classes above ``M`` are undersampled to it (dev is never augmented). The multimodal paper's
  Tables 1 and 2: 1600 training and 400 validation utterances per class.
* ``scope: train_dev`` (undersample only) -- the target is counted on, and undersampling applied
  to, the fold's train and dev rows together: the paper's "training set" is balanced before the
  dev part for early stopping is held out of it (strEmo: 5198/5198/4149 over train + dev), so
  dev keeps its share of the balanced set. The default ``train`` balances the train split only.

Test rows are never touched. Every random choice is fixed by the experiment's seed, the fold and
the utterance id, so the same config gives the same bytes.

The view (``results/views/{experiment}/{fold}.parquet``) lists every utterance of the fold
with its ``split``, a ``weight`` (1.0; kept for loss weighting) and the ``audio_shard`` that
holds its samples.
"""

from __future__ import annotations

import logging
import random
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from crossemo.core.jit_cache import serialised
from crossemo.core.names import AUG_MARKER, augmented_id, augmented_source
from crossemo.core.schemas import read_table, write_table

log = logging.getLogger(__name__)

METHODS = ("none", "undersample", "oversample")
SCOPES = ("train", "train_dev")
CAP_SPLITS = ("train", "dev")


class View(pa.DataFrameModel):
    """A fold's training view: what a model of that fold trains, selects and tests on."""

    utt_id: Series[str]
    corpus: Series[str]
    label: Series[str]
    split: Series[str] = pa.Field(isin=["train", "dev", "test"])
    weight: Series[float] = pa.Field(gt=0)
    audio_shard: Series[str]

    class Config:
        strict = True
        coerce = True
        unique = ["utt_id"]


VIEW_COLUMNS = list(View.to_schema().columns)


@dataclass(frozen=True)
class AugmentSettings:
    """Ranges of the oversampling augmentations (audiomentations)."""

    time_stretch: tuple[float, float] = (0.8, 1.25)
    pitch_shift: tuple[float, float] = (-4.0, 4.0)
    gain_db: tuple[float, float] = (-6.0, 6.0)
    noise_snr_db: tuple[float, float] = (10.0, 30.0)
    noise_dir: str | None = None


@dataclass(frozen=True)
class BalanceSettings:
    """The ``balance`` entry of an experiment."""

    method: str = "none"
    target: str | int | None = None
    #: ``True`` (oversample: also undersample classes above the target) or per-split per-class
    #: ceilings ``{"train": N, "dev": M}``
    cap: bool | dict[str, int] = False
    scope: str = "train"
    augment: AugmentSettings = field(default_factory=AugmentSettings)

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"balance method must be one of {METHODS}, got {self.method!r}")
        if self.scope not in SCOPES:
            raise ValueError(f"balance scope must be one of {SCOPES}, got {self.scope!r}")
        if self.scope == "train_dev" and self.method != "undersample":
            raise ValueError("balance scope train_dev needs method undersample")
        if isinstance(self.cap, dict):
            unknown = set(self.cap) - set(CAP_SPLITS)
            if unknown or not self.cap:
                raise ValueError(f"balance cap takes the splits {CAP_SPLITS}, got {self.cap!r}")
            for split, value in self.cap.items():
                if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                    raise ValueError(f"balance cap.{split} must be a count >= 1, got {value!r}")
        elif not isinstance(self.cap, bool):
            raise ValueError(f"balance cap must be true/false or {{train, dev}}, got {self.cap!r}")

    @classmethod
    def from_config(cls, cfg: dict | None) -> BalanceSettings:
        cfg = dict(cfg or {})
        aug = {k: tuple(v) if isinstance(v, list) else v for k, v in cfg.pop("augment", {}).items()}
        return cls(augment=AugmentSettings(**aug), **cfg)

    @property
    def resolved_target(self) -> str | int:
        if self.target is not None:
            return self.target
        return "max" if self.method == "oversample" else "min"

    def ceiling(self, split: str) -> int | None:
        """The per-class ceiling of ``split`` (``cap: {train: N, dev: M}``), if any."""
        if isinstance(self.cap, dict) and split in self.cap:
            return int(self.cap[split])
        return None


def class_target(counts: pd.Series, target: str | int) -> int:
    """Per-class count from the class counts: ``min``, ``median`` (upper), ``max`` or a number."""
    if isinstance(target, (int, np.integer)) and not isinstance(target, bool):
        return int(target)
    values = np.sort(counts.to_numpy())
    if target == "min":
        return int(values[0])
    if target == "max":
        return int(values[-1])
    if target == "median":
        return int(values[len(values) // 2])
    raise ValueError(f"balance target must be min, median, max or a number, got {target!r}")


def _seed(seed: int, *keys: object) -> np.random.Generator:
    return np.random.default_rng([seed, *(zlib.crc32(str(k).encode()) for k in keys)])


def undersample(train: pd.DataFrame, target: int, seed: int) -> pd.DataFrame:
    """At most ``target`` rows per label, chosen at random (seeded); smaller classes kept whole."""
    kept = []
    for label, part in train.sort_values("utt_id").groupby("label", sort=True):
        if len(part) > target:
            pick = _seed(seed, "undersample", label).permutation(len(part))[:target]
            part = part.iloc[np.sort(pick)]
        kept.append(part)
    return pd.concat(kept).sort_values("utt_id") if kept else train.iloc[:0]


def oversample_plan(train: pd.DataFrame, target: int, seed: int) -> list[tuple[str, int]]:
    """(source utt_id, copy index k) of every augmented copy needed to reach ``target`` per label.

    Sources cycle through a seeded permutation of the class, so copies spread evenly.
    """
    plan = []
    for label, part in train.sort_values("utt_id").groupby("label", sort=True):
        missing = target - len(part)
        if missing <= 0 or part.empty:
            continue
        ids = part["utt_id"].to_numpy()[_seed(seed, "oversample", label).permutation(len(part))]
        plan.extend((ids[j % len(ids)], j // len(ids)) for j in range(missing))
    return plan


def make_augmenter(settings: AugmentSettings):
    """A callable ``(samples, sample_rate) -> samples`` applying 1 to 4 of the transforms."""
    with serialised():  # audiomentations imports librosa, whose first use compiles (numba)
        from audiomentations import (
            AddBackgroundNoise,
            AddGaussianSNR,
            Gain,
            PitchShift,
            SomeOf,
            TimeStretch,
        )

        stretch = TimeStretch(*settings.time_stretch, leave_length_unchanged=False, p=1.0)
        shift = PitchShift(*settings.pitch_shift, p=1.0)
        warm_up = 0.1 * np.random.default_rng(0).standard_normal(16_000).astype(np.float32)
        shift(samples=stretch(samples=warm_up, sample_rate=16_000), sample_rate=16_000)
    lo, hi = settings.noise_snr_db
    noise = (
        AddBackgroundNoise(sounds_path=settings.noise_dir, min_snr_db=lo, max_snr_db=hi, p=1.0)
        if settings.noise_dir
        else AddGaussianSNR(min_snr_db=lo, max_snr_db=hi, p=1.0)
    )
    return SomeOf(
        (1, None),
        [
            stretch,
            shift,
            Gain(*settings.gain_db, p=1.0),
            noise,
        ],
    )


def augment(samples: np.ndarray, sample_rate: int, augmenter, seed: int, utt_id: str, k: int
            ) -> np.ndarray:  # fmt: skip
    """One augmented copy, fixed by (seed, utt_id, k) whatever the order copies are made in."""
    value = zlib.crc32(f"{seed}/{utt_id}/{k}".encode())
    random.seed(value)
    np.random.seed(value)
    source = np.array(samples, dtype=np.float32, copy=True, order="C")
    out = augmenter(samples=source, sample_rate=sample_rate)
    return np.clip(np.nan_to_num(out), -1.0, 1.0).astype(np.float32)


def materialise(plan: list[tuple[str, int]], shards: dict[str, str], settings: AugmentSettings,
                seed: int) -> list[dict]:  # fmt: skip
    """AudioShard records of the planned copies (sources read shard by shard)."""
    from crossemo.audio.shards import iter_audio, read_shard_meta

    if not plan:
        return []
    augmenter = make_augmenter(settings)
    wanted: dict[str, list[int]] = {}
    for utt_id, k in plan:
        wanted.setdefault(utt_id, []).append(k)
    by_shard: dict[str, set[str]] = {}
    for utt_id in wanted:
        by_shard.setdefault(shards[utt_id], set()).add(utt_id)
    records = []
    for shard, ids in sorted(by_shard.items()):
        meta = read_shard_meta([shard]).set_index("utt_id")
        for utt_id, samples, rate in iter_audio([shard], ids):
            for k in wanted[utt_id]:
                out = augment(samples, rate, augmenter, seed, utt_id, k)
                records.append({
                    "utt_id": augmented_id(utt_id, k), "samples": out, "sample_rate": rate,
                    "duration": len(out) / rate,
                    "source_duration": float(meta.at[utt_id, "source_duration"]),
                    "trimmed_s": float(meta.at[utt_id, "trimmed_s"]),
                    "denoised": bool(meta.at[utt_id, "denoised"]),
                })  # fmt: skip
    missing = set(wanted) - {augmented_source(r["utt_id"]) for r in records}
    if missing:
        raise KeyError(f"augmentation sources not found in their shards: {sorted(missing)[:5]}")
    return sorted(records, key=lambda r: r["utt_id"])


def balance_view(fold_rows: pd.DataFrame, settings: BalanceSettings, seed: int, fold: int = 0
                 ) -> tuple[pd.DataFrame, list[tuple[str, int]]]:  # fmt: skip
    """The view rows of one fold (train balanced, dev capped if asked) and the augmentation plan.

    ``fold_rows`` has ``utt_id corpus label split audio_shard``; augmented rows come back with
    ``audio_shard`` empty (the caller fills in the augmented shard's path).
    """
    rows = fold_rows.assign(weight=1.0)
    plan: list[tuple[str, int]] = []
    fold_seed = int(_seed(seed, "fold", fold).integers(2**31))
    if settings.scope == "train_dev":  # the paper's training set (train + dev) is balanced
        pooled = rows[rows["split"].isin(["train", "dev"])]
        if len(pooled):
            target = class_target(pooled["label"].value_counts(), settings.resolved_target)
            pooled = undersample(pooled, target, fold_seed)
        rows = pd.concat([pooled, rows[rows["split"] == "test"]], ignore_index=True)
    train = rows[rows["split"] == "train"]
    dev = rows[rows["split"] == "dev"]
    test = rows[rows["split"] == "test"]
    ceiling = settings.ceiling("train")
    if settings.method != "none" and settings.scope == "train" and len(train):
        target = class_target(train["label"].value_counts(), settings.resolved_target)
        if ceiling is not None:
            target = min(target, ceiling)
        if settings.method == "undersample" or settings.cap is True or ceiling is not None:
            train = undersample(train, target, fold_seed)
        if settings.method == "oversample":
            plan = oversample_plan(train, target, fold_seed)
            source = train.set_index("utt_id")
            copies = pd.DataFrame({
                "utt_id": [augmented_id(u, k) for u, k in plan],
                "corpus": [source.at[u, "corpus"] for u, _ in plan],
                "label": [source.at[u, "label"] for u, _ in plan],
                "split": "train", "weight": 1.0, "audio_shard": "",
            })  # fmt: skip
            train = pd.concat([train, copies], ignore_index=True)
    elif ceiling is not None and len(train):
        train = undersample(train, ceiling, fold_seed)
    dev_ceiling = settings.ceiling("dev")
    if dev_ceiling is not None and len(dev):
        dev = undersample(dev, dev_ceiling, int(_seed(seed, "dev", fold).integers(2**31)))
    view = pd.concat([train, dev, test], ignore_index=True)[VIEW_COLUMNS]
    order = view["split"].map({"train": 0, "dev": 1, "test": 2})
    view = view.assign(_o=order).sort_values(["_o", "utt_id"]).drop(columns="_o")
    return view.reset_index(drop=True), plan


def balance_fold(
    split_path: str | Path,
    label_paths: list[str | Path],
    fold: int,
    balance: dict | None,
    seed: int,
    output: str | Path,
    augmented_output: str | Path,
) -> pd.DataFrame:
    """Rule balance_training_set: write the fold's view and its augmented shard (maybe empty)."""
    from crossemo.audio.preprocess import write_shard

    settings = BalanceSettings.from_config(balance)
    split = read_table(split_path)
    split = split[split["fold"] == fold]
    labelled = pd.concat([read_table(p) for p in label_paths], ignore_index=True)
    shard_of = labelled.set_index("utt_id")["audio_shard"]
    rows = split[["utt_id", "corpus", "label", "split"]].copy()
    rows["audio_shard"] = rows["utt_id"].map(shard_of)
    if rows["audio_shard"].isna().any():
        missing = rows.loc[rows["audio_shard"].isna(), "utt_id"].head(5).tolist()
        raise KeyError(f"split rows without a labelled audio shard: {missing}")
    view, plan = balance_view(rows, settings, seed, fold)
    fold_seed = int(_seed(seed, "fold", fold).integers(2**31))
    records = materialise(plan, shard_of.to_dict(), settings.augment, fold_seed)
    write_shard(records, augmented_output)
    view.loc[view["utt_id"].str.contains(AUG_MARKER, regex=False), "audio_shard"] = str(
        augmented_output
    )
    view = write_table(view, output, View)
    for part in ("train", "dev"):
        before = rows[rows["split"] == part]["label"].value_counts().sort_index().to_dict()
        after = view[view["split"] == part]["label"].value_counts().sort_index().to_dict()
        log.info("fold %d %s (target %s, scope %s, cap %s): %s %s -> %s", fold,
                 settings.method, settings.resolved_target, settings.scope, settings.cap, part,
                 before, after)  # fmt: skip
    log.info("fold %d: %d augmented copies", fold, len(records))
    return view
