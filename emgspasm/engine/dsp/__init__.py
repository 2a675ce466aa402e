"""Streaming signal processing: filters, envelopes, TKEO and quality flags."""
