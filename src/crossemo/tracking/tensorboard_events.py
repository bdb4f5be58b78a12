"""The TensorBoard backend: an event file per run under ``results/tracking/tensorboard/
{experiment}/{run}`` (the experiment's folder rewritten on a rerun): the training curve and the
final metrics as scalars, the params and the model card as text, the figures as images. Written
with TensorBoard's own event writer and protos (no TensorFlow, no torch)."""

from __future__ import annotations

import logging
import shutil
import struct
import time
from pathlib import Path
from typing import Any

from crossemo.tracking.records import RunRecord

log = logging.getLogger(__name__)
#: the text tags of a run: its params (a Markdown table) and its model card
PARAMS_TAG, CARD_TAG = "params", "model_card"
#: the model card's file in a model folder (crossemo.evaluation.cards)
CARD_FILE = "README.md"


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) of PNG ``data`` (its IHDR chunk)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    return struct.unpack(">II", data[16:24])


def scalar(tag: str, value: float) -> Any:
    from tensorboard.compat.proto.summary_pb2 import Summary

    return Summary.Value(tag=tag, simple_value=value)


def text(tag: str, body: str) -> Any:
    """A text summary (TensorBoard's text plugin renders its Markdown)."""
    from tensorboard.compat.proto import types_pb2
    from tensorboard.compat.proto.summary_pb2 import Summary, SummaryMetadata
    from tensorboard.compat.proto.tensor_pb2 import TensorProto

    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="text"))
    tensor = TensorProto(dtype=types_pb2.DT_STRING, string_val=[body.encode()])
    return Summary.Value(tag=tag, metadata=metadata, tensor=tensor)


def image(tag: str, path: Path) -> Any:
    from tensorboard.compat.proto.summary_pb2 import Summary

    data = path.read_bytes()
    width, height = png_size(data)
    png = Summary.Image(height=height, width=width, colorspace=4, encoded_image_string=data)
    return Summary.Value(tag=tag, image=png)


def params_table(params: dict[str, str]) -> str:
    rows = [f"| {k} | {v.replace('|', '/')} |" for k, v in params.items()]
    return "\n".join(["| param | value |", "|---|---|", *rows])


def summaries(record: RunRecord) -> list[tuple[int, list[Any]]]:
    """(step, summary values) of ``record``: the curve per step; the final metrics, params,
    card and figures at the last step of the curve (0 without one)."""
    steps: dict[int, list[Any]] = {}
    for key, step, value in record.history:
        steps.setdefault(step, []).append(scalar(key, value))
    last = max(steps, default=0)
    final = [scalar(k, v) for k, v in record.metrics.items()]
    final.append(text(PARAMS_TAG, params_table(record.params)))
    for path, folder in record.artifacts.items():
        if path.suffix == ".png":
            final.append(image(f"{folder}/{path.stem}" if folder else path.stem, path))
        elif path.name == CARD_FILE:
            final.append(text(CARD_TAG, path.read_text()))
    steps.setdefault(last, []).extend(final)
    return sorted(steps.items())


def write_events(folder: Path, record: RunRecord) -> None:
    """The event file of ``record`` in ``folder``."""
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    folder.mkdir(parents=True)
    writer = EventFileWriter(str(folder))
    now = time.time()
    for step, values in summaries(record):
        writer.add_event(Event(wall_time=now, step=step, summary=Summary(value=values)))
    writer.close()


def log_runs(records: list[RunRecord], settings: dict[str, Any], experiment: str) -> list[dict]:
    """An event file per run under ``settings["tensorboard_dir"]`` (the experiment's folder,
    emptied first: a rerun replaces its runs); a row per run logged."""
    root = Path(settings["tensorboard_dir"])
    shutil.rmtree(root, ignore_errors=True)
    rows = []
    for record in records:
        write_events(root / record.run, record)
        rows.append({"run": record.run, "id": record.run, "location": str(root / record.run)})
    log.info("TensorBoard %s: %d run(s) written", root, len(rows))
    return rows
