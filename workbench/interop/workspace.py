"""The workspace as plain files: import folders and files into the store, export them back.

Import reads and checks the whole batch first (every file parsed, every content model built,
names, labels and version numbers checked) and reports every bad file at once; only a clean
batch is written. Unchanged content creates no version, so importing twice is harmless.
Export renders every file in memory first, then writes only the files whose bytes changed.
The file layout and the rules are in docs/workspace-format.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.core.conversations import ConversationSetContent
from workbench.core.errors import FileFormatError, KnownError, NotFoundError
from workbench.core.models import DatasetContent, Kind, validate_name
from workbench.core.versioning import content_hash
from workbench.interop.conversations import SUFFIX as CONVERSATIONS_SUFFIX
from workbench.interop.conversations import (
    check_customers,
    read_conversations_jsonl,
    write_conversations_jsonl,
)
from workbench.interop.datasets import EXTENSIONS, dataset_text, read_dataset_text
from workbench.interop.family_files import (
    FAMILY_KINDS,
    FamilyFile,
    parse_family_file,
    render_family_file,
)
from workbench.interop.text import read_text, write_text
from workbench.interop.yaml_io import load_yaml, locate

if TYPE_CHECKING:
    from workbench.store import Store

ALL_KINDS = (
    Kind.PROMPT,
    Kind.PERSONA,
    Kind.DATASET,
    Kind.MODEL,
    Kind.RUBRIC,
    Kind.CUSTOMER,
    Kind.CONVERSATIONS,
)
# Where each kind lives under a workspace folder.
FOLDERS = {
    Kind.PROMPT: Path("prompts"),
    Kind.PERSONA: Path("prompts/personas"),
    Kind.DATASET: Path("datasets"),
    Kind.MODEL: Path("models"),
    Kind.RUBRIC: Path("rubrics"),
    Kind.CUSTOMER: Path("prompts/customers"),
    Kind.CONVERSATIONS: Path("datasets"),
}
_FOLDER_KINDS = {
    "prompts": Kind.PROMPT,
    "personas": Kind.PERSONA,
    "datasets": Kind.DATASET,
    "models": Kind.MODEL,
    "rubrics": Kind.RUBRIC,
    "customers": Kind.CUSTOMER,
}
_YAML = (".yaml", ".yml")


class BatchImportError(KnownError):
    """Some files of an import batch are bad; nothing was written.

    Attributes:
        errors: one `FileFormatError` per bad file, each naming file and line.
    """

    def __init__(self, errors: Sequence[FileFormatError]) -> None:
        self.errors = list(errors)
        count = len(self.errors)
        lines = "\n".join(f"  {error}" for error in self.errors)
        super().__init__(
            f"{count} file{'s' if count != 1 else ''} could not be imported, so nothing was"
            f" imported:\n{lines}"
        )


@dataclass(frozen=True)
class FamilyImport:
    """What importing one file did to its family.

    `labels_kept` are labels the file points at a version it edited in place: they stay on the
    stored version until someone moves them on purpose.
    """

    kind: Kind
    name: str
    path: Path
    created: int
    unchanged: int
    labels_moved: list[str] = field(default_factory=list)
    labels_kept: list[str] = field(default_factory=list)
    head_moved: bool = False


@dataclass(frozen=True)
class ImportReport:
    """What an import did, family by family, in the order the files were read."""

    items: list[FamilyImport]

    @property
    def created(self) -> int:
        """New versions in total."""
        return sum(item.created for item in self.items)

    def summary(self) -> str:
        """One line for people: families, new and unchanged versions, labels moved."""
        unchanged = sum(item.unchanged for item in self.items)
        moved = sum(len(item.labels_moved) for item in self.items)
        families = len(self.items)
        return (
            f"{families} famil{'ies' if families != 1 else 'y'}: {self.created} new"
            f" version{'s' if self.created != 1 else ''}, {unchanged} unchanged,"
            f" {moved} label{'s' if moved != 1 else ''} moved"
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict for ``--json`` output."""
        return {
            "summary": self.summary(),
            "items": [
                {
                    "kind": item.kind.value,
                    "name": item.name,
                    "path": str(item.path),
                    "created": item.created,
                    "unchanged": item.unchanged,
                    "labels_moved": item.labels_moved,
                    "labels_kept": item.labels_kept,
                    "head_moved": item.head_moved,
                }
                for item in self.items
            ],
        }


