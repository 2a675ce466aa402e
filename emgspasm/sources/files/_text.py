"""Delimited text recordings (``.csv``, ``.tsv``, ``.txt``) with an optional header."""

import re
from collections import Counter

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

_QUOTED = re.compile(r"['\"]([^'\"]+)['\"]")
_UNIT_TOKEN = re.compile(r"(?<![A-Za-z])(uV|µV|μV|mV|V|deg|%)(?![A-Za-z])")
_TIME_NAMES = ("time", "t", "time_s", "seconds", "timestamp")
#: A time column is a regular grid when every time lies this close (in
#: samples) to a grid point.
_GRID_TOLERANCE = 0.25


def open_text(path, picks, units, sfreq):
    header, rows = _text_rows(path)
    delimiter = _delimiter(rows[0][1])
    values, unread, notes = _parse_rows(rows, delimiter)
    width = values.shape[1]
    names, col_units, mismatch = _text_columns(header, width, delimiter)
    time_col = 0 if names[0].lower() in _TIME_NAMES else None
    if sfreq is None:
        sfreq = _rate_from_time(values, time_col, path, mismatch)
    values = _place_rows(values, time_col, sfreq, unread, notes)
    signal_cols = [i for i in range(width) if i != time_col]
    if picks is None:
        volt = [i for i in signal_cols
                if (col_units[i] or "").lower().replace("µ", "u") in UNIT_SCALE]
        default = volt if any(col_units) else signal_cols
        if any(col_units):
            other = [names[i] for i in signal_cols if i not in volt]
            if other:
                notes.append(f"left out (not in volts): {', '.join(other)}")
    else:
        default = None
    idx = choose(names, picks, path, default)
    scales, conflicts = [], []
    for i in idx:
        unit = units or col_units[i]
        stated = unit_key(col_units[i])
        if units and stated in UNIT_SCALE and stated != unit_key(units):
            conflicts.append(header_conflict(path, names[i], stated, units))
        if not unit:
            raise InputFileError(
                f"{path.name}: the unit of column {names[i]!r} is not stated. "
                "Give it with --units V, mV or uV.")
        scales.append(unit_scale(unit, path))
    data = values.T[idx] * np.array(scales)[:, None]
    return Recording(path, float(sfreq), [names[i] for i in idx], data.shape[1],
                     "text", notes + conflicts, lambda a, b: data[:, a:b],
                     conflicts=conflicts)


