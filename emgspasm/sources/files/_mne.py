"""Recordings MNE reads (EDF/EDF+, BDF, FIF, BrainVision, ...), opened lazily,
and MNE Raw objects already in memory."""

from datetime import datetime, timezone

from ...engine.vocabulary import LINK_ANNOTATIONS
from ...errors import InputFileError
from .recording import (
    UNIT_SCALE,
    Recording,
    choose,
    header_conflict,
    unit_key,
    unit_scale,
)

#: What EDF writers put in the header when they know no start date (and what
#: MNE exports for a recording without one): not a date to show.
EDF_NO_DATE = datetime(1985, 1, 1, tzinfo=timezone.utc)


def open_mne(path, picks, units):
    import warnings

    import mne
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if path.name.lower().endswith((".edf", ".bdf")):
                # EDF+ types a signal by its label's first word ("EMG chin"):
                # MNE reads that type, and the rest of the label as the name
                raw = mne.io.read_raw_edf(path, preload=False, infer_types=True,
                                          verbose="warning")
            else:
                raw = mne.io.read_raw(path, preload=False, verbose="warning")
    except Exception as err:
        raise InputFileError(
            f"{path.name}: MNE could not read it ({type(err).__name__}: {err}). "
            "The file may be truncated, or not the format its name says.") from err
    notes = [f"MNE: {w.message}" for w in caught]
    if any("file size" in n for n in notes):
        notes.append(f"the file is truncated: analysing the {raw.n_times / raw.info['sfreq']:.1f} s "
                     "it holds; anything after that is missing")
    return recording_from_raw(raw, picks, units, path, notes)


def recording_from_raw(raw, picks, units, path, notes=(), flags=None):
    """A :class:`Recording` reading ``raw`` (an ``mne.io.BaseRaw``) block by
    block: the EMG channels (else EEG, misc and bio ones), in volts.

    Parameters
    ----------
    raw : mne.io.BaseRaw
    picks : list of str | None
    units : str | None
        The unit the stored numbers are really in, where the file states it
        wrongly (a contradiction with the file is noted).
    path : Path
        The file, or a name for a Raw in memory, for messages.
    notes : list of str
        Notes of reading the file so far.
    flags : dict | None
        How messages name the options (``{"units": "--units", "picks":
        "--picks"}`` by default).
    """
    flags = {"units": "--units", "picks": "--picks", **(flags or {})}
    names = list(raw.ch_names)
    # files without channel types (EDF, BrainVision, ...) call everything EEG:
    # there a channel labelled EMG... is EMG
    types = ["emg" if name.upper().startswith("EMG") and kind == "eeg" else kind
             for name, kind in zip(names, raw.get_channel_types())]
    emg = [i for i, t in enumerate(types) if t == "emg"]
    if not emg:
        emg = [i for i, t in enumerate(types) if t in ("eeg", "misc", "bio")]
    idx = choose(names, picks, path, emg)
    chosen = [names[i] for i in idx]
    notes, conflicts = list(notes), []
    scales = [1.0] * len(idx)
    if units:
        given = unit_scale(units, path, flags["units"])
        # MNE gives volts from what the header says: undo the header's unit
        header = _header_units(raw, chosen)
        scales = [given / UNIT_SCALE.get(h, 1.0) for h in header]
        conflicts = [header_conflict(path, name, h, units, flags["units"])
                     for name, h in zip(chosen, header) if h and h != unit_key(units)]
        notes.append(f"samples rescaled as if stored in {units}")
    dropped = [name for name in names if name not in chosen]
    if dropped:
        notes.append(f"left out (not EMG, or not picked): {', '.join(dropped)}")
    notes += _type_notes(chosen, [types[i] for i in idx], path, flags["picks"])

    def read(start, stop):
        data = raw.get_data(picks=idx, start=start, stop=stop)
        if units:
            data *= [[s] for s in scales]
        return data

    meas_date = raw.info["meas_date"]
    if str(path).lower().endswith((".edf", ".bdf")) and meas_date == EDF_NO_DATE:
        meas_date = None
        notes.append("start date 01.01.85 00.00.00 is the EDF header's placeholder "
                     "for an unknown date: no clock times")
    return Recording(path, float(raw.info["sfreq"]), chosen, int(raw.n_times), "mne",
                     notes + conflicts, read, _link_flags(raw, chosen),
                     meas_date, conflicts)



def _header_units(raw, chosen):
    """The voltage unit each channel's header states (``"v"``, ``"mv"``,
    ``"uv"``, ...), or None where it states none. FIF stores volts."""
    orig = getattr(raw, "_orig_units", None) or {}
    fif = any(str(f).lower().endswith((".fif", ".fif.gz")) for f in raw.filenames if f)
    out = []
    for name in chosen:
        unit = unit_key(orig.get(name, "")) if orig else ("v" if fif else "")
        out.append(unit if unit in UNIT_SCALE else None)
    return out


def _type_notes(names, types, path, picks_flag):
    """A note per channel type other than EMG among the analysed channels
    (``types``: MNE's, with EEG channels labelled EMG... counted as EMG)."""
    by_type = {}
    for name, kind in zip(names, types):
        if kind != "emg":
            by_type.setdefault(kind, []).append(name)
    hint = (" (EDF and BDF type a channel only by a prefix of its label, such as "
            "'EMG chin'; without one MNE types it EEG)"
            if path.name.lower().endswith((".edf", ".bdf")) else "")
    return [f"analysed as EMG although typed {kind.upper()}{hint}: {', '.join(chans)}; "
            f"choose channels with {picks_flag}" for kind, chans in by_type.items()]


def _link_flags(raw, chosen):
    """``(channel, start, stop, bit)`` spans from ``LINK_*`` annotations."""
    bits = {label: bit for bit, label in LINK_ANNOTATIONS}
    sfreq = raw.info["sfreq"]
    spans = []
    for ann in raw.annotations:
        bit = bits.get(ann["description"])
        if bit is None:
            continue
        a = int(round(ann["onset"] * sfreq)) - raw.first_samp
        b = a + int(round(ann["duration"] * sfreq))
        for name in ann["ch_names"] or chosen:
            if name in chosen:
                spans.append((chosen.index(name), a, b, bit))
    return spans