@dataclass(frozen=True)
class ExportReport:
    """Files an export wrote (`files`) and files it left alone because they were up to date."""

    files: list[Path]
    unchanged: list[Path]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict for ``--json`` output."""
        return {
            "files": [str(p) for p in self.files],
            "unchanged": [str(p) for p in self.unchanged],
        }


@dataclass(frozen=True)
class _DatasetFile:
    path: Path
    name: str
    content: DatasetContent


@dataclass(frozen=True)
class _ConversationsFile:
    path: Path
    name: str
    content: ConversationSetContent
    lines: dict[str, int] = field(default_factory=dict)


_Plan = FamilyFile | _DatasetFile | _ConversationsFile


def import_paths(store: Store, paths: Sequence[Path], *, author: str) -> ImportReport:
    """Import folders (``prompts``, ``datasets``, ``models``, ``rubrics``, or a workspace
    folder holding them) and single files into `store`.

    Raises:
        BatchImportError: some files are bad; every one is listed and nothing was written.
    """
    plans: list[_Plan] = []
    errors: list[FileFormatError] = []
    for source in _sources(paths):
        try:
            if isinstance(source, FileFormatError):
                raise source
            plans.append(_plan(*source))
        except FileFormatError as error:
            errors.append(error)
    seen: dict[tuple[Kind, str], Path] = {}
    for plan in plans:
        key = (_kind(plan), plan.name)
        if key in seen:
            errors.append(
                FileFormatError(
                    f"{key[0].value} '{plan.name}' is also given by {seen[key]}",
                    path=str(plan.path),
                )
            )
        seen.setdefault(key, plan.path)
    for plan in plans:
        problem = unencodable(plan)
        if problem is not None:
            errors.append(problem)
    customers = {f.name for f in store.list_families(Kind.CUSTOMER)} | {
        plan.name for plan in plans if isinstance(plan, FamilyFile) and plan.kind is Kind.CUSTOMER
    }
    for plan in plans:
        if isinstance(plan, _ConversationsFile):
            try:
                check_customers(plan.content, customers, path=str(plan.path), lines=plan.lines)
            except FileFormatError as error:
                errors.append(error)
    if errors:
        raise BatchImportError(errors)
    items = []
    with store.batch():  # one transaction: the batch is imported whole or not at all
        for plan in plans:
            if isinstance(plan, FamilyFile):
                items.append(_import_family(store, plan, author=author))
            elif isinstance(plan, _ConversationsFile):
                items.append(_import_conversations(store, plan, author=author))
            else:
                items.append(_import_dataset(store, plan, author=author))
    return ImportReport(items=items)


def unencodable(plan: _Plan) -> FileFormatError | None:
    """A plan whose content cannot be stored as UTF-8 (a lone surrogate such as ``\\ud800``)."""
    if isinstance(plan, FamilyFile):
        contents = [(f"version {entry.number}", entry.content) for entry in plan.entries]
    else:
        contents = [("the dataset", plan.content)]
    for where, content in contents:
        try:
            content_hash(_kind(plan), content)
        except UnicodeEncodeError as error:
            if isinstance(plan, _DatasetFile):
                where = _unencodable_row(plan.content)
            return FileFormatError(
                f"{where} holds a lone surrogate ({error.object[error.start : error.end]!r}),"
                " which is not valid Unicode text: \\uD800-\\uDFFF escapes must come in pairs",
                path=str(plan.path),
            )
    return None


def _unencodable_row(content: DatasetContent) -> str:
    for row in content.rows:
        try:
            json.dumps(row.model_dump(mode="json"), ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            return f"row '{row.id}'"
    return "the dataset's description"


def export_workspace(
    store: Store, out_dir: Path, *, kinds: Iterable[Kind] = ALL_KINDS
) -> ExportReport:
    """Write every family of `kinds` under `out_dir` as canonical files.

    A dataset keeps the format of a file of its name already in ``datasets/`` (``.csv``,
    ``.yaml``, ...); otherwise it is written as JSONL, or YAML when it has a description.
    Files of families not in the store are left alone.
    """
    rendered: list[tuple[Path, str]] = []
    for kind in kinds:
        for info in store.list_families(Kind(kind)):
            if info.head_id is None:
                continue
            if info.kind is Kind.DATASET:
                version = store.get_version(info.head_id, family=info.name)
                content = version.content_as(DatasetContent)
                rendered.append(_render_dataset(out_dir, info.name, content))
            elif info.kind is Kind.CONVERSATIONS:
                version = store.get_version(info.head_id, family=info.name)
                conversations = version.content_as(ConversationSetContent)
                path = out_dir / FOLDERS[Kind.CONVERSATIONS] / f"{info.name}{CONVERSATIONS_SUFFIX}"
                rendered.append((path, write_conversations_jsonl(conversations)))
            else:
                text = render_family_file(
                    kind=info.kind,
                    name=info.name,
                    description=info.description,
                    versions=store.history(info.kind, info.name),
                    head_id=info.head_id,
                    labels=info.labels,
                )
                rendered.append((out_dir / FOLDERS[info.kind] / f"{info.name}.yaml", text))
    written, unchanged = [], []
    for path, text in rendered:
        if path.is_file() and path.read_bytes() == text.encode("utf-8"):
            unchanged.append(path)
            continue
        write_text(path, text)
        written.append(path)
    return ExportReport(files=written, unchanged=unchanged)


def _render_dataset(out_dir: Path, name: str, content: DatasetContent) -> tuple[Path, str]:
    folder = out_dir / FOLDERS[Kind.DATASET]
    existing = [
        folder / f"{name}{ext}" for ext in EXTENSIONS if (folder / f"{name}{ext}").is_file()
    ]
    if existing:
        path = existing[0]
    else:
        path = folder / f"{name}.{'yaml' if content.description else 'jsonl'}"
    return path, dataset_text(content, EXTENSIONS[path.suffix], filename=str(path))


def _sources(paths: Sequence[Path]) -> list[tuple[Path, Kind | None] | FileFormatError]:
    """The files to read, in argument order, each with the kind its folder implies (None when
    it implies none); a path that cannot be used is an error in its place."""
    found: list[tuple[Path, Kind | None] | FileFormatError] = []
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            found.append((path, _FOLDER_KINDS.get(path.parent.name)))
        elif path.is_dir():
            kind = _FOLDER_KINDS.get(path.name)
            if kind is not None:
                found.extend(_folder_files(path, kind))
                continue
            folders = [path / name for name in _FOLDER_KINDS if (path / name).is_dir()]
            if not folders:
                found.append(
                    FileFormatError(
                        "not a workspace folder: expected prompts/, datasets/, models/ or"
                        " rubrics/ (or one of them)",
                        path=str(path),
                    )
                )
            for folder in folders:
                # personas and customers are read with their prompts folder
                if folder.name not in ("personas", "customers"):
                    found.extend(_folder_files(folder, _FOLDER_KINDS[folder.name]))
        else:
            found.append(FileFormatError("no such file or folder", path=str(path)))
    return found


def _folder_files(folder: Path, kind: Kind) -> list[tuple[Path, Kind | None] | FileFormatError]:
    suffixes = tuple(EXTENSIONS) if kind is Kind.DATASET else _YAML
    files = sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in suffixes
    )
    found: list[tuple[Path, Kind | None] | FileFormatError] = [(p, kind) for p in files]
    if kind is Kind.PROMPT and (folder / "personas").is_dir():
        found.extend(_folder_files(folder / "personas", Kind.PERSONA))
    if kind is Kind.PROMPT and (folder / "customers").is_dir():
        found.extend(_folder_files(folder / "customers", Kind.CUSTOMER))
    return found


def _plan(path: Path, folder_kind: Kind | None) -> _Plan:
    """Read and check one file completely, without touching the store."""
    text = read_text(path)
    suffix = path.suffix.lower()
    if path.name.lower().endswith(CONVERSATIONS_SUFFIX):
        return _conversations_plan(path, text)
    if suffix not in _YAML:
        if suffix not in EXTENSIONS:
            raise FileFormatError(
                "not a workspace file: use .yaml, or a dataset file", path=str(path)
            )
        if folder_kind not in (None, Kind.DATASET):
            raise FileFormatError(
                f"a {folder_kind.value} file must be YAML (.yaml)", path=str(path)
            )
        return _dataset_plan(path, text)
    data, root = load_yaml(text, path=path)
    kind = _declared_kind(data, root, path=path, folder_kind=folder_kind)
    if kind is Kind.DATASET:
        return _dataset_plan(path, text)
    return parse_family_file(data, root, path=path, kind=kind)


def _declared_kind(data: Any, root: Any, *, path: Path, folder_kind: Kind | None) -> Kind:
    declared = data.get("kind") if isinstance(data, dict) else None
    if declared is None:
        if folder_kind is not None:
            return folder_kind
        if isinstance(data, list) or (isinstance(data, dict) and "tests" in data):
            return Kind.DATASET
        raise FileFormatError(
            "cannot tell what this file holds: add 'kind: prompt' (or persona, model, rubric)",
            path=str(path),
        )
    place = locate(root, ("kind",))
    line, column = place if place else (None, None)
    if declared == Kind.DATASET.value:
        raise FileFormatError(
            "a dataset YAML file has no 'kind' key: it holds 'tests' (and 'description')",
            path=str(path),
            line=line,
            column=column,
        )
    if declared not in {k.value for k in FAMILY_KINDS}:
        raise FileFormatError(
            f"unknown kind {declared!r}: use {', '.join(k.value for k in FAMILY_KINDS)}",
            path=str(path),
            line=line,
            column=column,
        )
    kind = Kind(declared)
    if folder_kind is not None and kind is not folder_kind:
        raise FileFormatError(
            f"the file says kind '{kind.value}' but sits in the {folder_kind.value} folder"
            f" '{path.parent.name}/': move it or fix its kind",
            path=str(path),
            line=line,
            column=column,
        )
    return kind


def _dataset_plan(path: Path, text: str) -> _DatasetFile:
    try:
        name = validate_name(path.stem)
    except KnownError as error:
        raise FileFormatError(
            f"the file name is not a valid dataset name: {error}", path=str(path)
        ) from None
    return _DatasetFile(path=path, name=name, content=read_dataset_text(text, filename=str(path)))


def _kind(plan: _Plan) -> Kind:
    if isinstance(plan, _ConversationsFile):
        return Kind.CONVERSATIONS
    return plan.kind if isinstance(plan, FamilyFile) else Kind.DATASET


def _conversations_plan(path: Path, text: str) -> _ConversationsFile:
    stem = path.name[: -len(CONVERSATIONS_SUFFIX)]
    try:
        name = validate_name(stem)
    except KnownError as error:
        raise FileFormatError(
            f"the file name is not a valid conversation set name: {error}", path=str(path)
        ) from None
    lines: dict[str, int] = {}
    content = read_conversations_jsonl(text, path=str(path), lines_out=lines)
    return _ConversationsFile(path=path, name=name, content=content, lines=lines)


def _import_conversations(store: Store, plan: _ConversationsFile, *, author: str) -> FamilyImport:
    try:
        head_before = store.get_family(Kind.CONVERSATIONS, plan.name).head_id
    except NotFoundError:
        head_before = None
    result = store.save_version(
        Kind.CONVERSATIONS,
        plan.name,
        plan.content,
        author=author,
        note=f"Imported from {plan.path.name}",
    )
    return FamilyImport(
        kind=Kind.CONVERSATIONS,
        name=plan.name,
        path=plan.path,
        created=int(result.created),
        unchanged=int(not result.created),
        head_moved=result.version.id != head_before,
    )


def _import_dataset(store: Store, plan: _DatasetFile, *, author: str) -> FamilyImport:
    try:
        head_before = store.get_family(Kind.DATASET, plan.name).head_id
    except NotFoundError:
        head_before = None
    result = store.save_version(
        Kind.DATASET, plan.name, plan.content, author=author, note=f"Imported from {plan.path.name}"
    )
    return FamilyImport(
        kind=Kind.DATASET,
        name=plan.name,
        path=plan.path,
        created=int(result.created),
        unchanged=int(not result.created),
        head_moved=result.version.id != head_before,
    )


def _import_family(store: Store, plan: FamilyFile, *, author: str) -> FamilyImport:
    """Save the file's new versions oldest first, then point the head and labels as it says.

    A version whose content is already stored is left as it is (its note and author stay those
    first saved). A new version's parent is, in order: the ``parent`` the file names; the stored
    version with the same number, when the file numbers it (an exported version edited in
    place); the version numbered just below in the file; the family's head before the import.
    A label whose version was edited in place stays where it is: the edit is not reviewed yet.
    """
    kind, name = plan.kind, plan.name
    try:
        head_before: str | None = store.get_family(kind, name).head_id
        stored_numbers = {v.number: v.id for v in store.history(kind, name)}
    except NotFoundError:
        head_before, stored_numbers = None, {}
    stored = set(stored_numbers.values())
    ids: dict[int, str] = {}
    edited: set[int] = set()
    new_numbers: set[int] = set()
    head = head_before
    created = unchanged = 0
    previous: int | None = None
    for entry in plan.entries:
        version_id = content_hash(kind, entry.content)
        if version_id in stored:
            ids[entry.number] = version_id
            unchanged += 1
            previous = entry.number
            continue
        parent: str | None
        if entry.parent is not None:
            parent = ids[entry.parent]
        elif entry.numbered and entry.number in stored_numbers:
            parent = stored_numbers[entry.number]
            edited.add(entry.number)
        elif previous is not None and (entry.numbered or previous in new_numbers):
            parent = ids[previous]
        else:
            # An unnumbered version after stored ones is an edit of the file's head.
            parent = head_before
        result = store.save_version(
            kind,
            name,
            entry.content,
            author=entry.author or author,
            note=entry.note,
            parent_id=parent,
            created_at=entry.created,
        )
        ids[entry.number] = head = result.version.id
        stored.add(result.version.id)
        new_numbers.add(entry.number)
        created += int(result.created)
        unchanged += int(not result.created)
        previous = entry.number
    head_id = ids[plan.head_number]
    if head != head_id:
        # The file's head is not the last version saved (or nothing was saved and the store's
        # head differs): saving its content again moves the head there without a new version.
        store.save_version(kind, name, plan.head.content, author=author)
    description = plan.description
    if kind is Kind.RUBRIC:
        description = getattr(plan.head.content, "description", "") or None
    info = store.get_family(kind, name)
    if description is not None and description != info.description:
        store.set_family_description(kind, name, description)
    by_number = {v.number: v.id for v in store.history(kind, name)}
    moved, kept = [], []
    for label, number in plan.labels.items():
        if number in edited:
            kept.append(label)
            continue
        current = info.labels.get(label)
        if current is None or by_number.get(current) != ids[number]:
            store.set_label(kind, name, label, ids[number], actor=author)
            moved.append(label)
    return FamilyImport(
        kind=kind,
        name=name,
        path=plan.path,
        created=created,
        unchanged=unchanged,
        labels_moved=moved,
        labels_kept=kept,
        head_moved=head_id != head_before,
    )
