"""The ``workbench`` command: a root with ``--home`` and one sub-command group per concept.

Exit codes: 0 success, 1 a user error (a clear message on stderr), 2 a usage error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from workbench.app.services import Services
from workbench.cli import (
    approvals,
    datasets,
    exports,
    models,
    render,
    runs,
    scoring,
    simulate,
    workspace,
)
from workbench.cli.families import family_app
from workbench.core.errors import KnownError
from workbench.core.models import Kind

app = typer.Typer(
    help="Prompt Workbench: version, run, score and approve prompts and personas.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def root(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home", envvar="WORKBENCH_HOME", help="Workspace folder (default: user data dir)."
        ),
    ] = None,
) -> None:
    """Prompt Workbench."""
    svc = Services(home)
    ctx.obj = svc
    ctx.call_on_close(svc.close)


app.command("init")(workspace.init)
app.command("import")(workspace.import_)
app.command("export")(workspace.export)

prompt_app = family_app(Kind.PROMPT, plural="prompts")
prompt_app.command("render")(render.render_prompt_command)
app.add_typer(prompt_app, name="prompt")

persona_app = family_app(Kind.PERSONA, plural="personas")
persona_app.command("render")(render.render_persona_command)
app.add_typer(persona_app, name="persona")

dataset_app = family_app(Kind.DATASET, plural="datasets", with_show=False)
dataset_app.command("show")(datasets.show_dataset)
dataset_app.command("import")(datasets.import_dataset)
dataset_app.command("export")(datasets.export_dataset)
app.add_typer(dataset_app, name="dataset")

app.command("run")(runs.run)
runs.runs_app.command("export")(exports.export_run_command)
app.add_typer(runs.runs_app, name="runs")

app.add_typer(family_app(Kind.MODEL, plural="model configs"), name="model")
app.add_typer(models.models_app, name="models")
app.add_typer(family_app(Kind.RUBRIC, plural="rubrics"), name="rubric")
scoring.register(app)  # score, compare, review, rubric import (after the rubric group)
approvals.register(app)  # approve, approvals list|show|revoke, bundle-label
exports.register(app)  # export-bundle, import-bundle, import-promptfoo, import-langfuse

# Conversations (issue 12): customer personas, conversation sets, simulations.
customer_app = family_app(Kind.CUSTOMER, plural="customer personas")
customer_app.command("render")(simulate.render_customer_command)
app.add_typer(customer_app, name="customer")
conversations_app = family_app(Kind.CONVERSATIONS, plural="conversation sets")
conversations_app.command("import")(simulate.import_conversations)
conversations_app.command("export")(simulate.export_conversations)
app.add_typer(conversations_app, name="conversations")
app.add_typer(simulate.simulate_app, name="simulate")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and map errors to exit codes; returns the code (also used by tests).

    Typer's standalone mode already exits 2 on usage errors and 1 on its own errors; a
    `KnownError` from our code becomes a one-line message on stderr and exit code 1.
    """
    try:
        app(args=argv, prog_name="workbench", standalone_mode=True)
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except KnownError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def entry_point() -> None:
    """Console-script entry: exit with `main`'s code."""
    sys.exit(main())
