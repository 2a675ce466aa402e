"""Notices as text and as JSON: every kind, and the JSON reads back."""

import json

import pytest

from emgspasm.engine.events import Event, Notice
from emgspasm.engine.vocabulary import NOTICE_KINDS
from emgspasm.outputs.notices import (format_notice, notice_from_dict, notice_to_dict,
                                      notice_to_json)

SPASM = Event(12.5, 3.25, "spasm", "EMG1", "clonic", 412.0, 0.8, 12.9, 25.0)
FASC = Event(3.1, 0.012, "fasciculation", "EMG2", "doublet", 180.0, 0.6, 3.125, 12.5)
POP = Event(7.0, 0.05, "artifact_pop", "EMG1", None, 900.0, 0.7, 7.06, 40.0)
EXAMPLES = {
    "burst_start": (Notice("burst_start", "EMG1", 12.54, 12.5),
                    "[  12.540 s] EMG1   activity rising (provisional) (onset 12.500 s)"),
    "burst_cancel": (Notice("burst_cancel", "EMG1", 12.9, 12.5),
                     "[  12.900 s] EMG1   activity came to nothing (onset 12.500 s)"),
    "spasm_start": (Notice("spasm_start", "EMG1", 12.8, 12.5),
                    "[  12.800 s] EMG1   SPASM confirmed (onset 12.500 s)"),
    "spasm_retract": (Notice("spasm_retract", "EMG1", 13.2, 12.5),
                      "[  13.200 s] EMG1   spasm withdrawn (too short: a burst) "
                      "(onset 12.500 s)"),
    "spasm_end": (Notice("spasm_end", "EMG1", 16.1, 12.5, SPASM),
                  "[  16.100 s] EMG1   spasm ended: clonic, 3.25 s, peak 412 uV "
                  "(onset 12.500 s)"),
    "event": (Notice("event", "EMG2", 3.125, 3.1, FASC),
              "[   3.125 s] EMG2   fasciculation doublet, 12 ms, peak 180 uV "
              "(onset 3.100 s)"),
    "event_update": (Notice("event_update", "EMG2", 3.13, 3.1, FASC),
                     "[   3.130 s] EMG2   ... that fasciculation: doublet, 12 ms "
                     "(onset 3.100 s)"),
    "event_retract": (Notice("event_retract", "EMG2", 3.14, 3.1, FASC),
                      "[   3.140 s] EMG2   ... that fasciculation is withdrawn: the "
                      "activity went on (onset 3.100 s)"),
}


def test_every_kind_has_an_example():
    assert set(EXAMPLES) == set(NOTICE_KINDS)


@pytest.mark.parametrize("kind", NOTICE_KINDS)
def test_text_line_of_every_kind(kind):
    notice, line = EXAMPLES[kind]
    assert format_notice(notice) == line


def test_artefact_event_line_names_the_label():
    assert format_notice(Notice("event", "EMG1", 7.06, 7.0, POP)) == \
        "[   7.060 s] EMG1   artifact_pop, 50 ms, peak 900 uV (onset 7.000 s)"


@pytest.mark.parametrize("kind", NOTICE_KINDS)
def test_json_reads_back_the_same_notice(kind):
    notice, _ = EXAMPLES[kind]
    line = notice_to_json(notice)
    assert "\n" not in line
    assert notice_from_dict(json.loads(line)) == notice


def test_json_has_no_nan():
    odd = Event(1.0, 0.01, "fasciculation", "A", "single", float("nan"))
    record = notice_to_dict(Notice("event", "A", 1.02, 1.0, odd))
    assert record["event"]["peak_uv"] is None
    json.loads(json.dumps(record, allow_nan=False))
