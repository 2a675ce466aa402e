"""Live monitoring over a real pseudo-terminal: latency and sustained load.

The emulator runs in its own process and records, in shared memory, the
monotonic time at which it wrote each frame. The monitor (a headless
``LiveSession``, the code behind ``emgspasm monitor``) runs here.

1. Latency, 8 channels x 2 kHz, 2 ms frames: for every notice, the time from
   the emulator writing the frame that holds the notice's decisive sample to
   the notice being emitted, i.e. the cost beyond the detector's own
   algorithmic latency. Baseline in the same run: a bare pyserial reader
   that only timestamps the arrival of those bytes (transport alone).
2. Sustained, 64 channels x 4 kHz, 10 ms frames, recording to disk: backlog
   (samples written but not yet processed) and the process's RSS sampled
   every second.

Run ``python benchmarks/bench_live.py [--minutes 10]``; writes
``benchmarks/results/live.json``.
"""

import argparse
import json
import multiprocessing as mp
import tempfile
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).parent / "results"


def _noise(n_ch, sfreq, seconds):
    """20 s of noise tiled: made in the emulator's process, not the monitor's."""
    rng = np.random.default_rng(0)
    base = rng.standard_normal((n_ch, int(20 * sfreq))) * 10e-6
    return np.tile(base, (1, int(np.ceil(seconds / 20))))[:, : int(seconds * sfreq)]


