"""Events and notices are bit-identical to a stored run of the engine.

``data/golden_events.json`` holds the events and live notices the engine
gave, before the code was reorganised, for simulated recordings at 250 Hz to
4 kHz (auto and fixed notch, ECG, pops, clipping, leads-off, no mains), each
fed in its own chunk size, and for the example session read from EDF. A
change that alters any event or notice fails here; a deliberate change to
detection must regenerate the file and say so in its commit.

Everything that counts samples (onsets, durations, commit times), every
label, subtype, channel and notice kind must match exactly. The amplitudes
(peak, SNR, confidence) must match to 1e-9: the compiled kernels fuse
multiply-adds where the CPU has them and plain Python does not, which moves
their last bits (the suite also runs with ``NUMBA_DISABLE_JIT=1``).
"""

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from emgspasm.apps.analyze import replay
from emgspasm.engine.config import Config
from emgspasm.engine.streaming import run
from emgspasm.sources.files import open_recording
from emgspasm.truth.sim import Scenario, simulate

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = json.loads((Path(__file__).parent / "data" / "golden_events.json").read_text())


AMPLITUDES = ("peak_uv", "confidence", "snr")


def as_records(notices):
    return [{"kind": n.kind, "channel": n.channel, "at": n.at, "onset": n.onset,
             "event": asdict(n.event) if n.event else None} for n in notices]


def assert_same_events(got, stored):
    assert len(got) == len(stored)
    for a, b in zip(got, stored):
        if a is None or b is None:
            assert a == b
            continue
        assert {k: v for k, v in a.items() if k not in AMPLITUDES} == \
            {k: v for k, v in b.items() if k not in AMPLITUDES}
        for key in AMPLITUDES:
            if b[key] is None:  # a bad stretch has no amplitude
                assert a[key] is None, key
            else:
                assert a[key] == pytest.approx(b[key], rel=1e-9, abs=0), key


def assert_same_notices(got, stored):
    assert [{k: v for k, v in n.items() if k != "event"} for n in got] == \
        [{k: v for k, v in n.items() if k != "event"} for n in stored]
    assert_same_events([n["event"] for n in got], [n["event"] for n in stored])


@pytest.mark.parametrize("name", [k for k in GOLDEN if k.startswith("sim-")])
def test_simulated_recordings_give_the_stored_events(name):
    case = GOLDEN[name]
    rec = simulate(Scenario(**case["scenario"]))
    config = Config().with_overrides(case["config"]) if case["config"] else Config()
    events, notices = run(rec.data, rec.sfreq, rec.ch_names, config,
                          chunk_samples=case["chunk"])
    assert_same_events([asdict(e) for e in events], case["events"])
    assert_same_notices(as_records(notices), case["notices"])


def test_example_session_gives_the_stored_events():
    events, _, _ = replay(open_recording(ROOT / "examples" / "example_session.edf"))
    assert_same_events([asdict(e) for e in events], GOLDEN["example_session"]["events"])
