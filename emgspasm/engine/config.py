"""One validated configuration object for the whole engine.

A :class:`Config` groups four sections (``filters``, ``envelope``,
``quality``, ``detector``). It is immutable; load it from a TOML file with
:meth:`Config.from_toml`, change values with :meth:`Config.with_overrides`
(the CLI's ``--set section.key=value``), and write it out with
:meth:`Config.to_dict`. Every value is checked when the object is built, and
a bad one raises :class:`~emgspasm.errors.ConfigError` naming the parameter,
what is allowed and what was given.

Defaults follow surface-EMG practice: a 20-450 Hz band-pass (SENIAM and
De Luca et al. 2010, J Biomech 43:1573, who show that a 20 Hz high-pass
removes movement artefact while keeping the EMG), a mains notch with its
harmonics, and a 50 ms moving-RMS envelope (Merletti & Di Torino 1999,
"Standards for reporting EMG data").
"""

import dataclasses
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from .._check import check_number, check_option, invalid
from ..errors import ConfigError


def _param(default, doc):
    return field(default=default, metadata={"doc": doc})


@dataclass(frozen=True)
class FilterConfig:
    """Band-pass and mains notch.

    Attributes
    ----------
    bandpass_low_hz : float
        High-pass edge of the Butterworth band-pass.
    bandpass_high_hz : float
        Low-pass edge; clipped to 0.45 x the sampling rate when it does not
        fit below Nyquist (so 250 Hz and 500 Hz sensors work).
    bandpass_order : int
        Butterworth order of each edge (the band-pass has twice as many poles).
    notch : str or float
        ``"auto"`` (decide 50 Hz, 60 Hz or none from the first
        ``notch_auto_s`` seconds), ``"off"``, or the mains frequency ``50``/``60``.
    notch_q : float
        Quality factor of every notch (bandwidth = frequency / Q).
    notch_harmonics : bool
        Also notch every harmonic of the mains below Nyquist.
    notch_auto_s : float
        Length of signal the ``"auto"`` decision looks at.
    """

    bandpass_low_hz: float = _param(20.0, "band-pass lower edge (Hz)")
    bandpass_high_hz: float = _param(450.0, "band-pass upper edge (Hz)")
    bandpass_order: int = _param(4, "Butterworth order per edge")
    notch: object = _param("auto", "'auto', 'off', 50 or 60")
    notch_q: float = _param(30.0, "notch quality factor")
    notch_harmonics: bool = _param(True, "notch the harmonics too")
    notch_auto_s: float = _param(2.0, "seconds the 'auto' notch decision uses")

    def __post_init__(self):
        low = check_number("filters.bandpass_low_hz", self.bandpass_low_hz,
                           0, 5000, low_open=True)
        high = check_number("filters.bandpass_high_hz", self.bandpass_high_hz,
                            0, 5000, low_open=True)
        if high <= low:
            raise invalid("filters.bandpass_high_hz",
                          f"numbers above filters.bandpass_low_hz ({low:g})",
                          self.bandpass_high_hz)
        check_number("filters.bandpass_order", self.bandpass_order, 1, 8,
                     integer=True)
        if isinstance(self.notch, str):
            check_option("filters.notch", self.notch, ("auto", "off", 50, 60))
        else:
            check_option("filters.notch",
                         check_number("filters.notch", self.notch),
                         ("auto", "off", 50, 60))
        check_number("filters.notch_q", self.notch_q, 1, 200)
        _check_bool("filters.notch_harmonics", self.notch_harmonics)
        check_number("filters.notch_auto_s", self.notch_auto_s, 0.1, 60)


@dataclass(frozen=True)
class EnvelopeConfig:
    """The moving-RMS envelope of the filtered signal.

    Attributes
    ----------
    rms_window_s : float
        Length of the moving-RMS window.
    """

    rms_window_s: float = _param(0.05, "moving-RMS window (s)")

    def __post_init__(self):
        check_number("envelope.rms_window_s", self.rms_window_s, 0.001, 10)


