"""Recordings on disk, read in blocks of volts.

:func:`open_recording` picks a reader from the file name:

* anything MNE reads (``mne.io.read_raw``: EDF/EDF+, BDF, FIF, BrainVision,
  EEGLAB, ...), opened without preloading so long files stream from disk;
  an EDF/BDF header is checked first, so a bad field is named;
* WFDB records (``.hea`` + ``.dat``, e.g. PhysioNet), through the ``wfdb``
  package;
* delimited text (``.csv``, ``.tsv``, ``.txt``) with an optional header;
  rows that cannot be read stay as NaN gaps at their time (time is never
  closed up);
* ``.npy`` arrays (memory-mapped).

:func:`open_raw` and :func:`open_array` read data already in memory (an
MNE Raw, an array) the same way, with the same checks.

Every reader yields ``(n_channels, n_samples)`` blocks in volts. Units come
from the file where it states them, else from ``units=``; a recording whose
units or sampling rate are missing, or whose level is implausible for
surface EMG, is refused with a message that names the flag that fixes it.
A path that is not a readable regular file (a FIFO, a folder, no permission)
is refused before anything is read. Channels analysed as EMG though typed
otherwise, and rates below the supported 250 Hz, are noted.
"""


from ._memory import open_array, open_raw
from ._open import open_recording
from .recording import MIN_SUPPORTED_SFREQ, UNIT_SCALE, Recording

__all__ = ["MIN_SUPPORTED_SFREQ", "UNIT_SCALE", "Recording", "open_array", "open_raw",
           "open_recording"]
