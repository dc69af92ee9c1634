"""Family files: one prompt, persona, model config or rubric family per YAML file.

The top level is the head version; earlier versions are listed under ``history``, oldest first.
Each version holds its content keys plus ``version`` (the file's own numbering), ``note``,
``author``, ``created`` and, for a fork only, ``parent`` (the number of the version it came from;
by default the version numbered just below). See docs/workspace-format.md.

Parsing is pure and checks everything a store write could trip on (content, names, labels,
version numbers), so a batch of files is validated in full before anything is written.
Rendering gives one canonical text per family, so export → import → export is byte-identical.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydantic
import yaml

from workbench.core.errors import FileFormatError, KnownError
from workbench.core.models import (
    CONTENT_TYPES,
    Content,
    Kind,
    PersonaContent,
    PromptContent,
    RubricContent,
    Version,
    validate_name,
)
from workbench.interop.dataset_rows import describe_validation_error
from workbench.interop.yaml_io import dump_yaml, locate

FAMILY_KINDS = (Kind.PROMPT, Kind.PERSONA, Kind.MODEL, Kind.RUBRIC, Kind.CUSTOMER)
META_KEYS = ("version", "parent", "note", "author", "created")

Keys = tuple[str | int, ...]
Fail = Callable[[str, Keys], FileFormatError]


@dataclass(frozen=True)
class FamilyEntry:
    """One version as written in a family file.

    `numbered` tells whether the file gave the ``version`` key (export always does); only then
    can the number be matched with a stored version of the same number.
    """

    number: int
    numbered: bool
    parent: int | None
    note: str
    author: str
    created: dt.datetime | None
    content: Content


@dataclass(frozen=True)
class FamilyFile:
    """A parsed family file: every version checked, sorted by the file's version numbers.

    `description` is None when the file does not set one (the store's is then left alone).
    `labels` maps a label to the file's version number.
    """

    path: Path
    kind: Kind
    name: str
    description: str | None
    labels: dict[str, int]
    entries: tuple[FamilyEntry, ...]
    head_number: int

    @property
    def head(self) -> FamilyEntry:
        """The version at the top level of the file."""
        return next(e for e in self.entries if e.number == self.head_number)


def head_only_keys(kind: Kind) -> tuple[str, ...]:
    """Keys allowed at the top level only. A rubric's ``description`` is part of its content."""
    keys = ("kind", "name", "labels", "history")
    return keys if kind is Kind.RUBRIC else (*keys, "description")


def parse_family_file(data: Any, root: yaml.Node | None, *, path: Path, kind: Kind) -> FamilyFile:
    """Check a loaded family file (`root` gives line numbers) and build its entries.

    Raises:
        FileFormatError: naming the file, the line of the offending key and the field path.
    """

    def fail(message: str, keys: Keys) -> FileFormatError:
        place = locate(root, keys)
        line, column = place if place else (None, None)
        return FileFormatError(message, path=str(path), line=line, column=column)

    if not isinstance(data, dict):
        raise fail(f"a {kind.value} file must be a mapping of keys (kind, name, ...)", ())
    name = _family_name(data, path=path, fail=fail)
    description = data.get("description") if kind is not Kind.RUBRIC else None
    if description is not None and not isinstance(description, str):
        raise fail("'description' must be text", ("description",))

    history = data.get("history") or []
    if not isinstance(history, list):
        raise fail("'history' must be a list of earlier versions, oldest first", ("history",))
    entries = []
    for index, item in enumerate(history):
        keys: Keys = ("history", index)
        if not isinstance(item, dict):
            raise fail("each history entry must be a mapping (version, note, content keys)", keys)
        for key in item:
            if key in head_only_keys(kind):
                raise fail(f"'{key}' belongs at the top of the file, not in history", (*keys, key))
        entries.append(_entry(item, kind=kind, name=name, keys=keys, position=index + 1, fail=fail))
    head_data = {k: v for k, v in data.items() if k not in head_only_keys(kind)}
    head = _entry(head_data, kind=kind, name=name, keys=(), position=len(history) + 1, fail=fail)
    entries.append(head)

    numbers: dict[int, FamilyEntry] = {}
    for index, entry in enumerate(entries):
        keys = ("history", index, "version") if entry is not head else ("version",)
        if entry.number in numbers:
            raise fail(f"version {entry.number} appears twice", keys)
        numbers[entry.number] = entry
    for index, entry in enumerate(entries):
        keys = ("history", index, "parent") if entry is not head else ("parent",)
        if entry.parent is not None and entry.parent not in numbers:
            raise fail(f"parent {entry.parent} is not a version in this file", keys)
        if entry.parent is not None and entry.parent >= entry.number:
            raise fail(
                f"parent {entry.parent} must be an earlier version than {entry.number}", keys
            )
    labels = _labels(data.get("labels"), numbers=numbers, fail=fail)
    return FamilyFile(
        path=path,
        kind=kind,
        name=name,
        description=description,
        labels=labels,
        entries=tuple(sorted(entries, key=lambda e: e.number)),
        head_number=head.number,
    )


def _family_name(data: Mapping[str, Any], *, path: Path, fail: Fail) -> str:
    stem = path.stem
    name = data.get("name", stem)
    if name != stem:
        raise fail(
            f"the family name '{name}' differs from the file name '{stem}': rename one of them",
            ("name",),
        )
    try:
        return validate_name(stem)
    except KnownError as error:
        raise fail(f"the file name is not a valid family name: {error}", ("name",)) from None


def _entry(
    data: Mapping[str, Any], *, kind: Kind, name: str, keys: Keys, position: int, fail: Fail
) -> FamilyEntry:
    number = _version_number(data.get("version", position), (*keys, "version"), fail)
    parent = data.get("parent")
    content_data = {k: v for k, v in data.items() if k not in META_KEYS}
    try:
        content = CONTENT_TYPES[kind].model_validate(content_data)
    except pydantic.ValidationError as error:
        first = error.errors()[0]["loc"] if error.errors() else ()
        raise fail(
            f"{kind.value} version {number}: {describe_validation_error(error)}",
            (*keys, *first),
        ) from None
    _check_secrets(kind, name, content, number=number, keys=keys, fail=fail)
    _check_kind_rules(kind, name, content, number=number, keys=keys, fail=fail)
    return FamilyEntry(
        number=number,
        numbered="version" in data,
        parent=None if parent is None else _version_number(parent, (*keys, "parent"), fail),
        note=_text(data, "note", keys, fail),
        author=_text(data, "author", keys, fail),
        created=_created(data.get("created"), (*keys, "created"), fail),
        content=content,
    )


def _check_secrets(
    kind: Kind, name: str, content: Content, *, number: int, keys: Keys, fail: Fail
) -> None:
    """Refuse a model config carrying what looks like an API key before anything is stored."""
    if kind is not Kind.MODEL:
        return
    from workbench.store.secret_guard import check_model_config

    try:
        check_model_config(name, content)  # type: ignore[arg-type]
    except KnownError as error:
        raise fail(f"model version {number}: {error}", keys) from None


def _check_kind_rules(
    kind: Kind, name: str, content: Content, *, number: int, keys: Keys, fail: Fail
) -> None:
    """Refuse at import what would only fail later: templates that do not parse (they would
    fail every render) and rubric criteria of a kind no scorer knows (they would fail every
    score)."""
    from workbench.core.compose import prompt_templates
    from workbench.core.templates import template_variables
    from workbench.scoring.registry import JUDGE_KIND, CriterionRegistry

    templates: list[tuple[str, str, tuple[str | int, ...]]] = []
    if isinstance(content, PromptContent):
        for index, (template, _role, source) in enumerate(
            prompt_templates(content, f"{name}@v{number}")
        ):
            field = template.rsplit(":", 1)[-1]
            where: tuple[str | int, ...] = (
                ("messages", index, "content") if content.messages is not None else (field,)
            )
            templates.append((template, source, where))
    elif isinstance(content, PersonaContent) and content.template is not None:
        templates.append((f"{name}@v{number}:template", content.template, ("template",)))
    for template, source, where in templates:
        try:
            template_variables(source, name=template)
        except KnownError as error:
            raise fail(f"{kind.value} version {number}: {error}", (*keys, *where)) from None
    if isinstance(content, RubricContent):
        # Only the kind is checked here; a criterion's settings are checked when it scores
        # (`workbench.scoring.rubric.validate_rubric`), with the scoring context at hand.
        known = [*CriterionRegistry.default().names(), JUDGE_KIND]
        for index, spec in enumerate(content.criteria):
            if spec.kind not in known:
                raise fail(
                    f"version {number}: criterion #{index + 1} '{spec.kind}': unknown kind"
                    f" '{spec.kind}'; known kinds: {', '.join(sorted(known))}",
                    (*keys, "criteria", index, "kind"),
                )


def _version_number(value: Any, keys: Keys, fail: Fail) -> int:
    if isinstance(value, str) and value[:1] in "vV" and value[1:].isdigit():
        value = int(value[1:])
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise fail(f"a version number must be a whole number from 1, not {value!r}", keys)
    return value


def _text(data: Mapping[str, Any], key: str, keys: Keys, fail: Fail) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise fail(f"'{key}' must be text", (*keys, key))
    return value


def _created(value: Any, keys: Keys, fail: Fail) -> dt.datetime | None:
    """A time from an ISO text or a YAML timestamp; without a zone it is taken as UTC."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise fail(f"'created' must be an ISO date and time, not {value!r}", keys) from None
    else:
        raise fail(f"'created' must be an ISO date and time, not {value!r}", keys)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _labels(value: Any, *, numbers: Mapping[int, FamilyEntry], fail: Fail) -> dict[str, int]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise fail("'labels' must map each label to a version number", ("labels",))
    from workbench.store.labels import validate_label

    labels = {}
    for label, target in value.items():
        keys: Keys = ("labels", str(label))
        try:
            validate_label(str(label))
        except KnownError as error:
            raise fail(str(error), keys) from None
        number = _version_number(target, keys, fail)
        if number not in numbers:
            raise fail(
                f"label '{label}' points to version {number}, which is not in the file", keys
            )
        labels[str(label)] = number
    return labels


def render_family_file(
    *,
    kind: Kind,
    name: str,
    description: str,
    versions: Sequence[Version],
    head_id: str,
    labels: Mapping[str, int],
) -> str:
    """The canonical text of a family file.

    `versions` are all the family's versions; `labels` maps labels to version numbers.
    """
    ordered = sorted(versions, key=lambda v: v.number)
    head = next(v for v in ordered if v.id == head_id)
    document: dict[str, Any] = {"kind": kind.value, "name": name}
    if description and kind is not Kind.RUBRIC:
        document["description"] = description
    if labels:
        document["labels"] = {label: labels[label] for label in sorted(labels)}
    previous = {v.id: p for p, v in zip([None, *ordered], ordered, strict=False)}
    numbers = {v.id: v.number for v in ordered}
    document.update(_version_mapping(head, previous[head.id], numbers))
    history = [_version_mapping(v, previous[v.id], numbers) for v in ordered if v is not head]
    if history:
        document["history"] = history
    return dump_yaml(document)


def _version_mapping(
    version: Version, previous: Version | None, numbers: Mapping[str, int]
) -> dict[str, Any]:
    entry: dict[str, Any] = {"version": version.number}
    default_parent = previous.id if previous else None
    # Only a fork needs `parent`: by default a version comes from the one numbered below it.
    if version.parent_id and version.parent_id != default_parent and version.parent_id in numbers:
        entry["parent"] = numbers[version.parent_id]
    if version.note:
        entry["note"] = version.note
    if version.author:
        entry["author"] = version.author
    created = version.created_at
    entry["created"] = (created if created.tzinfo else created.replace(tzinfo=dt.UTC)).isoformat()
    entry.update(version.content.model_dump(mode="json", exclude_defaults=True))
    return entry
