"""Live monitoring: sensor protocols, serial link, emulator, dashboard, recorder."""
