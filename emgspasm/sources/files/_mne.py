"""Recordings MNE reads (EDF/EDF+, BDF, FIF, BrainVision, ...), opened lazily."""

from ...engine.vocabulary import LINK_ANNOTATIONS
from ...errors import InputFileError
from .recording import Recording, choose, unit_scale


def open_mne(path, picks, units):
    import warnings

    import mne
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            raw = mne.io.read_raw(path, preload=False, verbose="warning")
    except Exception as err:
        raise InputFileError(
            f"{path.name}: MNE could not read it ({type(err).__name__}: {err}). "
            "The file may be truncated, or not the format its name says.") from err
    names = list(raw.ch_names)
    # files without channel types (EDF, BrainVision, ...) call everything EEG:
    # there a channel labelled EMG... is EMG
    types = ["emg" if name.upper().startswith("EMG") and kind == "eeg" else kind
             for name, kind in zip(names, raw.get_channel_types())]
    emg = [i for i, t in enumerate(types) if t == "emg"]
    if not emg:
        emg = [i for i, t in enumerate(types) if t in ("eeg", "misc", "bio")]
    idx = choose(names, picks, path, emg)
    scale = unit_scale(units, path) if units else 1.0
    notes = [f"MNE: {w.message}" for w in caught]
    if any("file size" in n for n in notes):
        notes.append(f"the file is truncated: analysing the {raw.n_times / raw.info['sfreq']:.1f} s "
                     "it holds; anything after that is missing")
    if units:
        notes.append(f"samples rescaled as if stored in {units}")
    dropped = [names[i] for i in range(len(names)) if i not in idx]
    if dropped:
        notes.append(f"left out (not EMG, or not picked): {', '.join(dropped)}")
    notes += _type_notes([names[i] for i in idx], [types[i] for i in idx], path)

    def read(start, stop):
        data = raw.get_data(picks=idx, start=start, stop=stop)
        return data * scale

    chosen = [names[i] for i in idx]
    return Recording(path, float(raw.info["sfreq"]), chosen, int(raw.n_times), "mne",
                     notes, read, _link_flags(raw, chosen))


def _type_notes(names, types, path):
    """A note per channel type other than EMG among the analysed channels
    (``types``: MNE's, with EEG channels labelled EMG... counted as EMG)."""
    by_type = {}
    for name, kind in zip(names, types):
        if kind != "emg":
            by_type.setdefault(kind, []).append(name)
    hint = (" (EDF and BDF do not store channel types: MNE types every channel EEG)"
            if path.name.lower().endswith((".edf", ".bdf")) else "")
    return [f"analysed as EMG although typed {kind.upper()}{hint}: {', '.join(chans)}; "
            "choose channels with --picks" for kind, chans in by_type.items()]


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


