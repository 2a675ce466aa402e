"""Sensors on a serial port: the link, the protocol decoders and a device emulator."""
