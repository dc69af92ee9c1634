"""``init``, ``import`` and ``export``: the workspace as git-friendly files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from workbench.app.interchange import export_workspace, import_paths
from workbench.app.shared_store import configure_workspace
from workbench.cli.context import note, print_json, services, stdout, table
from workbench.cli.families import JsonOption


def init(
    ctx: typer.Context,
    demo: Annotated[
        bool, typer.Option("--demo/--no-demo", help="Load the bundled demo workspace.")
    ] = True,
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            help="A postgresql://user@host:port/db URL: keep the store on that shared server"
            " (password from PGPASSWORD or ~/.pgpass, never saved); 'local' goes back to the"
            " workspace's SQLite file.",
        ),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option("--user", help="Your name on versions, label moves and approvals."),
    ] = None,
) -> None:
    """Create the workspace (database, folders) and load the demo workspace into it."""
    svc = services(ctx)
    if database is not None or user is not None:
        outcome = configure_workspace(svc, database=database, user=user)
        for line in outcome.notes:
            note(line)
    _ = svc.store  # opening creates and migrates the database
    note(f"Workspace ready at {svc.home} (store: {svc.store.location})")
    if demo:
        report = svc.ensure_demo_loaded()
        if report is None:
            note("Demo not loaded (the workspace already has prompts, or no demo is bundled).")
        else:
            note(f"Loaded the demo workspace: {report.summary()}")


def import_(
    ctx: typer.Context,
    paths: Annotated[
        list[Path],
        typer.Argument(help="Folders (prompts, datasets, models, rubrics) or single files."),
    ],
    as_json: JsonOption = False,
) -> None:
    """Load files into the workspace; unchanged content creates no version."""
    svc = services(ctx)
    report = import_paths(svc.store, paths, author=svc.current_author())
    if as_json:
        print_json(report.to_json())
        return
    out = table("kind", "name", "new versions", "unchanged", "labels moved")
    for item in report.items:
        out.add_row(
            item.kind.value,
            item.name,
            str(item.created),
            str(item.unchanged),
            ", ".join(item.labels_moved) or "-",
        )
    stdout.print(out)
    note(report.summary())


def export(
    ctx: typer.Context,
    out: Annotated[
        Path, typer.Option("--out", help="Folder to write prompts/, datasets/, ... into.")
    ],
    as_json: JsonOption = False,
) -> None:
    """Write every family's versions back to files."""
    report = export_workspace(services(ctx).store, out)
    if as_json:
        print_json(report.to_json())
        return
    note(f"Wrote {len(report.files)} files under {out}.")
