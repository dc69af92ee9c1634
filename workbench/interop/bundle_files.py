"""The ``files`` export of an approved bundle, and its re-import.

Layout::

    manifest.yaml          bundle, approval, version ids, evidence, merged parameters
    prompt/prompt.yaml     the prompt's variables and params, and which file holds each template
    prompt/*.j2            the templates, as plain files (system.j2, user.j2 or messages-NN-ROLE.j2)
    persona/persona.yaml   the persona version (when the bundle has one)
    persona/section.md     the persona rendered as the system-prompt section (for reading)
    model.yaml             the model config version (a key variable name, never a key)
    rubric.yaml            the rubric version
    dataset.jsonl          the evidence dataset version (dataset.yaml when it has a description)

Import rebuilds every version from these files and checks each content hash against the
manifest: the same files give the same version ids, and an edited file is refused, naming the
version whose hash changed (an approved bundle cannot change).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydantic

from workbench.core.errors import FileFormatError, KnownError
from workbench.core.models import CONTENT_TYPES, Content, Kind, PromptContent
from workbench.core.versioning import content_hash
from workbench.interop.bundle_model import ApprovedBundle, RenderedExport
from workbench.interop.dataset_rows import describe_validation_error
from workbench.interop.datasets import dataset_text, read_dataset_text
from workbench.interop.text import read_text
from workbench.interop.yaml_io import dump_yaml, load_yaml
from workbench.store import Store

MANIFEST = "manifest.yaml"
FORMAT = "prompt-workbench-bundle"
FORMAT_VERSION = 1
_FILES = {
    Kind.PERSONA: "persona/persona.yaml",
    Kind.MODEL: "model.yaml",
    Kind.RUBRIC: "rubric.yaml",
}


def _content_yaml(content: Content) -> str:
    return dump_yaml(content.model_dump(mode="json", exclude_defaults=True))


def _prompt_files(prompt: PromptContent) -> tuple[dict[str, Any], dict[str, str]]:
    """prompt.yaml's document and the template files, relative to ``prompt/``."""
    document: dict[str, Any] = {}
    files: dict[str, str] = {}
    if prompt.messages is not None:
        entries = []
        for number, message in enumerate(prompt.messages, start=1):
            name = f"messages-{number:02d}-{message.role}.j2"
            files[name] = message.content
            entries.append({"role": message.role, "file": name})
        document["messages"] = entries
    for key in ("system", "user"):
        text = getattr(prompt, key)
        if text is not None:
            files[f"{key}.j2"] = text
            document[key] = f"{key}.j2"
    if prompt.variables:
        document["variables"] = dict(prompt.variables)
    if prompt.params:
        document["params"] = dict(prompt.params)
    return document, files


def _pointer(version_id: str, family: str, number: int, path: str) -> dict[str, Any]:
    return {"family": family, "number": number, "id": version_id, "path": path}


def render_files(bundle: ApprovedBundle) -> RenderedExport:
    """The files of the export (see the module docstring)."""
    export = RenderedExport()
    approval = bundle.approval
    prompt_doc, templates = _prompt_files(bundle.prompt_content)
    export.files["prompt/prompt.yaml"] = dump_yaml(prompt_doc)
    for name, text in templates.items():
        export.files[f"prompt/{name}"] = text
    versions: dict[str, Any] = {
        "prompt": _pointer(bundle.prompt.id, bundle.prompt.family, bundle.prompt.number, "prompt/")
    }
    if bundle.persona is not None and bundle.persona_content is not None:
        export.files[_FILES[Kind.PERSONA]] = _content_yaml(bundle.persona_content)
        export.files["persona/section.md"] = bundle.persona_section or ""
        versions["persona"] = _pointer(
            bundle.persona.id, bundle.persona.family, bundle.persona.number, _FILES[Kind.PERSONA]
        )
    for key, version in (("model", bundle.model), ("rubric", bundle.rubric)):
        path = _FILES[Kind(key)]
        export.files[path] = _content_yaml(version.content)
        versions[key] = _pointer(version.id, version.family, version.number, path)
    dataset = bundle.dataset_content
    if bundle.dataset is not None and dataset is not None:
        fmt = "yaml" if dataset.description else "jsonl"
        path = f"dataset.{fmt}"
        export.files[path] = dataset_text(dataset, fmt, filename=path)
        versions["dataset"] = _pointer(
            bundle.dataset.id, bundle.dataset.family, bundle.dataset.number, path
        )
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "bundle": approval.bundle,
        "approval": approval.number,
        "approved_at": approval.approved_at.isoformat(),
        "reviewer": approval.reviewer,
    }
    if approval.note:
        manifest["note"] = approval.note
    if approval.override_reason:
        manifest["override_reason"] = approval.override_reason
    if approval.labels:
        manifest["labels"] = list(approval.labels)
    manifest["versions"] = versions
    manifest["params"] = bundle.params
    manifest["evidence"] = approval.evidence.model_dump(mode="json")
    export.files[MANIFEST] = dump_yaml(manifest)
    return export


