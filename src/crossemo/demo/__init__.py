"""Synthetic emotional-speech corpora in the publishers' on-disk layouts (the embedded demo).

:func:`synthesize` renders short utterances with espeak-ng, gives each emotion its own prosody
(speech rate, pitch, amplitude, then a numpy pitch contour, tremolo, drive or low-pass), resamples
to each corpus's real sample rate with soxr and writes the files exactly where and how the real
releases put them, quirks included. Same seed, same bytes: every random draw comes from a
generator seeded by ``(seed, utterance key)``, no file carries a timestamp (xlsx zip entries and
m4a atoms are pinned), and only espeak-ng voice variants without breath noise are used: ``f2``,
``f3`` and ``f5`` add breath noise, and ``en+f3`` once gave 39 different outputs in 40 identical
calls (breath-free variants never varied), so they are left out and the female speakers differ
by pitch and rate instead. Bytes are identical for the same espeak-ng, soxr and libsndfile.

Modules: :mod:`.prosody` (emotion prosody, speakers), :mod:`.render` (espeak-ng and the numpy
effects), :mod:`.formats` (byte-reproducible wav/m4a/csv/xlsx/csd writers), :mod:`.sizes`
(:data:`SIZES`, :data:`SAMPLE_RATES`), :mod:`.monologue` (what CMU-MOSEI and StrEmo share) and
one writer per corpus layout, whose docstring describes that layout: :mod:`.ravdess`,
:mod:`.tess`, :mod:`.cremad`, :mod:`.savee` (also ``SAVEE-flat``), :mod:`.emodb`,
:mod:`.iemocap`, :mod:`.mosei`, :mod:`.strEmo`, and three of EmoBox's corpora: :mod:`.emovo`
(Italian), :mod:`.meld` (video clips and a label sheet), :mod:`.pavoque` (long recordings cut by
YAML segmentations). :mod:`.emobox_data` then writes EmoBox's ``data/`` folder describing the
demo's files (``EmoBox/data/``: EmoDB's folds, the track-2 test sets).

``out_dir/demo_truth.json`` records what the layouts hide (speaker genders, the mismatched MOSEI
segments, the StrEmo quirk rows, the PAVOQUE segment count, the EmoBox entry counts) for tests.
Files are rewritten in place; files left from a run with other :data:`SIZES` are not removed,
so write into a fresh directory.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from crossemo.core.provenance import DEMO_CORPORA

from . import (
    cremad,
    emobox_data,
    emodb,
    emovo,
    iemocap,
    meld,
    mosei,
    pavoque,
    ravdess,
    savee,
    strEmo,
    tess,
)
from .cremad import CREMA_ACTORS, CREMA_EMOTIONS, CREMA_LEVELS, CREMA_SENTENCES
from .emodb import EMODB_EMOTIONS, EMODB_SPEAKERS, EMODB_TEXTS
from .emovo import EMOVO_EMOTIONS, EMOVO_SPEAKERS
from .iemocap import IEMOCAP_LABELS, IEMOCAP_SENTENCES, IEMOCAP_SPEAKERS
from .meld import MELD_EMOTIONS, MELD_SPEAKERS
from .monologue import MONOLOGUE_SENTENCES
from .mosei import MOSEI_CYCLE, MOSEI_KINDS, MOSEI_VOICES
from .pavoque import PAVOQUE_SPEAKER, PAVOQUE_STYLES
from .prosody import NEUTRAL, PROSODY, Prosody, Speaker
from .ravdess import RAVDESS_EMOTIONS, RAVDESS_SENTENCES, RAVDESS_VOICES
from .render import ESPEAK_SR, MIN_CLIP_S, Clip, Job, render_all
from .savee import SAVEE_EMOTIONS, SAVEE_SENTENCES, SAVEE_SPEAKERS
from .sizes import SAMPLE_RATES, SIZES
from .strEmo import STREMO_COLUMNS, STREMO_EMOTIONS, STREMO_MALFORMED_ID, STREMO_SPEAKERS
from .tess import TESS_EMOTIONS, TESS_SPEAKERS, TESS_WORDS

__all__ = [
    "CORPORA", "SAMPLE_RATES", "SIZES", "WRITERS", "synthesize",
    "ESPEAK_SR", "MIN_CLIP_S", "NEUTRAL", "PROSODY", "Clip", "Job", "Prosody", "Speaker",
    "render_all", "MONOLOGUE_SENTENCES",
    "RAVDESS_EMOTIONS", "RAVDESS_SENTENCES", "RAVDESS_VOICES",
    "TESS_EMOTIONS", "TESS_SPEAKERS", "TESS_WORDS",
    "CREMA_ACTORS", "CREMA_EMOTIONS", "CREMA_LEVELS", "CREMA_SENTENCES",
    "SAVEE_EMOTIONS", "SAVEE_SENTENCES", "SAVEE_SPEAKERS",
    "EMODB_EMOTIONS", "EMODB_SPEAKERS", "EMODB_TEXTS",
    "IEMOCAP_LABELS", "IEMOCAP_SENTENCES", "IEMOCAP_SPEAKERS",
    "MOSEI_CYCLE", "MOSEI_KINDS", "MOSEI_VOICES",
    "STREMO_COLUMNS", "STREMO_EMOTIONS", "STREMO_MALFORMED_ID", "STREMO_SPEAKERS",
    "EMOVO_EMOTIONS", "EMOVO_SPEAKERS", "MELD_EMOTIONS", "MELD_SPEAKERS",
    "PAVOQUE_SPEAKER", "PAVOQUE_STYLES",
]  # fmt: skip

log = logging.getLogger(__name__)

#: A corpus writer: ``(out_dir, seed, truth)`` -> audio files written per corpus directory.
Writer = Callable[[Path, int, dict], dict[str, int]]

#: Corpus directories in the order they are written (``SAVEE`` also writes ``SAVEE-flat``).
CORPORA = DEMO_CORPORA

_WRITER_OF: dict[str, Writer] = {
    "RAVDESS": ravdess.write, "TESS": tess.write, "CREMA-D": cremad.write,
    "SAVEE": savee.write, "EmoDB": emodb.write, "IEMOCAP": iemocap.write,
    "CMU-MOSEI": mosei.write, "StrEmo": strEmo.write, "EMOVO": emovo.write,
    "MELD": meld.write, "PAVOQUE": pavoque.write,
}  # fmt: skip
#: Writer of each corpus, in the order of :data:`CORPORA`.
WRITERS: dict[str, Writer] = {name: _WRITER_OF[name] for name in CORPORA}


def synthesize(out_dir: Path, seed: int = 0, *,
               corpora: Iterable[str] | None = None) -> dict[str, int]:  # fmt: skip
    """Write the demo corpora under ``out_dir``; returns the audio files written per corpus.

    ``corpora`` limits the run to some of :data:`CORPORA` (``SAVEE`` writes ``SAVEE-flat``
    too). The same ``seed`` gives byte-identical files.
    """
    out_dir = Path(out_dir)
    wanted = list(CORPORA) if corpora is None else list(corpora)
    unknown = sorted(set(wanted) - set(CORPORA))
    if unknown:
        raise ValueError(f"unknown demo corpora: {unknown}; choose from {CORPORA}")
    out_dir.mkdir(parents=True, exist_ok=True)
    truth: dict = {"seed": seed, "speakers": {}, "quirks": {}}
    counts: dict[str, int] = {}
    for name in CORPORA:
        if name in wanted:
            log.info("synthesising %s", name)
            counts.update(WRITERS[name](out_dir, seed, truth))
    emobox_data.write(out_dir, seed, truth, counts)
    truth["files"] = counts
    (out_dir / "demo_truth.json").write_text(json.dumps(truth, indent=1, sort_keys=True) + "\n")
    return counts
