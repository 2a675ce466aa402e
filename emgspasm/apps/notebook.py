"""Detection in a notebook: an MNE Raw or an array in, a DataFrame of events out.

:func:`detect` runs the one streaming engine over the data in blocks (a
long Raw is read piece by piece, never copied whole), picking channels as
``emgspasm analyze`` does, and returns the events as an
:class:`EventsFrame`: a :class:`pandas.DataFrame` with the columns of
``events.tsv`` whose :meth:`~EventsFrame.to_annotations` gives
:class:`mne.Annotations` for ``raw.set_annotations``, described as in the
annotated FIF and EDF files. :func:`plot_events` draws the signal with the
events marked.

Levels implausible for surface EMG (microvolts passed as volts) are refused,
naming the level and the ``units`` to pass; a ``units`` that contradicts
what a file's header states is a :class:`UserWarning` and a note
(``frame.attrs["notes"]``).
"""

import functools
import warnings

import numpy as np

from ..errors import InputDataError
from ..outputs.annotations import event_description, events_to_annotations
from ..outputs.events_table import TSV_COLUMNS, event_from_record, event_record
from ..sources.files import open_array, open_raw
from .analyze import replay

#: Colours of the event classes in :func:`plot_events`.
_COLOURS = {"spasm": "tab:red", "fasciculation": "tab:blue", "burst": "tab:orange"}
_BAD_COLOUR = "0.6"
#: Points per channel drawn by :func:`plot_events` (min/max envelope).
_PLOT_BINS = 4000


def detect(data, sfreq=None, ch_names=None, config=None, units=None, picks=None):
    """Find spasms, fasciculations, bursts and artefacts.

    Parameters
    ----------
    data : mne.io.BaseRaw | array_like
        A Raw (its EMG channels are analysed, else its EEG, misc and bio
        ones), or samples of shape ``(n_channels, n_samples)`` or
        ``(n_samples,)``.
    sfreq : float | None
        Sampling rate (Hz) of an array; a Raw carries its own.
    ch_names : list of str | None
        Names of an array's rows (default ``EMG1``, ``EMG2``, ...).
    config : Config | None
    units : {"V", "mV", "uV"} | None
        The unit of an array's numbers (None: volts); for a Raw, the unit
        its numbers are really in when the file states it wrongly (None:
        trust the Raw).
    picks : list of str | None
        Channels to analyse.

    Returns
    -------
    events : EventsFrame
        One row per event, columns as in ``events.tsv`` (``onset``,
        ``duration``, ``trial_type``, ``channel``, ``subtype``, ``peak_uv``,
        ``confidence``, ``detected_at``, ``snr``; NaN or None where empty),
        sorted by onset. ``attrs`` holds ``meas_date``, ``sfreq``,
        ``ch_names`` and the ``notes`` of reading.

    Raises
    ------
    InputDataError
        When the data cannot be analysed: no rate, a shape that is not
        channels x samples, names that do not match, or a level implausible
        for surface EMG (the message names the level and the units to pass).

    Warns
    -----
    UserWarning
        When ``units`` contradicts the unit a Raw's file states.

    Examples
    --------
    >>> events = emgspasm.detect(raw)                        # doctest: +SKIP
    >>> spasms = events[events.trial_type == "spasm"]        # doctest: +SKIP
    >>> raw.set_annotations(events.to_annotations())         # doctest: +SKIP
    """
    if _is_raw(data):
        for name, value in (("sfreq", sfreq), ("ch_names", ch_names)):
            if value is not None:
                raise InputDataError(
                    f"Invalid value for the {name!r} parameter: an MNE Raw carries its "
                    f"own {name}, but got {value!r}. Leave it out (choose channels "
                    "with picks=).")
        rec = open_raw(data, picks=picks, units=units)
    else:
        rec = open_array(data, sfreq, ch_names, picks=picks, units=units)
    for conflict in rec.conflicts:
        warnings.warn(conflict, UserWarning, stacklevel=2)
    events, _, _ = replay(rec, config)
    return events_frame(events, meas_date=rec.meas_date, sfreq=rec.sfreq,
                        ch_names=list(rec.ch_names), notes=list(rec.notes))


def events_frame(events, **attrs):
    """Events as an :class:`EventsFrame` sorted by onset (``attrs`` kept).

    Parameters
    ----------
    events : list of Event
    **attrs
        Stored in ``frame.attrs`` (``meas_date`` is the ``orig_time`` of
        :meth:`EventsFrame.to_annotations`).
    """
    ordered = sorted(events, key=lambda e: (e.onset, e.channel, e.label))
    frame = _frame_class()([event_record(e) for e in ordered], columns=list(TSV_COLUMNS))
    frame = frame.astype({col: float for col in ("onset", "duration", "peak_uv",
                                                  "confidence", "detected_at", "snr")})
    frame.attrs.update(attrs)
    return frame


