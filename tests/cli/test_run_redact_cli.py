"""``run --redact``: dataset fields are anonymised before anything reaches the model."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Cli
from tests.cli.test_run_cli import server, workspace  # noqa: F401 - fixtures
from workbench.testing.fake_llm import FakeLLMServer

PII = {
    "name": "Gwendoline Karadeniz",
    "email": "gwen.karadeniz@example-mail.fr",
    "phone": "06 71 82 93 04",
    "iban": "FR76 3000 4000 0312 3456 7890 143",
}


def test_run_redact_sends_placeholders_only(
    cli: Cli,
    workspace: Path,  # noqa: F811 - the fixture imported above
    server: FakeLLMServer,  # noqa: F811
) -> None:
    rows = [
        {
            "id": "p1",
            "vars": {"message": f"Je suis {PII['name']}, {PII['email']}, commande ML-104522"},
            "expected": f"Bonjour {PII['name']}",
        },
        {"id": "p2", "vars": {"message": f"Rappelez-moi au {PII['phone']}, IBAN {PII['iban']}"}},
    ]
    path = workspace / "pii.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    assert cli("dataset", "import", str(path), "--name", "pii").code == 0
    result = cli(
        "run", "--prompt", "ask", "--model", "fake", "--dataset", "pii", "--redact", "--json"
    )
    assert result.code == 0, result.err
    assert "Redacted pii@v1 → pii-redacted@v1" in result.err
    sent = json.dumps([r.body for r in server.requests], ensure_ascii=False)
    assert "<PERSON_1>" in sent and "<EMAIL_1>" in sent and "<IBAN_1>" in sent
    assert "ML-104522" in sent  # order numbers are kept
    for value in PII.values():
        assert value not in sent
    shown = cli("dataset", "show", "pii-redacted", "--json").json()
    assert shown["rows"][0]["expected"] == "Bonjour <PERSON_1>"
    # The original stays as it was.
    assert PII["name"] in cli("dataset", "show", "pii", "--json").out
