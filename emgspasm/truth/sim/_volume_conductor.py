"""Surface motor-unit potentials from a volume-conductor model (the ``volume`` family).

A line-source model in the tradition of Merletti, Lo Conte, Avignone &
Guglielminotti 1999 (IEEE Trans Biomed Eng 46:810) and Farina & Merletti
2001 (IEEE Trans Biomed Eng 48:637), written from the physics:

* Intracellular action potential (Rosenfalck 1969, Acta Physiol Scand
  Suppl 321): ``V(z) = 96 z^3 exp(-z)`` mV above rest, ``z`` in mm behind
  the depolarisation front.
* Two such waves leave each fibre's end-plate in opposite directions at the
  conduction velocity (3-5 m/s) and die at the fibre's ends. The membrane
  current of each 0.5 mm segment is the core-conductor second difference of
  ``V`` (``pi a^2 sigma_i d2V/dz2``, fibre radius ``a`` 20-40 um,
  ``sigma_i`` = 1.01 S/m) on a fibre with sealed ends, so the currents of a
  fibre always sum to zero and the generation of the waves at the end-plate
  and their extinction at the tendons (the non-propagating end-of-fibre
  components, Dimitrov & Dimitrova 1998, Med Eng Phys 20:374) come out of
  the same expression.
* Volume conductor: semi-infinite homogeneous muscle, anisotropic
  (radial 0.063 S/m, axial 0.328 S/m: Andreassen & Rosenfalck 1981, CRC
  Crit Rev Bioeng 6:267), under an insulating skin plane (the image source
  doubles the potential). Fat and skin are not separate layers here: their
  thickness is part of the depth.
* Electrodes: two discs of radius 1-3 mm (potential averaged over 7 points)
  10-20 mm apart along the fibres, bipolar, their centre a quarter to three
  quarters of the way from the innervation zone to the tendon's side of the
  pair (near the zone, potentials are smaller and odder, as on the skin).
* Motor unit: 24 fibres standing for its 50-1500 (log-uniform: its size),
  uniform in a circular territory of radius 2-5 mm (Buchthal, Guld &
  Rosenfalck 1957, Acta Physiol Scand 39:83) whose centre lies 2-15 mm
  deep and up to 10 mm to the side of the electrodes' line (fibres kept at
  2-15 mm depth); end-plates scattered by 1-5 mm (SD) around the
  innervation zone, fibre ends by 2-8 mm around semi-lengths of 35-70 mm
  per side, neuromuscular delays by 0.05-0.3 ms.
* The potential is computed every ``v / fs_int`` of travel at
  ``fs_int`` = k x sfreq >= 20 kHz, then sampled at the recording's rate
  through an ADC's anti-aliasing filter (:mod:`._adc`).

Deeper units give smaller and wider potentials: 5-25 ms above 10 % of the
peak over the ranges above.
"""

from dataclasses import dataclass

import numpy as np

from ._adc import resample

SIGMA_RADIAL, SIGMA_AXIAL, SIGMA_INTRA = 0.063, 0.328, 1.01  # S/m
MODEL_FIBRES = 24
NODE_MM = 0.5
DEPTH_MM = (2.0, 15.0)
MIN_INTERNAL_HZ = 20000.0
PAD_S = 0.005
TRIM_FRACTION = 1e-3


def intracellular_potential(u_mm):
    """Rosenfalck's intracellular potential (V above rest) ``u_mm`` behind the front."""
    u = np.maximum(u_mm, 0.0)
    return 0.096 * u ** 3 * np.exp(-u)


@dataclass(frozen=True)
class Electrodes:
    """The bipolar pair and the muscle under it (one per channel).

    Attributes
    ----------
    spacing_mm, radius_mm, offset_mm : float
        Inter-electrode distance, disc radius, pair centre's distance from
        the innervation zone (towards the ``+z`` tendon).
    semi_lengths_mm : tuple of float
        Mean fibre length from the innervation zone to each tendon.
    endplate_sd_mm, tendon_sd_mm : float
        Scatter of end-plates and of fibre ends.
    fibre_radius_um : float
    """

    spacing_mm: float
    radius_mm: float
    offset_mm: float
    semi_lengths_mm: tuple
    endplate_sd_mm: float
    tendon_sd_mm: float
    fibre_radius_um: float

    @classmethod
    def draw(cls, rng):
        """A random pair and muscle over the ranges of the module docstring."""
        spacing = rng.uniform(10.0, 20.0)
        lengths = (rng.uniform(35.0, 70.0), rng.uniform(35.0, 70.0))
        offset = rng.uniform(0.25, 0.75) * (lengths[1] - spacing / 2)
        return cls(spacing, rng.uniform(1.0, 3.0), offset, lengths,
                   rng.uniform(1.0, 5.0), rng.uniform(2.0, 8.0), rng.uniform(20.0, 40.0))


@dataclass(frozen=True)
class Unit:
    """One motor unit's place and properties.

    Attributes
    ----------
    depth_mm, lateral_mm, territory_mm : float
        Territory centre's depth and side offset; territory radius.
    velocity_m_s : float
        Conduction velocity.
    delay_sd_s : float
        Scatter of neuromuscular delays.
    fibres : float
        Number of fibres the 24 modelled ones stand for.
    """

    depth_mm: float
    lateral_mm: float
    territory_mm: float
    velocity_m_s: float
    delay_sd_s: float
    fibres: float

    @classmethod
    def draw(cls, rng, depth_mm=None):
        """A random unit (at ``depth_mm`` if given)."""
        depth = rng.uniform(*DEPTH_MM) if depth_mm is None else depth_mm
        return cls(depth, rng.uniform(-10.0, 10.0), rng.uniform(2.0, 5.0),
                   rng.uniform(3.0, 5.0), rng.uniform(5e-5, 3e-4),
                   float(np.exp(rng.uniform(np.log(50.0), np.log(1500.0)))))


