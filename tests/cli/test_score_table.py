"""The per-column score table explains its ``unanswered`` figure when it shows one."""

from __future__ import annotations

from tests.app.conftest import ok
from workbench.app.scoring import ColumnReport
from workbench.cli import scoring as scoring_cli
from workbench.core.runs import Column
from workbench.scoring.stats import cell_record, column_stats

COLUMN = Column(index=0, prompt_id="p" * 64, persona_id=None, model_id="m" * 64, label="v1 · m")


def printed(*outputs: str) -> str:
    records = [cell_record(ok(f"r{i}", 0, text)) for i, text in enumerate(outputs)]
    report = ColumnReport(column=COLUMN, stats=column_stats(records), scored=0)
    with scoring_cli.stdout.capture() as captured:
        scoring_cli.print_reports([report])
    return captured.get()


def test_a_declined_reply_is_counted_and_the_count_explained() -> None:
    text = printed(
        "Votre colis a été expédié hier, il arrive jeudi.",
        "Je ne peux pas vous répondre à ce sujet, veuillez contacter le service client.",
    )
    assert "unanswered: answered cells whose reply declines" in text


def test_no_explanation_when_every_reply_answers() -> None:
    text = printed("Votre colis a été expédié hier, il arrive jeudi.")
    assert "unanswered" in text  # the column heading
    assert "declines" not in text
