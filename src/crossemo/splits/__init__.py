"""Leakage-proof splits of an experiment (``experiments:`` in the config), rule ``make_split``.

Every protocol assigns whole *groups* (the manifest's leakage unit: the speaker, IEMOCAP's
session, MOSEI's video) to splits, so no speaker, session or video is on two sides of a fold.
One module per concern, in the order a split is made:

* :mod:`~crossemo.splits.experiment` -- :class:`Experiment` (the split keys of an experiment),
  the protocol and split names, the errors; pure Python;
* :mod:`~crossemo.splits.sampling` -- seeded draws shared by protocols and dev sets;
* :mod:`~crossemo.splits.protocols` -- per fold, train and test rows (cross-corpus, speaker
  k-fold, leave one session out, stratified, corpus matrix);
* :mod:`~crossemo.splits.emobox` -- EmoBox's folds and track-2 test sets mapped to utterances;
* :mod:`~crossemo.splits.sentences` -- sentence-disjoint folds and the sentences test shares
  with training;
* :mod:`~crossemo.splits.dev` -- the dev part of each training corpus and how it was drawn;
* :mod:`~crossemo.splits.leakage` -- the leak checks (groups, test-only corpora, sentences,
  duplicate recordings);
* :mod:`~crossemo.splits.duplicates` -- duplicate recordings within and across corpora, by
  their audio fingerprints (rule ``find_duplicates``), and the pairs a fold splits;
* :mod:`~crossemo.splits.overlap` -- what test shares with training (speakers, recordings);
* :mod:`~crossemo.splits.audit` -- the audit table (counts per fold x split x corpus x label);
* :mod:`~crossemo.splits.io` -- the split table's schema, the stage's reads and writes;
* :mod:`~crossemo.splits.build` -- :func:`~crossemo.splits.build.build_split` and the rule's
  entry point :func:`~crossemo.splits.build.make_split`.

This package module imports only :mod:`crossemo.splits.experiment`, so the workflow's parse
(:mod:`crossemo.plan` reads :class:`Experiment`) loads no numpy, pandas or pyarrow; import the
functions from their modules.
"""

from crossemo.splits.experiment import (
    DISJOINT,
    EMOBOX_PROTOCOLS,
    PROTOCOLS,
    SPLITS,
    Experiment,
    SplitError,
    SplitLeakError,
)

__all__ = [
    "DISJOINT",
    "EMOBOX_PROTOCOLS",
    "PROTOCOLS",
    "SPLITS",
    "Experiment",
    "SplitError",
    "SplitLeakError",
]
