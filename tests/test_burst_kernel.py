"""The detector's burst kernel against the plain reference in ``naive.py``."""

import numpy as np
import pytest
from conftest import random_splits
from scipy import signal

import naive
from emgspasm.engine.config import Config
from emgspasm.engine.detect import _kernels, layout
from emgspasm.engine.detect.params import kernel_params, ring_decay, ring_mean_frac2
from emgspasm.engine.dsp.chain import DSPChain
from emgspasm.engine.vocabulary import FLAG_LEADS_OFF
from emgspasm.truth.sim import simulate

FLOATS = ("peak", "ehi", "elo", "etk", "noise", "peak_e2", "mod_bp2", "mod_env")


def kernel_records(out, prm, mod_sos, splits):
    data = out.by_sample
    n_ch = data.filtered.shape[1]
    state = layout.new_state(n_ch)
    env_buf = np.zeros((int(prm[0]["window"]), n_ch))
    sus_buf = np.zeros((int(prm[0]["sus_len"]), n_ch), np.uint8)
    pow_buf = np.zeros((int(prm[0]["sus_len"]), n_ch))
    rec = np.empty(5 * data.filtered.shape[0] * n_ch + 16, layout.RECORD)
    found = []
    for a, b in splits:
        count = _kernels.detect_kernel(data.filtered[a:b], data.lowband[a:b], data.tkeo[a:b],
                                       data.flags[a:b], a, prm, env_buf, sus_buf, pow_buf, mod_sos,
                                       state, rec)
        found += [dict(zip(layout.RECORD.names, r)) for r in rec[:count].tolist()]
    return found


@pytest.mark.parametrize("sfreq", [500.0, 2000.0])
def test_kernel_matches_the_reference(sfreq, rng):
    rec = simulate(duration_s=25, n_channels=2, sfreq=sfreq, ecg_channels=1,
                   spasms_per_min=6, fasciculations_per_min=40, pops_per_min=4, seed=17)
    # a weak contraction: 4x the noise for 2 s, under the on threshold
    weak = slice(int(10 * sfreq), int(12 * sfreq))
    rec.data[1, weak] += rng.standard_normal(2 * int(sfreq)) * 4 * rec.scenario.noise_uv * 1e-6
    config = Config().with_overrides({"filters.notch": 50})
    chain = DSPChain(sfreq, rec.ch_names, config)
    flags = np.zeros(rec.data.shape, np.uint8)
    flags[1, int(6 * sfreq):int(6.5 * sfreq)] = FLAG_LEADS_OFF
    out = chain.process(rec.data, flags)
    prm = kernel_params(sfreq, config, (20.0, chain.bandpass_high_hz))
    prm[0]["ring_decay"] = ring_decay(chain.ring_time_s, sfreq)
    prm[0]["ring_mean_frac2"] = ring_mean_frac2(chain.ring_time_s)
    assert prm[0]["ring_mean_frac2"] > 0
    mod_sos = signal.butter(1, [3.0, 8.0], btype="bandpass", fs=sfreq, output="sos")
    n = rec.data.shape[1]
    found = kernel_records(out, prm, mod_sos, random_splits(rng, n, max_chunk=4000))
    kinds = set()
    for c in range(2):
        mine = [r for r in found if r["ch"] == c]
        ref = naive.burst_records(out.filtered[c], out.lowband[c], out.tkeo[c],
                                  out.flags[c], prm[0], mod_sos)
        kinds |= {r["kind"] for r in ref}
        assert [(r["kind"], r["t"], r["onset"], r["offset"]) for r in mine] == \
            [(r["kind"], r["t"], r["onset"], r["offset"]) for r in ref]
        for a, b in zip(mine, ref):
            if a["kind"] in (layout.BAD, layout.SUSTAIN):
                assert a["bits"] == b["bits"]
            if a["kind"] == layout.BAD:
                continue
            assert (a["n"], a["nflag"], a["active"], a["mod_n"], a["peak_t"]) == \
                (b["n"], b["nflag"], b["active"], b["mod_n"], b["peak_t"])
            for key in FLOATS:
                assert a[key] == pytest.approx(b[key], rel=1e-7, abs=1e-30), key
    assert kinds >= {layout.START, layout.END, layout.SEGMENT, layout.SUSTAIN, layout.DUE}
    # both tests of sustained activity gave a verdict, and not always the same
    verdicts = {(r["active"], r["bits"]) for r in found if r["kind"] == layout.SUSTAIN}
    assert {a for a, _ in verdicts} == {0, 1} and {b for _, b in verdicts} == {0, 1}
    assert any(a != b for a, b in verdicts)
