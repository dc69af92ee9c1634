"""Capture the conversation-log dashboard on the shipped demo-shop log.

The raw sample (samples/shop-conversations.jsonl, invented customers with fake PII) is
imported and anonymised exactly as `workbench logs import` does, analysed by week, and the
dashboard is opened on the worst knowledge-base gap and one unanswered conversation::

    xvfb-run -s "-screen 0 1500x950x24" .venv/bin/python docs/screenshots/capture_logs.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from capture import HERE, ROOT, grab, settle, wait_for

from workbench.app.logs import analyse_log, import_log
from workbench.app.services import Services
from workbench.gui.main import create_application
from workbench.gui.main_window import MainWindow
from workbench.gui.views.logs_dashboard import LogsDashboard


def main() -> int:
    app = create_application(sys.argv[:1])
    home = Path(tempfile.mkdtemp(prefix="workbench-shots-"))
    services = Services(home)
    services.ensure_demo_loaded()
    import_log(
        services.store,
        ROOT / "samples" / "shop-conversations.jsonl",
        family="shop",
        author="demo",
    )
    analyse_log(services.store, "shop", period="week")
    window = MainWindow(services)
    window.resize(1500, 950)
    window.show()
    settle(window)
    window._inspector_dock.hide()  # the dashboard gets the room (View menu brings it back)
    dashboard = window.open_logs("shop")
    assert isinstance(dashboard, LogsDashboard)
    wait_for(
        lambda: dashboard.gaps.rowCount() > 0 and dashboard.conversations.rowCount() > 0, 120_000
    )
    dashboard.gaps.selectRow(0)
    dashboard.search.setText("adresse")
    dashboard.load_conversations()
    wait_for(
        lambda: (
            dashboard.conversations.rowCount() > 0
            and "adresse" in (dashboard.conversations.item(0, 3).text() or "")
        ),
        60_000,
    )
    dashboard.conversations.selectRow(0)
    wait_for(lambda: dashboard.transcript.count() > 0, 60_000)
    grab(window, HERE / "logs-dashboard.png")
    app.quit()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
