"""Per-channel summary of a session: counts, rates, durations, episodes, quality."""

from ..engine.vocabulary import (ARTIFACT_LABELS, BAD_PREFIX, BURST, FASCICULATION, SPASM,
                     SPASM_SUBTYPES)


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
        ``{"duration_s": ..., "channels": {name: {...}}}``. Per channel:
        counts of each class, the fasciculation rate per minute of usable
        signal, spasm count, subtypes, total and longest spasm duration,
        episodes, artefact counts, and the time and share of unusable signal.
    """
    out = {"duration_s": duration_s, "channels": {}}
    for name in ch_names:
        own = [e for e in events if e.channel == name]
        spasms = [e for e in own if e.label == SPASM]
        bad = [(e.onset, e.offset) for e in own if e.label.startswith(BAD_PREFIX)]
        bad_s = min(duration_s, _merged_length(bad))
        usable_min = max(duration_s - bad_s, 0.0) / 60.0
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
        }
    return out
