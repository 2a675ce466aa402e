"""The words every part of emgspasm shares: event labels, quality flags, notice kinds.

Plain constants, no numba and no numpy, so a decoder, a file reader or a
report can use them without loading the engine.
"""

#: Muscle events.
FASCICULATION = "fasciculation"
SPASM = "spasm"
BURST = "burst"
MUSCLE_LABELS = (FASCICULATION, SPASM, BURST)
#: Artefacts: reported as signal-quality annotations, never as muscle events.
ARTIFACT_POP = "artifact_pop"
ARTIFACT_MOTION = "artifact_motion"
ARTIFACT_ECG = "artifact_ecg"
ARTIFACT_LABELS = (ARTIFACT_POP, ARTIFACT_MOTION, ARTIFACT_ECG)
#: Unusable stretches (MNE treats ``BAD_`` annotations as bad segments).
BAD_PREFIX = "BAD_"
SPASM_SUBTYPES = ("tonic", "clonic", "mixed")
FASCICULATION_SUBTYPES = ("single", "doublet", "triplet")

#: Per-sample quality bits, one byte per channel and sample. The chain sets
#: the first three from the samples; a sensor link sets saturation (as
#: ``FLAG_CLIPPED``), leads-off and gaps.
FLAG_NONFINITE = 1
FLAG_CLIPPED = 2
FLAG_FLAT = 4
FLAG_LEADS_OFF = 8
FLAG_GAP = 16
#: Flag names, most telling first (a ``BAD_`` event is named by its first).
FLAG_NAMES = ((FLAG_GAP, "gap"), (FLAG_LEADS_OFF, "leads_off"), (FLAG_FLAT, "flat"),
              (FLAG_CLIPPED, "clipped"), (FLAG_NONFINITE, "nonfinite"))
#: Annotations that carry a recorded live session's link flags in a FIF file.
LINK_ANNOTATIONS = ((FLAG_GAP, "LINK_gap"), (FLAG_LEADS_OFF, "LINK_leads_off"),
                    (FLAG_CLIPPED, "LINK_saturation"))

#: Notice kinds of the live stream, in the order a spasm goes through them.
NOTICE_KINDS = ("burst_start", "burst_cancel", "spasm_start", "spasm_retract",
                "spasm_end", "event", "event_update", "event_retract")
