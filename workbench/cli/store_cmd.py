"""``workbench store copy``: move a workspace's store between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Annotated

import typer

from workbench.app.shared_store import copy_workspace_store
from workbench.cli.context import note, print_json, services, stdout, table
from workbench.cli.families import JsonOption

store_app = typer.Typer(help="The workspace's store: copy it between SQLite and PostgreSQL.")


@store_app.command("copy")
def copy(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="An SQLite file or a postgresql:// URL.")],
    destination: Annotated[
        str, typer.Argument(help="An empty SQLite file (created) or an empty PostgreSQL database.")
    ],
    as_json: JsonOption = False,
) -> None:
    """Copy every record (same ids, hashes and audit trail) into an empty store, then check."""
    svc = services(ctx)
    report = copy_workspace_store(source, destination, anchor_home=svc.home)
    if as_json:
        print_json(
            {
                "source": report.source,
                "destination": report.destination,
                "rows": report.rows,
                "tables": [
                    {"table": t.table, "rows": t.rows, "sha256": t.sha256} for t in report.tables
                ],
            }
        )
        return
    out = table("table", "rows", "sha256 (same on both sides)")
    for item in report.tables:
        if item.rows:
            out.add_row(item.table, str(item.rows), item.sha256[:16])
    stdout.print(out)
    note(
        f"Copied {report.rows} rows from {report.source} to {report.destination};"
        " every table checked (counts and hashes equal)."
    )
