"""Events in a BIDS dataset: a derivatives dataset beside the recordings.

emgspasm's findings are derived data, so they go to
``<bids_root>/derivatives/emgspasm/``: a ``dataset_description.json``
(``DatasetType: derivative``, ``GeneratedBy`` naming emgspasm and its
version) and, per recording, ``sub-*/[ses-*/]<datatype>/<name>_events.tsv``
with its ``_events.json`` sidecar (the same table and sidecar as
``analyze --out``). The events file takes the recording's entities. BIDS
would name it ``desc-emgspasm`` too, but the BIDS validator (3.0.2, schema
1.11.1) refuses ``desc`` on events files, so the derivatives folder is what
names the software.

A recording outside a BIDS dataset is first written into one, as EMG in
EDF through ``mne_bids.write_raw_bids``, from the analysed channels (volts,
typed EMG, dated).
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..errors import ConfigError, InputFileError, OutputFileError
from ._atomic import write_text
from .events_table import write_events_sidecar, write_events_tsv

#: The BIDS version the derivatives follow (EMG joined BIDS in 1.11).
BIDS_VERSION = "1.11.0"
PIPELINE = "emgspasm"
_LABEL = re.compile(r"[A-Za-z0-9]+")


def bids_path_of(path, bids_root):
    """The BIDS path of a recording inside ``bids_root``, or None when the
    file is not in that dataset.

    Parameters
    ----------
    path, bids_root : str or Path

    Returns
    -------
    bids_path : mne_bids.BIDSPath | None

    Raises
    ------
    InputFileError
        When the file lies in the dataset but its name is not a BIDS name.
    ConfigError
        When mne-bids is not installed.
    """
    try:
        from mne_bids import get_bids_path_from_fname
    except ImportError as err:
        raise ConfigError(f"--bids-root needs mne-bids, which cannot be imported ({err}): "
                          "pip install 'emgspasm[bids]'.") from None
    path, root = Path(path).resolve(), Path(bids_root).resolve()
    if not path.is_relative_to(root):
        return None
    try:
        bids_path = get_bids_path_from_fname(path, verbose="error")
    except (ValueError, RuntimeError) as err:
        raise InputFileError(f"{path.name}: inside the BIDS dataset {root} (--bids-root) "
                             f"but not a BIDS file name ({err}).") from None
    return bids_path.update(root=root)


def write_raw(recording, bids_root, entities, line_freq=None):
    """Write ``recording`` into the BIDS dataset ``bids_root`` as EMG (EDF).

    Parameters
    ----------
    recording : Recording
        Its analysed channels are written, in volts, typed EMG, with its
        ``meas_date``; samples that are not finite are written as 0.
    bids_root : str or Path
    entities : dict
        ``subject`` (required), ``session``, ``task`` (required), ``run``:
        BIDS labels (letters and digits).
    line_freq : float | None
        Mains frequency found, for ``PowerLineFrequency`` (None: ``n/a``).

    Returns
    -------
    bids_path : mne_bids.BIDSPath
        Of the EMG file written.
    """
    import mne
    import numpy as np
    from mne_bids import BIDSPath, write_raw_bids

    from .annotations import lazy_raw
    bids_path = BIDSPath(root=bids_root, datatype="emg", **check_entities(entities))
    raw = lazy_raw(lambda a, b: np.nan_to_num(recording.read(a, b), nan=0.0, posinf=0.0,
                                              neginf=0.0),
                   recording.n_samples, recording.sfreq, recording.ch_names,
                   recording.path, recording.meas_date)
    raw.load_data(verbose="error")
    raw.info["line_freq"] = line_freq
    with mne.utils.use_log_level("error"):
        return write_raw_bids(raw, bids_path, format="EDF", allow_preload=True,
                              emg_placement="Other", overwrite=True, verbose="error")


def check_entities(entities):
    """``entities`` without the empty ones, each a valid BIDS label.

    Raises
    ------
    InputFileError
        Naming the option (``--bids-subject``, ...), what BIDS allows and
        what was given.
    """
    out = {k: str(v) for k, v in entities.items() if v not in (None, "")}
    for name in ("subject", "task"):
        if name not in out:
            raise InputFileError(f"the recording is not in the BIDS dataset: give its "
                                 f"{name} with --bids-{name} LABEL (letters and digits).")
    for name, value in out.items():
        if not _LABEL.fullmatch(value):
            raise InputFileError(f"Invalid value for the '--bids-{name}' parameter. "
                                 f"Allowed values are BIDS labels (letters and digits "
                                 f"only), but got {value!r} instead.")
    return out


def write_derivatives(bids_path, events, config, recording_info):
    """Write the events of the recording at ``bids_path`` into
    ``<root>/derivatives/emgspasm/`` (see the module).

    Parameters
    ----------
    bids_path : mne_bids.BIDSPath
        The analysed recording (its root is the BIDS dataset).
    events : list of Event
    config : Config
    recording_info : dict
        As in the ``Recording`` object of ``events.json``.

    Returns
    -------
    paths : dict
        ``{"bids_events": ..., "bids_sidecar": ...}``.
    """
    root = Path(bids_path.root) / "derivatives" / PIPELINE
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputFileError(f"{root} (--bids-root): cannot be created "
                              f"({err.strerror}).") from None
    write_text(root / "dataset_description.json", json.dumps(dataset_description(),
                                                              indent=2))
    events_path = bids_path.copy().update(root=root, suffix="events", extension=".tsv",
                                          split=None, description=None, check=False)
    folder = Path(events_path.directory)
    folder.mkdir(parents=True, exist_ok=True)
    tsv = folder / events_path.basename
    sidecar = tsv.with_suffix(".json")
    write_events_tsv(events, tsv)
    write_events_sidecar(sidecar, config, recording_info)
    return {"bids_events": str(tsv), "bids_sidecar": str(sidecar)}


def dataset_description():
    """The derivatives dataset's ``dataset_description.json``."""
    return {
        "Name": "emgspasm: spasms and fasciculations detected in surface EMG",
        "BIDSVersion": BIDS_VERSION,
        "DatasetType": "derivative",
        "GeneratedBy": [{"Name": "emgspasm", "Version": __version__,
                         "Description": "Real-time detection of spasms and "
                                        "fasciculations in surface EMG"}],
    }


