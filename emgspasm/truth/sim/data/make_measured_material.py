"""Regenerate ``measured_material.npz`` from the real recordings beside the project.

The measured family (:mod:`emgspasm.truth.sim.measured`) builds recordings
from pieces of real ones. Users' clones do not hold the recordings, so the
pieces ship, small, as ``measured_material.npz``; this script cuts them
again from ``../shared/data/real`` (or the folder given, or
``$EMGSPASM_REAL_DATA``)::

    python emgspasm/truth/sim/data/make_measured_material.py [folder]

What it keeps (sources and licences in ``LICENSES.md``):

* ``noise``: quiet stretches (>= 1 s) of the UCI lower-limb surface
  recordings at 1000 Hz, int16 in units of ``noise_lsb_v`` (the files' own
  resolution, 0.1 uV): half-second windows whose 20-450 Hz RMS is within
  1.35x the channel's 10th percentile, with near-Gaussian amplitudes
  (excess kurtosis < 1) and no sample beyond 5 RMS.
* ``muaps``: motor-unit potentials of the PhysioNet emgdb needle
  recordings at 4000 Hz: peaks beyond 6 robust SD, grouped by the shape of
  their central 12 ms (correlation > 0.9), the median of each group of 8 or
  more (so overlapping discharges of other units average out), tapered to
  zero at the ends, near-duplicates (correlation > 0.95 at any lag up to
  1 ms) dropped.
* ``transients``: the large slow transients (peak beyond 12 robust SD of
  the signal less its 0.3 s running median, spectral peak 15-20 Hz) of the
  vastus medialis channel of UCI ``3Amar`` (gait), 200 ms each at 1000 Hz:
  electrode-contact artefacts of walking.
"""

import os
import sys
from pathlib import Path

import numpy as np
from scipy import signal, stats

OUT = Path(__file__).with_name("measured_material.npz")
DEFAULT_SOURCE = Path(__file__).resolve().parents[5] / "shared" / "data" / "real"
UCI_FILES = ("3Amar", "3Apie", "3Asen", "5Nmar", "5Npie", "5Nsen")
UCI_SFREQ = 1000.0
UCI_HEADER_LINES = 7
NOISE_LSB_V = 1e-7
NOISE_WINDOW_S, NOISE_MIN_S, NOISE_MAX_PER_CHANNEL_S = 0.5, 1.0, 8.0
EMGDB_RECORDS = ("emg_healthy", "emg_myopathy", "emg_neuropathy")
EMGDB_SFREQ = 4000.0
MUAP_HALF_S, MUAP_CORE_S, MUAPS_PER_RECORD = 0.020, 0.006, 8
TRANSIENT_FILE, TRANSIENT_CHANNEL, TRANSIENT_HALF_S, MAX_TRANSIENTS = "3Amar", 2, 0.1, 16


def read_uci(path):
    """The four EMG columns of a UCI lower-limb file, in volts (rows complete only)."""
    rows = []
    for line in path.read_text().splitlines()[UCI_HEADER_LINES:]:
        cells = line.split("\t")[:4]
        if len(cells) == 4 and all(c.strip() for c in cells):
            rows.append([float(c) for c in cells])
    return np.array(rows).T * 1e-3


def read_wfdb16(folder, record):
    """A one-channel WFDB format-16 record, in volts."""
    spec = (folder / f"{record}.hea").read_text().splitlines()[1].split()
    gain = float(spec[2].split("/")[0])  # counts per mV
    baseline = float(spec[4])
    counts = np.fromfile(folder / f"{record}.dat", dtype="<i2").astype(float)
    return (counts - baseline) / gain * 1e-3


