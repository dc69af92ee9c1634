"""Importing logs into a real SQLite store: anonymised, append-only, idempotent, resumable."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from workbench.app.logs import LogFileError, import_log, list_logs, show_conversation
from workbench.core.errors import KnownError, ValidationError
from workbench.core.models import Kind, LogImportContent
from workbench.privacy.redactor import Redactor
from workbench.store import Store
from workbench.testing.shop_logs import SENTINELS, write_jsonl

MakeRedactor = Callable[..., Redactor]


def _line(conv: str, second: int, role: str, text: str, **extra: object) -> str:
    return json.dumps(
        {
            "conversation_id": conv,
            "timestamp": f"2026-11-02T10:00:{second:02d}Z",
            "role": role,
            "text": text,
            **extra,
        },
        ensure_ascii=False,
    )


def _log(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_import_stores_only_anonymised_text_and_counts_replacements(
    store: Store, tmp_path: Path, ner_redactor_factory: MakeRedactor
) -> None:
    path = _log(
        tmp_path / "prod.jsonl",
        [
            _line("a", 1, "user", "Je suis Marie Dupont, marie@exemple.fr, commande ML-104522"),
            _line("a", 2, "assistant", "Merci Marie, la commande ML-104522 est partie."),
            _line("b", 3, "user", "Rappelez-moi au 06 12 34 56 78", rating=2),
        ],
    )
    result = import_log(store, path, family="prod", redactor=ner_redactor_factory())
    assert result.status == "imported" and result.created
    assert (result.messages_added, result.conversations) == (3, 2)
    assert result.replacements == {"EMAIL": 1, "PERSON": 2, "PHONE": 1}
    _, messages, _ = show_conversation(store, "prod", "a")
    assert [m.text for m in messages] == [
        "Je suis <PERSON_1>, <EMAIL_1>, commande ML-104522",
        "Merci <PERSON_1>, la commande ML-104522 est partie.",
    ]
    version = store.resolve(Kind.LOG, "prod")
    assert isinstance(version.content, LogImportContent)
    assert version.content.messages == 3 and version.content.replacements["PERSON"] == 2
    assert version.content.source_name == "prod.jsonl" and version.content.previous is None


def test_same_file_again_adds_nothing_and_a_new_file_appends(
    store: Store, tmp_path: Path, ner_redactor_factory: MakeRedactor
) -> None:
    first = _log(
        tmp_path / "week1.jsonl",
        [_line("a", 1, "user", "Bonjour"), _line("a", 2, "assistant", "Bonjour !")],
    )
    import_log(store, first, family="prod", redactor=ner_redactor_factory())
    again = import_log(store, first, family="prod", redactor=ner_redactor_factory())
    assert again.status == "already-imported" and again.messages_added == 0
    # An overlapping export (one old message, one new) appends only the new one.
    second = _log(
        tmp_path / "week2.jsonl",
        [_line("a", 2, "assistant", "Bonjour !"), _line("a", 3, "user", "Où est ma commande ?")],
    )
    result = import_log(store, second, family="prod", redactor=ner_redactor_factory())
    assert result.messages_added == 1
    assert store.log_message_count("prod") == 3
    history = store.history(Kind.LOG, "prod")
    assert [v.number for v in history] == [1, 2]
    assert isinstance(history[1].content, LogImportContent)
    assert history[1].content.previous == history[0].id
    [info] = list_logs(store)
    assert (info.imports, info.messages, info.conversations) == (2, 3, 1)


def test_the_same_file_with_other_options_is_refused(
    store: Store, tmp_path: Path, ner_redactor_factory: MakeRedactor
) -> None:
    path = _log(tmp_path / "p.jsonl", [_line("a", 1, "user", "commande ML-104522")])
    import_log(store, path, family="prod", redactor=ner_redactor_factory())
    with pytest.raises(ValidationError, match="other anonymisation options"):
        import_log(store, path, family="prod", redactor=ner_redactor_factory(keep_orders=False))
    assert store.log_message_count("prod") == 1


def test_messages_are_append_only(
    store: Store, tmp_path: Path, ner_redactor_factory: MakeRedactor
) -> None:
    path = _log(tmp_path / "p.jsonl", [_line("a", 1, "user", "Bonjour")])
    import_log(store, path, family="prod", redactor=ner_redactor_factory())
    with (
        sqlite3.connect(store.path) as raw,
        pytest.raises(sqlite3.IntegrityError, match="append-only"),
    ):
        raw.execute("UPDATE log_messages SET text = 'x'")
    with (
        sqlite3.connect(store.path) as raw,
        pytest.raises(sqlite3.IntegrityError, match="append-only"),
    ):
        raw.execute("DELETE FROM log_messages")


def test_bad_lines_refuse_the_file_unless_skipped(
    store: Store, tmp_path: Path, ner_redactor_factory: MakeRedactor
) -> None:
    path = _log(
        tmp_path / "p.jsonl",
        [_line("a", 1, "user", "Bonjour"), "{oops", _line("a", 2, "robot", "Bonjour")],
    )
    with pytest.raises(LogFileError) as caught:
        import_log(store, path, family="prod", redactor=ner_redactor_factory())
    message = str(caught.value)
    assert f"{path}:2: not valid JSON" in message and f"{path}:3: unknown role" in message
    assert "--skip-bad" in message
    assert store.log_imports() == []
    result = import_log(store, path, family="prod", skip_bad=True, redactor=ner_redactor_factory())
    assert [b.line for b in result.skipped] == [2, 3]
    assert result.messages_added == 1
    version = store.resolve(Kind.LOG, "prod")
    assert isinstance(version.content, LogImportContent)
    assert version.content.skipped_lines == (2, 3)


def test_a_file_without_conversation_ids_names_what_is_missing(
    store: Store, tmp_path: Path
) -> None:
    path = _log(tmp_path / "p.jsonl", [json.dumps({"timestamp": "2026-11-02", "text": "x"})] * 3)
    with pytest.raises(ValidationError, match="no line has a conversation id, role"):
        import_log(store, path, family="prod", use_ner=False)


class _StopAfter:
    """A cancel token that trips after `n` checks: stops an import between two batches."""

    def __init__(self, n: int) -> None:
        self.n = n

    def is_set(self) -> bool:
        self.n -= 1
        return self.n < 0


def test_a_stopped_import_resumes_where_it_stopped(
    store: Store, tmp_path: Path, ner_redactor_factory: MakeRedactor
) -> None:
    path = tmp_path / "shop.jsonl"
    with path.open("w", encoding="utf-8") as out:
        total = write_jsonl(out, 60, seed=3)
    stopped = import_log(
        store,
        path,
        family="shop",
        batch_lines=25,
        cancel=_StopAfter(2),
        redactor=ner_redactor_factory(),
    )
    # Validation checks every 5,000 lines (none here), then once per batch: 3 batches run.
    assert stopped.status == "stopped" and 0 < stopped.messages_added < total
    [state] = store.log_imports("shop")
    assert state.status == "running" and state.lines_done > 0
    resumed = import_log(
        store, path, family="shop", batch_lines=25, redactor=ner_redactor_factory()
    )
    assert resumed.status == "imported" and resumed.resumed_from_line == state.lines_done
    assert stopped.messages_added + resumed.messages_added == total
    assert store.log_message_count("shop") == total
    # The same file imported in one go into another log stores the same messages.
    import_log(store, path, family="shop-once", redactor=ner_redactor_factory())
    assert store.log_message_count("shop-once") == total


def test_cancel_while_checking_writes_nothing(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    with path.open("w", encoding="utf-8") as out:
        write_jsonl(out, 4000, seed=5)
    event = threading.Event()
    event.set()
    with pytest.raises(KnownError, match="cancelled"):
        import_log(store, path, family="big", cancel=event, use_ner=False)
    assert store.log_imports() == []


def test_no_sentinel_pii_in_store_exports_or_logs(
    tmp_path: Path,
    ner_redactor_factory: MakeRedactor,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Import generated logs full of sentinel PII, analyse, export: grep every byte written."""
    from workbench.app.logs import analyse_log, questions_to_dataset
    from workbench.interop.datasets import write_dataset

    home = tmp_path / "home"
    path = tmp_path / "raw.jsonl"
    with path.open("w", encoding="utf-8") as out:
        write_jsonl(out, 140, seed=11, sentinel_every=7)
    raw = path.read_text(encoding="utf-8")
    for value in SENTINELS.values():
        assert value in raw  # the input really carries them
    caplog.set_level("DEBUG")
    with Store.open(home / "workbench.sqlite") as store:
        import_log(store, path, family="shop", redactor=ner_redactor_factory())
        analysis = analyse_log(store, "shop")
        worst = analysis.gaps[0]
        made = questions_to_dataset(store, "shop", dataset="gaps", cluster=worst.id)
        write_dataset(store.resolve(Kind.DATASET, "gaps").content, home / "gaps.yaml", "yaml")
        assert made.rows > 0
    written = b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())
    written += caplog.text.encode("utf-8")
    surname = SENTINELS["name"].split()[-1]
    for value in [*SENTINELS.values(), surname, SENTINELS["phone"].replace(" ", "")]:
        assert value.encode("utf-8") not in written, value
        assert value.upper().encode("utf-8") not in written.upper(), value
