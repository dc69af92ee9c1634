"""Human reviews: ratings upserted per reviewer, preferences stored in one column order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.store.conftest import raw_query
from tests.store.test_scores import make_run
from workbench.core.errors import NotFoundError, ValidationError
from workbench.core.reviews import PairwisePreference, Rating
from workbench.core.runs import CellKey
from workbench.store import Store

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


def rating(reviewer: str = "ana", **fields: object) -> Rating:
    values: dict[str, object] = {
        "run_id": 1,
        "row_id": "row-0001",
        "column": 1,
        "repeat": 0,
        "reviewer": reviewer,
        "at": T0,
    }
    values.update(fields)
    return Rating(**values)  # type: ignore[arg-type]


def preference(column_a: int, column_b: int, winner: str, **fields: object) -> PairwisePreference:
    values: dict[str, object] = {
        "run_id": 1,
        "row_id": "row-0000",
        "reviewer": "ana",
        "blinded": True,
        "at": T0,
    }
    values.update(fields)
    return PairwisePreference(
        column_a=column_a,
        column_b=column_b,
        winner=winner,  # type: ignore[arg-type]
        **values,  # type: ignore[arg-type]
    )


def test_a_rating_round_trips_and_a_second_one_by_the_same_reviewer_replaces_it(
    store: Store, db_path: Path
) -> None:
    run = make_run(store)
    first = rating(
        run_id=run.id,
        passed=False,
        score=2,
        comment="Tutoie le client alors que le persona vouvoie.",
        tags=("wrong register", "tutoiement"),
    )
    assert store.save_rating(first) == first
    assert store.ratings(run.id) == [first]
    second = rating(run_id=run.id, passed=True, score=4, at=T0 + timedelta(minutes=5))
    store.save_rating(second)
    assert store.ratings(run.id) == [second]
    assert raw_query(db_path, "SELECT count(*) FROM ratings") == [(1,)]


def test_two_reviewers_keep_two_ratings_and_filters_work(store: Store) -> None:
    run = make_run(store)
    ana = store.save_rating(rating("ana", run_id=run.id, passed=True))
    ben = store.save_rating(rating("ben", run_id=run.id, passed=False, comment="trop long"))
    other = store.save_rating(rating("ana", run_id=run.id, column=0, score=5))
    assert store.ratings(run.id) == [other, ana, ben]
    assert store.ratings(run.id, column=1) == [ana, ben]
    assert store.ratings(run.id, reviewer="ana") == [other, ana]
    assert store.remove_rating(run.id, CellKey("row-0001", 1), "ben") is True
    assert store.remove_rating(run.id, CellKey("row-0001", 1), "ben") is False
    assert store.ratings(run.id, column=1) == [ana]


def test_rating_a_cell_that_does_not_exist_is_refused(store: Store) -> None:
    run = make_run(store, rows=2)
    with pytest.raises(NotFoundError, match="no run with id 77"):
        store.save_rating(rating(run_id=77, passed=True))
    with pytest.raises(NotFoundError, match="no result for row 'row-0009', column 1, repeat 0"):
        store.save_rating(rating(run_id=run.id, row_id="row-0009", passed=True))
    with pytest.raises(NotFoundError, match="row 'row-0001', column 5, repeat 0"):
        store.save_rating(rating(run_id=run.id, column=5, passed=True))
    assert store.ratings(run.id) == []


def test_rating_values_are_checked_before_the_store() -> None:
    with pytest.raises(ValidationError, match="1 to 5, not 6"):
        rating(score=6)
    with pytest.raises(ValidationError, match="an empty review"):
        rating()
    with pytest.raises(ValidationError, match="needs a reviewer"):
        rating(" ", passed=True)


def test_preferences_are_stored_in_one_order_and_read_in_the_asked_order(
    store: Store, db_path: Path
) -> None:
    run = make_run(store, columns=3)
    stored = store.save_preference(preference(2, 0, "a", run_id=run.id))
    # Column 2 won; stored with column 0 as side a, so the winner is b.
    assert (stored.column_a, stored.column_b, stored.winner) == (0, 2, "b")
    assert raw_query(db_path, "SELECT column_a, column_b, winner FROM preferences") == [(0, 2, "b")]
    assert [p.winner for p in store.preferences(run.id, 2, 0)] == ["a"]
    assert [p.winner for p in store.preferences(run.id, 0, 2)] == ["b"]
    # The same reviewer changing their mind on the same pair replaces the judgement.
    store.save_preference(preference(0, 2, "tie", run_id=run.id, blinded=False))
    [again] = store.preferences(run.id, 0, 2)
    assert (again.winner, again.blinded) == ("tie", False)
    store.save_preference(preference(0, 1, "a", run_id=run.id, reviewer="ben"))
    assert len(store.preferences(run.id)) == 2
    assert store.preferences(run.id, 1, 2) == []
    with pytest.raises(ValidationError, match="both columns"):
        store.preferences(run.id, 1)


def test_bad_preferences_are_refused(store: Store) -> None:
    run = make_run(store, rows=2, columns=2)
    with pytest.raises(NotFoundError, match="has no column 3"):
        store.save_preference(preference(0, 3, "a", run_id=run.id))
    with pytest.raises(NotFoundError, match="no result for row 'nope' in column 0"):
        store.save_preference(preference(0, 1, "a", run_id=run.id, row_id="nope"))
    with pytest.raises(NotFoundError, match="no run with id 5"):
        store.save_preference(preference(0, 1, "a", run_id=5))
    with pytest.raises(ValidationError, match="two different columns"):
        preference(1, 1, "a")
    with pytest.raises(ValidationError, match="winner must be"):
        preference(0, 1, "left")
    assert store.preferences(run.id) == []
