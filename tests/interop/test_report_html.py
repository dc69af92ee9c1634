"""Run exports: CSV and JSONL lines per cell, and the self-contained HTML report."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.interop.test_bundle_helpers import BundleWorld, build_world
from workbench.app.scoring import score_run
from workbench.core.runs import CellKey, CellStatus
from workbench.interop.report_html import render_report, write_report
from workbench.interop.run_export import CSV_FIELDS, write_run_export
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer, default_responder, last_user_text


def headless(browser: str) -> list[str]:
    """Chromium without a window, a sandbox or background traffic."""
    return [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
    ]


def varied(body: dict[str, Any]) -> str:
    text = last_user_text(body)
    if "adresse" in text:
        return "Désolé, je ne peux pas changer l'adresse <b>ici</b>."
    return default_responder(body)


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(responder=varied, latency_ms=3) as srv:
        yield srv


@pytest.fixture
def world(store: Store, server: FakeLLMServer) -> BundleWorld:
    built = build_world(store, server, approve=False)
    # One infrastructure error, which must show as an error and never as a fail.
    cell = store.get_cell(built.run_id, CellKey("t5", 0))
    assert cell is not None
    cell.status, cell.output, cell.error_kind = CellStatus.ERROR, "", "rate_limited"
    cell.error_message = "429 Too Many Requests"
    store.upsert_cells(built.run_id, [cell])
    score_run(store, built.run_id, built.rubric)
    return built


def test_jsonl_has_one_line_per_cell_with_its_score(
    store: Store, world: BundleWorld, tmp_path: Path
) -> None:
    path = tmp_path / "run.jsonl"
    write_run_export(store, world.run_id, path)
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [line["row_id"] for line in lines] == ["t1", "t2", "t3", "t4", "t5"]
    first = lines[0]
    assert first["vars"]["message"] == "Bonjour, où en est ma commande 10452 ?"
    assert first["column_label"] == "order-tracking@v1 · conseiller-vous@v1 · fake-gpt@v1"
    assert first["score"]["passed"] is True and first["score"]["rubric_id"] == world.rubric.id
    assert [c["name"] for c in first["score"]["criteria"]] == ["contains", "no-apology"]
    assert lines[3]["score"]["passed"] is False
    assert lines[4]["status"] == "error" and lines[4]["error_kind"] == "rate_limited"


def test_csv_flattens_the_same_cells(store: Store, world: BundleWorld, tmp_path: Path) -> None:
    path = tmp_path / "run.csv"
    write_run_export(store, world.run_id, path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert list(rows[0]) == list(CSV_FIELDS)
    assert [(r["row_id"], r["passed"], r["status"]) for r in rows] == [
        ("t1", "true", "ok"),
        ("t2", "true", "ok"),
        ("t3", "true", "ok"),
        ("t4", "false", "ok"),
        ("t5", "", "error"),
    ]
    assert json.loads(rows[1]["vars"])["order_status"] == ""
    assert json.loads(rows[3]["criteria"])[1]["passed"] is False


def test_html_report_is_self_contained_and_shows_grid_stats_charts_and_versions(
    store: Store, world: BundleWorld
) -> None:
    html = render_report(store, world.run_id)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html)
    assert "@import" not in html and "url(" not in html
    assert not re.search(r"https?://", html.replace(world.model.content.base_url or "", ""))
    assert html.count("<svg") == 2 and "<script>" in html and "<style>" in html
    # Statistics: 3 of 4 judged cells passed; the errored cell is not a fail.
    assert "75.0% (3/4)" in html
    assert re.search(r"75\.0% \(3/4\) \[\d+%–\d+%\]", html)
    assert html.count('class="badge pass"') == 3 and html.count('class="badge fail"') == 1
    assert html.count('class="badge error"') == 1 and "rate_limited" in html
    # Outputs are escaped, never markup.
    assert "&lt;b&gt;ici&lt;/b&gt;" in html and "<b>ici</b>" not in html
    # The versions and the templates themselves.
    assert world.prompt.id in html and world.persona.id in html and world.model.id in html
    assert "Message du client : {{ message }}" in html
    assert "Tu es Camille, conseillère Maison Lumière." in html


def test_the_report_renders_in_a_real_headless_browser(
    store: Store, world: BundleWorld, tmp_path: Path
) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    report = write_report(store, world.run_id, tmp_path / "report.html")
    shot = tmp_path / "report.png"
    dom = subprocess.run(
        [*headless(browser), "--dump-dom", report.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    # The script ran in the browser: it wrote the row count.
    assert re.search(r'id="count">5 of 5 rows<', dom.stdout)
    subprocess.run(
        [*headless(browser), f"--screenshot={shot}", "--window-size=1400,2000", report.as_uri()],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert shot.exists() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a blank page compresses to far less
