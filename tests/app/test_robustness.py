"""Robustness use cases on a real store: variants for a run, the delta, the dataset action.

Cells are written straight into the store with known answers, so which pairs pass and fail is
chosen by the test and the statistics can be checked against values computed by hand.
"""

from __future__ import annotations

import pytest

from tests.app.conftest import VOUS, build_run, ok, rubric
from workbench.app.robustness import (
    PerturbOptions,
    add_noisy_variants,
    perturb_spec,
    robustness_report,
    robustness_verdict,
    variant_links,
)
from workbench.app.scoring import score_run
from workbench.core.errors import NotFoundError, ValidationError
from workbench.core.models import CriterionSpec, DatasetContent, DatasetRow, Kind
from workbench.core.perturb import original_of, parse_perturbations
from workbench.scoring.stats import McNemar
from workbench.store import Store

CONTAINS = CriterionSpec(kind="contains", name="jeudi", config={"value": "jeudi"})
GOOD = "Bonjour, votre commande ML-104522 arrive jeudi."
BAD = "Bonjour, je ne trouve pas cette commande."


def _rows(count: int) -> list[DatasetRow]:
    return [
        DatasetRow(
            id=f"r{i:02d}",
            vars={"message": f"Bonjour, où est ma commande ML-10452{i % 10} ? Merci", "n": i},
            facts=("jeudi",),
            tags=("fr",),
        )
        for i in range(count)
    ]


def _perturbed_run(store: Store, count: int, kinds: str) -> tuple[int, list[str]]:
    """A one-column run on `count` rows plus their variants; the ids of the run's rows."""
    stored = build_run(store, _rows(count), personas=(VOUS,))
    perturbed = perturb_spec(
        store, stored.run.spec, PerturbOptions(parse_perturbations(kinds), seed=3), author="t"
    )
    run = store.create_run(perturbed.spec, list(stored.run.columns), name="noisy")
    assert perturbed.spec.row_ids is not None
    return run.id, list(perturbed.spec.row_ids)


def test_perturb_spec_adds_linked_variants_and_leaves_the_dataset_alone(store: Store) -> None:
    stored = build_run(store, _rows(3), personas=(VOUS,))
    head_before = store.resolve(Kind.DATASET, "cases")
    options = PerturbOptions(parse_perturbations("accents,typos:0.1"), seed=3)
    perturbed = perturb_spec(store, stored.run.spec, options, author="t")
    assert store.resolve(Kind.DATASET, "cases") == head_before
    assert perturbed.dataset.family == "cases.noisy"
    assert perturbed.spec.row_ids == (
        "r00", "r00~accents", "r00~typos", "r01", "r01~accents", "r01~typos",
        "r02", "r02~accents", "r02~typos",
    )  # fmt: skip
    assert (perturbed.originals, perturbed.variants, perturbed.notes) == (3, 6, ())
    content = store.get_version(perturbed.dataset.id).content
    assert isinstance(content, DatasetContent)
    originals = {r.id: r for r in content.rows if original_of(r) is None}
    assert originals == {r.id: r for r in _rows(3)}
    # The same seed gives the same dataset version; another seed another one.
    again = perturb_spec(store, stored.run.spec, options, author="t")
    assert again.dataset.id == perturbed.dataset.id
    other = perturb_spec(
        store, stored.run.spec, PerturbOptions(options.choices, seed=4), author="t"
    )
    assert other.dataset.id != perturbed.dataset.id
    links = variant_links(store, perturbed.dataset.id)
    assert [(link.original_id, link.kind, link.field) for link in links[:2]] == [
        ("r00", "accents", "message"),
        ("r00", "typos", "message"),
    ]
    assert "ML-10452" in links[1].variant


def test_perturb_spec_on_a_selection_and_without_free_text(store: Store) -> None:
    stored = build_run(store, _rows(4), personas=(VOUS,))
    spec = stored.run.spec.model_copy(update={"row_ids": ("r01", "r03")})
    options = PerturbOptions(parse_perturbations("caps"), protected_fields=("order_id",))
    perturbed = perturb_spec(store, spec, options, author="t")
    assert perturbed.spec.row_ids == ("r01", "r01~caps", "r03", "r03~caps")
    kept = store.get_version(perturbed.dataset.id).content
    assert isinstance(kept, DatasetContent)
    assert [r.id for r in kept.rows] == ["r01", "r01~caps", "r03", "r03~caps"]
    assert (
        len(perturbed.notes) == 1 and "lack the protected field(s) order_id" in perturbed.notes[0]
    )
    with pytest.raises(ValidationError, match="no selected row has free text"):
        perturb_spec(store, spec, PerturbOptions(options.choices, fields=("nothing",)), author="t")