def _text_rows(path):
    """The header lines, and the body as ``(line number, text)`` of every
    non-blank line from the first numeric one on."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as err:
        raise InputFileError(f"{path.name}: cannot read it ({err.strerror}).") from None
    for start, line in enumerate(lines):
        if line.strip() and _numeric_row(line, _delimiter(line)):
            break
    else:
        raise InputFileError(f"{path.name}: no numeric rows found.")
    return lines[:start], [(number, line) for number, line in
                           enumerate(lines[start:], start + 1) if line.strip()]


def _parse_rows(rows, delimiter):
    """Rows as numbers, one row per sample: a row that is not numbers, or
    has another count of fields than most rows, is all NaN.

    Returns
    -------
    values : ndarray, shape (n_rows, width)
    unread : int
        Rows left as NaN.
    notes : list of str
    """
    fields = [_split(line, delimiter) for _, line in rows]
    width = Counter(map(len, fields)).most_common(1)[0][0]
    values = np.full((len(rows), width), np.nan)
    malformed, ragged = [], []
    for i, ((number, _), row) in enumerate(zip(rows, fields)):
        if len(row) != width:
            ragged.append(number)
            continue
        try:
            values[i] = [float(v) for v in row]
        except ValueError:
            malformed.append(number)
    kinds = []
    if malformed:
        kinds.append(f"{len(malformed)} malformed (not numbers: {_lines(malformed)})")
    if ragged:
        kinds.append(f"{len(ragged)} ragged (not {width} fields like the others: "
                     f"{_lines(ragged)})")
    notes = [f"rows not read: {', '.join(kinds)}"] if kinds else []
    return values, len(malformed) + len(ragged), notes


def _lines(numbers):
    shown = ", ".join(map(str, numbers[:5]))
    return f"line{'s' if len(numbers) > 1 else ''} {shown}" + (
        ", ..." if len(numbers) > 5 else "")


def _rate_from_time(values, time_col, path, mismatch):
    if time_col is None:
        reason = (f"{mismatch}, so no column is known as time" if mismatch
                  else "no time column")
        raise InputFileError(f"{path.name}: the sampling rate is not in the file "
                             f"({reason}). Give it with --sfreq HZ.")
    steps = np.diff(values[:, time_col])
    steps = steps[np.isfinite(steps)]
    step = np.median(steps) if steps.size else 0.0
    if not step > 0:
        raise InputFileError(f"{path.name}: the time column does not increase; "
                             "give the rate with --sfreq HZ.")
    return 1.0 / step


def _place_rows(values, time_col, sfreq, unread, notes):
    """Put each row at its sample: by the time column when its times lie on
    a regular grid, else one sample per row. Rows not read and samples the
    times skip stay as NaN gaps: time is never closed up."""
    grid = None if time_col is None else _time_grid(values[:, time_col], sfreq)
    if grid is None:
        if time_col is not None:
            notes.append("the time column is not a regular grid at "
                         f"{sfreq:g} Hz: one sample per row")
        if unread:
            notes.append(f"{unread} unread row(s) kept as gaps (NaN) in their place")
        return values
    placed = np.full((grid[-1] + 1, values.shape[1]), np.nan)
    placed[grid] = values[np.isfinite(values[:, time_col])]
    missing = len(placed) - len(grid)
    if missing:
        notes.append(f"{missing} sample(s) missing from the time column kept as gaps "
                     "(NaN)")
    return placed


def _time_grid(times, sfreq):
    """Sample index of each finite time (rows before the first one keep
    their places), or None when the times are not on a regular grid or
    would leave more samples missing than there are rows."""
    rows = np.flatnonzero(np.isfinite(times))
    if rows.size < 2:
        return None
    position = rows[0] + (times[rows] - times[rows[0]]) * sfreq
    index = np.round(position).astype(np.int64)
    if (np.any(np.abs(position - index) > _GRID_TOLERANCE)
            or np.any(np.diff(index) <= 0) or index[-1] + 1 > 2 * len(times)):
        return None
    return index


def _delimiter(line):
    for candidate in ("\t", ",", ";"):
        if candidate in line:
            return candidate
    return None


def _split(line, delimiter):
    parts = line.split(delimiter) if delimiter else line.split()
    return [f.strip() for f in parts if f.strip() != ""]


def _numeric_row(line, delimiter):
    try:
        [float(v) for v in _split(line, delimiter)]
        return True
    except ValueError:
        return False


def _text_columns(header, width, delimiter):
    """Column names and units from the header.

    Returns
    -------
    names, units : list
    mismatch : str | None
        Why the header's column line could not name the columns.
    """
    names = [f"col{i}" for i in range(width)]
    col_units = [None] * width
    described = [h for h in header if _QUOTED.search(h)]
    if len(described) == width:
        # one descriptive line per column: "Channel 4: 'Name', ... units: mV"
        for i, line in enumerate(described):
            names[i] = _QUOTED.search(line).group(1)
            unit = _UNIT_TOKEN.findall(line)
            col_units[i] = unit[-1] if unit else None
        return names, col_units, None
    lines = [h for h in header if h.strip()]
    last = _split(lines[-1], delimiter) if lines else []
    if len(last) == width:
        for i, field_ in enumerate(last):
            unit = _UNIT_TOKEN.findall(field_)
            col_units[i] = unit[-1] if unit else None
            names[i] = re.sub(r"[\(\[].*?[\)\]]", "", field_).strip() or names[i]
        return names, col_units, None
    mismatch = None
    if len(last) > 1:
        mismatch = (f"the header line {lines[-1].strip()!r} has {len(last)} fields but "
                    f"the rows have {width}")
    return names, col_units, mismatch


