"""Checks of the fields a session folder's JSON holds, with messages that
name the file, the field, what is allowed and what was found."""

import math

from ...errors import FileFieldError


def checked_field(record, name, valid, allowed, where=None, prefix=""):
    """Check ``record[name]``: a FileFieldError naming the field (and, given
    ``where``, the file) when it is missing or not ``valid``."""
    if name not in record:
        raise FileFieldError((f"{where}: " if where else "")
                             + f"the {prefix + name!r} field is missing.")
    if not valid(record[name]):
        raise FileFieldError.invalid(prefix + name, allowed, record[name], where)


def is_number(value):
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def is_positive(value):
    return is_number(value) and value > 0


def is_time(value):
    return is_number(value) and value >= 0


def is_text(value):
    return isinstance(value, str)


def are_names(value):
    return (isinstance(value, list) and len(value) > 0
            and all(isinstance(n, str) and n for n in value)
            and len(set(value)) == len(value))


def json_kind(value):
    kinds = ((dict, "object"), (list, "list"), (str, "string"), (bool, "boolean"),
             (int, "number"), (float, "number"))
    return next((word for kind, word in kinds if isinstance(value, kind)), "null")


