"""The results of one run as a grid of dataset rows × columns, without any Qt.

The frame exists with every row before the run starts; events and scores only change cells in
place, so the table model over it never needs a reset during a run. Cells nobody touched yet
take no memory (a 100,000-row run starts as a list of row ids), and per-column statistics are
kept incrementally so that a header refresh does not walk the whole column.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from workbench.app.run_execution import CellDelta, CellFinished, CellStarted
from workbench.core.runs import CellKey, CellResult, CellStatus, Column

GridPosition = tuple[int, int]
RATINGS = ("1", "2", "3", "4", "5", "pass", "fail")


@dataclass
class CellState:
    """What the grid knows about one cell (one repeat of a row in a column).

    `text` grows while the answer streams and is replaced by the final output when the cell
    finishes. `score`/`passed` come from the rubric, `criteria` holds per-criterion results and
    `score_error` why the rubric could not judge the cell. The reviewer's own judgement is kept
    as a 1–5 `human_score` and a pass/fail `human_passed`; `rating` shows both in one word.
    """

    status: CellStatus = CellStatus.PENDING
    text: str = ""
    result: CellResult | None = None
    score: float | None = None
    passed: bool | None = None
    criteria: tuple[Any, ...] = ()
    score_error: str | None = None
    human_score: int | None = None
    human_passed: bool | None = None

    @property
    def rating(self) -> str | None:
        """The reviewer's rating as shown: ``4``, ``pass``, ``4 pass``, or None."""
        parts = []
        if self.human_score is not None:
            parts.append(str(self.human_score))
        if self.human_passed is not None:
            parts.append("pass" if self.human_passed else "fail")
        return " ".join(parts) or None


@dataclass
class ColumnStats:
    """Figures shown in a column header."""

    done: int = 0
    errors: int = 0
    scored: int = 0
    passed: int = 0
    score_sum: float = 0.0
    cost_usd: float = 0.0
    latencies_ms: dict[tuple[int, int], float] = field(default_factory=dict)
    # The median is kept from a sorted copy of the latencies, brought up to date with the values
    # added and removed since it was last asked for. Sorting every latency again on each header
    # repaint took 20-40 ms per column of 100,000 cells while a big run loaded, and the header
    # repaints several times a second.
    _sorted: list[float] = field(default_factory=list, repr=False, compare=False)
    _added: list[float] = field(default_factory=list, repr=False, compare=False)
    _removed: list[float] = field(default_factory=list, repr=False, compare=False)

    @property
    def pass_rate(self) -> float | None:
        """Share of scored cells that passed (errors are not failures and do not count)."""
        return self.passed / self.scored if self.scored else None

    @property
    def mean_score(self) -> float | None:
        """Mean rubric score over scored cells."""
        return self.score_sum / self.scored if self.scored else None

    @property
    def p50_latency_ms(self) -> float | None:
        """Median latency of finished calls (cache hits included)."""
        ordered = self._sorted_latencies()
        count = len(ordered)
        if not count:
            return None
        middle = count // 2
        if count % 2:
            return ordered[middle]
        return (ordered[middle - 1] + ordered[middle]) / 2  # as `statistics.median`

    def set_latency(self, cell: tuple[int, int], latency_ms: float) -> None:
        """Count a cell's latency (replacing the one it had)."""
        old = self.latencies_ms.get(cell)
        if old is not None:
            self._removed.append(old)
        self.latencies_ms[cell] = latency_ms
        self._added.append(latency_ms)

    def drop_latency(self, cell: tuple[int, int]) -> None:
        """Stop counting a cell's latency."""
        old = self.latencies_ms.pop(cell, None)
        if old is not None:
            self._removed.append(old)

    def add_latencies(self, latencies: dict[tuple[int, int], float]) -> None:
        """Count the latencies of cells not counted yet (merging a loaded part)."""
        for cell in latencies.keys() & self.latencies_ms.keys():
            self._removed.append(self.latencies_ms[cell])
        self.latencies_ms.update(latencies)
        self._added.extend(latencies.values())

    def _sorted_latencies(self) -> list[float]:
        added, removed = self._added, self._removed
        if not added and not removed:
            return self._sorted
        ordered = self._sorted
        if removed:
            # A rescored cell removes and adds back the same latency: those cancel out.
            pending = Counter(added)
            gone: list[float] = []
            for value in removed:
                if pending[value] > 0:
                    pending[value] -= 1
                else:
                    gone.append(value)
            added = list(pending.elements())
            for value in gone:
                at = bisect.bisect_left(ordered, value)
                if at < len(ordered) and ordered[at] == value:
                    del ordered[at]
        if added:
            added.sort()
            ordered.extend(added)
            ordered.sort()  # two sorted runs: one linear merge
        self._added, self._removed = [], []
        return ordered


