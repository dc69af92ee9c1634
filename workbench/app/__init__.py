"""Composition root shared by the CLI and the GUI: paths, settings and the service graph."""
