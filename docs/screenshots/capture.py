"""Capture the screenshots in this folder: the app on the demo workspace, as a user sees it.

Run under a virtual display so real window decorations and fonts are used::

    xvfb-run -s "-screen 0 1400x900x24" .venv/bin/python docs/screenshots/capture.py
    WORKBENCH_THEME=dark xvfb-run -s "-screen 0 1400x900x24" \
        .venv/bin/python docs/screenshots/capture.py --suffix -dark

The run shown is executed by the real engine against the project's fake OpenAI-compatible server
(`workbench.testing.fake_llm`) on 127.0.0.1, which answers with each row's reference answer so
the grid reads like a real comparison; no hosted model is called.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from workbench.app.services import Services
from workbench.core.models import Kind, ModelConfigContent
from workbench.core.runs import RunSpec
from workbench.engine.runner import RunEngine
from workbench.gui.main import create_application
from workbench.gui.main_window import MainWindow
from workbench.gui.views.persona_designer import PersonaDesigner
from workbench.gui.views.prompt_editor import PromptEditor
from workbench.gui.views.results_view import ResultsView
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
        row = next((r for r in rows if r["vars"].get("message", "\0") in asked), None)
        if row is None:
            return "Merci pour votre message, je regarde cela tout de suite."
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


def make_run(services: Services, server: FakeLLMServer) -> int:
    """Two prompt versions × two personas on the demo dataset, run by the real engine."""
    store = services.store
    model = store.save_version(
        Kind.MODEL,
        "fake-server",
        ModelConfigContent(
            provider="openai-compatible", model="demo", base_url=server.openai_base_url
        ),
        author="demo",
    ).version
    prompt_v1 = store.resolve(Kind.PROMPT, "order-tracking@v1")
    prompt_head = store.resolve(Kind.PROMPT, "order-tracking")
    personas = [store.resolve(Kind.PERSONA, n) for n in ("conseiller-vous", "complice-tu")]
    dataset = store.resolve(Kind.DATASET, "support-messages")
    row_ids = tuple(store.dataset_row_ids(dataset.id)[:24])
    spec = RunSpec(
        prompt_ids=(prompt_v1.id, prompt_head.id),
        persona_ids=tuple(p.id for p in personas),
        model_ids=(model.id,),
        dataset_id=dataset.id,
        row_ids=row_ids,
        concurrency=8,
    )
    engine = RunEngine(store, services.provider_factory())
    run_id = engine.create_run(spec, "order-tracking v1 vs head × vous / tu")
    server.script(Reply.error(400, "context length exceeded"))
    asyncio.run(engine.execute(run_id))
    return run_id


def settle(widget: QWidget, ms: int = 400) -> None:
    """Let timers, layouts and paints run."""
    QTest.qWait(ms)
    widget.repaint()


def grab(widget: QWidget, path: Path) -> None:
    """Save what `widget` shows."""
    settle(widget)
    if not widget.grab().save(str(path)):
        raise SystemExit(f"could not write {path}")
    print(path.relative_to(ROOT))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--suffix", default="")
    args = parser.parse_args(argv)
    app = create_application(sys.argv[:1])
    home = Path(tempfile.mkdtemp(prefix="workbench-shots-"))
    services = Services(home)
    services.ensure_demo_loaded()
    with FakeLLMServer(responder=reference_responder()) as server:
        run_id = make_run(services, server)
    window = MainWindow(services)
    window.resize(1400, 900)
    window.show()
    settle(window)

    def shot(name: str) -> None:
        grab(window, args.out / f"{name}{args.suffix}.png")

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

    window.close()
    services.close()
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
