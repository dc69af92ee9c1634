"""Pure domain: content models, versions, templates, personas, datasets, diffs and errors.

Imports only the standard library, pydantic, jinja2 and PyYAML; never Qt, SQL or HTTP.
"""
