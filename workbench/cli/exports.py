"""``export-bundle``, ``import-bundle``, ``import-promptfoo``, ``import-langfuse``, ``runs export``.

Exports print the files written on stdout; caveats and parts with no equivalent in the target
go to stderr, each named. Register these commands on the root app with `register`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from workbench.app.interchange import BUNDLE_FORMATS as FORMATS
from workbench.app.interchange import (
    export_bundle,
    import_bundle_files,
    import_langfuse,
    import_promptfoo,
    load_bundle,
    write_report,
    write_run_export,
)
from workbench.cli.context import note, print_json, services, stdout
from workbench.cli.families import JsonOption
from workbench.core.errors import ValidationError
from workbench.core.models import Kind

RUN_EXPORT_FORMATS = ("csv", "jsonl", "html")


def register(app: typer.Typer) -> None:
    """Add the import and export commands to the root command."""
    app.command("export-bundle")(export_bundle_command)
    app.command("import-bundle")(import_bundle_command)
    app.command("import-promptfoo")(import_promptfoo_command)
    app.command("import-langfuse")(import_langfuse_command)


def _listed(title: str, items: list[str]) -> None:
    if items:
        note(f"{title}:")
        for item in items:
            note(f"  - {item}")


def export_bundle_command(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Approved bundle NAME, NAME@vN or NAME@LABEL.")],
    fmt: Annotated[str, typer.Option("--format", help=f"One of: {', '.join(FORMATS)}.")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write into.")],
    as_json: JsonOption = False,
) -> None:
    """Export an approved bundle as files, a promptfoo config, Langfuse JSON or Python code."""
    bundle = load_bundle(services(ctx).store, ref)
    result = export_bundle(bundle, fmt, out)
    if as_json:
        print_json(
            {
                "bundle": bundle.approval.ref,
                "format": fmt,
                "files": [str(p) for p in result.files],
                "warnings": result.warnings,
                "unsupported": result.unsupported,
            }
        )
        return
    for path in result.files:
        stdout.print(str(path), highlight=False)
    _listed("Not exported (no equivalent in this format)", result.unsupported)
    _listed("Notes", result.warnings)
    note(f"Exported {bundle.approval.ref} as {fmt} to {out}.")


def import_bundle_command(
    ctx: typer.Context,
    folder: Annotated[
        Path, typer.Argument(help="A folder written by export-bundle --format files.")
    ],
    as_json: JsonOption = False,
) -> None:
    """Import an exported bundle's versions (their hashes are checked against the manifest)."""
    svc = services(ctx)
    report = import_bundle_files(svc.store, folder, author=svc.current_author())
    saved = [
        {"kind": kind.value, "family": family, "number": number, "created": created}
        for kind, family, number, created in report.saved
    ]
    if as_json:
        print_json({"bundle": f"{report.bundle}@v{report.approval}", "versions": saved})
        return
    for item in saved:
        verb = "new" if item["created"] else "already here"
        stdout.print(f"{item['kind']:8} {item['family']}@v{item['number']}  ({verb})")
    note(f"Imported the versions of {report.bundle}@v{report.approval}; approve them here to ship.")


def import_promptfoo_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A promptfooconfig.yaml file.")],
    prefix: Annotated[
        str | None, typer.Option("--prefix", help="Name prefix (default: the config's folder).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Import a promptfoo config as prompts, model configs, a dataset and a rubric."""
    svc = services(ctx)
    report = import_promptfoo(svc.store, path, author=svc.current_author(), prefix=prefix)
    saved = [
        {"kind": kind.value, "family": family, "number": number, "created": created}
        for kind, family, number, created in report.saved
    ]
    if as_json:
        print_json({"saved": saved, "unsupported": report.unsupported, "notes": report.notes})
        return
    for item in saved:
        verb = "new" if item["created"] else "unchanged"
        stdout.print(f"{item['kind']:8} {item['family']}@v{item['number']}  ({verb})")
    _listed("Not imported", report.unsupported)
    _listed("Notes", report.notes)


def import_langfuse_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Langfuse prompt JSON (one prompt or a list).")],
    prefix: Annotated[str | None, typer.Option("--prefix", help="Name prefix.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Import Langfuse prompt JSON as prompt families."""
    svc = services(ctx)
    report = import_langfuse(svc.store, path, author=svc.current_author(), prefix=prefix)
    if as_json:
        print_json(
            {
                "saved": [{"family": f, "number": n, "created": c} for f, n, c in report.saved],
                "unsupported": report.unsupported,
            }
        )
        return
    for family, number, created in report.saved:
        stdout.print(f"prompt   {family}@v{number}  ({'new' if created else 'unchanged'})")
    _listed("Not imported", report.unsupported)


def export_run_command(
    ctx: typer.Context,
    run: Annotated[str, typer.Argument(metavar="RUN", help="Run id, or sim-N for a simulation.")],
    out: Annotated[Path, typer.Option("--out", help="File to write.")],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="csv, jsonl or html (default: the file extension)."),
    ] = None,
    rubric: Annotated[
        str | None,
        typer.Option("--rubric", help="Rubric NAME@V whose scores to show (default: first)."),
    ] = None,
) -> None:
    """Export a run as CSV, JSONL (one line per cell with scores) or a single-file HTML report;
    a simulation (``sim-N``) as JSONL, one conversation per line in the OpenAI messages shape."""
    if run.strip().lower().startswith("sim-"):
        from workbench.cli.simulate import export as export_simulation

        export_simulation(ctx, run, out)
        return
    if not run.strip().isdigit():
        raise ValidationError(f"'{run}' is not a run id (a number, or sim-N)")
    run_id = int(run)
    store = services(ctx).store
    chosen = (fmt or out.suffix.lstrip(".")).lower()
    if chosen == "htm":
        chosen = "html"
    if chosen not in RUN_EXPORT_FORMATS:
        raise ValidationError(
            f"unknown run export format '{chosen}': use {', '.join(RUN_EXPORT_FORMATS)}"
        )
    rubric_id = store.resolve(Kind.RUBRIC, rubric).id if rubric else None
    if chosen == "html":
        write_report(store, run_id, out, rubric_id=rubric_id)
    else:
        write_run_export(store, run_id, out, chosen, rubric_id=rubric_id)
    note(f"Wrote run {run_id} as {chosen} to {out}.")
