"""Headless commands: ``workbench ...``."""
