"""The layout of ``raw.bin``: CRC-checked chunks of samples and flags.

A chunk is ``MAGIC``, a header (first sample, samples, channels), the
float64 values and one flag byte per value (channel-major), and the CRC-32
of header and body.
"""

import struct

MAGIC = b"EMGC"
CHUNK = struct.Struct("<QII")  # start sample, samples, channels
CRC = struct.Struct("<I")
HEAD = len(MAGIC) + CHUNK.size
#: Bytes per sample and channel in raw.bin: a float64 value and a flag byte.
BYTES_PER_VALUE = 9
PIECE = 1 << 20
