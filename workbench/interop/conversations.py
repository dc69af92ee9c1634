"""Conversation sets as files: canonical JSONL, BotiumScript ``.convo.txt``, promptfoo YAML.

``NAME.conversations.jsonl`` holds one case per line (see docs/conversations.md); the writer is
canonical, so importing a file this program wrote and exporting it again gives the same bytes.
Every reader refuses bad input as a whole with file, line and reason (nothing is half-read), and
reports by name what it found but could not map (`ConversationFile.unmapped`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from workbench.core.conversations import (
    ConversationCase,
    ConversationSetContent,
    ExpectedOutcome,
    Scenario,
    ScriptTurn,
)
from workbench.core.errors import FileFormatError
from workbench.interop.text import read_text
from workbench.interop.yaml_io import line_of, load_yaml

SUFFIX = ".conversations.jsonl"
BOTIUM_SUFFIX = ".convo.txt"


@dataclass
class ConversationFile:
    """What a file held: the set, a suggested family name, and what could not be mapped."""

    content: ConversationSetContent
    name: str
    unmapped: list[str] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)


def _reason(error: PydanticValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        return f"unknown key '{where}'"
    if first["type"] == "missing":
        return f"missing '{where}'"
    return f"{where}: {message}" if where else message


def family_name_for(path: Path) -> str:
    """A family name from a file name (``late-orders.conversations.jsonl`` → ``late-orders``)."""
    name = path.name
    for suffix in (SUFFIX, BOTIUM_SUFFIX, ".jsonl", ".yaml", ".yml", ".txt"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    name = re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-._") or "conversations"
    return name[:80]


# --------------------------------------------------------------------------- JSONL


def read_conversations_jsonl(
    text: str, *, path: str, lines_out: dict[str, int] | None = None
) -> ConversationSetContent:
    """Parse canonical JSONL (one case per line; blank lines allowed); `lines_out` receives
    each case's line number."""
    cases: list[ConversationCase] = []
    lines: dict[str, int] = {}
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.removesuffix("\r")
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as error:
            raise FileFormatError(
                f"not valid JSON: {error.msg}", path=path, line=number, column=error.colno
            ) from None
        if not isinstance(obj, dict):
            raise FileFormatError("each line must be a JSON object", path=path, line=number)
        try:
            case = ConversationCase.model_validate(obj)
        except PydanticValidationError as error:
            label = f"case '{obj.get('id')}': " if isinstance(obj.get("id"), str) else ""
            raise FileFormatError(label + _reason(error), path=path, line=number) from None
        if case.id in lines:
            raise FileFormatError(
                f"case id '{case.id}' already used on line {lines[case.id]}",
                path=path,
                line=number,
            )
        lines[case.id] = number
        cases.append(case)
    if not cases:
        raise FileFormatError("the file holds no conversation", path=path)
    if lines_out is not None:
        lines_out.update(lines)
    return ConversationSetContent(cases=tuple(cases))


def check_customers(
    content: ConversationSetContent,
    known: set[str],
    *,
    path: str,
    lines: dict[str, int] | None = None,
) -> None:
    """Refuse a case naming a customer persona that is not `known` (file, line, reason)."""
    for case in content.cases:
        unknown = [name for name in case.customers if name not in known]
        if unknown:
            listed = ", ".join(sorted(known)) or "none stored"
            raise FileFormatError(
                f"case '{case.id}': unknown customer persona {', '.join(unknown)}"
                f" (known: {listed})",
                path=path,
                line=(lines or {}).get(case.id),
            )


def write_conversations_jsonl(content: ConversationSetContent) -> str:
    """The canonical JSONL text of a set: one case per line, fields in model order."""
    return "".join(
        json.dumps(
            case.model_dump(mode="json", exclude_defaults=True),
            ensure_ascii=False,
            separators=(", ", ": "),
        )
        + "\n"
        for case in content.cases
    )


# --------------------------------------------------------------------------- BotiumScript

_BOTIUM_SECTIONS = {"#me": "user", "#bot": "assistant"}
_BOTIUM_COMMAND = re.compile(r"^[A-Z][A-Z0-9_]{2,}\b")
_UTTERANCE_REF = re.compile(r"^[A-Z][A-Z0-9_]*$")


