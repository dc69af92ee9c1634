"""Make a conversation set from imported (anonymised) log conversations.

The botmaster picks conversations — a cluster or a knowledge-base gap of the latest analysis, a
search over the anonymised text, or conversation ids — and gets a new version of a conversation
set (family kind ``conversations``) to re-run a fixed prompt on, in a simulation.

Two shapes:

- ``script`` (default): the case replays the customer's turns verbatim (consecutive customer
  messages are joined into one turn); after each one, the reference answer is drawn from the log
  where it has one — the bot's answer when the bot answered, otherwise a human agent's answer —
  and left blank for the user to fill when the log has none (a blank reference is not scored).
- ``scenario``: a simulated customer opens with the first logged message and pursues what the
  customer asked for (every customer message, in order, as the goal); the expected outcome says
  "no hand-off" when the log shows the bot resolved the conversation alone, and is left for the
  user to fill otherwise (expected facts always are: a log does not say them).

Only stored text is used, and the store holds anonymised text only, so no raw PII can reach a
set. Every case keeps its source log and conversation (``vars``) and tags saying what happened
in the log (``unanswered``, ``handoff``, ``cluster-N``, the intent and channel when logged).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from workbench.analytics.conversations import analyse_conversation, is_closing
from workbench.app.logs import require_log
from workbench.core.conversations import (
    MAX_TURNS_LIMIT,
    ConversationCase,
    ConversationSetContent,
    ExpectedOutcome,
    Scenario,
    ScriptTurn,
)
from workbench.core.errors import NotFoundError, ValidationError
from workbench.core.logs import LogMessage
from workbench.core.models import Kind, Version, validate_name
from workbench.scoring.unanswered import detect_unanswered

if TYPE_CHECKING:
    from workbench.store import Store

Shape = Literal["script", "scenario"]
SHAPES: tuple[str, ...] = ("script", "scenario")
#: Conversations one set takes at most (a bigger selection is cut, and the result says so).
DEFAULT_LIMIT = 200
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9._:-]+")


@dataclass(frozen=True)
class LogSelection:
    """Which logged conversations to turn into cases: exactly one of the fields.

    Attributes:
        conversations: conversation ids.
        cluster: a cluster id of the latest analysis.
        gap: a knowledge-base gap of the latest analysis, by rank (1 = the worst).
        search: a full-text search over the anonymised messages.
        unanswered_only: with a cluster or gap, only conversations where one of its questions
            went unanswered; otherwise only conversations with an unanswered turn.
    """

    conversations: tuple[str, ...] = ()
    cluster: int | None = None
    gap: int | None = None
    search: str = ""
    unanswered_only: bool = False

    def describe(self) -> str:
        if self.cluster is not None:
            return f"cluster {self.cluster}"
        if self.gap is not None:
            return f"gap {self.gap}"
        if self.search.strip():
            return f"search '{self.search.strip()}'"
        return f"{len(self.conversations)} chosen conversation(s)"


@dataclass(frozen=True)
class ScenariosFromLog:
    """The conversation set version made from log conversations.

    Attributes:
        version: the set's version (new, or the unchanged head).
        created: False when the same cases were already the set's content.
        cases: cases written. references: reference answers drawn from the log;
        blanks: reference answers (script) or outcomes (scenario) left for the user to fill.
        skipped: conversations without any customer message (nothing to replay).
        truncated: conversations left out beyond the limit.
    """

    version: Version
    created: bool
    cases: int
    shape: str
    references: int = 0
    blanks: int = 0
    skipped: list[str] = field(default_factory=list)
    truncated: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "conversations": self.version.ref,
            "version_id": self.version.id,
            "created": self.created,
            "shape": self.shape,
            "cases": self.cases,
            "references_from_log": self.references,
            "left_to_fill": self.blanks,
            "skipped": self.skipped,
            "truncated": self.truncated,
        }


def conversations_to_scenarios(
    store: Store,
    family: str,
    selection: LogSelection,
    *,
    name: str,
    shape: str = "script",
    author: str = "",
    limit: int = DEFAULT_LIMIT,
) -> ScenariosFromLog:
    """Save the selected logged conversations as a new version of conversation set `name`.

    Raises:
        ValidationError: not exactly one selection, an unknown shape, a bad set name, or
            nothing to replay in the selection.
        NotFoundError: no such log, no analysis yet (cluster, gap), an unknown cluster, gap
            rank or conversation id.
    """
    require_log(store, family)
    validate_name(name)
    if shape not in SHAPES:
        raise ValidationError(f"shape must be {' or '.join(SHAPES)}, not '{shape}'")
    if limit < 1:
        raise ValidationError("the limit must be at least 1")
    chosen = _select(store, family, selection)
    if not chosen:
        raise ValidationError(f"no conversation matches {selection.describe()} in log '{family}'")
    head = store.resolve(Kind.LOG, family)
    source = f"{family}@{head.short_id}"
    tags = ("from-log", *_selection_tags(store, family, selection))
    cases: list[ConversationCase] = []
    skipped: list[str] = []
    references = blanks = 0
    used: set[str] = set()
    filter_unanswered = (
        selection.unanswered_only and selection.cluster is None and selection.gap is None
    )
    visited = 0
    for conversation in chosen:
        if len(cases) >= limit:
            break
        visited += 1
        messages = store.conversation_messages(family, conversation)
        summary, _ = analyse_conversation(messages)
        if filter_unanswered and not summary.unanswered:
            continue
        exchanges = replay_exchanges(messages)
        if not exchanges:
            skipped.append(conversation)
            continue
        case_tags = tags + _conversation_tags(messages, summary.unanswered, summary.handoff)
        case_id = _unique(_case_id(conversation), used)
        base: dict[str, Any] = {
            "id": case_id,
            "vars": {"source_log": source, "source_conversation": conversation},
            "tags": case_tags,
        }
        if shape == "script":
            case, found = _script_case(base, exchanges)
            references += found
            blanks += len(case.user_turns()) - found
        else:
            resolved = not summary.unanswered and not summary.handoff and not _unhappy(messages)
            case = _scenario_case(base, exchanges, resolved=resolved)
            blanks += int(not resolved)
        cases.append(case)
    if not cases:
        raise ValidationError(
            f"no customer message to replay in {selection.describe()} of log '{family}'"
        )
    what = selection.describe()
    content = ConversationSetContent(
        description=(
            f"Replays of {len(cases)} conversation(s) of log '{family}' ({what}), anonymised. "
            + (
                "Reference answers come from the log where the bot or an agent answered; "
                "fill the blank ones."
                if shape == "script"
                else "Fill the expected facts (and the hand-off where left open)."
            )
        ),
        cases=tuple(cases),
    )
    saved = store.save_version(
        Kind.CONVERSATIONS,
        name,
        content,
        author=author,
        note=f"From log {family}: {what} ({shape})",
    )
    return ScenariosFromLog(
        version=saved.version,
        created=saved.created,
        cases=len(cases),
        shape=shape,
        references=references,
        blanks=blanks,
        skipped=skipped,
        truncated=len(chosen) - visited,
    )


# Selecting -----------------------------------------------------------------------------------


def _select(store: Store, family: str, selection: LogSelection) -> list[str]:
    given = [
        bool(selection.conversations),
        selection.cluster is not None,
        selection.gap is not None,
        bool(selection.search.strip()),
    ]
    if sum(given) != 1:
        raise ValidationError("choose one of: conversation ids, a cluster, a gap or a search")
    if selection.conversations:
        # An unknown id raises NotFoundError when its messages are read, before anything is saved.
        return list(dict.fromkeys(selection.conversations))
    if selection.search.strip():
        hits = store.search_log_messages(family, selection.search, limit=20_000)
        return list(dict.fromkeys(h.conversation for h in hits))
    cluster = _cluster_of(store, family, selection)
    latest = store.latest_log_analysis(family)
    assert latest is not None  # _cluster_of checked it
    ids = store.cluster_message_ids(latest[0], cluster, unanswered_only=selection.unanswered_only)
    return list(dict.fromkeys(m.conversation for m in store.log_messages_by_id(ids)))


def _cluster_of(store: Store, family: str, selection: LogSelection) -> int:
    latest = store.latest_log_analysis(family)
    if latest is None:
        raise NotFoundError(f"log '{family}' has not been analysed yet: run `logs analyse`")
    result = latest[2]
    if selection.gap is not None:
        gaps: list[int] = list(result["gaps"])
        if not 1 <= selection.gap <= len(gaps):
            raise NotFoundError(
                f"the latest analysis of '{family}' has {len(gaps)} gap(s); "
                f"gap {selection.gap} does not exist (gaps are numbered from 1, worst first)"
            )
        return gaps[selection.gap - 1]
    assert selection.cluster is not None
    if selection.cluster not in {c["id"] for c in result["clusters"]}:
        raise NotFoundError(f"the latest analysis of '{family}' has no cluster {selection.cluster}")
    return selection.cluster


def _selection_tags(store: Store, family: str, selection: LogSelection) -> tuple[str, ...]:
    if selection.cluster is None and selection.gap is None:
        return ()
    return (f"cluster-{_cluster_of(store, family, selection)}",)


# Building cases --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exchange:
    """One customer turn of a logged conversation and the reference answer the log gives."""

    customer: str
    reference: str  # "" when the log has no usable answer


def replay_exchanges(messages: Sequence[LogMessage]) -> list[Exchange]:
    """The customer's turns in order (consecutive messages joined), each with the bot's answer
    when the bot answered, else a human agent's answer, else "" (blank, to fill); a closing
    "thanks" left unanswered at the end is dropped."""
    exchanges: list[Exchange] = []
    customer: list[str] = []
    answers: list[tuple[str, str]] = []

    def close() -> None:
        if customer:
            exchanges.append(Exchange("\n".join(customer), _reference(answers)))

    for message in messages:
        text = message.text.strip()
        if message.role == "user":
            if answers:
                close()
                customer, answers = [], []
            if text:
                customer.append(text)
        elif message.role in {"assistant", "agent"} and customer:
            answers.append((message.role, text))
    close()
    # A last "thanks, bye" nobody answered tests nothing and would only be a blank to fill.
    if len(exchanges) > 1 and not exchanges[-1].reference and is_closing(exchanges[-1].customer):
        exchanges.pop()
    return exchanges[:MAX_TURNS_LIMIT]


def _reference(answers: list[tuple[str, str]]) -> str:
    bot = [text for role, text in answers if role == "assistant"]
    if bot and all(text and detect_unanswered(text) is None for text in bot):
        return "\n".join(bot)
    agent = [text for role, text in answers if role == "agent" and text]
    return "\n".join(agent)


def _script_case(base: dict[str, Any], exchanges: list[Exchange]) -> tuple[ConversationCase, int]:
    turns: list[ScriptTurn] = []
    for exchange in exchanges:
        turns.append(ScriptTurn(role="user", content=exchange.customer))
        turns.append(ScriptTurn(role="assistant", content=exchange.reference))
    case = ConversationCase(**base, turns=tuple(turns), max_turns=len(exchanges))
    return case, sum(bool(e.reference) for e in exchanges)


def _scenario_case(
    base: dict[str, Any], exchanges: list[Exchange], *, resolved: bool
) -> ConversationCase:
    goal = "\n".join(f"- {e.customer}" for e in exchanges)
    scenario = Scenario(
        goal=goal,
        opening=exchanges[0].customer,
        expected=ExpectedOutcome(handoff=False if resolved else None),
    )
    turns = min(MAX_TURNS_LIMIT, max(len(exchanges) + 1, 2))
    return ConversationCase(**base, scenario=scenario, max_turns=turns)


def _unhappy(messages: Sequence[LogMessage]) -> bool:
    ratings = [m.rating for m in messages if m.rating is not None]
    return bool(ratings) and ratings[-1] < 3


def _conversation_tags(
    messages: Sequence[LogMessage], unanswered: int, handoff: bool
) -> tuple[str, ...]:
    tags: list[str] = []
    if unanswered:
        tags.append("unanswered")
    if handoff:
        tags.append("handoff")
    for attribute, prefix in (("intent", "intent-"), ("channel", "channel-")):
        value = next((getattr(m, attribute) for m in messages if getattr(m, attribute)), None)
        if value:
            tags.append(prefix + _UNSAFE_ID.sub("-", str(value)).strip("-")[:40])
    return tuple(tags)


def _case_id(conversation: str) -> str:
    cleaned = _UNSAFE_ID.sub("-", conversation).strip("-")[:60]
    return f"log-{cleaned or 'conversation'}"


def _unique(case_id: str, used: set[str]) -> str:
    candidate, n = case_id, 2
    while candidate in used:
        candidate = f"{case_id}-{n}"
        n += 1
    used.add(candidate)
    return candidate
