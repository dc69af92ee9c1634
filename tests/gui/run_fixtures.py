"""Small builders for run columns, results and events shared by the results tests."""

from __future__ import annotations

from workbench.core.runs import CellKey, CellResult, CellStatus, Column


def columns(count: int) -> list[Column]:
    """`count` columns with readable labels."""
    return [
        Column(
            index=index,
            prompt_id=f"p{index}",
            persona_id=None,
            model_id="m",
            label=f"order-tracking@v{index + 1} · camille · smollm2",
        )
        for index in range(count)
    ]


def ok(row: str, column: int, text: str, *, latency: float = 100.0, repeat: int = 0) -> CellResult:
    """A finished cell."""
    return CellResult(
        key=CellKey(row, column, repeat),
        status=CellStatus.OK,
        output=text,
        latency_ms=latency,
        cost_usd=0.001,
        attempts=1,
    )


def error(row: str, column: int, message: str = "HTTP 500 from the server") -> CellResult:
    """An infrastructure error."""
    return CellResult(
        key=CellKey(row, column),
        status=CellStatus.ERROR,
        error_kind="server",
        error_message=message,
        attempts=3,
    )
