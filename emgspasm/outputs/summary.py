"""Per-channel summary of a session: counts, rates, durations, episodes, quality,
and a recording-level check that the muscle was at rest.

The detector is made for involuntary activity of a muscle at rest. A
recording of walking or exercise bursts with every stride or repetition,
and each burst becomes a "spasm". :func:`activity_check` flags channels
whose activity is rhythmic (many onsets at a steady pace) as probably
voluntary, and channels active most of the time as sustained activity, so
their counts are read with care instead of taken at face value.
"""

import numpy as np

from ..engine.vocabulary import (ARTIFACT_LABELS, BAD_PREFIX, BURST, FASCICULATION, SPASM,
                                 SPASM_SUBTYPES)

#: Fewest spasm/burst onsets on a channel before their regularity is judged.
RHYTHM_MIN_ONSETS = 10
#: Onsets per minute of usable signal from which a steady pace reads as
#: movement. Walking is 40-60 strides a minute per leg even when slow
#: (normal cadence 90-120 steps/min), and a leg muscle bursts once or twice
#: per stride; spasm frequency scales top out at "more than 10 per hour"
#: (Penn Spasm Frequency Scale, Penn et al. 1989). The simulator's sessions
#: at four times their default spasm rate stay below 12 per minute.
RHYTHM_MIN_PER_MIN = 20.0
#: Largest coefficient of variation of the intervals between onsets that
#: counts as a steady pace. Stride time varies by 2-3 % in healthy walking and
#: up to ~10 % in pathological gait (Hausdorff et al. 1997, 1998); burst
#: detection adds jitter, and the UCI lower-limb gait recordings measure
#: 0.3-0.5 on the muscles that burst with each stride. Independent onsets
#: (a Poisson process) give about 1; simulated spasm sessions 0.5-1.0.
RHYTHM_MAX_CV = 0.5
#: Share of usable time covered by spasms and bursts above which a channel
#: is "sustained activity": at rest with occasional spasms a muscle is
#: active a minority of the time (simulated sessions at four times the
#: default spasm rate: at most 60 %).
SUSTAINED_MIN_FRACTION = 0.75
#: Usable signal (s) needed before sustained activity is judged: one long
#: spasm may fill a short recording.
SUSTAINED_MIN_USABLE_S = 120.0


def _merged_length(intervals):
    total, end = 0.0, float("-inf")
    for a, b in sorted(intervals):
        if b <= end:
            continue
        total += b - max(a, end)
        end = b
    return total


def spasm_episodes(spasms, gap_s):
    """Group spasms that follow each other within ``gap_s`` into episodes.

    Parameters
    ----------
    spasms : list of Event
        Spasms of one channel.
    gap_s : float
        Largest quiet time between two spasms of one episode.

    Returns
    -------
    episodes : list of list of Event
    """
    episodes = []
    for ev in sorted(spasms, key=lambda e: e.onset):
        if episodes and ev.onset - max(e.offset for e in episodes[-1]) <= gap_s:
            episodes[-1].append(ev)
        else:
            episodes.append([ev])
    return episodes


def channel_activity(events, usable_s):
    """How active one channel is, and whether that looks voluntary.

    Parameters
    ----------
    events : list of Event
        The channel's events (only spasms and bursts are used).
    usable_s : float
        Seconds of usable signal on the channel.

    Returns
    -------
    activity : dict
        ``onsets`` (spasms and bursts), ``onsets_per_min`` (per minute of
        usable signal), ``active_percent`` (share of usable time inside
        them), ``onset_interval_cv`` and ``median_onset_interval_s`` (None
        with fewer than three onsets), ``rhythmic`` and ``sustained``.
    """
    bursts = sorted((e for e in events if e.label in (SPASM, BURST)),
                    key=lambda e: e.onset)
    onsets = np.array([e.onset for e in bursts])
    intervals = np.diff(onsets)
    cv = median = None
    if len(intervals) >= 2 and intervals.mean() > 0:
        cv = float(intervals.std() / intervals.mean())
        median = float(np.median(intervals))
    per_min = len(onsets) / (usable_s / 60.0) if usable_s > 0 else None
    active = _merged_length([(e.onset, e.offset) for e in bursts])
    fraction = min(1.0, active / usable_s) if usable_s > 0 else None
    rhythmic = bool(len(onsets) >= RHYTHM_MIN_ONSETS and per_min is not None
                    and per_min >= RHYTHM_MIN_PER_MIN and cv is not None
                    and cv <= RHYTHM_MAX_CV)
    sustained = bool(fraction is not None and usable_s >= SUSTAINED_MIN_USABLE_S
                     and fraction >= SUSTAINED_MIN_FRACTION)
    return {"onsets": len(onsets), "onsets_per_min": per_min,
            "active_percent": None if fraction is None else 100.0 * fraction,
            "onset_interval_cv": cv, "median_onset_interval_s": median,
            "rhythmic": rhythmic, "sustained": sustained}