@dataclass(frozen=True)
class QualityConfig:
    """Flags for samples that cannot be trusted.

    Attributes
    ----------
    clip_level_v : float
        Absolute level (V) at or above which a sample counts as clipped;
        0 disables the level test. A run of ``clip_run`` equal samples at the
        largest magnitude seen so far counts as clipped in any case.
    clip_run : int
        Equal consecutive samples at the extreme that mark saturation.
    flat_s : float
        A channel whose samples stay exactly equal this long is flagged flat
        (stuck ADC or leads off).
    """

    clip_level_v: float = _param(0.0, "clip level in volts, 0 = off")
    clip_run: int = _param(3, "equal samples at the extreme = clipped")
    flat_s: float = _param(0.1, "seconds of identical samples = flat")

    def __post_init__(self):
        check_number("quality.clip_level_v", self.clip_level_v, 0, 100)
        check_number("quality.clip_run", self.clip_run, 2, 10_000, integer=True)
        check_number("quality.flat_s", self.flat_s, 0.001, 60)


@dataclass(frozen=True)
class DetectorConfig:
    """Burst detection and the spasm / fasciculation rules.

    Attributes
    ----------
    window_s : float
        Moving-RMS window of the detection envelope. Short, so a 5 ms motor
        unit potential stands out of the noise.
    on_snr, off_snr : float
        A burst starts when the detection envelope exceeds ``on_snr`` times
        the channel's noise RMS and ends when it falls below ``off_snr`` times.
    hangover_s : float
        Quiet time after the envelope falls below the off threshold before a
        burst is declared over (joins the phases of one discharge).
    ring_fraction : float
        Both thresholds stay above this fraction of a peak-hold of the
        envelope that decays at the filters' ring-down rate, so the echo of
        a large discharge through the mains notches is not activity.
    noise_adapt_s : float
        Time constant of the noise-floor tracker. Bursts freeze it.
    fasc_max_s : float
        Longest activity that can still be one motor-unit discharge, before
        a strong one's ring and tail (see ``Detector``): past it, a burst is
        announced as multi-unit activity.
    report_due_s : float
        A clean discharge is reported as soon as it ends; one still going
        this long after its envelope rose (a doublet or triplet, whose
        discharges 4-15 ms apart merge into one burst) is reported then, and
        settled when its burst ends. Bounds the reporting latency; 0 reports
        a discharge only once it has ended (fewer reports withdrawn).
    doublet_max_s : float
        A second discharge starting this soon after a fasciculation's onset
        makes it a doublet (intra-doublet intervals are 5-15 ms, Mills 2010)
        instead of a second event.
    isolation_s : float
        A fasciculation needs this much quiet since the last multi-unit burst
        (Mills 2011, surface fasciculation studies: 250 ms).
    train_count : int
        This many short bursts in a row, each within ``merge_gap_s`` of the
        last, are a rhythmic train (clonus), not fasciculations.
    merge_gap_s : float
        Bursts closer than this belong to one spasm (covers a 3 Hz clonus and
        short dips in a tonic spasm).
    confirm_s : float
        Activity after which a burst is confirmed as a spasm (counted from
        the fasciculations that led into it, if any, a third of it the
        burst's own).
    min_spasm_s : float
        A confirmed spasm that ends shorter than this is re-labelled a
        short burst (``burst``).
    min_burst_s : float
        Shortest multi-unit burst reported as ``burst`` (myoclonic jerks are
        40-500 ms); shorter non-fasciculation blips are ignored.
    episode_gap_s : float
        Spasms that follow each other within this time form one episode.
    clonic_modulation : float
        Envelope modulation depth in 3-8 Hz above which a stretch of a spasm
        counts as clonic.
    artifact_lowfreq_ratio : float
        A burst whose raw 2-20 Hz energy exceeds this multiple of its
        band-passed energy is an artefact: pops, motion and ECG live in that
        band, muscle bursts measure below 0.1.
    fasc_max_lowfreq_ratio : float
        Stricter bound for a single discharge: a fasciculation's 2-20 Hz
        energy must not exceed this multiple of its band-passed energy
        (clean motor-unit potentials measure below 0.1; residues of a QRS
        or a step measure 1-5). Short bursts above it are artefacts.
    artifact_max_freq_hz : float
        A burst whose band-passed content is pitched below this (TKEO mean
        frequency) is an artefact: surface motor-unit potentials sit at
        60-200 Hz, the high-pass leak of a QRS or a step at 20-45 Hz.
    fasc_max_uv : float
        Largest band-passed peak (uV) of one motor unit's surface potential:
        a burst short enough for a fasciculation but larger than this, outside
        a spasm, is a pop. Surface potentials of single units measure tens to
        hundreds of microvolts, and the largest units of reinnervated muscle
        (ALS) about a millivolt; electrode spikes and contact transients
        reach several millivolts. 0 sets no limit (for an electrode over an
        exceptionally large unit, or a sensor whose units are not volts).
    """

    window_s: float = _param(0.008, "detection envelope window (s)")
    on_snr: float = _param(5.0, "burst start threshold (x noise RMS)")
    off_snr: float = _param(2.5, "burst end threshold (x noise RMS)")
    hangover_s: float = _param(0.008, "quiet time that ends a burst (s)")
    ring_fraction: float = _param(
        0.3, "thresholds stay above this fraction of the decaying peak envelope")
    noise_adapt_s: float = _param(60.0, "noise-floor time constant (s)")
    fasc_max_s: float = _param(0.03, "longest fasciculation activity (s)")
    report_due_s: float = _param(0.02, "a discharge still going is reported this late (s)")
    doublet_max_s: float = _param(0.025, "second discharge within this = doublet (s)")
    isolation_s: float = _param(0.25, "quiet before a fasciculation (s)")
    train_count: int = _param(3, "short bursts in a row (each within merge_gap_s) = a train")
    merge_gap_s: float = _param(0.35, "largest gap inside one spasm (s)")
    confirm_s: float = _param(0.2, "sustained activity that confirms a spasm (s)")
    min_spasm_s: float = _param(0.5, "shortest spasm (s)")
    min_burst_s: float = _param(0.04, "shortest reported multi-unit burst (s)")
    episode_gap_s: float = _param(60.0, "spasms this close are one episode (s)")
    clonic_modulation: float = _param(0.3, "3-8 Hz envelope modulation = clonic")
    artifact_lowfreq_ratio: float = _param(
        3.0, "raw 2-20 Hz / band energy above which a burst is an artefact")
    fasc_max_lowfreq_ratio: float = _param(
        1.0, "2-20 Hz / band energy above which a short burst is an artefact")
    artifact_max_freq_hz: float = _param(
        45.0, "TKEO mean frequency below which a burst is an artefact (Hz)")
    fasc_max_uv: float = _param(
        2000.0, "largest fasciculation peak, larger brief bursts are pops (uV, 0 = no limit)")

    def __post_init__(self):
        p = "detector."
        check_number(p + "window_s", self.window_s, 0.002, 0.2)
        on = check_number(p + "on_snr", self.on_snr, 1, 1000, low_open=True)
        off = check_number(p + "off_snr", self.off_snr, 1, 1000, low_open=True)
        if off > on:
            raise invalid(p + "off_snr", f"numbers <= detector.on_snr ({on:g})",
                          self.off_snr)
        check_number(p + "hangover_s", self.hangover_s, 0, 1)
        check_number(p + "ring_fraction", self.ring_fraction, 0, 0.9)
        check_number(p + "noise_adapt_s", self.noise_adapt_s, 1, 3600)
        fasc_max = check_number(p + "fasc_max_s", self.fasc_max_s, 0.002, 0.2)
        check_number(p + "report_due_s", self.report_due_s, 0, fasc_max)
        check_number(p + "doublet_max_s", self.doublet_max_s, 0, 0.2)
        check_number(p + "isolation_s", self.isolation_s, 0, 10)
        check_number(p + "train_count", self.train_count, 2, 100, integer=True)
        check_number(p + "merge_gap_s", self.merge_gap_s, 0, 10)
        minimum = check_number(p + "min_spasm_s", self.min_spasm_s, 0.05, 600)
        check_number(p + "confirm_s", self.confirm_s, 0.01, minimum)
        check_number(p + "min_burst_s", self.min_burst_s, 0, minimum)
        check_number(p + "episode_gap_s", self.episode_gap_s, 0, 86400)
        check_number(p + "clonic_modulation", self.clonic_modulation, 0, 10,
                     low_open=True)
        check_number(p + "artifact_lowfreq_ratio", self.artifact_lowfreq_ratio,
                     0, 1000, low_open=True)
        check_number(p + "fasc_max_lowfreq_ratio", self.fasc_max_lowfreq_ratio,
                     0, self.artifact_lowfreq_ratio, low_open=True)
        check_number(p + "artifact_max_freq_hz", self.artifact_max_freq_hz,
                     0, 5000)
        check_number(p + "fasc_max_uv", self.fasc_max_uv, 0, 1e6)