def read_botium(text: str, *, path: str) -> ConversationFile:
    """Parse a BotiumScript ``.convo.txt``: a title line, then ``#me`` / ``#bot`` sections.

    Mapped: ``#me`` text → user turn, ``#bot`` text → reference answer (lines of a section are
    joined with newlines). Not mapped (listed): ``#begin`` / ``#end`` / ``#include`` sections,
    asserters and logic hooks (``BUTTONS``, ``MEDIA``, ``INTENT``, ``PAUSE``...), utterance
    references (``UTT_GREETING``), a ``#bot`` welcome before the first ``#me``.
    """
    lines = text.split("\n")
    title = ""
    turns: list[tuple[str, list[str], int]] = []
    unmapped: list[str] = []
    current: tuple[str, list[str], int] | None = None
    skipping: str | None = None
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r")
        stripped = line.strip()
        if stripped.startswith("#"):
            head = stripped.split()[0].lower()
            if head in _BOTIUM_SECTIONS:
                current = (_BOTIUM_SECTIONS[head], [], number)
                turns.append(current)
                skipping = None
            else:
                current = None
                skipping = head
                unmapped.append(f"section {head} (line {number})")
            continue
        if current is None:
            if skipping is None and stripped and not title:
                title = stripped
            continue
        if not stripped:
            continue
        if _BOTIUM_COMMAND.match(stripped) and (" " in stripped or stripped.isupper()):
            word = stripped.split()[0]
            if _UTTERANCE_REF.match(stripped) and not current[1]:
                unmapped.append(f"utterance reference {word} (line {number})")
            else:
                unmapped.append(f"{word} (line {number})")
            continue
        current[1].append(stripped)
    script: list[ScriptTurn] = []
    for role, body, number in turns:
        if not body:
            continue  # a section holding only hooks or references
        if not script and role == "assistant":
            unmapped.append(f"#bot welcome message before the first #me (line {number})")
            continue
        if script and script[-1].role == role:
            raise FileFormatError(
                f"two #{'me' if role == 'user' else 'bot'} sections in a row",
                path=path,
                line=number,
            )
        script.append(ScriptTurn(role=role, content="\n".join(body)))
    if not script:
        raise FileFormatError("no #me section with text: nothing to replay", path=path)
    name = family_name_for(Path(path))
    case_id = re.sub(r"[^A-Za-z0-9._-]+", "-", title).strip("-")[:80] or name
    case = ConversationCase(id=case_id, turns=tuple(script), tags=("botium",))
    return ConversationFile(ConversationSetContent(cases=(case,)), name=name, unmapped=unmapped)


# --------------------------------------------------------------------------- promptfoo

_SIMULATED_USER = "promptfoo:simulated-user"
_MESSAGE_VARS = ("message", "question", "input", "query", "prompt")


def _provider_id(provider: Any) -> str | None:
    if isinstance(provider, str):
        return provider
    if isinstance(provider, dict):
        value = provider.get("id")
        return value if isinstance(value, str) else None
    return None


def _provider_config(provider: Any) -> dict[str, Any]:
    if isinstance(provider, dict) and isinstance(provider.get("config"), dict):
        return dict(provider["config"])
    return {}


