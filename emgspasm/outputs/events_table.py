"""The BIDS-compatible events table (``events.tsv``) and its JSON sidecar.

Both are written whole or not at all (:mod:`emgspasm.outputs._atomic`).
"""

import csv
import json
import math
from dataclasses import asdict, fields

from .. import __version__
from ..engine.events import Event
from ..engine.vocabulary import BAD_PREFIX, FLAG_NAMES
from ._atomic import replacing, write_text

# Column order of events.tsv: BIDS requires onset and duration first.
TSV_COLUMNS = ("onset", "duration", "trial_type", "channel", "subtype",
               "peak_uv", "confidence", "detected_at", "snr")
_FIELD_OF_COLUMN = {"trial_type": "label"}


def _format(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".") or "0"
    return str(value)


def write_events_tsv(events, path):
    """Write events as a BIDS ``events.tsv`` (``n/a`` where empty).

    Parameters
    ----------
    events : iterable of Event
    path : str or Path
    """
    rows = sorted(events, key=lambda e: (e.onset, e.channel, e.label))
    with replacing(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        fh.write("\t".join(TSV_COLUMNS) + "\n")
        for ev in rows:
            record = event_record(ev)
            fh.write("\t".join(_format(record[col]) for col in TSV_COLUMNS) + "\n")


def read_events_tsv(path):
    """Read an ``events.tsv`` written by :func:`write_events_tsv`.

    Returns
    -------
    events : list of Event
    """
    with open(path, newline="", encoding="utf-8") as fh:
        return [event_from_record({col: None if text == "n/a" else text
                                   for col, text in row.items()})
                for row in csv.DictReader(fh, delimiter="\t")]


def event_record(event):
    """An event as a row of ``events.tsv``: ``{column: value}`` in
    :data:`TSV_COLUMNS` order, None where empty."""
    record = asdict(event)
    return {col: record[_FIELD_OF_COLUMN.get(col, col)] for col in TSV_COLUMNS}


def event_from_record(row):
    """The :class:`Event` of a row of ``events.tsv`` (a mapping of columns
    to values or text; None or NaN where empty; unknown columns ignored)."""
    names = {f.name for f in fields(Event)}
    kwargs = {}
    for col, value in row.items():
        name = _FIELD_OF_COLUMN.get(col, col)
        if name not in names or value is None or (isinstance(value, float)
                                                  and math.isnan(value)):
            continue
        kwargs[name] = str(value) if name in ("label", "channel", "subtype") \
            else float(value)
    return Event(**kwargs)


_COLUMN_DOCS = {
    "onset": {"Description": "Start of the event from the start of the recording",
              "Units": "s"},
    "duration": {"Description": "Length of the event", "Units": "s"},
    "trial_type": {
        "Description": "What the event is",
        "Levels": {
            "fasciculation": "isolated discharge of a single motor unit",
            "spasm": "involuntary contraction sustained >= detector.min_spasm_s",
            "burst": "short multi-unit burst (e.g. a myoclonic jerk)",
            "artifact_pop": "electrode pop (not muscle)",
            "artifact_motion": "motion artefact (not muscle)",
            "artifact_ecg": "ECG complex bleeding into the EMG (not muscle)",
            **{f"{BAD_PREFIX}{name}": f"unusable signal: {name.replace('_', ' ')}"
               for _, name in FLAG_NAMES},
        }},
    "channel": {"Description": "Channel the event was found on"},
    "subtype": {"Description": "tonic/clonic/mixed for spasms, single/doublet "
                               "for fasciculations, flag names for BAD_ stretches"},
    "peak_uv": {"Description": "Largest absolute filtered amplitude in the event",
                "Units": "uV"},
    "confidence": {"Description": "0 at the detection threshold, 0.5 at twice it, "
                                  "0.9 at ten times"},
    "detected_at": {"Description": "Stream time at which the detector committed "
                                   "to the event and its label", "Units": "s"},
    "snr": {"Description": "Peak detection envelope over the channel's noise RMS"},
}


def write_events_sidecar(path, config, recording=None):
    """Write the ``events.json`` sidecar: what each column means (every
    ``trial_type`` level named, as the BIDS validator checks), a
    description, the software and its configuration, and what is known of
    the recording.

    Every key but ``Description`` holds an object, as BIDS sidecars of
    tables do; the software is named in ``Software`` (a BIDS derivatives
    dataset names it again in ``GeneratedBy`` of its
    ``dataset_description.json``, see :mod:`emgspasm.outputs.bids`).

    Parameters
    ----------
    path : str or Path
    config : Config
    recording : dict | None
        Facts about the analysed recording (file, start, rate, channels,
        mains).
    """
    sidecar = {col: _COLUMN_DOCS[col] for col in TSV_COLUMNS}
    sidecar["Description"] = (f"Spasms, fasciculations and bursts found in surface EMG "
                              f"by emgspasm {__version__}, with the artefacts and "
                              "unusable stretches it set aside")
    sidecar["Software"] = {"Name": "emgspasm", "Version": __version__}
    sidecar["Configuration"] = config.to_dict()
    if recording is not None:
        sidecar["Recording"] = recording
    write_text(path, json.dumps(sidecar, indent=2, default=json_default))


def json_default(value):
    """``json.dump`` helper for the numpy scalars and paths results carry."""
    from pathlib import Path

    import numpy as np
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")