class ResultFrame:
    """Rows × columns (× repeats) of cell states for one run.

    Args:
        row_ids: the dataset row ids, in display order.
        columns: the run's columns.
        repeats: how many times each cell runs.
    """

    def __init__(self, row_ids: Sequence[str], columns: Sequence[Column], repeats: int = 1) -> None:
        self.row_ids = list(row_ids)
        self.columns = list(columns)
        self.repeats = repeats
        self._row_index = {row_id: index for index, row_id in enumerate(self.row_ids)}
        self._column_index = {column.index: position for position, column in enumerate(columns)}
        self._states: dict[tuple[int, int, int], CellState] = {}
        self._stats = [ColumnStats() for _ in self.columns]
        self._row_texts: list[str] = []

    def set_row_texts(self, texts: dict[str, str]) -> None:
        """What the text filter searches besides id and outputs: each row's input variables
        (the customer's message…), folded to lower case once."""
        self._row_texts = [texts.get(row_id, "").casefold() for row_id in self.row_ids]

    def row_text(self, row: int) -> str:
        """The row's folded input text ("" until `set_row_texts`)."""
        return self._row_texts[row] if row < len(self._row_texts) else ""

    @property
    def row_count(self) -> int:
        """Number of dataset rows."""
        return len(self.row_ids)

    @property
    def column_count(self) -> int:
        """Number of columns."""
        return len(self.columns)

    def position(self, key: CellKey) -> GridPosition | None:
        """The (row, column) of a cell key, or None when it is not part of this frame."""
        row = self._row_index.get(key.row_id)
        column = self._column_index.get(key.column)
        if row is None or column is None or not 0 <= key.repeat < self.repeats:
            return None
        return row, column

    def key_at(self, row: int, column: int, repeat: int = 0) -> CellKey:
        """The cell key shown at a grid position."""
        return CellKey(self.row_ids[row], self.columns[column].index, repeat)

    def state(self, row: int, column: int, repeat: int = 0) -> CellState | None:
        """The cell's state, or None while nothing has happened to it."""
        return self._states.get((row, column, repeat))

    def repeat_states(self, row: int, column: int) -> list[CellState]:
        """The states of every repeat of a grid cell that has any."""
        found = (self._states.get((row, column, repeat)) for repeat in range(self.repeats))
        return [state for state in found if state is not None]

    def column_stats(self, column: int) -> ColumnStats:
        """Running statistics of a column."""
        return self._stats[column]

    def load(
        self,
        results: Iterable[CellResult],
        scores: Iterable[Any] = (),
        human: Iterable[tuple[CellKey, int | None, bool | None]] = (),
    ) -> None:
        """Fill an untouched frame from the store in one pass (opening a run).

        `scores` are stored `CellScore` values (criteria kept as stored); `human` gives
        (key, 1–5 score, pass/fail) per rated cell. Statistics are counted once at the end
        instead of cell by cell, which makes opening a big run several times faster.
        """
        states, stats = self.build_part(results, scores, human)
        self._states = states
        self._stats = stats

    def build_part(
        self,
        results: Iterable[CellResult],
        scores: Iterable[Any] = (),
        human: Iterable[tuple[CellKey, int | None, bool | None]] = (),
    ) -> tuple[dict[tuple[int, int, int], CellState], list[ColumnStats]]:
        """The cell states and column statistics of stored results, without changing the frame.

        Plain data: a worker thread builds parts of a big run with it and the GUI thread adds
        each with `merge` (see `run_loading.iter_frame_parts`).
        """
        states: dict[tuple[int, int, int], CellState] = {}
        for result in results:
            address = self._address(result.key)
            if address is not None:
                states[address] = CellState(
                    status=result.status, text=result.output or "", result=result
                )
        for stored in scores:
            address = self._address(stored.key)
            if address is not None:
                state = states.get(address)
                if state is None:
                    state = states[address] = CellState()
                state.score, state.passed = stored.score, stored.passed
                state.criteria, state.score_error = tuple(stored.criteria), stored.error
        for key, score, passed in human:
            address = self._address(key)
            if address is not None:
                state = states.setdefault(address, CellState())
                state.human_score, state.human_passed = score, passed
        stats = [ColumnStats() for _ in self.columns]
        for (row, column, repeat), state in states.items():
            _count(stats[column], state, (row, repeat), +1)
        return states, stats

    def merge(
        self, states: dict[tuple[int, int, int], CellState], stats: Sequence[ColumnStats]
    ) -> set[GridPosition]:
        """Add a part built by `build_part` for cells this frame has no state for yet.

        A cell the frame already holds keeps its state (what is shown live wins over what was
        read); returns the grid positions that changed.
        """
        known = self._states
        if any(address in known for address in states):
            states = {a: state for a, state in states.items() if a not in known}
            stats = [ColumnStats() for _ in self.columns]
            for (row, column, repeat), state in states.items():
                _count(stats[column], state, (row, repeat), +1)
        known.update(states)
        for mine, added in zip(self._stats, stats, strict=True):
            mine.done += added.done
            mine.errors += added.errors
            mine.scored += added.scored
            mine.passed += added.passed
            mine.score_sum += added.score_sum
            mine.cost_usd += added.cost_usd
            if added.latencies_ms:
                mine.add_latencies(added.latencies_ms)
        return {(row, column) for row, column, _repeat in states}

    def _address(self, key: CellKey) -> tuple[int, int, int] | None:
        row = self._row_index.get(key.row_id)
        column = self._column_index.get(key.column)
        if row is None or column is None or not 0 <= key.repeat < self.repeats:
            return None
        return row, column, key.repeat

    def apply_events(self, events: Iterable[Any]) -> set[GridPosition]:
        """Apply engine events; returns the grid positions that changed."""
        changed: set[GridPosition] = set()
        for event in events:
            position: GridPosition | None = None
            if isinstance(event, CellDelta):
                position = self._update(event.key, _append_text(event.text))
            elif isinstance(event, CellStarted):
                position = self._update(event.key, _mark_running)
            elif isinstance(event, CellFinished):
                position = self.apply_result(event.result)
            if position is not None:
                changed.add(position)
        return changed

    def apply_result(self, result: CellResult) -> GridPosition | None:
        """Record a settled cell (from an event or from the store)."""

        def finish(state: CellState) -> None:
            state.status = result.status
            state.result = result
            state.text = result.output if result.status == CellStatus.OK else result.output or ""

        return self._update(result.key, finish)

    def apply_score(
        self,
        key: CellKey,
        score: float | None,
        passed: bool | None,
        criteria: Sequence[Any] = (),
        error: str | None = None,
    ) -> GridPosition | None:
        """Record the rubric's verdict for a cell (`error`: why it could not be judged)."""

        def score_cell(state: CellState) -> None:
            state.score, state.passed, state.criteria = score, passed, tuple(criteria)
            state.score_error = error

        return self._update(key, score_cell)

    def set_rating(self, key: CellKey, rating: str | None) -> GridPosition | None:
        """Add a human rating (``1``–``5`` or ``pass``/``fail``) to a cell; None clears both.

        A score and a verdict are separate judgements: rating ``4`` then ``pass`` keeps both.
        """
        if rating is not None and rating not in RATINGS:
            raise ValueError(f"unknown rating {rating!r}; expected one of {', '.join(RATINGS)}")

        def rate(state: CellState) -> None:
            if rating is None:
                state.human_score = state.human_passed = None
            elif rating in ("pass", "fail"):
                state.human_passed = rating == "pass"
            else:
                state.human_score = int(rating)

        return self._update(key, rate)

    def set_human(
        self, key: CellKey, score: int | None, passed: bool | None
    ) -> GridPosition | None:
        """Set a cell's human score and verdict as stored (loading a run's ratings)."""

        def rate(state: CellState) -> None:
            state.human_score, state.human_passed = score, passed

        return self._update(key, rate)

    def row_has_errors(self, row: int) -> bool:
        """Whether any cell of the row ended in an infrastructure error."""
        return any(state.status == CellStatus.ERROR for state in self._row_states(row))

    def row_has_failures(self, row: int) -> bool:
        """Whether any scored cell of the row failed its rubric."""
        return any(state.passed is False for state in self._row_states(row))

    def row_has_disagreement(self, row: int) -> bool:
        """Whether the columns disagree on pass/fail for this row (first repeat)."""
        verdicts = {
            state.passed
            for column in range(self.column_count)
            if (state := self.state(row, column)) is not None and state.passed is not None
        }
        return len(verdicts) > 1

    def row_is_flaky(self, row: int) -> bool:
        """Whether repeats of the same cell disagree on pass/fail in some column."""
        for column in range(self.column_count):
            verdicts = {s.passed for s in self.repeat_states(row, column) if s.passed is not None}
            if len(verdicts) > 1:
                return True
        return False

    def done_count(self) -> int:
        """How many cells (all repeats) have settled."""
        return sum(stats.done for stats in self._stats)

    @property
    def total_cells(self) -> int:
        """How many cells the run has in all."""
        return self.row_count * self.column_count * self.repeats

    def _row_states(self, row: int) -> Iterable[CellState]:
        for column in range(self.column_count):
            yield from self.repeat_states(row, column)

    def _update(self, key: CellKey, change: Any) -> GridPosition | None:
        position = self.position(key)
        if position is None:
            return None
        address = (*position, key.repeat)
        state = self._states.get(address)
        if state is None:
            state = self._states[address] = CellState()
        stats = self._stats[position[1]]
        _count(stats, state, address[::2], -1)
        change(state)
        _count(stats, state, address[::2], +1)
        return position