@dataclass(frozen=True)
class BidsTarget:
    """Where ``analyze --bids-root`` puts a recording's events.

    Attributes
    ----------
    root : str
        The BIDS dataset.
    subject, session, task, run : str | None
        Entities of a recording outside the dataset (written into it);
        ignored for a recording inside it, whose file name gives them.
    """

    root: str
    subject: str | None = None
    session: str | None = None
    task: str | None = "rest"
    run: str | None = None

    def locate(self, path):
        """The BIDS path of the recording at ``path`` when it lies in the
        dataset, else None once the entities to write it with are checked:
        cheap, so a bad option is refused before the analysis starts."""
        bids_path = bids_path_of(path, self.root)
        if bids_path is None:
            check_entities(self.entities)
        return bids_path

    @property
    def entities(self):
        """The entities given, by mne_bids' names."""
        return {"subject": self.subject, "session": self.session, "task": self.task,
                "run": self.run}

    def write(self, bids_path, recording, events, config, info, line_freq=None):
        """Write the derivatives (and first the recording, when ``bids_path``
        is None: it lies outside the dataset).

        Returns
        -------
        paths : dict
            ``bids_events``, ``bids_sidecar`` and, when written, ``bids_raw``.
        """
        paths = {}
        if bids_path is None:
            bids_path = write_raw(recording, self.root, self.entities, line_freq)
            paths["bids_raw"] = str(bids_path.fpath)
        paths.update(write_derivatives(bids_path, events, config, info))
        return paths
