"""Analysis of stored logs: unanswered turns, hand-off, KPIs by period, clusters, datasets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.analytics.conversations import analyse_conversation, is_closing, period_of
from workbench.app.logs import analyse_log, import_log, list_conversations, questions_to_dataset
from workbench.core.errors import NotFoundError, ValidationError
from workbench.core.logs import LogMessage
from workbench.core.models import DatasetContent, Kind
from workbench.store import Store


def _m(i: int, role: str, text: str, **extra: object) -> LogMessage:
    return LogMessage(
        id=i, conversation="c", role=role, text=text, at=f"2026-11-0{1 + i % 3}T10:00:00Z", **extra
    )  # type: ignore[arg-type]


def test_unanswered_turns_follow_the_refusal_criterion() -> None:
    summary, turns = analyse_conversation(
        [
            _m(1, "user", "Où est ma commande ?"),
            _m(2, "assistant", "Elle est partie hier par Colissimo."),
            _m(3, "user", "Et le paiement en 4 fois ?"),
            _m(4, "assistant", "Je suis désolé, je n'ai pas compris votre demande."),
            _m(5, "user", "Vous vendez des cartes cadeaux ?"),
            _m(6, "assistant", ""),
            _m(7, "user", "Merci, bonne journée"),
        ]
    )
    assert [(t.message_id, t.unanswered) for t in turns] == [(1, False), (3, True), (5, True)]
    assert (summary.user_turns, summary.unanswered, summary.handoff) == (3, 2, False)


def test_hand_off_from_flag_agent_or_transfer_phrase() -> None:
    by_agent = analyse_conversation([_m(1, "user", "Colis cassé"), _m(2, "agent", "Je regarde")])
    assert by_agent[0].handoff and by_agent[1][0].unanswered
    by_phrase = analyse_conversation(
        [_m(1, "user", "Colis cassé"), _m(2, "assistant", "Je vous transfère à un conseiller.")]
    )
    assert by_phrase[0].handoff
    by_flag = analyse_conversation([_m(1, "user", "x", handoff=True)])
    assert by_flag[0].handoff
    assert not analyse_conversation([_m(1, "user", "x"), _m(2, "assistant", "Voici.")])[0].handoff


def test_closings_are_not_questions() -> None:
    assert is_closing("Merci beaucoup !") and is_closing("ok super")
    assert not is_closing("Merci, et pour le retour ?")
    assert not is_closing("Où est ma commande")


def test_periods() -> None:
    assert period_of("2026-11-02T10:00:00Z", "day") == "2026-11-02"
    assert period_of("2026-11-02T10:00:00Z", "week") == "2026-W45"
    assert period_of("2026-11-02T10:00:00Z", "month") == "2026-11"
    assert period_of(None, "day") == "unknown"


def _import_topics(store: Store, tmp_path: Path) -> None:
    """Two topics: delivery questions answered, gift-card questions never answered."""
    lines = []
    for i in range(40):
        day = 2 + i % 4
        answered = i % 2 == 0
        question = (
            f"Où en est la livraison de mon colis numéro {i} ?"
            if answered
            else f"Comment utiliser ma carte cadeau de {i} euros sur le site ?"
        )
        reply = (
            "Votre colis est en route, livraison demain."
            if answered
            else "Je ne dispose pas de cette information."
        )
        for second, (role, text) in enumerate([("user", question), ("assistant", reply)]):
            lines.append(
                json.dumps(
                    {
                        "conversation_id": f"c{i}",
                        "role": role,
                        "text": text,
                        "timestamp": f"2026-11-0{day}T10:00:{second:02d}Z",
                        **({"rating": 5 if answered else 1} if second else {}),
                    }
                )
            )
    path = tmp_path / "topics.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_log(store, path, family="shop", use_ner=False)


def test_kpis_clusters_and_gaps(store: Store, tmp_path: Path) -> None:
    _import_topics(store, tmp_path)
    analysis = analyse_log(store, "shop", period="day", clusters=2)
    assert (analysis.conversations, analysis.user_turns, analysis.unanswered_turns) == (40, 40, 20)
    assert analysis.containment == 1.0 and analysis.csat == 0.5
    assert [p.period for p in analysis.kpis] == [
        "2026-11-02",
        "2026-11-03",
        "2026-11-04",
        "2026-11-05",
    ]
    assert sum(p.conversations for p in analysis.kpis) == 40
    assert {p.unanswered for p in analysis.kpis} == {0.0, 1.0}  # odd days: gift cards only
    [gap] = analysis.gaps
    assert gap.size == 20 and gap.unanswered_share == 1.0
    assert "carte cadeau" in gap.label and gap.examples
    # Every question of the cluster has the same words, so each top term comes from them.
    assert gap.terms and all(w in gap.label.lower() for t in gap.terms for w in t.split())


def test_a_cluster_becomes_a_dataset_linked_to_its_conversations(
    store: Store, tmp_path: Path
) -> None:
    _import_topics(store, tmp_path)
    gap = analyse_log(store, "shop", clusters=2).gaps[0]
    made = questions_to_dataset(store, "shop", dataset="gift-cards", cluster=gap.id)
    assert made.created and made.rows == 20
    version = store.resolve(Kind.DATASET, "gift-cards")
    assert isinstance(version.content, DatasetContent)
    row = version.content.rows[0]
    assert "carte cadeau" in row.vars["message"]
    assert row.vars["source_conversation"].startswith("c")
    _, messages, _ = __import__("workbench.app.logs", fromlist=["x"]).show_conversation(
        store, "shop", row.vars["source_conversation"]
    )
    assert messages[0].id == row.vars["source_message"]
    assert set(row.tags) == {"from-log", f"cluster-{gap.id}"}
    # Chosen turns work too, and only customer turns are taken.
    picked = questions_to_dataset(store, "shop", dataset="picked", message_ids=[1, 2, 3])
    assert picked.rows == 2


def test_dataset_errors_are_clear(store: Store, tmp_path: Path) -> None:
    _import_topics(store, tmp_path)
    with pytest.raises(NotFoundError, match="not been analysed"):
        questions_to_dataset(store, "shop", dataset="x", cluster=0)
    with pytest.raises(ValidationError, match="either message ids or a cluster"):
        questions_to_dataset(store, "shop", dataset="x")
    with pytest.raises(NotFoundError, match="no message"):
        questions_to_dataset(store, "shop", dataset="x", message_ids=[999_999])
    with pytest.raises(NotFoundError, match="no conversation log named 'nope'"):
        analyse_log(store, "nope")


def test_full_text_search_over_anonymised_text(store: Store, tmp_path: Path) -> None:
    _import_topics(store, tmp_path)
    found = list_conversations(store, "shop", search="carte cadeau")
    assert len(found) == 20 and all("cadeau" in s.first_question for s in found)
    assert list_conversations(store, "shop", search='"; DROP TABLE') == []
    unanswered = list_conversations(store, "shop", unanswered_only=True)
    assert len(unanswered) == 20
