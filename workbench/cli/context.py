"""What every command shares: the workspace services and how to print results.

Data goes to stdout (a table for people, or JSON with ``--json``); messages go to stderr.
"""

from __future__ import annotations

import json
import shutil
import sys
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:  # the root callback imports the services; `KIND list` builds no content model
    from workbench.app.services import Services
    from workbench.core.models import Version

# Piped output would otherwise be cut to 80 columns; tables of runs are wider than that.
_WIDTH = max(shutil.get_terminal_size((160, 24)).columns, 100)
stdout = Console(soft_wrap=True, width=_WIDTH)
stderr = Console(stderr=True, soft_wrap=True, width=_WIDTH)


def services(ctx: typer.Context) -> Services:
    """The services built by the root callback for this invocation."""
    found: Services = ctx.find_root().obj
    return found


def print_json(data: Any) -> None:
    """Machine-readable output: UTF-8 JSON on stdout, one document per command."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def table(*columns: str, title: str | None = None) -> Table:
    """A plain table in the house style."""
    result = Table(title=title, show_edge=False, header_style="bold", pad_edge=False)
    for name in columns:
        result.add_column(name, overflow="fold")
    return result


def version_json(version: Version, *, with_content: bool = True) -> dict[str, Any]:
    """A version as JSON: identity, metadata and (optionally) content."""
    data: dict[str, Any] = {
        "kind": version.kind.value,
        "family": version.family,
        "number": version.number,
        "id": version.id,
        "short_id": version.short_id,
        "parent_id": version.parent_id,
        "labels": list(version.labels),
        "author": version.author,
        "note": version.note,
        "created_at": version.created_at.isoformat(),
    }
    if with_content:
        data["content"] = version.content.model_dump(mode="json", exclude_defaults=True)
    return data


def note(message: str) -> None:
    """A human message on stderr (kept out of stdout so pipes stay clean)."""
    # Not markup: notes quote user text such as "[language=French]", which Rich would eat.
    stderr.print(message, highlight=False, markup=False)
