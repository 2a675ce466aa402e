"""Burst detection and the spasm / fasciculation / artefact rules."""
