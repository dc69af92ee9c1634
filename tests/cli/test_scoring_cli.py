"""End to end: score, compare, rubric import and review through the real ``workbench`` CLI.

Runs are written straight into the workspace's store (their cells are known texts), so no model
is called; the judge test talks to the fake OpenAI-compatible server over HTTP.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Cli
from workbench.app.paths import STORE_FILENAME
from workbench.core.models import (
    CriterionSpec,
    DatasetContent,
    DatasetRow,
    Kind,
    ModelConfigContent,
    PersonaContent,
    PromptContent,
    RubricContent,
)
from workbench.core.runs import CellKey, CellResult, CellStatus, Column, RunSpec
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer, last_user_text

VOUS = PersonaContent(display_name="Claire", role="conseillère", address_form="vous")
TU = PersonaContent(display_name="Léo", role="conseiller", address_form="tu")
GOOD_VOUS = "Bonjour, votre commande a été expédiée hier. Vous la recevrez jeudi."
GOOD_TU = "Salut, ta commande a été expédiée hier, tu la recevras jeudi."
BAD = "Votre commande est en préparation."


def open_store(home: Path) -> Store:
    return Store.open(home / STORE_FILENAME)


def make_run(home: Path, outputs: dict[tuple[str, int], str | None]) -> int:
    """A run with columns vous (0) and tu (1) on rows r0..; None is a failed call."""
    row_ids = sorted({row for row, _ in outputs})
    with open_store(home) as store:
        prompt = store.save_version(
            Kind.PROMPT, "suivi", PromptContent(system="{{ persona }}", user="{{ message }}")
        ).version
        model = store.save_version(
            Kind.MODEL, "small", ModelConfigContent(provider="local", model="smollm2")
        ).version
        data = store.save_version(
            Kind.DATASET,
            "cases",
            DatasetContent(
                rows=tuple(
                    DatasetRow(id=r, vars={"message": "Où est ma commande ?"}, facts=("expédiée",))
                    for r in row_ids
                )
            ),
        ).version
        personas = [
            store.save_version(Kind.PERSONA, name, content).version
            for name, content in (("conseiller-vous", VOUS), ("complice-tu", TU))
        ]
        spec = RunSpec(
            prompt_ids=(prompt.id,),
            persona_ids=tuple(p.id for p in personas),
            model_ids=(model.id,),
            dataset_id=data.id,
        )
        columns = [
            Column(
                index=i,
                prompt_id=prompt.id,
                persona_id=p.id,
                model_id=model.id,
                label=f"suivi@v1 · {p.family} · small",
            )
            for i, p in enumerate(personas)
        ]
        run = store.create_run(spec, columns, name="cli run")
        store.upsert_cells(
            run.id,
            [
                CellResult(CellKey(row, column), CellStatus.OK, output=text, latency_ms=120.0)
                if text is not None
                else CellResult(
                    CellKey(row, column), CellStatus.ERROR, error_kind="timeout", error_message="x"
                )
                for (row, column), text in outputs.items()
            ],
        )
        return run.id


def save_rubric(home: Path, name: str, *criteria: CriterionSpec, **fields: Any) -> str:
    with open_store(home) as store:
        content = RubricContent(criteria=criteria, **fields)
        return store.save_version(Kind.RUBRIC, name, content).version.ref


FACTS_AND_REGISTER = (
    CriterionSpec(kind="facts", name="facts"),
    CriterionSpec(kind="register", name="register"),
)


def small_run(home: Path) -> int:
    return make_run(
        home,
        {
            ("r0", 0): GOOD_VOUS,
            ("r0", 1): GOOD_TU,
            ("r1", 0): BAD,
            ("r1", 1): GOOD_VOUS,  # vous in the tu column
            ("r2", 0): None,
            ("r2", 1): GOOD_TU,
        },
    )


def test_score_prints_a_table_and_json(cli: Cli, home: Path) -> None:
    run_id = small_run(home)
    save_rubric(home, "quality", *FACTS_AND_REGISTER)
    human = cli("score", str(run_id), "--rubric", "quality")
    assert human.code == 0, human.err
    assert f"Scored 6 cells of run {run_id} with quality@v1: 3 passed, 2 failed" in human.err
    assert "1 could not be scored (errors, not counted as fails)" in human.err
    assert "suivi@v1 · conseiller-vous · small" in human.out
    assert "50% of 2" in human.out and "67% of 3" in human.out

    data = cli("score", "latest", "--rubric", "quality@v1", "--json").json()
    assert (data["passed"], data["failed"], data["errors"]) == (3, 2, 1)
    first, second = data["columns"]
    assert (first["stats"]["judged"], first["stats"]["passed"], first["stats"]["errors"]) == (
        2,
        1,
        1,
    )
    assert second["stats"]["pass_rate"] == pytest.approx(2 / 3)
    assert (
        second["stats"]["pass_interval"]["low"] < 2 / 3 < second["stats"]["pass_interval"]["high"]
    )


def test_rescoring_with_another_version_keeps_both(cli: Cli, home: Path) -> None:
    run_id = small_run(home)
    save_rubric(home, "quality", *FACTS_AND_REGISTER)
    save_rubric(home, "quality", CriterionSpec(kind="contains", config={"value": "jeudi"}))
    assert cli("score", str(run_id), "--rubric", "quality@v1").code == 0
    second = cli("score", str(run_id), "--rubric", "quality", "--json").json()
    assert second["passed"] == 4
    with open_store(home) as store:
        assert len(store.rubric_ids_scored(run_id)) == 2
    # With two rubrics scored, compare asks which one.
    ambiguous = cli("compare", str(run_id), "0", "1")
    assert ambiguous.code == 1
    assert "scored with several rubrics (quality@v1, quality@v2): choose one" in ambiguous.err
    chosen = cli("compare", str(run_id), "0", "1", "--rubric", "quality@v2", "--json").json()
    assert chosen["rubric"]["number"] == 2


def test_compare_by_label_with_a_verdict_and_preferences(cli: Cli, home: Path) -> None:
    outputs: dict[tuple[str, int], str | None] = {}
    for index in range(14):
        outputs[(f"r{index:02d}", 0)] = GOOD_VOUS if index < 2 else BAD
        outputs[(f"r{index:02d}", 1)] = GOOD_TU
    run_id = make_run(home, outputs)
    save_rubric(home, "quality", *FACTS_AND_REGISTER)
    not_yet = cli("compare", str(run_id), "vous", "tu")
    assert not_yet.code == 1 and "has no scores yet: score it first" in not_yet.err
    assert cli("score", str(run_id), "--rubric", "quality").code == 0
    for index in range(10):
        prefer = cli("review", "prefer", str(run_id), f"r{index:02d}", "0", "1", "--winner", "b")
        assert prefer.code == 0, prefer.err

    result = cli("compare", str(run_id), "vous", "complice")
    assert result.code == 0, result.err
    assert "only B 12" in result.out and "exact McNemar p=0.000488" in result.out
    assert (
        "suivi@v1 · complice-tu · small passes more often than suivi@v1 · conseiller-vous · small"
        " on 14 rows" in result.out
    )
    assert "Reviewers: A preferred 0, B preferred 10, ties 0" in result.out
    data = cli("compare", str(run_id), "1", "0", "--json").json()
    assert data["column_a"]["index"] == 1
    assert data["pass_fail"]["only_a"] == 12 and data["pass_fail"]["discordant"] == 12
    assert data["preferences"]["wins_a"] == 10
    assert "preferred in 100% of 10 judgements" in data["verdict"]


def test_compare_user_errors(cli: Cli, home: Path) -> None:
    run_id = small_run(home)
    save_rubric(home, "quality", *FACTS_AND_REGISTER)
    cli("score", str(run_id), "--rubric", "quality")
    assert "matches 2 columns" in cli("compare", str(run_id), "suivi", "1").err
    assert "has no column 4" in cli("compare", str(run_id), "0", "4").err
    assert "no run with id 99" in cli("compare", "99", "0", "1").err
    assert "'abc' is not a run id" in cli("compare", "abc", "0", "1").err
    same = cli("compare", str(run_id), "0", "0")
    assert same.code == 1 and "two different columns" in same.err
    missing = cli("score", str(run_id), "--rubric", "nope")
    assert missing.code == 1 and "nope" in missing.err


def test_rubric_import_of_a_file_and_a_promptfoo_config(
    cli: Cli, home: Path, tmp_path: Path
) -> None:
    rubric_file = tmp_path / "polite.yaml"
    rubric_file.write_text(
        "kind: rubric\nthreshold: 0.5\ncriteria:\n- kind: icontains\n  config:\n"
        "    value: bonjour\n",
        encoding="utf-8",
    )
    imported = cli("rubric", "import", str(rubric_file), "--json")
    assert imported.code == 0, imported.err
    assert imported.json()["family"] == "polite" and imported.json()["created"] is True
    assert cli("rubric", "show", "polite", "--json").json()["content"]["threshold"] == 0.5

    config = tmp_path / "promptfooconfig.yaml"
    config.write_text(
        "defaultTest:\n  assert:\n  - type: icontains\n    value: commande\n"
        "  - type: javascript\n    value: output.length < 300\n"
        "  - type: similar\n    value: Votre commande est partie\n"
        "  - type: select-best\n    value: the most helpful\n"
        "tests:\n- vars:\n    message: Où est ma commande ?\n",
        encoding="utf-8",
    )
    result = cli("rubric", "import", str(config), "--name", "from-promptfoo")
    assert result.code == 0, result.err
    assert "from-promptfoo@v1" in result.err
    assert "Left out (1 unsupported)" in result.err  # javascript and similar are supported
    assert "type 'select-best'" in result.err

    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: rubric\ncriteria:\n- kind: contain\n", encoding="utf-8")
    refused = cli("rubric", "import", str(bad))
    assert refused.code == 1
    # Refused while the file is read, at the criterion's line.
    assert "bad.yaml:3:3: version 1: criterion #1 'contain': unknown kind 'contain'" in refused.err


def test_review_rate_and_list(cli: Cli, home: Path) -> None:
    run_id = small_run(home)
    rated = cli(
        "review", "rate", str(run_id), "r1", "tu", "--fail", "--score", "2",
        "--comment", "Vouvoie au lieu de tutoyer.", "--tag", "wrong register", "--tag", "vous",
        "--json",
    )  # fmt: skip
    assert rated.code == 0, rated.err
    assert rated.json()["column"] == 1 and rated.json()["reviewer"] == "tester"
    again = cli("review", "rate", str(run_id), "r1", "1", "--pass", "--reviewer", "ben")
    assert again.code == 0
    listed = cli("review", "list", str(run_id), "--json").json()
    assert [(r["reviewer"], r["passed"], r["score"]) for r in listed["ratings"]] == [
        ("ben", True, None),
        ("tester", False, 2),
    ]
    assert listed["ratings"][1]["tags"] == ["wrong register", "vous"]
    human = cli("review", "list", str(run_id))
    assert "Vouvoie au lieu de tutoyer." in human.out

    bad_score = cli("review", "rate", str(run_id), "r1", "1", "--score", "7")
    assert bad_score.code == 1 and "a review score is 1 to 5, not 7" in bad_score.err
    empty = cli("review", "rate", str(run_id), "r1", "1")
    assert empty.code == 1 and "an empty review" in empty.err
    no_row = cli("review", "rate", str(run_id), "r9", "0", "--pass")
    assert no_row.code == 1 and "no result for row 'r9', column 0" in no_row.err
    bad_winner = cli("review", "prefer", str(run_id), "r0", "0", "1", "--winner", "left")
    assert bad_winner.code == 1 and "--winner must be a, b or tie" in bad_winner.err


def _judge_answer(body: dict[str, Any]) -> str:
    """The fake judge passes replies that greet the customer."""
    reply = last_user_text(body).split("## Reply to grade")[-1]
    verdict = "pass" if "Bonjour" in reply or "Salut" in reply else "fail"
    return json.dumps({"reasoning": f"Verdict {verdict}: salutation.", "verdict": verdict})


def test_score_with_an_llm_judge_over_http(
    cli: Cli, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = small_run(home)
    save_rubric(
        home,
        "greets",
        CriterionSpec(kind="llm-judge", name="greets", config={"criterion": "Salue le client."}),
    )
    # Without --judge the judged criterion is an error for each cell (never a fail).
    no_judge = cli("score", str(run_id), "--rubric", "greets")
    assert no_judge.code == 0 and "choose the judge model with --judge" in no_judge.err
    assert "could not be scored" in no_judge.out + no_judge.err
    monkeypatch.setenv("FAKE_JUDGE_KEY", "test-key-not-secret")
    with FakeLLMServer(responder=_judge_answer) as server:
        with open_store(home) as store:
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
        result = cli("score", str(run_id), "--rubric", "greets", "--judge", "judge", "--json")
        assert result.code == 0, result.err
        requests = server.requests
        # Scoring again reads the judge's cached verdicts; --no-cache asks it again.
        assert cli("score", str(run_id), "--rubric", "greets", "--judge", "judge").code == 0
        assert len(server.requests) == 5
        fresh = cli("score", str(run_id), "--rubric", "greets", "--judge", "judge", "--no-cache")
        assert fresh.code == 0, fresh.err
        assert len(server.requests) == 10
    data = result.json()
    # Five answered cells were judged; the failed call was not sent to the judge.
    assert len(requests) == 5
    assert (data["passed"], data["failed"], data["errors"]) == (4, 1, 1)
    with open_store(home) as store:
        [rubric_id] = store.rubric_ids_scored(run_id)
        stored = store.get_score(run_id, CellKey("r0", 0), rubric_id)
    assert stored is not None and stored.criteria[0]["detail"] == "Verdict pass: salutation."
