"""A progress bar on stderr that keeps quiet when stderr is not a terminal."""

import sys
import time


class Progress:
    """Context manager showing a fraction or a count.

    Parameters
    ----------
    label : str
    total : int | None
        Count of steps for :meth:`step`; None when :meth:`update` gives
        fractions.
    """

    def __init__(self, label, total=None):
        self.label = label
        self.total = total
        self.done = 0
        self._last = 0.0
        self._tty = sys.stderr.isatty()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._tty:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()

    def update(self, fraction):
        """Show ``fraction`` (0-1) done."""
        now = time.monotonic()
        if not self._tty or (now - self._last < 0.2 and fraction < 1):
            return
        self._last = now
        filled = int(30 * fraction)
        sys.stderr.write(f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] "
                         f"{100 * fraction:5.1f}%")
        sys.stderr.flush()

    def step(self):
        """One more of ``total`` done."""
        self.done += 1
        self.update(self.done / self.total if self.total else 1.0)


class Startup:
    """Context manager: one line, at once, saying that the detection kernels
    are being prepared (numba compiles them on a machine's first run and
    caches them for later runs), finished with the time it took.

    Parameters
    ----------
    prog : str
        Who speaks, e.g. ``"emgspasm monitor"``.
    out : file | None
        Default: ``sys.stderr``, so a machine-readable stdout stays clean.
    """

    def __init__(self, prog, out=None):
        self.prog = prog
        self.out = out
        self._t0 = None

    def __enter__(self):
        out = self.out or sys.stderr
        self._t0 = time.monotonic()
        out.write(f"{self.prog}: loading kernels (compiled on the first run only)...")
        out.flush()
        return self

    def __exit__(self, exc_type, *exc):
        out = self.out or sys.stderr
        if exc_type is None:
            out.write(f" ready in {time.monotonic() - self._t0:.1f} s\n")
        else:
            out.write("\n")
        out.flush()
