"""The GUI's collector timer switches automatic collection off again if a library turned it on."""

from __future__ import annotations

import gc

from PySide6.QtWidgets import QApplication

from workbench.gui.garbage_collection import GuiGarbageCollector


def test_the_timer_switches_collection_off_again(qapp: QApplication) -> None:
    collector = GuiGarbageCollector(qapp, interval_ms=60_000)
    try:
        gc.enable()  # as srsly did when spaCy loaded a model
        collector.check()
        assert not gc.isenabled()
        assert collector.reenabled_seen == 1
        collector.check()
        assert collector.reenabled_seen == 1
    finally:
        collector.stop()
        collector.deleteLater()
