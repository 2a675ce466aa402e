"""Regenerate golden_vectors.txt from the Python encoder.

Each line: name type seq channels format rate samples status leadoff scale
n_values values... hex. The C tests rebuild every frame from these fields and
must produce the same bytes; the Python tests decode the bytes and must get
the fields back. Run: python firmware_interface/make_golden.py
"""

from pathlib import Path

import numpy as np

from emgspasm.sources.serial.protocols import emgspasm as P

CASES = [
    ("data_int16_2ch", P.T_DATA, 7, 2, P.FMT_INT16, 2000, 3, 0, 0, 1e-07,
     [1, -2, 300, -400, 32767, -32768]),
    ("data_int24_3ch_leadsoff", P.T_DATA, 65535, 3, P.FMT_INT24, 4000, 2, 1, 0b101,
     2.2351741790771484e-08, [8388607, -8388608, 0, -1, 123456, -654321]),
    ("data_float32_1ch_status", P.T_DATA, 0, 1, P.FMT_FLOAT32, 250, 4, 6, 0, 1.0,
     [1.5e-05, -2.25e-05, 0.0, 0.001]),
    ("data_int16_8ch", P.T_DATA, 4242, 8, P.FMT_INT16, 1000, 2, 0, 0, 5e-07,
     list(range(-8, 8))),
    ("cmd_start", P.T_START, 0, 0, 0, 0, 0, 0, 0, 0.0, []),
    ("cmd_stop", P.T_STOP, 0, 0, 0, 0, 0, 0, 0, 0.0, []),
    ("cmd_identify", P.T_IDENTIFY, 0, 0, 0, 0, 0, 0, 0, 0.0, []),
    ("cmd_set_rate", P.T_SET_RATE, 0, 0, 0, 2000, 0, 0, 0, 0.0, []),
]


def encode_case(case):
    name, ftype, seq, n_ch, fmt, rate, n, status, mask, scale, values = case
    if ftype == P.T_DATA:
        return P.encode_data(np.array(values).reshape(n, n_ch), seq, rate, fmt,
                             np.float32(scale), status, mask)
    return P.encode_command(ftype, rate)


def main():
    lines = ["# name type seq channels format rate samples status leadoff scale "
             "n_values values... hex  (see PROTOCOL.md; made by make_golden.py)"]
    for case in CASES:
        name, ftype, seq, n_ch, fmt, rate, n, status, mask, scale, values = case
        fields = [name, ftype, seq, n_ch, fmt, rate, n, status, mask,
                  repr(float(np.float32(scale))), len(values)] + values
        lines.append(" ".join(str(f) for f in fields) + " " + encode_case(case).hex().upper())
    Path(__file__).with_name("golden_vectors.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
