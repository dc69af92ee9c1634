"""Log messages on both backends: duplicates ignored on re-import, search by words."""

from __future__ import annotations

from workbench.core.logs import NewLogMessage
from workbench.store import Store


def _message(index: int, text: str) -> NewLogMessage:
    return NewLogMessage(
        conversation=f"c{index // 2}",
        role="customer",
        text=text,
        at=None,
        channel=None,
        intent=None,
        rating=None,
        handoff=index % 2 == 0,
        source_line=index + 1,
        fingerprint=f"fp-{index}",
    )


def test_append_is_idempotent_and_search_finds_every_word(store: Store) -> None:
    started = store.start_log_import(
        "shop", source_name="a.jsonl", source_sha256="0" * 64, fmt="jsonl", options={}
    )
    texts = ["Où est ma commande 50% ?", "Remboursement de la commande", "Bonjour"]
    batch = [_message(i, t) for i, t in enumerate(texts)]
    assert store.append_log_messages(started.id, "shop", batch, lines_done=3, report={}) == 3
    assert store.append_log_messages(started.id, "shop", batch, lines_done=3, report={}) == 0
    assert store.log_message_count("shop") == 3
    found = store.search_log_messages("shop", "commande")
    assert sorted(m.text for m in found) == sorted(texts[:2])
    assert [m.text for m in store.search_log_messages("shop", "remboursement commande")] == [
        texts[1]
    ]
    assert store.search_log_messages("shop", "absent") == []