@dataclass
class BundleImport:
    """What `import_bundle_files` did: (kind, family, number, created) per version."""

    bundle: str
    approval: int
    saved: list[tuple[Kind, str, int, bool]] = field(default_factory=list)


@dataclass(frozen=True)
class _Planned:
    kind: Kind
    family: str
    version_id: str
    content: Content


def read_bundle_files(folder: Path) -> tuple[dict[str, Any], list[_Planned]]:
    """Read and check a bundle folder without writing anything.

    Raises:
        FileFormatError: a missing or malformed file, or a version whose hash differs from the
            manifest (naming the files involved).
    """
    manifest_path = folder / MANIFEST
    manifest, _ = load_yaml(read_text(manifest_path), path=manifest_path)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise FileFormatError(
            f"not a bundle manifest (no 'format: {FORMAT}')", path=str(manifest_path)
        )
    if manifest.get("format_version") != FORMAT_VERSION:
        raise FileFormatError(
            f"bundle format version {manifest.get('format_version')!r} is not supported"
            f" (this program reads {FORMAT_VERSION})",
            path=str(manifest_path),
        )
    versions = manifest.get("versions")
    if not isinstance(versions, dict) or not {"prompt", "model", "rubric"} <= set(versions):
        raise FileFormatError(
            "'versions' must name the prompt, model and rubric", path=str(manifest_path)
        )
    planned: list[_Planned] = []
    for key, pointer in versions.items():
        try:
            kind = Kind(key)
            family, version_id = str(pointer["family"]), str(pointer["id"])
        except (ValueError, KeyError, TypeError):
            raise FileFormatError(
                f"versions.{key}: expected a kind with 'family', 'id' and 'path'",
                path=str(manifest_path),
            ) from None
        content, files = _read_content(folder, kind, str(pointer.get("path", "")))
        found = content_hash(kind, content)
        if found != version_id:
            raise FileFormatError(
                f"the {kind.value} in {', '.join(files)} no longer matches the approved version"
                f" {version_id[:12]} (its content hashes to {found[:12]}): an approved bundle"
                " cannot be edited — import the files as new versions and approve again",
                path=str(folder / files[0]),
            )
        planned.append(_Planned(kind, family, version_id, content))
    return manifest, planned


def _read_content(folder: Path, kind: Kind, relative: str) -> tuple[Content, list[str]]:
    if kind is Kind.PROMPT:
        return _read_prompt(folder / relative.rstrip("/"))
    path = folder / relative
    text = read_text(path)
    if kind is Kind.DATASET:
        return read_dataset_text(text, filename=str(path)), [relative]
    data, _ = load_yaml(text, path=path)
    return _validate(kind, data, path), [relative]


def _validate(kind: Kind, data: Any, path: Path) -> Content:
    try:
        return CONTENT_TYPES[kind].model_validate(data)
    except pydantic.ValidationError as error:
        raise FileFormatError(describe_validation_error(error), path=str(path)) from None


def _read_prompt(folder: Path) -> tuple[Content, list[str]]:
    path = folder / "prompt.yaml"
    document, _ = load_yaml(read_text(path), path=path)
    if not isinstance(document, dict):
        raise FileFormatError("expected a mapping", path=str(path))
    files = [f"{folder.name}/prompt.yaml"]
    data: dict[str, Any] = {k: v for k, v in document.items() if k in ("variables", "params")}
    for key in ("system", "user"):
        if key in document:
            data[key] = read_text(folder / str(document[key]))
            files.append(f"{folder.name}/{document[key]}")
    if "messages" in document:
        messages = []
        for entry in document["messages"] or []:
            if not isinstance(entry, dict) or "file" not in entry or "role" not in entry:
                raise FileFormatError("each message needs 'role' and 'file'", path=str(path))
            messages.append({"role": entry["role"], "content": read_text(folder / entry["file"])})
            files.append(f"{folder.name}/{entry['file']}")
        data["messages"] = messages
    return _validate(Kind.PROMPT, data, path), files


def import_bundle_files(store: Store, folder: Path, *, author: str) -> BundleImport:
    """Save the bundle's versions (checked first, all of them) under their family names.

    A version already in its family is left as it is (its family head does not move).
    """
    manifest, planned = read_bundle_files(folder)
    report = BundleImport(bundle=str(manifest["bundle"]), approval=int(manifest["approval"]))
    note = f"imported from approved bundle {report.bundle}@v{report.approval}"
    for item in planned:
        try:
            existing = {v.id: v for v in store.history(item.kind, item.family)}
        except KnownError:
            existing = {}
        if item.version_id in existing:
            report.saved.append((item.kind, item.family, existing[item.version_id].number, False))
            continue
        result = store.save_version(item.kind, item.family, item.content, author=author, note=note)
        report.saved.append((item.kind, item.family, result.version.number, result.created))
    return report