def _check_bool(name, value):
    if not isinstance(value, bool):
        raise invalid(name, "true and false", value)


_SECTIONS = {
    "filters": FilterConfig,
    "envelope": EnvelopeConfig,
    "quality": QualityConfig,
    "detector": DetectorConfig,
}


@dataclass(frozen=True)
class Config:
    """The complete engine configuration.

    Attributes
    ----------
    filters : FilterConfig
    envelope : EnvelopeConfig
    quality : QualityConfig
    detector : DetectorConfig

    Examples
    --------
    >>> from emgspasm import Config
    >>> cfg = Config().with_overrides({"filters.notch": 50})
    >>> cfg.filters.notch
    50
    """

    filters: FilterConfig = field(default_factory=FilterConfig)
    envelope: EnvelopeConfig = field(default_factory=EnvelopeConfig)
    quality: QualityConfig = field(default_factory=QualityConfig)
    detector: DetectorConfig = field(default_factory=DetectorConfig)

    @classmethod
    def from_dict(cls, data):
        """Build a configuration from nested mappings (as TOML gives them).

        Parameters
        ----------
        data : dict
            ``{"filters": {"notch": 50}, ...}``; missing keys keep defaults.

        Returns
        -------
        config : Config
        """
        if not isinstance(data, dict):
            raise invalid("config", "a table of sections", data)
        sections = {}
        for name, values in data.items():
            if name not in _SECTIONS:
                raise invalid("config section", _names(_SECTIONS), name)
            if not isinstance(values, dict):
                raise invalid(name, "a table of parameters", values)
            known = {f.name for f in fields(_SECTIONS[name])}
            for key in values:
                if key not in known:
                    raise invalid(f"{name}.{key}",
                                  f"parameters of [{name}]: {_names(known)}",
                                  key)
            sections[name] = _SECTIONS[name](**values)
        return cls(**sections)

    @classmethod
    def from_toml(cls, path):
        """Read a configuration from a TOML file.

        Parameters
        ----------
        path : str or Path
            File with ``[filters]``, ``[envelope]``, ``[quality]`` and
            ``[detector]`` tables; anything left out keeps its default.

        Returns
        -------
        config : Config
        """
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as err:
            raise ConfigError(f"Cannot read the config file {str(path)!r}: "
                              f"{err.strerror}.") from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise ConfigError(f"The config file {str(path)!r} is not valid "
                              f"TOML: {err}.") from None
        return cls.from_dict(data)

    def with_overrides(self, overrides):
        """Return a copy with some values replaced.

        Parameters
        ----------
        overrides : dict or iterable of str
            ``{"detector.on_snr": 6}`` or CLI-style ``["detector.on_snr=6"]``
            (values are parsed as TOML: numbers, ``true``, quoted strings,
            and bare words taken as strings).

        Returns
        -------
        config : Config
        """
        if not isinstance(overrides, dict):
            overrides = dict(_parse_assignment(item) for item in overrides)
        data = self.to_dict()
        for dotted, value in overrides.items():
            section, _, key = dotted.partition(".")
            if section not in _SECTIONS or not key:
                raise invalid("--set", "section.key=value with a section of "
                              + _names(_SECTIONS), dotted)
            data[section][key] = value
        return Config.from_dict(data)

    def to_dict(self):
        """Return the configuration as nested plain dictionaries."""
        return {name: dataclasses.asdict(getattr(self, name))
                for name in _SECTIONS}


def _parse_assignment(text):
    key, sep, raw = str(text).partition("=")
    if not sep:
        raise invalid("--set", "section.key=value", text)
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return key.strip(), value


def _names(items):
    return ", ".join(repr(i) for i in sorted(items))


def describe():
    """Return every parameter with its default and meaning, for ``--help``.

    Returns
    -------
    rows : list of tuple
        ``(dotted_name, default, description)``.
    """
    rows = []
    for name, cls in _SECTIONS.items():
        for f in fields(cls):
            rows.append((f"{name}.{f.name}", f.default, f.metadata["doc"]))
    return rows
