"""Where samples come from: recorded files and sensors on a serial port."""