def _emulate(data, sfreq, frame, port, times, ready, speed=1.0):
    from emgspasm.sources.serial.emulator import Emulator
    if callable(data[0]):
        data = data[0](*data[1:])

    def on_write(first, n, t):
        times[first // frame] = t

    emulator = Emulator(data, sfreq, "emgspasm", port=port, frame_samples=frame,
                        speed=speed, on_write=on_write).start()
    ready.set()
    emulator.done.wait()
    time.sleep(1.0)
    emulator.stop()


def _start(data, sfreq, frame, port, n_samples=None):
    n_samples = data.shape[1] if n_samples is None else n_samples
    n_frames = int(np.ceil(n_samples / frame))
    times = mp.Array("d", n_frames, lock=False)
    ready = mp.Event()
    proc = mp.Process(target=_emulate, args=(data, sfreq, frame, port, times, ready))
    proc.start()
    ready.wait(30)
    return proc, times


def latency(seconds=60.0):
    from emgspasm.apps.monitor import LiveSession
    from emgspasm.truth.sim import simulate
    sfreq, frame = 2000.0, 4
    sim = simulate(duration_s=seconds, n_channels=8, sfreq=sfreq, seed=3,
                   spasms_per_min=4, fasciculations_per_min=40, ecg_channels=1)
    with tempfile.TemporaryDirectory() as tmp:
        port = str(Path(tmp) / "tty")
        proc, times = _start(sim.data, sfreq, frame, port)
        session = LiveSession(port, "emgspasm").start()
        lat = []
        deadline = time.monotonic() + seconds + 20
        while proc.is_alive() and time.monotonic() < deadline:
            for notice in session.poll(0.01):
                now = time.monotonic()
                sample = int(round(notice.at * sfreq))
                written = times[min(sample // frame, len(times) - 1)]
                if written > 0:
                    lat.append(now - written)
        session.stop()
        proc.join(10)
        # baseline: the transport alone, bytes timestamped as they arrive
        proc, times = _start(sim.data[:, : int(10 * sfreq)], sfreq, frame, port)
        from emgspasm.sources.serial.protocols import emgspasm as P
        from emgspasm.sources.serial.link import open_port
        ser = open_port(port, 115200, timeout=0.01)
        ser.write(P.encode_command(P.T_START))
        buf, base = bytearray(), []
        import serial
        while proc.is_alive():
            try:
                data = ser.read(ser.in_waiting or 1)
            except serial.SerialException:
                break  # the emulator finished and removed the port
            now = time.monotonic()
            if not data:
                continue
            buf += data
            frames, used, _ = P.parse_frames(buf)
            del buf[:used]
            for ftype, body in frames:
                seq = int.from_bytes(body[:2], "little")
                if times[seq] > 0:
                    base.append(now - times[seq])
        ser.close()
        proc.join(10)
    return {"channels": 8, "sfreq": sfreq, "frame_samples": frame, "notices": len(lat),
            "median_ms": 1e3 * float(np.median(lat)), "p99_ms": 1e3 * float(np.percentile(lat, 99)),
            "transport_median_ms": 1e3 * float(np.median(base)),
            "transport_p99_ms": 1e3 * float(np.percentile(base, 99))}


def sustained(minutes=10.0):
    import psutil

    from emgspasm.apps.monitor import LiveSession
    sfreq, n_ch, frame = 4000.0, 64, 40
    seconds = minutes * 60
    n_samples = int(seconds * sfreq)
    me = psutil.Process()
    with tempfile.TemporaryDirectory() as tmp:
        port = str(Path(tmp) / "tty")
        proc, times = _start((_noise, n_ch, sfreq, seconds), sfreq, frame, port,
                             n_samples)
        session = LiveSession(port, "emgspasm", record_dir=Path(tmp) / "rec").start()
        samples_backlog, rss = [], []
        t0 = time.monotonic()
        next_sample = t0 + 1.0
        while proc.is_alive():
            session.poll(0.02)
            now = time.monotonic()
            if now >= next_sample:
                written = np.count_nonzero(np.frombuffer(times, dtype=np.float64)) * frame
                done = session.engine.chain.samples_seen if session.engine else 0
                samples_backlog.append(max(0, written - done))
                rss.append(me.memory_info().rss / 2 ** 20)
                next_sample += 1.0
        rss_end = me.memory_info().rss / 2 ** 20
        stats = session.link.decoder.stats
        processed = session.engine.chain.samples_seen
        session.stop()
        proc.join(30)
    backlog_s = np.array(samples_backlog) / sfreq
    quarter = max(1, len(rss) // 4)
    return {"channels": n_ch, "sfreq": sfreq, "minutes": minutes,
            "samples_expected": n_samples, "samples_processed": processed,
            "lost_frames": stats.lost_frames, "bad_frames": stats.bad_frames,
            "backlog_median_s": float(np.median(backlog_s)),
            "backlog_max_s": float(backlog_s.max()), "backlog_final_s": float(backlog_s[-1]),
            "rss_first_quarter_mb": float(np.mean(rss[:quarter])),
            "rss_last_quarter_mb": float(np.mean(rss[-quarter:])),
            "rss_end_mb": rss_end}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0,
                        help="length of the sustained run (default 10)")
    parser.add_argument("--latency-seconds", type=float, default=60.0)
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    results = {"latency": latency(args.latency_seconds),
               "sustained": sustained(args.minutes)}
    (RESULTS / "live.json").write_text(json.dumps(results, indent=2))
    L, S = results["latency"], results["sustained"]
    print(f"| latency beyond the algorithm, {L['channels']} ch x {L['sfreq']:.0f} Hz, "
          f"{L['notices']} notices | median {L['median_ms']:.1f} ms | p99 {L['p99_ms']:.1f} ms "
          f"| transport alone: median {L['transport_median_ms']:.1f} ms, p99 "
          f"{L['transport_p99_ms']:.1f} ms |")
    print(f"| sustained {S['channels']} ch x {S['sfreq']:.0f} Hz for {S['minutes']:g} min, "
          f"recording | {S['samples_processed']} of {S['samples_expected']} samples, "
          f"{S['lost_frames']} frames lost | backlog median {S['backlog_median_s'] * 1e3:.0f} ms, "
          f"max {S['backlog_max_s'] * 1e3:.0f} ms | RSS {S['rss_first_quarter_mb']:.0f} MB "
          f"(first quarter) -> {S['rss_last_quarter_mb']:.0f} MB (last quarter) |")


if __name__ == "__main__":
    main()
