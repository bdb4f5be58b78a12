"""The plan: what the config means, derived once (see :mod:`crossemo.plan.experiments`)."""

from crossemo.plan.experiments import (
    PAPER_SOURCES,
    RESOURCE_KEYS,
    SPLIT_KEYS,
    Plan,
    converted_encoder_name,
    split_keys,
    ssl_featureset_name,
    ssl_settings,
)

__all__ = [
    "PAPER_SOURCES",
    "RESOURCE_KEYS",
    "SPLIT_KEYS",
    "Plan",
    "converted_encoder_name",
    "split_keys",
    "ssl_featureset_name",
    "ssl_settings",
]
