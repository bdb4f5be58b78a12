"""The licence of each corpus adapter's corpus, with where it is stated: the one table that
model cards (:mod:`crossemo.evaluation.cards`) list under a model's training corpora.

Only licences a publisher states in a place one can check are written here; any other corpus
reads :data:`UNKNOWN` ("see the publisher"): its terms come with the copy one obtained. A
model's own licence is never derived from these: the card leaves it to whoever shares the model.
"""

from __future__ import annotations

from typing import NamedTuple

UNKNOWN = "see the publisher"


class Licence(NamedTuple):
    """A corpus's licence and the page that states it."""

    licence: str
    source: str


#: adapter name -> licence of its corpus and the page that states it
LICENCES: dict[str, Licence] = {
    "ravdess": Licence("CC BY-NC-SA 4.0", "https://zenodo.org/record/1188976"),
    "cremad": Licence(
        "ODbL 1.0 (database), DbCL 1.0 (contents)",
        "https://github.com/CheyneyComputerScience/CREMA-D",
    ),  # fmt: skip
    "tess": Licence("CC BY-NC-ND 4.0", "https://doi.org/10.5683/SP2/E8H2MF"),
    "iemocap": Licence(
        "USC release form (research use, on request)", "https://sail.usc.edu/iemocap/"
    ),  # fmt: skip
    "msppodcast": Licence(
        "UT Dallas academic licence (on request)",
        "https://ecs.utdallas.edu/research/researchlabs/msp-lab/MSP-Podcast.html",
    ),  # fmt: skip
    "meld": Licence("GPL-3.0", "https://github.com/declare-lab/MELD"),
}


def licence_of(adapter: str) -> Licence:
    """The licence of the corpus read by ``adapter``; :data:`UNKNOWN` where none is recorded."""
    return LICENCES.get(adapter, Licence(UNKNOWN, ""))
