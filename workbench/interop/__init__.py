"""Import and export: dataset files (CSV/TSV, JSONL, JSON, promptfoo YAML) and workspace files.

`datasets` reads and writes dataset files without touching the store; `workspace` imports
folders of family and dataset files into a store and exports them back as canonical files
(see docs/workspace-format.md); `yaml_io` is the canonical YAML dumper both use.
"""
