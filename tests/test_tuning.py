"""Thresholds chosen on one family and scored on the others."""

import pytest

from emgspasm.errors import ConfigError
from emgspasm.truth.evaluate import Case, target_results
from emgspasm.truth.sim import Scenario
from emgspasm.truth.tuning import format_held_out, held_out, objective, parse_grid


def test_grid_parsing_names_the_option():
    assert parse_grid(["detector.on_snr=3,4.5", "filters.notch=auto,50"]) == \
        {"detector.on_snr": [3, 4.5], "filters.notch": ["auto", 50]}
    with pytest.raises(ConfigError, match="'--grid'"):
        parse_grid(["on_snr"])


def test_each_family_picks_its_best_and_is_scored_on_every_family():
    cases = [Case(family, "wearable", Scenario(
        duration_s=40, sfreq=1000.0, n_channels=1, noise_uv=8.0, spasms_per_min=3,
        fasciculations_per_min=40, seed=3)) for family in ("muap", "volume")]
    lines = []
    result = held_out(cases, {"detector.on_snr": [3.0, 5.0, 40.0]}, progress=lines.append)
    assert len(lines) == 3
    # a threshold of 40x the noise finds almost nothing: no family picks it
    assert {pick["detector.on_snr"] for pick in result.picks.values()} <= {3.0, 5.0}
    assert set(result.table) == {(a, b) for a in ("muap", "volume") for b in ("muap", "volume")}
    # a family's own pick is at least as good on it as the other family's pick
    for own, other in (("muap", "volume"), ("volume", "muap")):
        assert result.table[(own, own)] >= result.table[(other, own)]
    table = format_held_out(result)
    assert table.count("\n") == 3 and "| muap | detector.on_snr=" in table


def test_targets_are_read_per_family(tmp_path):
    from emgspasm.truth.score import Score
    empty = {("muap", "wearable"): Score(hours=1.0)}
    rows = target_results(empty)
    f1 = [r for r in rows if r["target"] == "fasciculation F1, wearable"][0]
    assert f1["family"] == "muap" and f1["value"] == 1.0 and f1["met"]
    hard = [r for r in rows if r["target"] == "fasciculation F1, hard"][0]
    assert not hard["met"]  # no such recordings: not met, not silently passed
    assert objective(empty, "muap") == pytest.approx(1.0)
