"""What happens on a sensor link besides samples.

A :class:`LinkEvent` travels on the link's queue between the blocks of
samples, in stream order: the link stamps it with the number of samples
queued before it, so a session can tell where in the recording it happened.
The kinds are the ``kind`` of the JSON line ``monitor --headless`` prints
and of the session's ``link.jsonl``.
"""

from dataclasses import dataclass

#: The port was opened and reading began.
CONNECTED = "link_connected"
#: The port failed (unplugged, out of range); reconnection follows.
LOST = "link_lost"
#: The port is about to be tried again; ``outage_s`` holds the outage so far.
RECONNECTING = "reconnecting"
#: The port is open again; ``outage_s`` holds the outage (host clock).
RESTORED = "link_restored"
#: The device's frame counter restarted (a reset or reboot): a segment
#: boundary; ``outage_s`` holds the silence before it (host clock).
DEVICE_RESTART = "device_restart"
#: A frame or line that decoded but was implausible was dropped (the first
#: time for each reason; every one is counted in the decoder's stats).
REJECTED = "frame_rejected"
#: Bytes that cannot belong to any frame or line were dropped (the first
#: time; every byte is counted).
DISCARDED = "bytes_discarded"
#: The decoder raised; its bytes were dropped and decoding went on with a
#: fresh decoder.
DECODER_ERROR = "decoder_error"
#: Samples were lost on the way (an LSL stream's timestamps jumped); a gap
#: of their length follows; ``outage_s`` holds its length (stream clock).
SAMPLES_LOST = "samples_lost"
#: The last event of every link: it stopped on request (the message says
#: ``stopped``) or for the error in the message.
CLOSED = "link_closed"

KINDS = (CONNECTED, LOST, RECONNECTING, RESTORED, DEVICE_RESTART, REJECTED, DISCARDED,
         DECODER_ERROR, SAMPLES_LOST, CLOSED)


@dataclass(frozen=True)
class LinkEvent:
    """Something that happened on the link.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    message : str
        For a person: names the port, the device and what happened.
    at : float
        Host monotonic time (s).
    sample : int | None
        Samples queued before the event (its place in the stream); set by
        the link.
    outage_s : float | None
        Seconds without samples, for the kinds that have one.
    """

    kind: str
    message: str
    at: float
    sample: int | None = None
    outage_s: float | None = None

    def to_dict(self, sfreq=None):
        """The event as a JSON-ready dict.

        Parameters
        ----------
        sfreq : float | None
            Sampling rate of the stream, to give ``at`` in stream seconds
            (None when it is not known yet).

        Returns
        -------
        record : dict
            ``kind``, ``at`` (stream seconds or None), ``sample``,
            ``message``, and ``outage_s`` when the event has one.
        """
        at = None if not sfreq or self.sample is None else self.sample / sfreq
        record = {"kind": self.kind, "at": at, "sample": self.sample,
                  "message": self.message}
        if self.outage_s is not None:
            record["outage_s"] = round(self.outage_s, 3)
        return record
