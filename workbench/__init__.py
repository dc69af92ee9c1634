"""Prompt Workbench: a local-first home for prompts, personas, datasets and their evaluations."""

__version__ = "0.1.0"