def _append_text(text: str) -> Any:
    def append(state: CellState) -> None:
        if state.status == CellStatus.PENDING:
            state.status = CellStatus.RUNNING
        if state.status == CellStatus.RUNNING:
            state.text += text

    return append


def _mark_running(state: CellState) -> None:
    # A retried cell starts over: its old output and verdict no longer describe it.
    state.status = CellStatus.RUNNING
    state.text = ""
    state.result = None
    state.score, state.passed, state.criteria, state.score_error = None, None, (), None


def _count(stats: ColumnStats, state: CellState, row_repeat: tuple[int, int], sign: int) -> None:
    """Add (+1) or remove (-1) one cell's contribution to its column's statistics."""
    result = state.result
    if state.status in (CellStatus.OK, CellStatus.ERROR, CellStatus.CANCELLED):
        stats.done += sign
    if state.status == CellStatus.ERROR:
        stats.errors += sign
    if state.passed is not None and state.status != CellStatus.ERROR:
        stats.scored += sign
        stats.passed += sign * int(state.passed)
        stats.score_sum += sign * (state.score or 0.0)
    if result is not None and result.cost_usd:
        stats.cost_usd += sign * result.cost_usd
    if state.status == CellStatus.OK and result is not None and result.latency_ms is not None:
        if sign > 0:
            stats.set_latency(row_repeat, result.latency_ms)
        else:
            stats.drop_latency(row_repeat)
