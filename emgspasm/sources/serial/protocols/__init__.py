"""Sensor protocols."""
