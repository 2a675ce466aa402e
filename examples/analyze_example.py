"""The whole path in a minute: analyse the bundled example recording.

``example_session.edf`` is two channels of simulated wearable surface EMG
(2 kHz, 2 minutes) with spasms, fasciculations, pops, motion and ECG; the
true events are in ``example_session_truth.tsv``. Run::

    python examples/analyze_example.py

It streams the file through the engine, prints what it found, scores it
against the truth, and writes the events table, summary and HTML report to
``examples/output/``.
"""

from pathlib import Path

from emgspasm.apps.analyze import analyze_file
from emgspasm.outputs.events_table import read_events_tsv
from emgspasm.truth.score import score

HERE = Path(__file__).parent


def main():
    recording = HERE / "example_session.edf"
    result = analyze_file(recording, HERE / "output")
    print(result.message)
    events = read_events_tsv(result.outputs["events"])
    for ev in events:
        if ev.label == "spasm":
            print(f"  spasm on {ev.channel} at {ev.onset:.2f} s: {ev.subtype}, "
                  f"{ev.duration:.1f} s, confirmed {1000 * (ev.detected_at - ev.onset):.0f} ms "
                  "after it began")
    truth = read_events_tsv(HERE / "example_session_truth.tsv")
    result_score = score(truth, events, 2 * 120.0)
    for label in ("spasm", "fasciculation"):
        cs = result_score.classes[label]
        print(f"  {label}s: precision {cs.precision:.2f}, recall {cs.recall:.2f}")
    print(f"report: {result.outputs['report']}")


if __name__ == "__main__":
    main()
