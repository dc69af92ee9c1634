"""Commands every versioned kind shares: list, show, history, diff and label.

`family_app(kind)` builds the same sub-commands for prompts, personas, datasets, models and
rubrics so they behave alike; kind-specific commands (render, import, ...) are added beside them.

Building the group imports no template engine, YAML or diff code: those load in the commands
that use them, so ``workbench prompt list`` starts without them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from typer.core import TyperGroup

from workbench.app.listing import list_families
from workbench.app.versions import remove_label, set_label
from workbench.cli.context import note, print_json, services, stdout, table, version_json
from workbench.core.errors import ValidationError
from workbench.core.kinds import Kind
from workbench.core.versioning import parse_ref

if TYPE_CHECKING:  # `list` builds no content model; the commands that show versions do
    from workbench.core.models import Version

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def resolve_pair(first: str, second: str | None) -> tuple[str, str]:
    """Expand the second ref of a diff: ``@v2`` or ``v2`` means the first ref's family."""
    base = parse_ref(first)
    if second is None:
        return first, base.name
    if second.startswith("@"):
        return first, f"{base.name}{second}"
    if "@" not in second and (second[:1] == "v" and second[1:].isdigit()):
        return first, f"{base.name}@{second}"
    return first, second


def family_app(
    kind: Kind, *, plural: str, with_show: bool = True, cls: type[TyperGroup] | None = None
) -> typer.Typer:
    """The shared sub-commands for one kind (``with_show=False`` when the kind has its own);
    `cls` is the click group class built for it (see `cli.commands`)."""
    app = typer.Typer(help=f"Versioned {plural}.", no_args_is_help=True, cls=cls)

    @app.command("list")
    def list_(ctx: typer.Context, as_json: JsonOption = False) -> None:
        """List the families with their head version and labels."""
        families = list_families(services(ctx), kind)
        if as_json:
            print_json(
                [
                    {
                        "name": f.name,
                        "description": f.description,
                        "versions": f.version_count,
                        "head": {"number": f.head_number, "id": f.head_id},
                        "labels": f.labels,
                    }
                    for f in families
                ]
            )
            return
        if not families:
            note(f"No {plural} yet. Import some with: workbench import prompts datasets")
            return
        out = table("name", "head", "versions", "labels", "description")
        for f in families:
            head = f"v{f.head_number} {f.head_id[:8]}" if f.head_id else "-"
            labels = ", ".join(f"{k}→v{v}" for k, v in sorted(f.labels.items()))
            out.add_row(f.name, head, str(f.version_count), labels, f.description or "")
        stdout.print(out)

    def show(
        ctx: typer.Context,
        ref: Annotated[str, typer.Argument(help="NAME or NAME@VERSION (label, vN or hash).")],
        as_json: JsonOption = False,
    ) -> None:
        """Show one version: metadata and content (for prompts, the variables too)."""
        version = services(ctx).store.resolve(kind, ref)
        report = _variables(version)
        if as_json:
            data = version_json(version)
            if report is not None:
                data["variables_report"] = report
            print_json(data)
            return
        _print_version(version)
        if report is not None:
            stdout.print("")
            for name, values in report.items():
                stdout.print(f"{name}: {', '.join(values) or '-'}", highlight=False)

    if with_show:
        app.command("show")(show)

    @app.command("history")
    def history(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="Family name.")],
        as_json: JsonOption = False,
    ) -> None:
        """List every version of a family, oldest first, and the label moves."""
        store = services(ctx).store
        versions = store.history(kind, parse_ref(name).name)
        events = store.label_events(kind, parse_ref(name).name)
        if as_json:
            print_json(
                {
                    "versions": [version_json(v, with_content=False) for v in versions],
                    "label_events": [
                        {
                            "label": e.label,
                            "from": e.from_version_id,
                            "to": e.to_version_id,
                            "actor": e.actor,
                            "at": e.at.isoformat(),
                        }
                        for e in events
                    ],
                }
            )
            return
        out = table("version", "id", "parent", "created", "author", "labels", "note")
        by_id = {v.id: v for v in versions}
        for v in versions:
            parent = by_id.get(v.parent_id or "")
            out.add_row(
                f"v{v.number}",
                v.short_id,
                f"v{parent.number}" if parent else "-",
                v.created_at.strftime("%Y-%m-%d %H:%M"),
                v.author,
                ", ".join(v.labels),
                v.note,
            )
        stdout.print(out)

    @app.command("diff")
    def diff(
        ctx: typer.Context,
        first: Annotated[str, typer.Argument(help="NAME@VERSION to compare from.")],
        second: Annotated[
            str | None,
            typer.Argument(
                help="NAME@VERSION, or @VERSION / vN in the same family (default: head)."
            ),
        ] = None,
        as_json: JsonOption = False,
    ) -> None:
        """Show what changed between two versions."""
        store = services(ctx).store
        a_ref, b_ref = resolve_pair(first, second)
        a, b = store.resolve(kind, a_ref), store.resolve(kind, b_ref)
        from workbench.core.diff import diff_contents, format_changes

        changes = diff_contents(kind, a.content, b.content, a_label=a.ref, b_label=b.ref)
        if as_json:
            print_json(
                {
                    "from": version_json(a, with_content=False),
                    "to": version_json(b, with_content=False),
                    "changes": [
                        {"path": c.path, "old": c.old, "new": c.new, "diff": c.text_diff}
                        for c in changes
                    ],
                }
            )
            return
        note(f"{a.ref} ({a.short_id}) → {b.ref} ({b.short_id})")
        stdout.print(format_changes(changes) or "No differences.", highlight=False, markup=False)

    @app.command("label")
    def label(
        ctx: typer.Context,
        ref: Annotated[str, typer.Argument(help="NAME@VERSION the label should point at.")],
        label_name: Annotated[str, typer.Argument(metavar="LABEL", help="e.g. production.")],
        remove: Annotated[bool, typer.Option("--remove", help="Remove the label.")] = False,
    ) -> None:
        """Point a label (production, staging, ...) at a version; every move is recorded."""
        svc = services(ctx)
        version = svc.store.resolve(kind, ref)
        if not label_name.strip() or "@" in label_name:
            raise ValidationError(f"'{label_name}' is not a valid label name")
        if remove:
            remove_label(svc.store, kind, version.family, label_name, actor=svc.current_author())
            note(f"Removed label '{label_name}' from {version.family}.")
            return
        author = svc.current_author()
        set_label(svc.store, kind, version.family, label_name, version.id, actor=author)
        note(f"{version.family}: '{label_name}' → v{version.number} ({version.short_id}).")

    return app


