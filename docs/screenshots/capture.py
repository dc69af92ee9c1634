"""Capture the screenshots in this folder: the app on the demo workspace, as a user sees it.

Run under a virtual display so real window decorations and fonts are used::

    xvfb-run -s "-screen 0 1400x900x24" .venv/bin/python docs/screenshots/capture.py
    WORKBENCH_THEME=dark xvfb-run -s "-screen 0 1400x900x24" \
        .venv/bin/python docs/screenshots/capture.py --suffix=-dark

The runs shown are executed by the real engine against the project's fake OpenAI-compatible
server (`workbench.testing.fake_llm`) on 127.0.0.1, which answers with each row's reference
answer so the grid reads like a real comparison; no hosted model is called. They are scored
with the demo rubric, a few cells are rated and a few rows compared, as a reviewer would.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from workbench.app.scoring import score_run
from workbench.app.services import Services
from workbench.core.models import Kind, ModelConfigContent
from workbench.core.reviews import PairwisePreference
from workbench.core.runs import RunSpec
from workbench.engine.runner import RunEngine
from workbench.gui.main import create_application
from workbench.gui.main_window import MainWindow
from workbench.gui.views.charts_view import ChartsView
from workbench.gui.views.compare_view import CompareView
from workbench.gui.views.dataset_editor import DatasetEditor
from workbench.gui.views.models_view import ModelsView
from workbench.gui.views.persona_designer import PersonaDesigner
from workbench.gui.views.prompt_editor import PromptEditor
from workbench.gui.views.results_view import ResultsView
from workbench.gui.views.run_setup_dialog import RunSetupDialog
from workbench.testing.fake_llm import FakeLLMServer, Reply, last_user_text

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def reference_responder() -> Any:
    """Answer from the dataset row quoted in the request, in the persona's form of address.

    Rows with a reference answer get it; the others get a short answer built from the order
    status the prompt received, the way a decent model would answer.
    """
    rows = [
        json.loads(line)
        for line in (ROOT / "datasets" / "support-messages.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    ]

    def respond(body: dict[str, Any]) -> str:
        asked = last_user_text(body)
        system = " ".join(
            str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "system"
        ).lower()
        familiar = "tutoie toujours" in system
        # order-tracking v1 asked for a delivery date even when no order was found, and the
        # answers invented one: the screenshots show that flaw as the real model showed it.
        first_draft = "donne au client le statut de sa commande et sa date" in system
        row = next((r for r in rows if r["vars"].get("message", "\0") in asked), None)
        if row is None:
            return "Merci pour votre message, je regarde cela tout de suite."
        if first_draft and not str(row["vars"].get("order_status") or "").strip():
            name = str(row["vars"].get("customer_name") or "").split(" ")[0]
            hello = f"Salut {name} !" if familiar else f"Bonjour{' ' + name if name else ''},"
            yours = "ta commande" if familiar else "votre commande"
            return f"{hello} {yours} est en route et sera livrée le 14 novembre."
        if row.get("expected"):
            answer = str(row["expected"])
            return answer.replace("Bonjour", "Salut", 1) if familiar else answer
        status = str(row["vars"].get("order_status") or "").strip()
        name = str(row["vars"].get("customer_name") or "").split(" ")[0]
        hello = f"Salut {name} !" if familiar else f"Bonjour{' ' + name if name else ''},"
        if not status:
            ask = "peux-tu me donner ton" if familiar else "pourriez-vous me donner votre"
            return f"{hello} {ask} numéro de commande (ML- suivi de 6 chiffres) ?"
        yours = "ta commande" if familiar else "votre commande"
        return f"{hello} voici où en est {yours} : {status}"

    return respond


def make_run(services: Services, server: FakeLLMServer, prompts: tuple[str, str], name: str) -> int:
    """Two prompt versions × two personas on the demo dataset, run and scored for real."""
    store = services.store
    model = store.save_version(
        Kind.MODEL,
        "fake-server",
        ModelConfigContent(
            provider="openai-compatible", model="demo", base_url=server.openai_base_url
        ),
        author="demo",
    ).version
    personas = [store.resolve(Kind.PERSONA, n) for n in ("conseiller-vous", "complice-tu")]
    dataset = store.resolve(Kind.DATASET, "support-messages")
    rubric = store.resolve(Kind.RUBRIC, "support-quality")
    spec = RunSpec(
        prompt_ids=tuple(store.resolve(Kind.PROMPT, p).id for p in prompts),
        persona_ids=tuple(p.id for p in personas),
        model_ids=(model.id,),
        dataset_id=dataset.id,
        row_ids=tuple(store.dataset_row_ids(dataset.id)[:24]),
        concurrency=8,
        rubric_id=rubric.id,
    )
    engine = RunEngine(store, services.provider_factory())
    run_id = engine.create_run(spec, name)
    server.script(Reply.error(400, "context length exceeded"))
    asyncio.run(engine.execute(run_id))
    score_run(store, run_id, rubric)
    return run_id


def review(services: Services, run_id: int) -> None:
    """A reviewer's blind preferences between *vous* and *tu* on v1, for the compare view."""
    store = services.store
    winners = ["a", "a", "tie", "b", "a", "a", "a", "tie"]
    row_ids = [c.key.row_id for c in store.cells(run_id) if c.key.column == 0][:8]
    for row_id, winner in zip(row_ids, winners, strict=False):
        store.save_preference(
            PairwisePreference(
                run_id=run_id,
                row_id=row_id,
                column_a=0,
                column_b=1,
                winner=winner,  # type: ignore[arg-type]
                blinded=True,
                reviewer="camille",
                at=datetime.now(UTC),
            )
        )


