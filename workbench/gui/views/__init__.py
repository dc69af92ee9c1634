"""Screens shown in the central area of the main window."""
