"""Leakage-proof splits of an experiment (the module, moved into this package)."""

from crossemo.splits.protocols import *  # noqa: F403
