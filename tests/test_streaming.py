"""The engine's one driver loop: any split of the input gives the same output
and events, link flags included; a detector fed by hand is the engine."""

import numpy as np
from conftest import random_splits

from emgspasm.engine.block import Block
from emgspasm.engine.config import Config
from emgspasm.engine.detect.detector import Detector
from emgspasm.engine.dsp.chain import DSPChain, SampleMajor
from emgspasm.engine.events import Event, EventLedger, Notice
from emgspasm.engine.streaming import Engine
from emgspasm.engine.vocabulary import FLAG_CLIPPED, FLAG_GAP, FLAG_LEADS_OFF
from emgspasm.truth.sim import simulate


def link_flags(rng, shape, sfreq):
    """Leads-off, saturation and gap stretches as a sensor link reports them."""
    flags = np.zeros(shape, np.uint8)
    for bit in (FLAG_LEADS_OFF, FLAG_CLIPPED, FLAG_GAP):
        for _ in range(3):
            c = int(rng.integers(shape[0]))
            a = int(rng.integers(shape[1] - sfreq))
            flags[c, a:a + int(rng.uniform(0.05, 0.8) * sfreq)] |= bit
    return flags


def test_any_split_with_link_flags_gives_the_same_output_and_events(rng):
    rec = simulate(duration_s=30, n_channels=3, sfreq=1000.0, ecg_channels=1,
                   spasms_per_min=6, fasciculations_per_min=40, seed=31)
    data = rec.data.copy()
    flags = link_flags(rng, data.shape, rec.sfreq)
    data[flags & FLAG_GAP > 0] = np.nan  # lost samples arrive as NaN
    whole_engine = Engine(rec.sfreq, rec.ch_names)
    whole_steps = list(whole_engine.steps([Block(data, flags)]))
    whole_events = whole_engine.events
    assert {"BAD_gap", "BAD_leads_off", "BAD_clipped"} <= {e.label for e in whole_events}
    assert {"spasm", "fasciculation"} <= {e.label for e in whole_events}
    for trial in range(2):
        engine = Engine(rec.sfreq, rec.ch_names)
        blocks = [Block(data[:, a:b], flags[:, a:b])
                  for a, b in random_splits(rng, data.shape[1], max_chunk=2500)]
        steps = list(engine.steps(blocks))
        for field in SampleMajor._fields:
            joined = np.concatenate([getattr(s.output.by_sample, field) for s in steps])
            np.testing.assert_array_equal(joined, getattr(whole_steps[0].output.by_sample, field))
        assert [n for s in steps for n in s.notices] == \
            [n for s in whole_steps for n in s.notices]
        assert engine.events == whole_events


def test_the_last_step_closes_what_is_open():
    rec = simulate(duration_s=12, n_channels=1, sfreq=2000.0, spasms_per_min=0,
                   fasciculations_per_min=0, seed=3)
    x = rec.data.copy()
    x[0, -8000:] += 300e-6 * np.sin(2 * np.pi * 90 * np.arange(8000) / 2000.0)
    steps = list(Engine(rec.sfreq, rec.ch_names).steps([x]))
    assert len(steps) == 2 and steps[-1].output.n_samples == 0
    assert [n.kind for n in steps[-1].notices] == ["spasm_end"]
    assert steps[-1].notices[0].event.offset <= rec.duration_s + 1e-9


def test_a_detector_fed_by_hand_gives_the_engines_events(rng):
    # the auto notch decides mid-chunk here: what the detector must know of
    # it travels in the chain's output, nowhere else
    rec = simulate(duration_s=20, n_channels=2, sfreq=2000.0, mains_uv=0.0,
                   spasms_per_min=6, seed=8)
    config = Config()
    chain = DSPChain(rec.sfreq, rec.ch_names, config)
    detector = Detector(rec.sfreq, rec.ch_names, config,
                        (config.filters.bandpass_low_hz, chain.bandpass_high_hz))
    notices, changes = [], []
    for a, b in random_splits(rng, rec.data.shape[1], max_chunk=3000):
        out = chain.process(rec.data[:, a:b])
        for index, ring_time_s in out.ring_times:
            if not changes or changes[-1][1] != ring_time_s:
                changes.append((index, ring_time_s))
        notices += detector.process(out)
    notices += detector.finish()
    # no mains: the ring-down changes once, from the notches' to the band-pass's
    decided = round(config.filters.notch_auto_s * rec.sfreq)
    assert [index for index, _ in changes] == [0, decided]
    events, engine_notices = Engine(rec.sfreq, rec.ch_names, config).replay([rec.data])
    assert notices == engine_notices
    assert sorted(detector.events, key=lambda e: (e.onset, e.channel)) == \
        sorted(events, key=lambda e: (e.onset, e.channel))


def test_ledger_folds_reports_updates_and_withdrawals():
    first = Event(1.0, 0.01, "fasciculation", "A", "single")
    doublet = Event(1.0, 0.02, "fasciculation", "A", "doublet")
    other = Event(2.0, 0.01, "fasciculation", "B", "single")
    spasm = Event(3.0, 2.0, "spasm", "A", "tonic")
    notices = [Notice("event", "A", 1.02, 1.0, first),
               Notice("event", "B", 2.02, 2.0, other),
               Notice("burst_start", "A", 3.04, 3.0),
               Notice("event_update", "A", 1.03, 1.0, doublet),
               Notice("event_retract", "B", 2.05, 2.0, other),
               Notice("spasm_end", "A", 5.4, 3.0, spasm)]
    assert EventLedger.from_notices(notices).events == [doublet, spasm]
    ledger = EventLedger()
    handle = ledger.report(first)
    ledger.report(other)
    assert ledger.withdraw(handle) == first and ledger.events == [other]
