"""``models list``: the model configs, whether each can run here, and what a server offers."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from workbench.app.models import PRESETS, list_models, model_status, resolve_base_url
from workbench.cli.context import note, print_json, services, stdout, table
from workbench.cli.families import JsonOption
from workbench.core.models import Kind, ModelConfigContent

models_app = typer.Typer(help="Model configs and the models servers offer.", no_args_is_help=True)


@models_app.command("list")
def list_(
    ctx: typer.Context,
    endpoint: Annotated[
        str | None,
        typer.Option(
            "--endpoint",
            help=f"List the models an OpenAI-compatible server offers: a URL or one of "
            f"{', '.join(PRESETS)}.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List model configs and whether each can run here (keys, embedded runtime)."""
    svc = services(ctx)
    if endpoint is not None:
        url = resolve_base_url(endpoint)
        names = asyncio.run(list_models(url))
        if as_json:
            print_json({"endpoint": url, "models": names})
            return
        note(f"{len(names)} models at {url}")
        for name in names:
            stdout.print(name, highlight=False)
        return
    rows = []
    for family in svc.store.list_families(Kind.MODEL):
        version = svc.store.resolve(Kind.MODEL, family.name)
        status = model_status(version.content_as(ModelConfigContent), svc.secrets)
        rows.append((version, version.content_as(ModelConfigContent), status))
    if as_json:
        print_json(
            [
                {
                    "name": v.family,
                    "version": v.number,
                    "provider": c.provider,
                    "model": c.model,
                    "base_url": c.base_url,
                    "ready": s.ready,
                    "detail": s.detail,
                }
                for v, c, s in rows
            ]
        )
        return
    if not rows:
        note("No model configs yet. Import some with: workbench import models")
        return
    out = table("name", "provider", "model", "ready", "detail")
    for version, content, status in rows:
        out.add_row(
            version.ref,
            content.provider,
            content.model,
            "yes" if status.ready else "no",
            status.detail,
        )
    stdout.print(out)
