"""Applications: the command line, batch analysis, live monitoring and the demo."""
