"""Capture the conversations screenshots (conversations-*.png) on the demo workspace.

Run under a virtual display, like `capture.py`::

    xvfb-run -s "-screen 0 1400x900x24" .venv/bin/python docs/screenshots/capture_conversations.py
    WORKBENCH_THEME=dark xvfb-run -s "-screen 0 1400x900x24" \
        .venv/bin/python docs/screenshots/capture_conversations.py --suffix=-dark

The simulation shown is executed from the window by the real simulation engine against the
project's fake OpenAI-compatible server on 127.0.0.1, which plays both sides from a script: the
customers write as their personas would (the pressed commuter in short lines without accents, the
elderly customer in long formal letters), order-tracking v3 answers in *vous* and gives the
delivery date on its second answer, and v2 slips to *tu* on its second answer — the drift the
screens are there to show. No hosted model is called.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from workbench.app import conversations as app_conversations
from workbench.app.conversation_demo import DEMO_CUSTOMERS
from workbench.app.conversations import CaseSelection, ConversationKey
from workbench.app.services import Services
from workbench.core.models import Kind, ModelConfigContent
from workbench.gui.main import create_application
from workbench.gui.main_window import MainWindow
from workbench.gui.views.customer_designer import CustomerDesigner
from workbench.gui.views.playground_view import PlaygroundView
from workbench.gui.views.simulation_setup_dialog import SimulationSetupDialog
from workbench.gui.views.simulation_view import PAIR_TAB, SUMMARY_TAB, SimulationView
from workbench.testing.fake_llm import FakeLLMServer, system_text

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

COMMUTER = (
    "bjr, ma commande ML-104522 devait arriver, elle est ou ??",
    "ok mais elle arrive quand exactement ? jai pas le temps",
    "ok merci [FIN]",
)
ELDERLY = (
    "Madame, Monsieur, je me permets de vous écrire car ma commande ML-104522, une lampe Orsay,"
    " n'est toujours pas arrivée. Pourriez-vous me dire quand je la recevrai ?"
    " Bien à vous, Odette Lambert",
    "Je vous remercie de votre réponse. Mais à quelle date sera-t-elle livrée, s'il vous plaît ?",
    "Je vous remercie infiniment. Bien à vous, Odette Lambert [FIN]",
)
PUT_OFF = (
    "Je vous prie de ne pas me tutoyer. Je souhaite simplement connaître la date de livraison."
    " Odette Lambert"
)
FIRST_ANSWER = (
    "Bonjour, je vous remercie pour votre message. Votre commande ML-104522 a bien été expédiée"
    " le 4 novembre par Colissimo, numéro de suivi 6A23918475520. Bien cordialement, Camille"
)
V3_SECOND = (
    "La livraison est prévue le 6 novembre. Je reste à votre disposition pour toute question."
    " Bien cordialement, Camille"
)
V2_SECOND = (
    "Pas de souci ! Tu peux suivre ton colis avec le numéro 6A23918475520, il arrive bientôt."
)
V2_THIRD = "Je comprends, tu peux aussi suivre ton colis sur le site de Colissimo."


def responder(body: dict[str, Any]) -> str:
    """Both sides of the demo conversations, as described in the module docstring."""
    system = system_text(body)
    messages = body.get("messages") or []
    if "Tu joues le rôle d'un client" in system:
        answers = [str(m.get("content", "")) for m in messages[2:] if m.get("role") == "user"]
        lines = ELDERLY if "Odette" in system else COMMUTER
        if answers and " tu " in f" {answers[-1].lower()} " and lines is ELDERLY:
            return PUT_OFF
        return lines[min(len(answers), len(lines) - 1)]
    answered = sum(1 for m in messages if m.get("role") == "assistant")
    v3 = "Réponds dans la langue du message" in system
    if answered == 0:
        return FIRST_ANSWER
    if v3:
        return V3_SECOND
    return V2_SECOND if answered == 1 else V2_THIRD


def pause(ms: int) -> None:
    """Run the event loop for `ms` milliseconds (worker threads keep running)."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_for(condition: Any, timeout_ms: int = 60_000) -> None:
    """Process events until `condition()` holds."""
    waited = 0
    while not condition():
        pause(50)
        waited += 50
        if waited > timeout_ms:
            raise SystemExit("timed out waiting for the application")


