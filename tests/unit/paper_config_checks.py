"""Shared by the paper-config tests: load a config, and the preprocessing keys it leaves unset."""

from __future__ import annotations

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
PAPER = REPO / "config" / "paper"
SCHEMA = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())


def load(name: str) -> dict:
    return yaml.safe_load((PAPER / name).read_text())


def stated_keys(schema: dict, prefix: str = "") -> list[str]:
    """Dotted paths of every property the schema gives an object (recursively)."""
    keys = []
    for key, sub in schema.get("properties", {}).items():
        keys.append(prefix + key)
        if sub.get("type") == "object":
            keys += stated_keys(sub, f"{prefix}{key}.")
    return keys


def lookup(config: dict, dotted: str):
    for part in dotted.split("."):
        config = config[part]
    return config


def unstated_preprocess_keys(config: dict) -> list[str]:
    """Preprocess keys the config leaves to schema defaults."""
    missing = []
    for key in stated_keys(SCHEMA["properties"]["preprocess"]):
        try:
            lookup(config["preprocess"], key)
        except KeyError:
            missing.append(key)
    return missing
