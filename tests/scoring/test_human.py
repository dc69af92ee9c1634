"""Human review values and blinded pairwise order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from workbench.core.errors import ValidationError
from workbench.scoring.human import PairwisePreference, Rating, blind_pair, unblind_winner

AT = datetime(2026, 11, 5, 10, 30, tzinfo=UTC)


def test_rating_accepts_pass_score_comment_and_tags() -> None:
    rating = Rating(
        run_id=1,
        row_id="track-001",
        column=0,
        repeat=0,
        reviewer="camille",
        at=AT,
        passed=False,
        score=2,
        comment="Tutoie le client.",
        tags=("register",),
    )
    assert rating.score == 2 and rating.tags == ("register",)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"score": 6}, "1 to 5"),
        ({"score": True}, "1 to 5"),
        ({"reviewer": " ", "passed": True}, "reviewer"),
        ({}, "an empty review"),
    ],
)
def test_rating_refuses_bad_values(fields: dict, message: str) -> None:
    base = {"run_id": 1, "row_id": "r", "column": 0, "repeat": 0, "reviewer": "camille", "at": AT}
    with pytest.raises(ValidationError, match=message):
        Rating(**{**base, **fields})


def test_pairwise_preference_validation() -> None:
    preference = PairwisePreference(1, "r", 0, 1, "tie", True, "camille", AT)
    assert preference.winner == "tie"
    with pytest.raises(ValidationError, match="'a', 'b' or 'tie'"):
        PairwisePreference(1, "r", 0, 1, "left", True, "camille", AT)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="two different columns"):
        PairwisePreference(1, "r", 2, 2, "a", False, "camille", AT)


def test_blind_pair_is_stable_per_seed_and_swaps_about_half_the_time() -> None:
    assert blind_pair("A", "B", "run1:row7") == blind_pair("A", "B", "run1:row7")
    swaps = sum(blind_pair("A", "B", seed)[2] for seed in range(400))
    assert 150 < swaps < 250
    for seed in range(20):
        left, right, swapped = blind_pair("A", "B", seed)
        assert (left, right) == (("B", "A") if swapped else ("A", "B"))


def test_unblind_winner_maps_left_right_back_to_columns() -> None:
    assert unblind_winner("left", swapped=False) == "a"
    assert unblind_winner("left", swapped=True) == "b"
    assert unblind_winner("right", swapped=True) == "a"
    assert unblind_winner("tie", swapped=True) == "tie"
    with pytest.raises(ValidationError):
        unblind_winner("middle", swapped=False)  # type: ignore[arg-type]
