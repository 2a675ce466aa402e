"""``analyze --bids-root``: events in a BIDS derivatives dataset that the real
BIDS validator (bids-validator-deno) passes, for a recording written into
the dataset and for one already in it."""

import importlib.util
import json
import os
import shutil
import subprocess
import sys

import pytest

pytest.importorskip("mne_bids", reason="BIDS output needs mne-bids: pip install 'emgspasm[bids]'")

from emgspasm import __version__
from emgspasm.outputs.events_table import read_events_tsv
from emgspasm.truth.sim import simulate
from emgspasm.truth.sim.files import write_simulation

DERIVATIVES = ("derivatives", "emgspasm")


def cli(*args):
    return subprocess.run([sys.executable, "-m", "emgspasm", *map(str, args)],
                          capture_output=True, text=True, timeout=300, check=False)


def validate(root):
    """Run the BIDS validator over ``root`` and its derivatives.

    Returns
    -------
    errors : list of (code, location)
    validated : list of str
        The derivative datasets it validated too.
    returncode : int
    """
    if importlib.util.find_spec("bids_validator_deno") is None:
        pytest.skip("the BIDS validator is not installed: pip install 'emgspasm[bids]'")
    code = ("import sys; from bids_validator_deno import cli; "
            "sys.argv[0] = 'bids-validator'; cli()")
    env = {**os.environ, "DENO_NO_UPDATE_CHECK": "1", "NO_COLOR": "1"}
    run = subprocess.run([sys.executable, "-c", code, "--format", "json", "--recursive",
                          str(root)], capture_output=True, text=True, timeout=300, env=env,
                         check=False)
    try:
        report = json.loads(run.stdout)
    except ValueError:
        pytest.fail(f"the validator gave no JSON (exit {run.returncode}): "
                    f"{run.stdout[-2000:]} {run.stderr[-2000:]}")
    issues = list(report["issues"]["issues"])
    derivatives = report.get("derivativesSummary", {})
    for summary in derivatives.values():
        issues += summary["issues"]["issues"]
    errors = [(i["code"], i.get("location")) for i in issues if i["severity"] == "error"]
    return errors, list(derivatives), run.returncode


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    path = tmp_path_factory.mktemp("sim") / "sim_raw.fif"
    write_simulation(simulate(duration_s=3, n_channels=2, sfreq=1000.0, seed=5), path)
    return path


def test_analyze_writes_a_derivatives_dataset_the_validator_passes(recording, tmp_path):
    root = tmp_path / "bids"
    run = cli("analyze", recording, "--out", tmp_path / "out", "--no-report",
              "--bids-root", root, "--bids-subject", "01", "--bids-session", "a")
    assert run.returncode == 0, run.stdout + run.stderr
    raw_file = root / "sub-01" / "ses-a" / "emg" / "sub-01_ses-a_task-rest_emg.edf"
    assert raw_file.exists()
    deriv = root.joinpath(*DERIVATIVES)
    description = json.loads((deriv / "dataset_description.json").read_text())
    assert description["DatasetType"] == "derivative"
    assert description["GeneratedBy"][0] == {
        "Name": "emgspasm", "Version": __version__,
        "Description": description["GeneratedBy"][0]["Description"]}
    tsv = deriv / "sub-01" / "ses-a" / "emg" / "sub-01_ses-a_task-rest_events.tsv"
    sidecar = json.loads(tsv.with_suffix(".json").read_text())
    assert "GeneratedBy" not in sidecar and sidecar["Software"]["Name"] == "emgspasm"
    # every top-level key of a table's sidecar but Description is an object
    assert all(isinstance(v, dict) for k, v in sidecar.items() if k != "Description")
    events = read_events_tsv(tsv)
    assert events and events == read_events_tsv(tmp_path / "out" / "sim_raw_events.tsv")
    errors, validated, code = validate(root)
    assert errors == [] and code == 0
    assert validated == ["/derivatives/emgspasm/"]

    # the recording now lies in the dataset: its name gives the entities
    (tsv).unlink()
    run = cli("analyze", raw_file, "--out", tmp_path / "out2", "--no-report",
              "--bids-root", root)
    assert run.returncode == 0, run.stdout + run.stderr
    again = read_events_tsv(tsv)
    assert [e.label for e in again] == [e.label for e in events]
    errors, _, code = validate(root)
    assert errors == [] and code == 0


def test_the_validator_catches_what_the_old_layout_got_wrong(recording, tmp_path):
    # the check above can fail: desc-emgspasm on events files is refused
    root = tmp_path / "bids"
    run = cli("analyze", recording, "--out", tmp_path / "out", "--no-report",
              "--bids-root", root, "--bids-subject", "02")
    assert run.returncode == 0, run.stdout + run.stderr
    folder = root.joinpath(*DERIVATIVES, "sub-02", "emg")
    for path in list(folder.iterdir()):
        shutil.move(path, path.with_name(path.name.replace("_events", "_desc-emgspasm_events")))
    errors, _, code = validate(root)
    assert ("ENTITY_NOT_IN_RULE" in {c for c, _ in errors}) and code != 0


@pytest.mark.parametrize("options, message", [
    (["--bids-root", "{root}"], "give its subject with --bids-subject LABEL"),
    (["--bids-root", "{root}", "--bids-subject", "0-1"],
     ("Invalid value for the '--bids-subject' parameter. Allowed values are BIDS labels "
      "(letters and digits only), but got '0-1' instead.")),
    (["--bids-subject", "01"], "give the dataset with --bids-root DIR"),
])
def test_bad_bids_options_are_refused_before_reading(recording, tmp_path, options, message):
    options = [o.format(root=tmp_path / "bids") for o in options]
    run = cli("analyze", recording, "--out", tmp_path / "out", "--no-report", *options)
    assert run.returncode in (1, 2)
    assert message in run.stdout + run.stderr
    assert not (tmp_path / "out" / "sim_raw_events.tsv").exists()
