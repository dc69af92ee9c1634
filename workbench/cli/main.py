"""The ``workbench`` command: a root with ``--home`` and one sub-command group per concept.

Exit codes: 0 success, 1 a user error (a clear message on stderr), 2 a usage error.

Sub-commands load lazily: the root knows every command's name and one-line help from
`commands.COMMANDS`, and imports a command's module only when that command is invoked. So
``workbench --help`` or ``workbench prompt list`` does not pay for the engine, the providers'
SDKs or the statistics libraries (start-up was over a second when everything loaded eagerly).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer import _click as click  # typer >= 0.29 vendors click: use its types
from typer.core import TyperGroup

from workbench.cli import process_policy
from workbench.cli.commands import COMMANDS, build_commands
from workbench.core.errors import KnownError


class LazyRootGroup(TyperGroup):
    """The root group: commands are built from their module on first use.

    Help lists every command from the static table, without importing any of them.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [entry.name for entry in COMMANDS]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is not None:
            return found
        built = build_commands(cmd_name)
        if built is None:
            return None
        for name, command in built.items():
            self.add_command(command, name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(entry.name, entry.help) for entry in COMMANDS]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


app = typer.Typer(
    help="Prompt Workbench: version, run, score and approve prompts and personas.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    cls=LazyRootGroup,
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
    from workbench.app.services import Services

    svc = Services(home)
    ctx.obj = svc
    ctx.call_on_close(svc.close)
    process_policy.collect_after_start_up()


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and map errors to exit codes; returns the code (also used by tests).

    Typer's standalone mode already exits 2 on usage errors and 1 on its own errors; a
    `KnownError` from our code becomes a one-line message on stderr and exit code 1.
    """
    try:
        app(args=argv, prog_name="workbench", standalone_mode=True)
    except SystemExit as done:
        return _exit_code(done.code)
    except KnownError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def _exit_code(code: Any) -> int:
    if isinstance(code, int):
        return code
    return 0 if code is None else 1


def entry_point() -> None:
    """Console-script entry: run `main` without collecting garbage during start-up
    (`process_policy`), and exit with its code."""
    process_policy.pause_collection()
    sys.exit(main())