def read_promptfoo_conversations(text: str, *, path: str) -> ConversationFile:
    """Map a promptfoo config's multi-turn tests to conversation cases.

    - Tests run with the ``promptfoo:simulated-user`` provider (on the test, in ``defaultTest``
      or in ``providers``) become scenario cases: ``vars.instructions`` → goal, ``maxTurns`` →
      max_turns, the other vars → case vars.
    - Tests sharing ``metadata.conversationId`` (promptfoo's ``_conversation`` history) become
      one scripted case per id, their message variable (``message``, ``question``, ``input``...)
      giving the user turns in order.
    Asserts and other keys are listed as not mapped.
    """
    data, root = load_yaml(text, path=path)
    if not isinstance(data, dict) or not isinstance(data.get("tests"), list):
        raise FileFormatError("a promptfoo config with a 'tests' list was expected", path=path)
    default = data.get("defaultTest") if isinstance(data.get("defaultTest"), dict) else {}
    assert isinstance(default, dict)
    default_provider = default.get("provider")
    providers = data.get("providers")
    simulated_everywhere = isinstance(providers, list) and any(
        _provider_id(p) == _SIMULATED_USER for p in providers
    )
    unmapped: list[str] = []
    cases: list[ConversationCase] = []
    scripted: dict[str, list[tuple[int, str, dict[str, Any]]]] = {}
    for index, test in enumerate(data["tests"]):
        line = line_of(root, ["tests", index])
        if not isinstance(test, dict):
            raise FileFormatError("a test must be a mapping", path=path, line=line)
        variables = dict(test.get("vars") or {}) if isinstance(test.get("vars"), dict) else {}
        provider = test.get("provider", default_provider)
        for key in test:
            if key not in ("vars", "provider", "metadata", "description", "options"):
                unmapped.append(f"tests[{index}].{key}")
        if _provider_id(provider) == _SIMULATED_USER or simulated_everywhere:
            goal = variables.pop("instructions", None)
            if not isinstance(goal, str) or not goal.strip():
                raise FileFormatError(
                    "simulated-user test without 'vars.instructions' (the customer's goal)",
                    path=path,
                    line=line,
                )
            config = {**_provider_config(default_provider), **_provider_config(provider)}
            max_turns = config.pop("maxTurns", None)
            for key in config:
                unmapped.append(f"tests[{index}] provider config {key}")
            case_id = _case_id(test, f"simulated-{index + 1}")
            try:
                cases.append(
                    ConversationCase(
                        id=case_id,
                        vars=variables,
                        scenario=Scenario(goal=goal, expected=ExpectedOutcome()),
                        **({"max_turns": int(max_turns)} if max_turns is not None else {}),
                        tags=("promptfoo", "simulated-user"),
                    )
                )
            except (PydanticValidationError, ValueError, TypeError) as error:
                reason = (
                    _reason(error) if isinstance(error, PydanticValidationError) else str(error)
                )
                raise FileFormatError(reason, path=path, line=line) from None
            continue
        metadata = test.get("metadata") if isinstance(test.get("metadata"), dict) else {}
        assert isinstance(metadata, dict)
        conversation = metadata.get("conversationId")
        if conversation is None:
            unmapped.append(f"tests[{index}] (single-turn test, no metadata.conversationId)")
            continue
        var = next((v for v in _MESSAGE_VARS if isinstance(variables.get(v), str)), None)
        if var is None:
            raise FileFormatError(
                f"conversation '{conversation}': no message variable (one of "
                f"{', '.join(_MESSAGE_VARS)})",
                path=path,
                line=line,
            )
        message = variables.pop(var)
        scripted.setdefault(str(conversation), []).append((line or 0, message, variables))
    for conversation, items in scripted.items():
        turns = tuple(ScriptTurn(role="user", content=m) for _, m, _ in items)
        # A replay without references: the user turns follow each other, answered live.
        case = ConversationCase.model_construct(
            id=re.sub(r"[^A-Za-z0-9._-]+", "-", conversation)[:80],
            vars=items[0][2],
            turns=_alternate(turns),
            scenario=None,
            max_turns=max(1, len(turns)),
            tags=("promptfoo",),
        )
        cases.append(ConversationCase.model_validate(case.model_dump()))
    if not cases:
        raise FileFormatError(
            "no multi-turn test found (simulated-user provider or metadata.conversationId)",
            path=path,
        )
    try:
        content = ConversationSetContent(cases=tuple(cases))
    except PydanticValidationError as error:
        raise FileFormatError(_reason(error), path=path) from None
    return ConversationFile(content, name=family_name_for(Path(path)), unmapped=unmapped)


def _alternate(user_turns: tuple[ScriptTurn, ...]) -> tuple[ScriptTurn, ...]:
    """User turns separated by empty references (an empty reference means "no reference")."""
    out: list[ScriptTurn] = []
    for turn in user_turns:
        if out:
            out.append(ScriptTurn(role="assistant", content=""))
        out.append(turn)
    return tuple(out)


def _case_id(test: dict[str, Any], fallback: str) -> str:
    description = test.get("description")
    if isinstance(description, str) and description.strip():
        return re.sub(r"[^A-Za-z0-9._-]+", "-", description.strip()).strip("-")[:80] or fallback
    return fallback


# --------------------------------------------------------------------------- any file


def read_conversation_file(path: Path) -> ConversationFile:
    """Read any supported conversation file, chosen by its name.

    Raises:
        FileFormatError: unreadable, unsupported, or bad content (file, line and reason).
    """
    text = read_text(path)
    shown = str(path)
    if path.name.endswith(BOTIUM_SUFFIX):
        return read_botium(text, path=shown)
    if path.suffix in (".yaml", ".yml"):
        return read_promptfoo_conversations(text, path=shown)
    if path.suffix == ".jsonl":
        lines: dict[str, int] = {}
        content = read_conversations_jsonl(text, path=shown, lines_out=lines)
        return ConversationFile(content, name=family_name_for(path), lines=lines)
    raise FileFormatError(
        f"unsupported conversation file: use {SUFFIX}, {BOTIUM_SUFFIX} or a promptfoo YAML",
        path=shown,
    )
