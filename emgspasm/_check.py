"""Validation helpers whose messages name the parameter, what is allowed and what was given."""

import math
from numbers import Integral, Real

from .errors import ConfigError


def invalid(name, allowed, got, error=ConfigError):
    """Build the project's standard "invalid value" error.

    Parameters
    ----------
    name : str
        The parameter, as the user spells it (``"filters.notch"``).
    allowed : str
        What would have been accepted, in words.
    got : object
        The value that was given.
    error : type
        The exception class to build.

    Returns
    -------
    exc : Exception
        An instance of ``error`` ready to raise.
    """
    return error(
        f"Invalid value for the {name!r} parameter. Allowed values are "
        f"{allowed}, but got {got!r} instead."
    )


def check_number(name, value, low=None, high=None, *, low_open=False,
                 high_open=False, integer=False):
    """Return ``value`` as a float (or int) after checking its range.

    ``low``/``high`` are inclusive unless ``low_open``/``high_open``.
    """
    kind = "an integer" if integer else "a number"
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {low:g}")
    if high is not None:
        parts.append(f"{'<' if high_open else '<='} {high:g}")
    allowed = kind + (" " + " and ".join(parts) if parts else "")
    if isinstance(value, bool) or not isinstance(value, Real):
        raise invalid(name, allowed, value)
    if integer and not isinstance(value, Integral):
        if float(value).is_integer():
            value = int(value)
        else:
            raise invalid(name, allowed, value)
    if not math.isfinite(value):
        raise invalid(name, allowed, value)
    if low is not None and (value < low or (low_open and value == low)):
        raise invalid(name, allowed, value)
    if high is not None and (value > high or (high_open and value == high)):
        raise invalid(name, allowed, value)
    return int(value) if integer else float(value)


def check_option(name, value, options):
    """Return ``value`` if it is one of ``options``."""
    if value not in options:
        allowed = " and ".join(
            [", ".join(repr(o) for o in options[:-1]), repr(options[-1])]
        ) if len(options) > 1 else repr(options[0])
        raise invalid(name, allowed, value)
    return value