def test_delta_against_reference_values(store: Store) -> None:
    run_id, row_ids = _perturbed_run(store, 20, "typos,caps")
    cells = []
    for row in row_ids:
        base, _, kind = row.partition("~")
        index = int(base[1:])
        if not kind:
            passed = index < 18  # 18 of 20 originals pass
        elif kind == "typos":
            passed = index < 6 or index == 19  # 12 flip pass→fail, 1 fail→pass
        else:
            passed = index < 18  # capitals change nothing
        cells.append(ok(row, 0, GOOD if passed else BAD))
    store.upsert_cells(run_id, cells)
    version = rubric(store, CONTAINS)
    score_run(store, run_id, version)
    report = robustness_report(store, run_id, version.id)
    assert report is not None and report.kinds == ("typos", "caps")
    typos, caps = report.for_column(0)
    assert typos.pairs == 20
    assert typos.original_pass_rate == pytest.approx(0.90)
    assert typos.variant_pass_rate == pytest.approx(0.35)
    assert typos.delta_points == pytest.approx(-55)
    assert typos.mcnemar is not None
    assert (typos.mcnemar.only_a, typos.mcnemar.only_b) == (12, 1)
    # Exact two-sided binomial on 13 discordant pairs, 1 on one side: 2·(1 + 13) / 2^13.
    assert typos.mcnemar.p_value == pytest.approx(2 * 14 / 8192)
    assert typos.flipped == tuple(f"r{i:02d}" for i in range(6, 18))
    assert typos.fixed == ("r19",)
    assert typos.original_score == pytest.approx(0.9)
    assert typos.variant_score == pytest.approx(0.35)
    assert typos.verdict == (
        "typos cost 55 points of pass rate (90% → 35% on 20 pairs), p = 0.00342;"
        " 12 rows flip pass→fail"
    )
    assert caps.mcnemar is not None and caps.mcnemar.p_value == 1.0
    assert caps.flipped == ()
    assert caps.verdict == (
        "caps left the pass rate unchanged (90% → 90% on 20 pairs), p = 1; 0 rows flip pass→fail"
    )
    assert report.gate(0.5) == ["#0 suivi@v1 · persona-0 · small under typos: pass rate 35%"]
    assert report.gate(0.3) == []


def test_verdict_wording() -> None:
    test = McNemar(pairs=50, both_pass=30, only_a=9, only_b=3, both_fail=8, p_value=0.146)
    assert robustness_verdict("sms", 0.78, 0.66, test, 9) == (
        "sms cost 12 points of pass rate (78% → 66% on 50 pairs), p = 0.146, not significant;"
        " 9 rows flip pass→fail"
    )
    one = McNemar(pairs=10, both_pass=5, only_a=0, only_b=1, both_fail=4, p_value=1.0)
    assert robustness_verdict("accents", 0.5, 0.6, one, 1).startswith(
        "accents gained 10 points of pass rate (50% → 60% on 10 pairs)"
    )
    assert "no scored pairs" in robustness_verdict("caps", None, None, None, 0)


def test_report_needs_scores_and_variants(store: Store) -> None:
    plain = build_run(store, _rows(2), personas=(VOUS,))
    assert robustness_report(store, plain.id) is None
    run_id, _ = _perturbed_run(store, 2, "sms")
    with pytest.raises(NotFoundError, match="no scores yet"):
        robustness_report(store, run_id)


def test_add_noisy_variants_makes_a_new_version_and_can_be_repeated(store: Store) -> None:
    store.save_version(Kind.DATASET, "cases", DatasetContent(rows=tuple(_rows(3))))
    first = store.resolve(Kind.DATASET, "cases")
    options = PerturbOptions(parse_perturbations("sms,punctuation"), seed=1)
    result = add_noisy_variants(store, "cases", options, author="t")
    assert result.created and (result.added, result.skipped) == (6, 0)
    content = result.version.content
    assert isinstance(content, DatasetContent)
    assert [r.id for r in content.rows][:3] == ["r00", "r00~sms", "r00~punctuation"]
    assert content.rows[1].tags == ("fr", "noise:sms", "variant-of:r00")
    assert content.rows[1].vars["message"] == "Bjr, où est ma cmd ML-104520 ? Mci"
    assert store.get_version(first.id) == first  # the old version is untouched
    assert result.version.number == first.number + 1
    more = add_noisy_variants(
        store, "cases", PerturbOptions(parse_perturbations("sms,caps")), author="t"
    )
    assert (more.added, more.skipped) == (3, 3)
    with pytest.raises(ValidationError, match="already has these variants"):
        add_noisy_variants(store, "cases", PerturbOptions(parse_perturbations("caps")), author="t")
    with pytest.raises(NotFoundError, match="has no row nope"):
        add_noisy_variants(store, "cases", options, author="t", row_ids=["nope"])
