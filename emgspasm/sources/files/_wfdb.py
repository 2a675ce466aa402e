"""WFDB records (``.hea`` + ``.dat``, e.g. PhysioNet), through the ``wfdb`` package."""

import numpy as np

from ...errors import InputFileError
from .recording import (
    UNIT_SCALE,
    Recording,
    choose,
    header_conflict,
    unit_key,
    unit_scale,
)


def open_wfdb(hea, picks, units):
    try:
        import wfdb
    except ImportError:
        raise InputFileError(
            f"{hea.name}: WFDB records need the 'wfdb' package: "
            "pip install 'emgspasm[wfdb]'.") from None
    record_name = str(hea.with_suffix(""))
    try:
        header = wfdb.rdheader(record_name)
    except Exception as err:
        raise InputFileError(f"{hea.name}: not a valid WFDB header ({err}).") from err
    names = list(header.sig_name)
    units_of = [u or "" for u in header.units]
    default = [i for i, u in enumerate(units_of) if u.lower().replace("µ", "u") in UNIT_SCALE]
    idx = choose(names, picks, hea, default)
    scales = [unit_scale(units or units_of[i], hea) for i in idx]
    conflicts = [header_conflict(hea, names[i], unit_key(units_of[i]), units) for i in idx
                 if units and unit_key(units_of[i]) in UNIT_SCALE
                 and unit_key(units_of[i]) != unit_key(units)]
    n_samples = int(header.sig_len or 0)
    dat = hea.with_suffix(".dat")
    if dat.exists() and header.fmt and header.fmt[0] == "16":
        stored = dat.stat().st_size // (2 * header.n_sig)
        if stored < n_samples:
            n_samples = stored
            notes = [f"the .dat file is truncated: {stored} of {header.sig_len} "
                     "samples present; analysing those"]
        else:
            notes = []
    else:
        notes = []

    def read(start, stop):
        rec = wfdb.rdrecord(record_name, sampfrom=start, sampto=stop,
                            channels=idx, physical=True)
        return (rec.p_signal * np.array(scales)[None, :]).T

    return Recording(hea, float(header.fs), [names[i] for i in idx], n_samples,
                     "wfdb", notes + conflicts, read, meas_date=_meas_date(header),
                     conflicts=conflicts)



def _meas_date(header):
    """The record's base date and time (WFDB keeps no time zone: read as
    UTC, as MNE reads EDF), or None without a base date."""
    import datetime as dt
    if header.base_date is None:
        return None
    return dt.datetime.combine(header.base_date, header.base_time or dt.time(),
                               tzinfo=dt.UTC)