@functools.cache
def _frame_class():
    """:class:`EventsFrame`, built on first use so that importing this
    module does not import pandas."""
    import pandas as pd

    class EventsFrame(pd.DataFrame):
        """Events as a DataFrame (columns of ``events.tsv``); filtering keeps
        the type, so a selection converts to annotations too."""

        @property
        def _constructor(self):
            return EventsFrame

        def to_events(self):
            """The rows as :class:`~emgspasm.engine.events.Event` objects."""
            return [event_from_record(row) for row in self.to_dict("records")]

        def to_annotations(self, orig_time="auto"):
            """The events as channel-specific :class:`mne.Annotations`,
            described as in the annotated FIF and EDF files
            (``spasm/tonic``, ``BAD_artifact_pop``, ...).

            Parameters
            ----------
            orig_time : datetime | None | "auto"
                ``"auto"``: the analysed recording's start
                (``raw.info["meas_date"]``), so ``raw.set_annotations``
                places them on the right samples.
            """
            if orig_time == "auto":
                orig_time = self.attrs.get("meas_date")
            return events_to_annotations(self.to_events(), orig_time)

        def descriptions(self):
            """The annotation description of each row."""
            return [event_description(e) for e in self.to_events()]

    EventsFrame.__name__ = EventsFrame.__qualname__ = "EventsFrame"
    return EventsFrame


def plot_events(raw, events, picks=None, ax=None):
    """The signal of each channel with its events marked.

    Parameters
    ----------
    raw : mne.io.BaseRaw
        Read in blocks; drawn as a min/max envelope of at most 4000 points
        per channel.
    events : DataFrame
        As :func:`detect` returns (a selection of it will do).
    picks : list of str | None
        Channels to draw (default: those of ``events.attrs["ch_names"]``,
        else every channel with an event).
    ax : list of matplotlib Axes | None
        One per channel; default: a new figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    channels = list(picks or events.attrs.get("ch_names") or
                    dict.fromkeys(events["channel"]))
    missing = [c for c in channels if c not in raw.ch_names]
    if missing or not channels:
        raise InputDataError(
            f"Invalid value for the 'picks' parameter. Allowed values are channels of "
            f"the Raw ({', '.join(raw.ch_names)}), but got {missing or channels!r}.")
    if ax is None:
        fig, ax = plt.subplots(len(channels), 1, sharex=True, squeeze=False,
                               figsize=(10, 1.6 + 1.4 * len(channels)))
        ax = list(ax[:, 0])
    fig = ax[0].figure
    sfreq = raw.info["sfreq"]
    for axis, channel in zip(ax, channels):
        times, low, high = _envelope(raw, channel)
        axis.fill_between(times, low * 1e6, high * 1e6, color="k", lw=0.4, step="mid")
        for row in events[events["channel"] == channel].itertuples():
            colour = _COLOURS.get(row.trial_type, _BAD_COLOUR)
            axis.axvspan(row.onset, row.onset + max(row.duration, 1 / sfreq),
                         color=colour, alpha=0.35, lw=0)
        axis.set_ylabel(f"{channel}\n(µV)")
    ax[-1].set_xlabel("time (s)")
    ax[-1].set_xlim(0, raw.n_times / sfreq)
    ax[0].legend(handles=[Patch(color=c, alpha=0.35, label=k) for k, c in _COLOURS.items()]
                 + [Patch(color=_BAD_COLOUR, alpha=0.35, label="artefact / BAD_")],
                 loc="upper right", ncols=4, fontsize="small")
    return fig


def _envelope(raw, channel):
    """Times, minima and maxima of ``channel`` in at most ``_PLOT_BINS``
    bins, read block by block."""
    n = raw.n_times
    per_bin = max(1, int(np.ceil(n / _PLOT_BINS)))
    block = per_bin * max(1, int(10 * raw.info["sfreq"]) // per_bin)
    low, high = [], []
    for start in range(0, n, block):
        x = raw.get_data(picks=[channel], start=start, stop=min(n, start + block))[0]
        x = np.where(np.isfinite(x), x, 0.0)
        x = np.pad(x, (0, -len(x) % per_bin), mode="edge").reshape(-1, per_bin)
        low.append(np.nanmin(x, axis=1))
        high.append(np.nanmax(x, axis=1))
    low, high = np.concatenate(low), np.concatenate(high)
    times = (np.arange(len(low)) + 0.5) * per_bin / raw.info["sfreq"]
    return times, low, high


def _is_raw(data):
    """True for an ``mne.io.BaseRaw`` (without importing MNE for an array)."""
    import sys
    mne = sys.modules.get("mne")
    return mne is not None and isinstance(data, mne.io.BaseRaw)
