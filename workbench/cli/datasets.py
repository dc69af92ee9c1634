"""``dataset show|import|export``: look at rows and move datasets in and out of files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from workbench.app.versions import save_version
from workbench.cli.context import note, print_json, services, stdout, table, version_json
from workbench.cli.families import JsonOption
from workbench.core.models import DatasetContent, Kind
from workbench.core.versioning import parse_ref


def show_dataset(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Dataset NAME or NAME@VERSION.")],
    rows: Annotated[int, typer.Option("--rows", help="How many rows to print (0 = all).")] = 20,
    tag: Annotated[str | None, typer.Option("--tag", help="Only rows with this tag.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Show a dataset version and its rows."""
    version = services(ctx).store.resolve(Kind.DATASET, ref)
    content = version.content_as(DatasetContent)
    selected = [r for r in content.rows if tag is None or tag in r.tags]
    total = len(selected)
    if rows:
        selected = selected[:rows]
    if as_json:
        data = version_json(version, with_content=False)
        data["row_count"] = len(content.rows)
        data["rows"] = [r.model_dump(mode="json", exclude_defaults=True) for r in selected]
        print_json(data)
        return
    labels = f"  [{', '.join(version.labels)}]" if version.labels else ""
    stdout.print(f"[bold]{version.ref}[/bold]  {version.short_id}{labels}", highlight=False)
    stdout.print(f"{len(content.rows)} rows" + (f", {total} tagged '{tag}'" if tag else ""))
    out = table("id", "vars", "facts / expected", "tags")
    for row in selected:
        vars_text = "; ".join(f"{k}={v}" for k, v in row.vars.items())
        check = " | ".join(row.facts) if row.facts else (row.expected or "")
        out.add_row(row.id, _clip(vars_text), _clip(check), ", ".join(row.tags))
    stdout.print(out)
    if len(selected) < total:
        note(f"… {total - len(selected)} more rows (use --rows 0 to see all)")


def import_dataset(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A .csv, .tsv, .jsonl, .json or .yaml file.")],
    name: Annotated[
        str | None, typer.Option("--name", help="Dataset name (default: the file name).")
    ] = None,
    note_text: Annotated[str, typer.Option("--note", help="Why this version.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Import a dataset file as a new version (unchanged content makes none)."""
    svc = services(ctx)
    family = parse_ref(name or path.stem.lower()).name
    from workbench.app.interchange import read_dataset  # file formats load on use

    content = read_dataset(path)
    result = save_version(
        svc.store, Kind.DATASET, family, content, author=svc.current_author(), note=note_text
    )
    if as_json:
        print_json(
            {"created": result.created, "version": version_json(result.version, with_content=False)}
        )
        return
    verb = "New version" if result.created else "Unchanged:"
    note(f"{verb} {result.version.ref} ({result.version.short_id}), {len(content.rows)} rows.")


def export_dataset(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Dataset NAME or NAME@VERSION.")],
    out: Annotated[
        Path, typer.Option("--out", help="File to write; its extension picks the format.")
    ],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="csv, jsonl, json or yaml (overrides the extension)."),
    ] = None,
) -> None:
    """Write a dataset version to a file."""
    version = services(ctx).store.resolve(Kind.DATASET, ref)
    content = version.content_as(DatasetContent)
    from workbench.app.interchange import write_dataset

    write_dataset(content, out, fmt)
    note(f"Wrote {len(content.rows)} rows of {version.ref} to {out}.")


def _clip(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
