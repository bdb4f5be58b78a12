"""Rule logs as plain text: progress bars off, ANSI and carriage returns stripped, one-line
weight-loading reports; the progress helper's ETA lines."""

from __future__ import annotations

import logging
import os
import sys

import pytest

from crossemo.core.progress import Progress, duration, eta
from crossemo.core.runtime import (
    QUIET_PROGRESS_ENV,
    PlainTextStream,
    plain_text,
    route_logging,
    summarise_load_report,
)

BAR = "\rLoading weights:   0%|   | 0/67\rLoading weights: 100%|\x1b[32m███\x1b[0m| 67/67\n"


@pytest.fixture
def job_log(tmp_path, monkeypatch):
    """A rule log path; stderr, logging and the environment restored after the test (which
    calls ``route_logging``: pytest swaps ``sys.stderr`` between a fixture and its test)."""
    for name in QUIET_PROGRESS_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "stderr", sys.stderr)
    yield tmp_path / "rule.log"
    logging.basicConfig(force=True)
    if "transformers" in sys.modules:  # route_logging sent its records to the root logger
        from transformers.utils import logging as hf_logging

        hf_logging.enable_default_handler()
        hf_logging.disable_propagation()


def test_plain_text_keeps_the_last_redraw_and_drops_colour_codes():
    assert plain_text(BAR) == "Loading weights: 100%|███| 67/67\n"
    assert plain_text("a\r\nb\x1b]0;title\x07c") == "a\nbc"


def test_a_partial_redraw_waits_for_its_line_end(tmp_path):
    with open(tmp_path / "x", "w") as target:
        stream = PlainTextStream(target)
        stream.write("\rstep 1")
        stream.flush()  # a redraw in progress is not written half
        stream.write("\rstep 2\nplain")
        stream.flush()  # a partial plain line is
        stream.finish()
    assert (tmp_path / "x").read_text() == "step 2\nplain"


def test_rule_log_has_no_bars_ansi_or_carriage_returns(job_log):
    route_logging(job_log)
    assert all(os.environ[k] == v for k, v in QUIET_PROGRESS_ENV.items())
    sys.stderr.write(BAR)
    logging.getLogger("crossemo.test").info("done")
    sys.stderr.flush()
    text = job_log.read_text()
    assert "\r" not in text and "\x1b" not in text
    assert "Loading weights: 100%|███| 67/67\n" in text and text.rstrip().endswith("done")


def test_transformers_load_report_is_one_line_in_the_rule_log(job_log):
    from transformers.utils.loading_report import LoadStateDictInfo, log_state_dict_report

    unexpected = {f"decoder.layers.{i}.fc{j}.bias" for i in range(4) for j in (1, 2)}
    info = LoadStateDictInfo(missing_keys={"classifier.weight", "projector.bias"},
                             unexpected_keys=unexpected | {"decoder.embed_tokens.weight"},
                             mismatched_keys=set(), error_msgs=[], conversion_errors={},
                             skipped_pp_keys=set())  # fmt: skip
    model = type("WhisperForAudioClassification", (), {})()
    route_logging(job_log)
    log_state_dict_report(model, "enc/", False, info, logging.getLogger(
        "transformers.modeling_utils"))  # fmt: skip
    sys.stderr.flush()
    lines = [line for line in job_log.read_text().splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].endswith("WhisperForAudioClassification from enc/: 9 UNEXPECTED (decoder), "
                             "2 MISSING (classifier, projector)")  # fmt: skip


def test_summary_of_a_report_without_a_table_says_so():
    assert summarise_load_report("M LOAD REPORT from: x\n") == "M from x: no unused or new weights"


def test_progress_logs_at_the_interval_with_an_eta(caplog):
    now = [0.0]
    progress = Progress("features ravdess", 100, "utterances", interval_s=30,
                        clock=lambda: now[0])  # fmt: skip
    with caplog.at_level("INFO"):
        for _ in range(100):
            now[0] += 1.0  # one utterance a second
            progress.advance()
        progress.finish()
    assert caplog.messages == [
        "features ravdess: 30/100 utterances (30%), 1 utterances/s, ETA 1m10s",
        "features ravdess: 60/100 utterances (60%), 1 utterances/s, ETA 40s",
        "features ravdess: 90/100 utterances (90%), 1 utterances/s, ETA 10s",
        "features ravdess: 100 utterances in 1m40s",
    ]


def test_track_advances_per_item_and_closes(caplog):
    with caplog.at_level("INFO"):
        assert list(Progress("x", 3, interval_s=1e9).track("abc")) == ["a", "b", "c"]
    assert caplog.messages[-1].startswith("x: 3 items in ")


def test_eta_and_durations():
    assert eta(0, 10, 5.0) == "?" and eta(5, 10, 50.0) == "50s"
    assert duration(3725) == "1h02m" and duration(185) == "3m05s" and duration(-1) == "?"