def _variables(version: Version) -> dict[str, list[str]] | None:
    """A prompt's variables: used by its templates, missing (used, undeclared), unused."""
    from workbench.core.models import PromptContent

    if not isinstance(version.content, PromptContent):
        return None
    from workbench.core.compose import prompt_variables

    found = prompt_variables(version.content, prompt_name=version.ref)
    return {
        "used": sorted(found.used),
        "missing": sorted(found.missing),
        "unused": sorted(found.unused),
    }


def _print_version(version: Version) -> None:
    labels = f"  [{', '.join(version.labels)}]" if version.labels else ""
    stdout.print(
        f"[bold]{version.ref}[/bold]  {version.short_id}{labels}\n"
        f"created {version.created_at:%Y-%m-%d %H:%M} by {version.author or '?'}"
        + (f"\nnote: {version.note}" if version.note else ""),
        highlight=False,
    )
    stdout.print("")
    content = version.content.model_dump(mode="json", exclude_defaults=True)
    if version.kind is Kind.DATASET:
        rows = content.pop("rows", [])
        content["rows"] = f"{len(rows)} rows (see `workbench dataset show --rows N`)"
    import yaml

    text = yaml.safe_dump(content, allow_unicode=True, sort_keys=False, width=100)
    stdout.print(text.rstrip(), highlight=False, markup=False)