def activity_warnings(channels):
    """The recording-level warnings of :func:`channel_activity` results.

    Parameters
    ----------
    channels : dict of str to dict
        Channel name to its summary (with an ``activity`` entry).

    Returns
    -------
    warnings : list of str
        One line per kind of finding, naming the channels and the numbers.
    """
    out = []
    rhythmic = {n: c["activity"] for n, c in channels.items() if c["activity"]["rhythmic"]}
    if rhythmic:
        detail = "; ".join(
            f"{n}: {a['onsets']} onsets, {a['onsets_per_min']:.0f}/min, every "
            f"{a['median_onset_interval_s']:.2f} s (CV {a['onset_interval_cv']:.2f})"
            for n, a in rhythmic.items())
        out.append(
            "Probably voluntary activity: rhythmic bursts at a steady pace, as in "
            f"walking or repeated movement ({detail}). The detector assumes a "
            "muscle at rest; these spasm and burst counts are most likely "
            "movements, not spasms.")
    sustained = {n: c["activity"] for n, c in channels.items()
                 if c["activity"]["sustained"]}
    if sustained:
        detail = "; ".join(f"{n}: active {a['active_percent']:.0f}% of usable time"
                           for n, a in sustained.items())
        out.append(
            f"Sustained activity ({detail}). If the muscle was not at rest (a held "
            "posture, exercise), these spasms are voluntary contractions.")
    return out


def summarize(events, duration_s, ch_names, episode_gap_s=60.0):
    """Summarise a session per channel.

    Parameters
    ----------
    events : list of Event
    duration_s : float
        Length of the recording.
    ch_names : list of str
    episode_gap_s : float
        See :func:`spasm_episodes`.

    Returns
    -------
    summary : dict
        ``{"duration_s": ..., "channels": {name: {...}}, "activity": {...},
        "warnings": [...]}``. Per channel: counts of each class, the
        fasciculation rate per minute of usable signal, spasm count,
        subtypes, total and longest spasm duration, episodes, artefact
        counts, the time and share of unusable signal, and its ``activity``
        (:func:`channel_activity`). ``activity`` says whether the recording
        is ``probably_voluntary`` (some channel bursts rhythmically) and
        which channels are rhythmic or sustained; ``warnings`` says so in
        words (:func:`activity_warnings`).
    """
    out = {"duration_s": duration_s, "channels": {}}
    for name in ch_names:
        own = [e for e in events if e.channel == name]
        spasms = [e for e in own if e.label == SPASM]
        bad = [(e.onset, e.offset) for e in own if e.label.startswith(BAD_PREFIX)]
        bad_s = min(duration_s, _merged_length(bad))
        usable_s = max(duration_s - bad_s, 0.0)
        usable_min = usable_s / 60.0
        n_fasc = sum(e.label == FASCICULATION for e in own)
        episodes = spasm_episodes(spasms, episode_gap_s)
        bad_kinds = {}
        for e in own:
            if e.label.startswith(BAD_PREFIX):
                kind = e.label[len(BAD_PREFIX):]
                bad_kinds[kind] = bad_kinds.get(kind, 0.0) + e.duration
        out["channels"][name] = {
            "fasciculations": n_fasc,
            "fasciculation_rate_per_min": n_fasc / usable_min if usable_min else None,
            "spasms": len(spasms),
            "spasm_subtypes": {s: sum(e.subtype == s for e in spasms)
                               for s in SPASM_SUBTYPES},
            "spasm_total_s": sum(e.duration for e in spasms),
            "spasm_longest_s": max((e.duration for e in spasms), default=0.0),
            "spasm_episodes": len(episodes),
            "longest_episode_spasms": max((len(ep) for ep in episodes), default=0),
            "bursts": sum(e.label == BURST for e in own),
            "artifacts": {lab: sum(e.label == lab for e in own) for lab in ARTIFACT_LABELS},
            "bad_s": bad_s,
            "bad_percent": 100.0 * bad_s / duration_s if duration_s else 0.0,
            "bad_s_by_kind": bad_kinds,
            "usable_min": usable_min,
            "activity": channel_activity(own, usable_s),
        }
    channels = out["channels"]
    rhythmic = [n for n, c in channels.items() if c["activity"]["rhythmic"]]
    out["activity"] = {
        "probably_voluntary": bool(rhythmic),
        "rhythmic_channels": rhythmic,
        "sustained_channels": [n for n, c in channels.items()
                               if c["activity"]["sustained"]],
    }
    out["warnings"] = activity_warnings(channels)
    return out
