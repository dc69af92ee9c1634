"""The table of ``workbench`` sub-commands: name, one-line help, and how to build them.

The root group (`cli.main`) lists commands from this table and builds one only when it is
invoked, so each builder imports its module inside the function. A new command is one entry
here: its name, the help line shown by ``workbench --help``, and a builder that registers it
(and may register siblings from the same module) on the Typer it is given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import typer
from typer import _click as click  # typer >= 0.29 vendors click: use its types
from typer.core import TyperGroup

Builder = Callable[[typer.Typer], None]


@dataclass(frozen=True)
class CommandEntry:
    """One root sub-command as ``workbench --help`` lists it."""

    name: str
    help: str
    build: Builder


def _workspace(app: typer.Typer) -> None:
    from workbench.cli import workspace

    app.command("init")(workspace.init)
    app.command("import")(workspace.import_)
    app.command("export")(workspace.export)


class LazyExtrasGroup(TyperGroup):
    """A kind's group: the shared commands (list, show, …) at once, the kind's own commands
    (import, render, …) built on first use, so ``workbench dataset list`` does not import the
    file formats, the perturbations or the scoring stack that only those commands need."""

    extras: Builder | None = None

    def _load_extras(self) -> None:
        extras, self.extras = self.extras, None
        if extras is None:
            return
        holder = typer.Typer()
        extras(holder)
        for name, command in typer.main.get_group(holder).commands.items():
            self.add_command(command, name)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is None and self.extras is not None:
            self._load_extras()
            found = super().get_command(ctx, cmd_name)
        return found

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_extras()  # help lists every command
        return super().list_commands(ctx)


def _family(
    kind_name: str,
    plural: str,
    extra: Builder | None = None,
    *,
    with_show: bool = True,
) -> Builder:
    def build(app: typer.Typer) -> None:
        from workbench.cli.families import family_app
        from workbench.core.kinds import Kind

        cls = None
        if extra is not None:
            # staticmethod: a plain function as a class attribute would be bound to the group.
            attributes = {"extras": staticmethod(extra)}
            cls = type(f"{kind_name.title()}Group", (LazyExtrasGroup,), attributes)
        group = family_app(Kind(kind_name), plural=plural, with_show=with_show, cls=cls)
        app.add_typer(group, name=kind_name)  # the group is named after the kind

    return build


def _prompt_extra(group: typer.Typer) -> None:
    from workbench.cli import render

    group.command("render")(render.render_prompt_command)


def _persona_extra(group: typer.Typer) -> None:
    from workbench.cli import render

    group.command("render")(render.render_persona_command)


def _dataset_extra(group: typer.Typer) -> None:
    from workbench.cli import datasets, robustness

    group.command("show")(datasets.show_dataset)
    group.command("import")(datasets.import_dataset)
    group.command("export")(datasets.export_dataset)
    group.command("add-noisy")(robustness.add_noisy)


def _rubric_extra(group: typer.Typer) -> None:
    from workbench.cli import scoring

    group.command("import")(scoring.import_rubric)


def _run(app: typer.Typer) -> None:
    from workbench.cli import runs

    app.command("run")(runs.run)


def _runs(app: typer.Typer) -> None:
    from workbench.cli import exports, robustness, runs

    runs.runs_app.command("export")(exports.export_run_command)
    runs.runs_app.command("variants")(robustness.show_variants)
    app.add_typer(runs.runs_app, name="runs")


def _models(app: typer.Typer) -> None:
    from workbench.cli import models

    app.add_typer(models.models_app, name="models")


def _scoring(app: typer.Typer) -> None:
    from workbench.cli import scoring

    app.command("score")(scoring.score)
    app.command("compare")(scoring.compare)
    app.add_typer(scoring.review_app, name="review")


def _approvals(app: typer.Typer) -> None:
    from workbench.cli import approvals

    approvals.register(app)


def _exports(app: typer.Typer) -> None:
    from workbench.cli import exports

    exports.register(app)


def _logs(app: typer.Typer) -> None:
    from workbench.cli.logs import logs_app

    app.add_typer(logs_app, name="logs")


def _customer_extra(group: typer.Typer) -> None:
    from workbench.cli import simulate

    group.command("render")(simulate.render_customer_command)


def _conversations_extra(group: typer.Typer) -> None:
    from workbench.cli import simulate

    group.command("import")(simulate.import_conversations)
    group.command("export")(simulate.export_conversations)


def _simulate(app: typer.Typer) -> None:
    from workbench.cli import simulate

    app.add_typer(simulate.simulate_app, name="simulate")


def _store(app: typer.Typer) -> None:
    from workbench.cli.store_cmd import store_app

    app.add_typer(store_app, name="store")


COMMANDS: tuple[CommandEntry, ...] = (
    CommandEntry(
        "init", "Create the workspace (database, folders) and load the demo workspace.", _workspace
    ),
    CommandEntry(
        "import", "Load files into the workspace; unchanged content makes no version.", _workspace
    ),
    CommandEntry("export", "Write every family's versions back to files.", _workspace),
    CommandEntry(
        "run", "Run prompt versions × personas × models over a dataset, side by side.", _run
    ),
    CommandEntry("score", "Score a stored run with a rubric version.", _scoring),
    CommandEntry("compare", "Compare two columns of a scored run, with statistics.", _scoring),
    CommandEntry("approve", "Approve a bundle on the evidence of a scored run.", _approvals),
    CommandEntry("bundle-label", "Point a bundle label at an approval (or remove it).", _approvals),
    CommandEntry(
        "export-bundle", "Export an approved bundle (files, promptfoo, Langfuse, code).", _exports
    ),
    CommandEntry("import-bundle", "Import an exported bundle's versions.", _exports),
    CommandEntry("import-promptfoo", "Import a promptfoo config.", _exports),
    CommandEntry("import-langfuse", "Import Langfuse prompt JSON as prompt families.", _exports),
    CommandEntry("prompt", "Versioned prompts.", _family("prompt", "prompts", _prompt_extra)),
    CommandEntry("persona", "Versioned personas.", _family("persona", "personas", _persona_extra)),
    CommandEntry(
        "dataset",
        "Versioned datasets.",
        _family("dataset", "datasets", _dataset_extra, with_show=False),
    ),
    CommandEntry("runs", "Stored runs: list, show, resume, retry errors, export.", _runs),
    CommandEntry("model", "Versioned model configs.", _family("model", "model configs")),
    CommandEntry("models", "Model configs and the models servers offer.", _models),
    CommandEntry("rubric", "Versioned rubrics.", _family("rubric", "rubrics", _rubric_extra)),
    CommandEntry("review", "Human reviews of run outputs.", _scoring),
    CommandEntry("approvals", "Approved bundles: list, show, sign off, revoke.", _approvals),
    CommandEntry(
        "customer",
        "Versioned customer personas (simulated customers).",
        _family("customer", "customer personas", _customer_extra),
    ),
    CommandEntry(
        "conversations",
        "Versioned conversation sets: scripted tests and scenarios.",
        _family("conversations", "conversation sets", _conversations_extra),
    ),
    CommandEntry("simulate", "Simulated customers talking to assistant versions.", _simulate),
    CommandEntry("logs", "Conversation logs: import (anonymised), analyse, make datasets.", _logs),
    CommandEntry("store", "The workspace's store: copy it between SQLite and PostgreSQL.", _store),
)

_BY_NAME = {entry.name: entry for entry in COMMANDS}


def build_commands(name: str) -> dict[str, click.Command] | None:
    """The click commands the builder of `name` registers (by name), or None if unknown."""
    entry = _BY_NAME.get(name)
    if entry is None:
        return None
    holder = typer.Typer()
    entry.build(holder)
    group = typer.main.get_group(holder)
    return dict(group.commands)
