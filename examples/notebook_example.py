"""emgspasm in a notebook: detect, select, annotate, plot.

Cells (``# %%``) run in Jupyter, VS Code or as a script::

    python examples/notebook_example.py

on the bundled ``example_session.edf`` (two channels of simulated wearable
surface EMG, 2 kHz, 2 minutes). Needs ``pip install 'emgspasm[notebook]'``.
"""

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import mne

import emgspasm

HERE = Path(__file__).parent
raw = mne.io.read_raw_edf(HERE / "example_session.edf", verbose="error")

# %% Detect: one row per event, the columns of events.tsv
events = emgspasm.detect(raw)
print(events.groupby("trial_type").size().to_string())

# %% Select: the spasms, and the fasciculations on one channel
spasms = events[events.trial_type == "spasm"]
print(spasms[["onset", "duration", "channel", "subtype", "confidence"]].to_string())
fasciculations = events[(events.trial_type == "fasciculation") & (events.channel == "EMG1")]
print(f"{len(fasciculations)} fasciculations on EMG1")

# %% Annotate: artefacts and unusable stretches are BAD_, so MNE leaves them out
raw.set_annotations(events.to_annotations())
kept = raw.get_data(reject_by_annotation="omit").shape[1] / raw.n_times
print(f"{100 * kept:.1f} % of the samples are not marked BAD_")

# %% Plot: the signal with its events
fig = emgspasm.plot_events(raw, events)
fig.savefig(HERE / "output" / "notebook_example.png", dpi=80)
plt.close(fig)
