import pytest

from emgspasm.engine.config import Config, describe
from emgspasm.errors import ConfigError


def test_defaults_are_valid_and_documented():
    cfg = Config()
    assert cfg.filters.bandpass_low_hz == 20.0
    rows = describe()
    assert len(rows) == sum(len(v) for v in cfg.to_dict().values())
    assert all(doc for _, _, doc in rows)


def test_round_trip_through_dict():
    cfg = Config().with_overrides({"detector.on_snr": 6.5, "filters.notch": 60})
    assert Config.from_dict(cfg.to_dict()) == cfg


def test_toml_file(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[filters]\nnotch = "off"\nbandpass_low_hz = 10\n[detector]\nmin_spasm_s = 1.0\n')
    cfg = Config.from_toml(path)
    assert cfg.filters.notch == "off" and cfg.filters.bandpass_low_hz == 10
    assert cfg.detector.min_spasm_s == 1.0 and cfg.envelope == Config().envelope


def test_cli_style_overrides():
    cfg = Config().with_overrides(["filters.notch=50", "filters.notch_harmonics=false",
                                   "detector.on_snr = 7"])
    assert cfg.filters.notch == 50 and cfg.filters.notch_harmonics is False
    assert cfg.detector.on_snr == 7


@pytest.mark.parametrize("override, match", [
    ({"filters.notch": 55}, r"'filters.notch' parameter. Allowed values are 'auto', 'off', 50 and 60, but got 55"),
    ({"filters.bandpass_low_hz": -1}, r"'filters.bandpass_low_hz'.*> 0.*got -1"),
    ({"filters.bandpass_high_hz": 10}, r"above filters.bandpass_low_hz \(20\)"),
    ({"detector.off_snr": 9}, r"<= detector.on_snr"),
    ({"quality.clip_run": 2.5}, r"an integer"),
    ({"filters.notch_harmonics": "yes"}, r"true and false"),
    ({"detector.confirm_s": 2}, r"'detector.confirm_s'.*<= 0.5"),
    ({"detector.report_due_s": 0.05}, r"'detector.report_due_s'.*<= 0.03.*got 0.05"),
    ({"nosuch.key": 1}, r"section.key=value"),
    ({"detector.nosuch": 1}, r"'detector.nosuch'.*parameters of \[detector\]"),
])
def test_invalid_values_name_parameter_allowed_and_given(override, match):
    with pytest.raises(ConfigError, match=match):
        Config().with_overrides(override)


def test_bad_toml_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[filters\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        Config.from_toml(path)
    with pytest.raises(ConfigError, match="Cannot read"):
        Config.from_toml(tmp_path / "missing.toml")