def grab(widget: QWidget, path: Path) -> None:
    """Save what `widget` shows."""
    pause(400)
    widget.repaint()
    if not widget.grab().save(str(path)):
        raise SystemExit(f"could not write {path}")
    print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--suffix", default="")
    args = parser.parse_args(argv)
    app = create_application(sys.argv[:1])
    home = Path(tempfile.mkdtemp(prefix="workbench-conv-shots-"))
    services = Services(home)
    services.ensure_demo_loaded()
    window = MainWindow(services)
    window.resize(1400, 900)
    window.show()
    pause(400)

    def shot(name: str, widget: QWidget | None = None) -> None:
        grab(widget or window, args.out / f"conversations-{name}{args.suffix}.png")

    shot("welcome")
    with FakeLLMServer(responder=responder, latency_ms=120) as server:
        store = services.store
        store.save_version(
            Kind.MODEL,
            "fake-server",
            ModelConfigContent(
                provider="openai-compatible", model="demo", base_url=server.openai_base_url
            ),
            author="demo",
        )
        window.refresh()
        dialog = window.conversations.open_setup()
        assert isinstance(dialog, SimulationSetupDialog)
        dialog.preselect(
            prompts=["order-tracking@v2", "order-tracking@v3"],
            personas=["conseiller-vous"],
            models=["fake-server"],
            customers=list(DEMO_CUSTOMERS),
            conversations="maison-lumiere",
            simulator="fake-server",
            rubric="support-quality",
            max_turns=3,
        )
        wait_for(lambda: dialog.tag.findText("tracking") >= 0)  # tags are read in the background
        dialog.case_tag.setChecked(True)
        dialog.tag.setCurrentText("tracking")
        dialog.check_now()
        wait_for(lambda: dialog.last_check is not None and dialog.start.isEnabled())
        shot("setup", dialog)
        dialog.reject()

        spec = app_conversations.build_simulation_spec(
            store,
            prompts=["order-tracking@v2", "order-tracking@v3"],
            personas=["conseiller-vous"],
            models=["fake-server"],
            conversations="maison-lumiere",
            cases=CaseSelection(ids=("late-parcel",)),
            customers=DEMO_CUSTOMERS,
            simulator="fake-server",
            max_turns=3,
            rubric="support-quality",
            concurrency=2,
        )
        window.conversations.start_simulation(spec, "order-tracking v2 vs v3 × two customers")
        wait_for(lambda: isinstance(window.current_view(), SimulationView))
        view = window.current_view()
        assert isinstance(view, SimulationView)
        window._inspector_dock.hide()  # reading transcripts: they get the room (View menu)
        view.splitter.setSizes([560, 840])
        run_id = view.live.layout.run_id
        controller = window.conversations.simulations.controller(run_id)
        wait_for(lambda: any(view.live.messages(k) for k in view.live.results), 20_000)
        view.select(ConversationKey("late-parcel", 0, 1, 0))
        pause(300)
        shot("live")
        wait_for(lambda: not controller.running)
        wait_for(lambda: bool(view.live.scores))
        view.select(ConversationKey("late-parcel", 0, 1, 0))
        view.read_transcript()
        view.transcript.jump_to_problem()
        shot("transcript")
        view.show_side_by_side()
        view.details.setCurrentIndex(PAIR_TAB)
        window._navigator_dock.hide()  # two transcripts side by side want the whole width
        view.splitter.setSizes([330, 1070])
        shot("side-by-side")
        window._navigator_dock.show()
        view.splitter.setSizes([560, 840])
        view.details.setCurrentIndex(SUMMARY_TAB)
        wait_for(lambda: "vs" in view.summary.toPlainText())
        shot("summary")

        customer_entry = next(
            e for e in window.navigator.entries("Customers") if e.name == "elderly-formal"
        )
        designer = window.open_entry(customer_entry)
        assert isinstance(designer, CustomerDesigner)
        shot("customer-designer")

        playground = window.conversations.open_playground()
        assert isinstance(playground, PlaygroundView)
        playground.choose(prompt="order-tracking", persona="conseiller-vous", model="fake-server")
        playground.variables.setPlainText(
            "customer_name: Odette Lambert\norder_status: Commande ML-104522 — expédiée le"
            " 4 novembre par Colissimo, suivi 6A23918475520, livraison le 6 novembre."
        )
        done: list[str] = []
        playground.reply_finished.connect(done.append)
        for count, text in enumerate(
            ("Bonjour, où en est ma commande ML-104522 ?", "Et elle arrive quand ?"), start=1
        ):
            playground.send(text)
            wait_for(lambda count=count: len(done) >= count)
        playground.case_id.setText("odette-late-lamp")
        shot("playground")

    window.close()
    services.close()
    QApplication.processEvents()
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
