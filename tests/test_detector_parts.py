"""A channel's beat history and fasciculation reports, each alone."""

import numpy as np
import pytest

from emgspasm.engine.config import Config
from emgspasm.engine.detect.beats import BeatHistory
from emgspasm.engine.detect.fasciculations import DischargeTerms, FasciculationReports
from emgspasm.engine.detect.groups import SpasmGroup
from emgspasm.engine.detect.params import tail_excess
from emgspasm.engine.detect.rules import Burst
from emgspasm.engine.events import EventLedger
from emgspasm.engine.vocabulary import ARTIFACT_ECG

SFREQ = 1000.0


def burst(onset, offset=None, peak=200e-6, snr=12.0):
    return Burst(onset, onset + 9 if offset is None else offset, peak, 0.05, 120.0, snr, 0.0)


def rhythm(beats=4, rr=800, peak=100e-6):
    history = BeatHistory(SFREQ)
    for k in range(beats):
        history.add_artifact(burst(1000 + k * rr, peak=peak), ARTIFACT_ECG, oversized=False)
    return history


def test_beats_keep_a_rhythm_and_what_trails_them():
    history = rhythm()
    last = 1000 + 3 * 800
    assert history.on_rhythm(last + 800) and not history.on_rhythm(last + 400)
    assert history.beating(last + 1600) and not history.beating(last + 1700)
    assert history.trailed_by(burst(last + 60, peak=40e-6), in_group=False)
    assert not history.trailed_by(burst(last + 300, peak=40e-6), in_group=False)
    assert history.last_label == ARTIFACT_ECG


def test_an_oversized_spike_does_not_break_the_rhythm():
    history = rhythm()
    history.add_artifact(burst(3700, peak=5e-3), ARTIFACT_ECG, oversized=True)
    assert list(history.onsets)[-1] == 3400
    assert history.last_artifact == (3700, 5e-3)


def test_bursts_at_a_beats_echo_delay_trail_it_outside_a_spasm():
    history = rhythm()
    for beat in (1000, 1800, 2600):
        history.last_artifact = (beat, 100e-6)
        history.note_brief(beat + 150)      # a T wave, always at its place
    history.last_artifact = (3400, 100e-6)
    echo = burst(3550, peak=300e-6)         # larger than the beat: no trail by size
    assert history.trailed_by(echo, in_group=False)
    assert not history.trailed_by(echo, in_group=True)
    history.note_brief(3400 + 500)          # too late after its beat: not kept
    assert len(history.echo_delays) == 3


@pytest.fixture
def reports():
    config = Config()
    d = config.detector
    terms = DischargeTerms(sfreq=SFREQ, on_snr=d.on_snr, fasc_max_s=d.fasc_max_s,
                           tail=tail_excess(SFREQ, config), settle_s=0.01,
                           doublet_max=d.doublet_max_s * SFREQ,
                           merge_gap=round(d.merge_gap_s * SFREQ), hold=2000,
                           sustain_window=500)
    ledger = EventLedger()
    return FasciculationReports("EMG1", ledger, terms), ledger


def test_an_early_report_is_refined_or_withdrawn(reports):
    reports, ledger = reports
    notices = []
    reports.report_early(burst(1000), "single", 1015, notices)
    reports.settle(burst(1000, 1040), "doublet", False, 1060, notices)
    assert [n.kind for n in notices] == ["event", "event_update"]
    assert ledger.events[0].subtype == "doublet"
    assert reports.open is None and reports.last == (0, 1000)
    reports.report_early(burst(5000), "single", 5015, notices)
    reports.withdraw_open(5100, notices)
    assert notices[-1].kind == "event_retract" and len(ledger.events) == 1


def test_a_second_discharge_makes_a_doublet(reports):
    reports, ledger = reports
    notices = []
    reports.settle(burst(1000), "single", False, 1030, notices)
    second = burst(1015, 1022, peak=300e-6, snr=20.0)
    assert reports.completes_doublet(second)
    reports.make_doublet(second, notices)
    event = ledger.events[0]
    assert (event.subtype, event.duration) == ("doublet", pytest.approx(0.023))
    assert event.peak_uv == pytest.approx(300.0) and reports.last is None


def test_the_ring_of_a_discharge_is_no_second_one(reports):
    reports, _ = reports
    reports.settle(burst(1000, peak=400e-6), "single", False, 1030, [])
    assert reports.rung_by_last(burst(1012, peak=50e-6))
    assert not reports.rung_by_last(burst(1012, peak=400e-6))
    assert not reports.rung_by_last(burst(1500, peak=50e-6))


def test_fasciculations_just_before_a_spasm_are_its_first_discharges(reports):
    reports, ledger = reports
    notices = []
    reports.settle(burst(500), "single", False, 530, notices)    # too early
    reports.settle(burst(1000), "single", False, 1030, notices)
    reports.settle(burst(1200), "single", False, 1230, notices)
    group = SpasmGroup(1400, 1400)
    assert reports.lead_onset(group) == 1000
    reports.take_in_precursors(group, 1700, notices)
    assert group.reported_onset == 1000
    assert [ev.onset for ev in ledger.events] == [0.5]
    assert [n.kind for n in notices[-2:]] == ["event_retract", "event_retract"]
    assert reports.last is None and np.isclose(group.peak, 200e-6)


@pytest.mark.parametrize("powered_since, expected", [(None, 1900), (1500, 1000), (1600, 1900)])
def test_weak_activity_since_a_fasciculation_makes_it_a_spasm_first_discharge(
        reports, powered_since, expected):
    # 0.8 s before the spasm (more than merge_gap_s): taken in only if the
    # power test has been on since it ended (its window then holds nothing
    # from before, 1009 + 500 >= 1500); 1600 is too late
    reports, ledger = reports
    notices = []
    reports.settle(burst(1000), "single", False, 1030, notices)
    reports.settle(burst(1900), "single", False, 1930, notices)
    group = SpasmGroup(2100, 2100)
    assert reports.lead_onset(group, powered_since) == expected
    reports.take_in_precursors(group, 2400, notices, powered_since)
    assert group.reported_onset == expected
    assert len(ledger.events) == (0 if expected == 1000 else 1)


def test_a_beat_that_carries_a_discharge_stays_out_of_the_plain_beats():
    history = BeatHistory(SFREQ)
    plain = Burst(1000, 1060, 300e-6, 0.2, 35.0, 20.0, 0.0)
    rider = Burst(1800, 1860, 700e-6, 0.05, 90.0, 40.0, 0.0)
    for _ in range(4):
        assert not history.carries_discharge(plain, 2e-3)
    assert len(history.plain) == 4
    for _ in range(6):  # riders do not become the rhythm's plain beats
        assert history.carries_discharge(rider, 2e-3)
    assert len(history.plain) == 4
