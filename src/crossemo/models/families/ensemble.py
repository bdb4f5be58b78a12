"""Late fusion of other experiments' runs on the same split: their class probabilities, each
optionally temperature-scaled, averaged with weights chosen on dev (or equal) or stacked by a
logistic regression fitted on their dev predictions (:mod:`crossemo.models.ensemble`).

An ensemble's runs are its members' runs (``main`` or ``fold0``...; an LR-CV member's ``final``);
it trains nothing on audio or features and has no model folder to load, only ``config.json``.
"""

from __future__ import annotations

from crossemo.models.families import keys

KEYS = keys.ENSEMBLE
DEFAULTS = keys.ENSEMBLE_DEFAULTS
SCHEMA = {"required": ["members"]}
