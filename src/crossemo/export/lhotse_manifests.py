"""lhotse export: per fold and split a ``RecordingSet`` and a ``SupervisionSet``
(``lhotse/<fold>/recordings_<split>.jsonl.gz``, ``supervisions_<split>.jsonl.gz``), read back
with ``lhotse.load_manifest``.

Each recording is the utterance's WAV the export writes (``wav/<utt_id>.wav``, an absolute path
as lhotse recipes write them); its supervision spans it whole, with ``speaker``, ``gender``
(``unknown`` where the corpus does not say) and ``custom`` ``emotion`` and ``corpus``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crossemo.export.source import ExperimentData, Wav, fold_label

FOLDER = "lhotse"
RECORDINGS = "recordings_{split}.jsonl.gz"
SUPERVISIONS = "supervisions_{split}.jsonl.gz"


def write(data: ExperimentData, out_dir: Path) -> list[Path]:
    """Write the manifests (and the WAVs they name) under ``out_dir``; returns the folders."""
    wavs = data.wavs(out_dir)
    written = []
    for k in data.folds():
        folder = out_dir / FOLDER / fold_label(k)
        folder.mkdir(parents=True, exist_ok=True)
        for split, rows in data.fold(k).items():
            recordings, supervisions = manifests(rows, wavs)
            recordings.to_file(folder / RECORDINGS.format(split=split))
            supervisions.to_file(folder / SUPERVISIONS.format(split=split))
        written.append(folder)
    return written


def manifests(rows: pd.DataFrame, wavs: dict[str, Wav]):
    """``(RecordingSet, SupervisionSet)`` of one split's rows."""
    from lhotse import AudioSource, Recording, RecordingSet, SupervisionSegment, SupervisionSet

    recordings, supervisions = [], []
    for row in rows.itertuples(index=False):
        wav = wavs[row.utt_id]
        seconds = wav.frames / wav.sample_rate
        source = AudioSource(type="file", channels=[0], source=str(wav.path))
        recordings.append(Recording(id=row.utt_id, sources=[source], sampling_rate=wav.sample_rate,
                                    num_samples=wav.frames, duration=seconds))  # fmt: skip
        supervisions.append(SupervisionSegment(
            id=row.utt_id, recording_id=row.utt_id, start=0.0, duration=seconds, channel=0,
            speaker=row.speaker, gender=row.gender,
            custom={"emotion": row.label, "corpus": row.corpus},
        ))  # fmt: skip
    return RecordingSet.from_recordings(recordings), SupervisionSet.from_segments(supervisions)