def quiet_stretches(x, sfreq):
    """(start, stop) sample pairs of quiet, noise-like stretches of ``x``."""
    sos = signal.butter(4, [20, 450], btype="bandpass", fs=sfreq, output="sos")
    y = signal.sosfiltfilt(sos, x)
    w = int(NOISE_WINDOW_S * sfreq)
    blocks = y[:len(y) // w * w].reshape(-1, w)
    rms = np.sqrt(np.mean(blocks ** 2, axis=1))
    good = ((rms < 1.35 * np.percentile(rms, 10))
            & (stats.kurtosis(blocks, axis=1) < 1.0)
            & (np.max(np.abs(blocks), axis=1) < 5 * rms))
    edges = np.flatnonzero(np.diff(np.concatenate([[0], good.view(np.int8), [0]])))
    out, kept = [], 0
    for a, b in zip(edges[::2], edges[1::2]):
        if (b - a) * NOISE_WINDOW_S < NOISE_MIN_S:
            continue
        stop = min(b * w, a * w + int((NOISE_MAX_PER_CHANNEL_S - kept) * sfreq))
        if stop - a * w < NOISE_MIN_S * sfreq:
            break
        out.append((a * w, stop))
        kept += (stop - a * w) / sfreq
    return out


def muap_templates(x, sfreq):
    """Median-of-group motor-unit potentials of a needle recording."""
    y = signal.sosfiltfilt(signal.butter(2, 10, btype="highpass", fs=sfreq,
                                         output="sos"), x)
    sd = np.median(np.abs(y)) / 0.6745
    half, core = int(MUAP_HALF_S * sfreq), int(MUAP_CORE_S * sfreq)
    peaks, _ = signal.find_peaks(np.abs(y), height=6 * sd, distance=int(0.01 * sfreq))
    peaks = peaks[(peaks > half) & (peaks < len(y) - half)]
    snippets = np.array([y[p - half:p + half + 1] for p in peaks])
    shape = snippets[:, half - core:half + core + 1]
    shape = shape - shape.mean(axis=1, keepdims=True)
    shape /= np.linalg.norm(shape, axis=1, keepdims=True)
    similar = shape @ shape.T > 0.9
    free = np.ones(len(snippets), bool)
    taper = signal.windows.tukey(2 * half + 1, 0.3)
    out = []
    while len(out) < MUAPS_PER_RECORD:
        counts = (similar & free[None, :]).sum(axis=1) * free
        best = int(np.argmax(counts))
        if counts[best] < 8:
            break
        group = free & similar[best]
        out.append(np.median(snippets[group], axis=0) * taper)
        free &= ~group
    return out


def distinct(waves, sfreq):
    """Drop waves that correlate > 0.95 with an earlier one at a lag <= 1 ms."""
    lag = int(0.001 * sfreq)
    kept = []
    for w in waves:
        unit = w / np.linalg.norm(w)
        if all(np.max(np.abs(np.correlate(unit, k / np.linalg.norm(k), "full")
                             [len(w) - 1 - lag:len(w) + lag])) <= 0.95 for k in kept):
            kept.append(w)
    return kept


def contact_transients(x, sfreq):
    """Large slow transients of a gait recording, tapered, 200 ms each."""
    y = x - signal.medfilt(x, int(0.3 * sfreq) | 1)
    sd = np.median(np.abs(y)) / 0.6745
    half = int(TRANSIENT_HALF_S * sfreq)
    peaks, _ = signal.find_peaks(np.abs(y), height=12 * sd, distance=int(0.3 * sfreq))
    peaks = peaks[(peaks >= half) & (peaks < len(y) - half)][:MAX_TRANSIENTS]
    taper = signal.windows.tukey(2 * half, 0.4)
    return [y[p - half:p + half] * taper for p in peaks]


def main(source):
    source = Path(source)
    noise, starts, noise_sources = [], [0], []
    for name in UCI_FILES:
        data = read_uci(source / "uci-lower-limb" / f"{name}.txt")
        for ch, x in enumerate(data):
            for a, b in quiet_stretches(x, UCI_SFREQ):
                piece = x[a:b] - np.mean(x[a:b])
                noise.append(np.round(piece / NOISE_LSB_V).astype(np.int16))
                starts.append(starts[-1] + b - a)
                noise_sources.append(f"uci-lower-limb/{name}.txt column {ch + 1} "
                                     f"samples {a}-{b}")
    muaps, muap_sources = [], []
    for record in EMGDB_RECORDS:
        found = muap_templates(read_wfdb16(source / "physionet-emgdb", record),
                               EMGDB_SFREQ)
        muaps += found
        muap_sources += [f"physionet-emgdb/{record}"] * len(found)
    keep = distinct(muaps, EMGDB_SFREQ)
    muap_sources = [s for s, m in zip(muap_sources, muaps)
                    if any(m is k for k in keep)]
    gait = read_uci(source / "uci-lower-limb" / f"{TRANSIENT_FILE}.txt")[TRANSIENT_CHANNEL]
    transients = contact_transients(gait, UCI_SFREQ)
    np.savez_compressed(
        OUT, noise=np.concatenate(noise), noise_starts=np.array(starts),
        noise_sfreq=UCI_SFREQ, noise_lsb_v=NOISE_LSB_V,
        noise_sources=np.array(noise_sources),
        muaps=np.array(keep, dtype=np.float32), muap_sfreq=EMGDB_SFREQ,
        muap_sources=np.array(muap_sources),
        transients=np.array(transients, dtype=np.float32),
        transient_sfreq=UCI_SFREQ,
        transient_sources=np.array([(f"uci-lower-limb/{TRANSIENT_FILE}.txt column "
                                    f"{TRANSIENT_CHANNEL + 1}")] * len(transients)))
    print(f"{OUT.name}: {(starts[-1]) / UCI_SFREQ:.1f} s of noise in "
          f"{len(noise)} stretches, {len(keep)} motor-unit potentials, "
          f"{len(transients)} contact transients, {OUT.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1
         else os.environ.get("EMGSPASM_REAL_DATA", DEFAULT_SOURCE))
