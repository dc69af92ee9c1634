"""``workbench logs analyse --judge NAME`` through the real CLI, the judge being the fake
OpenAI-compatible server over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Cli
from workbench.app.paths import STORE_FILENAME
from workbench.core.models import Kind, ModelConfigContent
from workbench.scoring import unanswered_learned
from workbench.scoring.unanswered import detect_unanswered
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer, last_user_text


def _judge(body: dict[str, Any]) -> str:
    reply = last_user_text(body).split("## Reply to grade")[-1]
    verdict = "fail" if "importante" in reply else "pass"
    return json.dumps({"reasoning": "scripted", "verdict": verdict})


@pytest.fixture(autouse=True)
def rules_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The vague reply must be one the deterministic detector misses: its rules alone (the
    learned second opinion recognises it, which is not what this test is about)."""
    monkeypatch.setattr(unanswered_learned, "probability", lambda text: None)
    detect_unanswered.cache_clear()
    yield
    monkeypatch.undo()
    detect_unanswered.cache_clear()


def test_logs_analyse_with_a_judge(
    cli: Cli, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = []
    for i, reply in enumerate(
        ["Votre question est importante pour nous.", "Voyez avec votre banque."] * 2
    ):
        for second, (role, text) in enumerate(
            [("user", f"Mon virement {i} ?"), ("assistant", reply)]
        ):
            lines.append(
                json.dumps(
                    {
                        "conversation_id": f"c{i}",
                        "role": role,
                        "text": text,
                        "timestamp": f"2026-11-02T10:00:{second:02d}Z",
                    }
                )
            )
    log = tmp_path / "bank.jsonl"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert cli("logs", "import", str(log), "--name", "bank", "--no-ner").code == 0
    plain = cli("logs", "analyse", "bank", "--json")
    assert plain.code == 0, plain.err
    assert plain.json()["unanswered_turns"] == 2  # the two redirects
    monkeypatch.setenv("FAKE_JUDGE_KEY", "test-key-not-secret")
    with FakeLLMServer(responder=_judge) as server:
        with Store.open(home / STORE_FILENAME) as store:
            store.save_version(
                Kind.MODEL,
                "judge",
                ModelConfigContent(
                    provider="openai-compatible",
                    model="judge-model",
                    base_url=server.openai_base_url,
                    api_key_env="FAKE_JUDGE_KEY",
                ),
            )
        judged = cli("logs", "analyse", "bank", "--judge", "judge")
        assert judged.code == 0, judged.err
        assert "4 replies decided by the judge" in judged.err
        data = cli("logs", "analyse", "bank", "--judge", "judge", "--json").json()
    assert data["unanswered_turns"] == 2  # now the two vague replies
    assert data["unanswered_judge"]["cache_hits"] == 4
    bad = cli("logs", "analyse", "bank", "--judge", "nobody")
    assert bad.code != 0 and "Traceback" not in bad.err