def _electrode_points(electrodes):
    """(x, z) in mm of the 7 points of each disc, and their sign in the pair."""
    ring = 0.7 * electrodes.radius_mm * np.exp(1j * np.pi / 3 * np.arange(6))
    disc = np.concatenate([[0.0], ring])
    xs, zs, signs = [], [], []
    for sign in (1.0, -1.0):
        xs.append(disc.real)
        zs.append(electrodes.offset_mm + sign * electrodes.spacing_mm / 2 + disc.imag)
        signs.append(np.full(len(disc), sign / len(disc)))
    return np.concatenate(xs), np.concatenate(zs), np.concatenate(signs)


def _fibre_positions(unit, rng):
    """(x, depth) in mm of the modelled fibres, inside the territory and 2-15 mm deep."""
    found = np.empty((0, 2))
    while len(found) < MODEL_FIBRES:
        r = unit.territory_mm * np.sqrt(rng.uniform(size=4 * MODEL_FIBRES))
        angle = rng.uniform(0, 2 * np.pi, 4 * MODEL_FIBRES)
        xy = np.column_stack([unit.lateral_mm + r * np.cos(angle),
                              unit.depth_mm + r * np.sin(angle)])
        keep = (xy[:, 1] >= DEPTH_MM[0]) & (xy[:, 1] <= DEPTH_MM[1])
        found = np.concatenate([found, xy[keep]])
    return found[:MODEL_FIBRES]


def motor_unit_potential(sfreq, electrodes, unit, rng):
    """The bipolar surface potential of one motor unit discharge.

    Parameters
    ----------
    sfreq : float
        Sampling rate of the result (Hz).
    electrodes : Electrodes
    unit : Unit
    rng : numpy.random.Generator
        Draws the fibres' places, end-plates, ends and delays.

    Returns
    -------
    wave : ndarray
        Volts, from 5 ms before the discharge reaches the end-plates until
        the potential has died away.
    """
    k = int(np.ceil(MIN_INTERNAL_HZ / sfreq))
    fs_int = k * sfreq
    step_mm = unit.velocity_m_s * 1e3 / fs_int  # travel per internal sample
    xy = _fibre_positions(unit, rng)
    n = MODEL_FIBRES
    endplate = rng.normal(0.0, electrodes.endplate_sd_mm, n)
    left = -electrodes.semi_lengths_mm[0] + rng.normal(0.0, electrodes.tendon_sd_mm, n)
    right = electrodes.semi_lengths_mm[1] + rng.normal(0.0, electrodes.tendon_sd_mm, n)
    delay_mm = np.abs(rng.normal(0.0, unit.delay_sd_s, n)) * unit.velocity_m_s * 1e3
    z = np.arange(left.min(), right.max() + NODE_MM, NODE_MM)
    inside = (z[None, :] >= left[:, None]) & (z[None, :] <= right[:, None])
    # weights of every node seen from every electrode point (half-space: x2)
    ex, ez, esign = _electrode_points(electrodes)
    rho2 = (xy[:, 0, None] - ex[None, :]) ** 2 + xy[:, 1, None] ** 2  # (fibre, point)
    dist = np.sqrt(SIGMA_AXIAL / SIGMA_RADIAL * rho2[:, :, None]
                   + (z[None, None, :] - ez[None, :, None]) ** 2) * 1e-3
    w = np.einsum("fpz,p->fz", 1.0 / dist, esign) * 2 / (4 * np.pi * SIGMA_RADIAL)
    w *= inside
    # sealed-end second difference: each node exchanges current with fibre neighbours
    link = inside[:, 1:] & inside[:, :-1]
    flow = np.diff(w, axis=1) * link
    lap = np.zeros_like(w)
    lap[:, :-1] += flow
    lap[:, 1:] -= flow
    radius_m = electrodes.fibre_radius_um * 1e-6
    lap *= np.pi * radius_m ** 2 * SIGMA_INTRA / (NODE_MM * 1e-3)
    # V(node, t) = IAP(v t - distance travelled): bin the weights by distance
    travel = np.abs(z[None, :] - endplate[:, None]) + delay_mm[:, None]
    bins = np.round(travel[inside] / step_mm).astype(int)
    source = np.bincount(bins, weights=lap[inside])
    kernel = intracellular_potential(np.arange(0.0, 25.0, step_mm))
    phi = np.convolve(source, kernel) * unit.fibres / MODEL_FIBRES
    return _to_rate(phi, fs_int, sfreq)


def _to_rate(phi, fs_int, sfreq):
    """Pad, sample at ``sfreq`` through the ADC's anti-aliasing filter, trim the tail."""
    pad = np.zeros(int(PAD_S * fs_int))
    y = resample(np.concatenate([pad, phi, pad]), fs_int, sfreq)
    keep = np.flatnonzero(np.abs(y) > TRIM_FRACTION * np.max(np.abs(y)))
    return y[:keep[-1] + 1]


def motor_units(sfreq, rng):
    """The 50-100 motor units under one channel's electrodes.

    Returns
    -------
    waves : list of ndarray
        One discharge's potential per unit (V).
    sizes : ndarray
        Fibres per unit (recruitment order).
    """
    electrodes = Electrodes.draw(rng)
    units = [Unit.draw(rng) for _ in range(int(rng.integers(50, 101)))]
    waves = [motor_unit_potential(sfreq, electrodes, u, rng) for u in units]
    return waves, np.array([u.fibres for u in units])