def pause(ms: int) -> None:
    """Run the event loop for `ms` milliseconds.

    Not `QTest.qWait`: it keeps the GIL while it waits, which starves the worker threads that
    compute the statistics and charts (they would take a minute instead of a second).
    """
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def settle(widget: QWidget, ms: int = 400) -> None:
    """Let timers, layouts, background jobs and paints run."""
    pause(ms)
    widget.repaint()


def grab(widget: QWidget, path: Path) -> None:
    """Save what `widget` shows."""
    settle(widget)
    if not widget.grab().save(str(path)):
        raise SystemExit(f"could not write {path}")
    print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


def wait_for(condition: Any, timeout_ms: int = 30_000) -> None:
    """Process events until `condition()` holds."""
    waited = 0
    while not condition():
        pause(50)
        waited += 50
        if waited > timeout_ms:
            raise SystemExit("timed out waiting for the application")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--suffix", default="")
    args = parser.parse_args(argv)
    app = create_application(sys.argv[:1])
    home = Path(tempfile.mkdtemp(prefix="workbench-shots-"))
    services = Services(home)
    services.ensure_demo_loaded()

    window = MainWindow(services)
    window.resize(1400, 900)
    window.show()
    settle(window)

    def shot(name: str, widget: QWidget | None = None) -> None:
        grab(widget or window, args.out / f"{name}{args.suffix}.png")

    # First launch: the welcome page with the one-click demo; Approved says how to get there.
    shot("welcome")

    dialog = window.open_run_setup()
    assert isinstance(dialog, RunSetupDialog)
    wait_for(lambda: dialog.last_check is not None)
    settle(dialog, 600)
    shot("run-setup", dialog)
    dialog.reject()

    with FakeLLMServer(responder=reference_responder(), chunk_delay_ms=1) as server:
        make_run(services, server, ("order-tracking@v1", "order-tracking@v2"), "v1 vs v2")
        run_id = make_run(
            services, server, ("order-tracking@v1", "order-tracking"), "v1 vs head × vous / tu"
        )
    review(services, run_id)
    window.refresh()

    nav = window.navigator
    prompt_entry = next(e for e in nav.entries("Prompts") if e.name == "order-tracking")
    nav.select_entry(prompt_entry)
    editor = window.open_entry(prompt_entry)
    assert isinstance(editor, PromptEditor)
    editor.picker.persona.setCurrentText("conseiller-vous")
    editor.refresh_preview()
    shot("prompt-editor")

    window._inspector_dock.hide()  # comparing versions: the diff gets the room (View menu)
    editor.splitter.setSizes([500, 1100])
    editor.tabs.setCurrentWidget(editor.history)
    numbers = editor.history.version_numbers()
    editor.history.select_numbers(numbers[-1], numbers[0])
    shot("prompt-history")

    window._inspector_dock.show()
    persona_entry = next(e for e in nav.entries("Personas") if e.name == "complice-tu")
    nav.select_entry(persona_entry)
    designer = window.open_entry(persona_entry)
    assert isinstance(designer, PersonaDesigner)
    shot("persona-designer")

    run_entry = next(e for e in nav.entries("Runs") if e.run_id == run_id)
    nav.select_entry(run_entry)
    results = window.open_entry(run_entry)
    assert isinstance(results, ResultsView)
    window._inspector_dock.hide()  # reviewing a run: the grid gets the room (View menu)
    window.activateWindow()
    QTest.qWaitForWindowActive(window)
    settle(results)
    results.fit_columns()
    results.table.setFocus()
    results.table.setCurrentIndex(results.proxy.index(0, 2))
    for key in (Qt.Key.Key_4, Qt.Key.Key_P, Qt.Key.Key_2, Qt.Key.Key_F, Qt.Key.Key_5):
        QTest.keyClick(results.table, key)
    results.table.setCurrentIndex(results.proxy.index(3, 3))
    results.table.scrollToTop()
    results.table.horizontalScrollBar().setValue(0)
    shot("results")

    compare = window.runs.open_compare(run_id, 0, 1)
    assert isinstance(compare, CompareView)
    wait_for(lambda: compare.data is not None)
    compare.move(+3)
    shot("compare")
    compare.blind.setChecked(True)
    shot("compare-blind")

    charts = window.runs.open_charts(run_id)
    assert isinstance(charts, ChartsView)
    loaded: list[object] = []
    charts.trend_charted.connect(lambda *_: loaded.append(True))
    wait_for(lambda: bool(loaded))
    shot("charts")

    models = window.open_models("smollm2-local")
    assert isinstance(models, ModelsView)
    shot("models")

    dataset_entry = next(e for e in nav.entries("Datasets") if e.name == "support-messages")
    dataset = window.open_entry(dataset_entry)
    assert isinstance(dataset, DatasetEditor)
    dataset.table.resizeColumnToContents(0)
    shot("dataset")
    broken = home / "returns-batch.csv"
    broken.write_text(
        "id,message,customer_name,tags\n"
        "r-101,Bonjour je voudrais retourner ma lampe,Inès Moreau,fr;returns\n"
        'r-102,"Mon colis est arrivé abîmé, que faire ?,Paul Girard,fr;damaged\n',
        "utf-8",
    )
    importer = dataset.open_import()
    importer.read(broken)
    wait_for(lambda: "Not imported" in importer.status.text())
    settle(importer, 300)
    shot("dataset-import-error", importer)
    importer.reject()

    window.close()
    services.close()
    QApplication.processEvents()
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
