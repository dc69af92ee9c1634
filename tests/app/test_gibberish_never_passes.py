"""On the demo rubric, a column of nonsense never passes, while the reference answers do.

Every dataset row × every demo persona × every demo prompt is scored with columns of reversed
answers, random words, answers in another language and the customer's message echoed back —
the kinds of output a broken model or a misconfigured endpoint produces.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.app.conftest import ok
from workbench.app.scoring import score_run
from workbench.core.models import DatasetContent, DatasetRow, Kind
from workbench.core.runs import Column, RunSpec
from workbench.interop.workspace import import_paths
from workbench.store import Store

ROOT = Path(__file__).resolve().parents[2]

# Ordinary words of French and English unrelated to any shop: what a model stuck in a loop or a
# broken sampler emits.
_VOCABULARY_TEXT = """
montagne soleil rivière chanson éléphant nuage fromage violon planète crayon jardin
tonnerre poisson musée lundi guitare océan horloge papillon forêt château train mountain
river song elephant cloud cheese violin planet pencil garden thunder fish museum guitar
ocean clock butterfly forest castle window bicycle rocket penguin volcano
"""
_VOCABULARY = _VOCABULARY_TEXT.split()
_OTHER_LANGUAGES = (
    "Hola, gracias por su mensaje. Su pedido ha sido enviado y llegará pronto a su domicilio.",
    "Guten Tag, vielen Dank für Ihre Nachricht. Ihre Bestellung wurde versandt und kommt bald.",
    "Buongiorno, grazie per il messaggio. L'ordine è stato spedito e arriverà presto a casa.",
    "Olá, obrigado pela sua mensagem. A sua encomenda foi enviada e chegará em breve.",
)


def _workspace(store: Store) -> tuple[list[DatasetRow], RunSpec, list[Column]]:
    folders = [ROOT / name for name in ("prompts", "datasets", "models", "rubrics")]
    import_paths(store, folders, author="tester")
    data = store.resolve(Kind.DATASET, "support-messages")
    assert isinstance(data.content, DatasetContent)
    rows = list(data.content.rows)
    prompts = [store.resolve(Kind.PROMPT, f.name) for f in store.list_families(Kind.PROMPT)]
    personas = [store.resolve(Kind.PERSONA, f.name) for f in store.list_families(Kind.PERSONA)]
    model = store.resolve(Kind.MODEL, "smollm2-local")
    spec = RunSpec(
        prompt_ids=tuple(p.id for p in prompts),
        persona_ids=tuple(p.id for p in personas),
        model_ids=(model.id,),
        dataset_id=data.id,
        row_ids=tuple(row.id for row in rows),
    )
    columns = [
        Column(
            index=index,
            prompt_id=prompt.id,
            persona_id=persona.id,
            model_id=model.id,
            label=f"{prompt.family}/{persona.family}",
        )
        for index, (prompt, persona) in enumerate(
            (prompt, persona) for prompt in prompts for persona in personas
        )
    ]
    return rows, spec, columns


def _reference(row: DatasetRow) -> str:
    return row.expected or "Votre commande a été expédiée hier, livraison prévue jeudi."


def _nonsense(kind: str, row: DatasetRow, rng: random.Random) -> str:
    if kind == "reversed":
        return _reference(row)[::-1]
    if kind == "random-words":
        return " ".join(rng.choice(_VOCABULARY) for _ in range(rng.randint(6, 40))) + "."
    if kind == "other-language":
        return rng.choice(_OTHER_LANGUAGES)
    return str(row.vars["message"])  # the customer's message echoed back


@pytest.mark.parametrize("kind", ["reversed", "random-words", "other-language", "echo"])
def test_a_column_of_nonsense_never_passes_the_demo_rubric(store: Store, kind: str) -> None:
    rows, spec, columns = _workspace(store)
    run = store.create_run(spec, columns, name=kind)
    rng = random.Random(f"nonsense-{kind}")
    cells = [
        ok(row.id, column.index, _nonsense(kind, row, rng)) for row in rows for column in columns
    ]
    store.upsert_cells(run.id, cells)
    scored = score_run(store, run.id, store.resolve(Kind.RUBRIC, "support-quality"))
    assert len(scored.results) == len(rows) * len(columns)
    passing = {
        (key.row_id, key.column): result.score
        for key, result in scored.results.items()
        if result.passed is True
    }
    assert passing == {}


def test_reference_answers_still_pass_the_language_and_relevance_gates(store: Store) -> None:
    rows, spec, columns = _workspace(store)
    run = store.create_run(spec, columns, name="reference")
    with_answers = [row for row in rows if row.expected]
    store.upsert_cells(
        run.id,
        [ok(row.id, column.index, _reference(row)) for row in with_answers for column in columns],
    )
    scored = score_run(store, run.id, store.resolve(Kind.RUBRIC, "support-quality"))
    gate_failures = [
        (key.row_id, key.column, criterion.name, criterion.detail)
        for key, result in scored.results.items()
        for criterion in result.criteria
        if criterion.kind in {"language", "relevance"} and criterion.passed is False
    ]
    assert gate_failures == []
