"""Workspace import and export against a real SQLite store."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from workbench.core.errors import FileFormatError
from workbench.core.models import DatasetContent, DatasetRow, Kind, PromptContent
from workbench.interop.datasets import write_dataset
from workbench.interop.workspace import BatchImportError, export_workspace, import_paths
from workbench.store import Store

Write = Callable[[str, str | bytes], Path]

PROMPT = """\
kind: prompt
name: order-tracking
description: Answers "where is my order?" messages.
labels:
  production: 2
version: 2
note: Ask for the order number when it is missing instead of inventing one.
author: camille
created: '2026-10-02T09:30:00+00:00'
system: |
  {{ persona }}

  Tu réponds aux questions de suivi de commande de la boutique Maison Lumière.
user: |
  Message du client : {{ message }}
variables:
  message: The customer's message, as written.
params:
  temperature: 0.3
  max_tokens: 300
history:
- version: 1
  note: First draft.
  author: camille
  created: '2026-09-28T14:00:00+00:00'
  system: |
    Tu réponds aux questions de suivi de commande.
  user: |
    {{ message }}
"""

PERSONA = """\
display_name: Léa
role: conseillère clientèle
formality: 4
address_form: vous
tone:
  warmth: 4
prefer: [bien sûr]
"""

MODEL = "provider: openai-compatible\nmodel: smollm2\nbase_url: http://127.0.0.1:8080/v1\n"
RUBRIC = "description: Poli et exact.\nthreshold: 0.5\ncriteria:\n- kind: contains\n"
DATASET_CSV = "id;message;facts\nt1;Où est ma commande 10452 ?;expédiée|3 novembre\nt2;Bonjour;\n"


@pytest.fixture
def workspace(write: Write, tmp_path: Path) -> Path:
    """A workspace folder with one family of each kind."""
    write("ws/prompts/order-tracking.yaml", PROMPT)
    write("ws/prompts/personas/lea.yaml", PERSONA)
    write("ws/models/small.yaml", MODEL)
    write("ws/rubrics/polite.yaml", RUBRIC)
    write("ws/datasets/orders.csv", DATASET_CSV)
    return tmp_path / "ws"


def folders(root: Path) -> list[Path]:
    return [root / name for name in ("prompts", "datasets", "models", "rubrics")]


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_import_creates_versions_labels_and_descriptions(store: Store, workspace: Path) -> None:
    report = import_paths(store, folders(workspace), author="tester")
    assert [(i.kind, i.name, i.created, i.unchanged) for i in report.items] == [
        (Kind.PROMPT, "order-tracking", 2, 0),
        (Kind.PERSONA, "lea", 1, 0),
        (Kind.DATASET, "orders", 1, 0),
        (Kind.MODEL, "small", 1, 0),
        (Kind.RUBRIC, "polite", 1, 0),
    ]
    assert report.items[0].labels_moved == ["production"]
    assert report.summary() == "5 families: 6 new versions, 0 unchanged, 1 label moved"
    first, second = store.history(Kind.PROMPT, "order-tracking")
    assert (first.note, first.author, second.parent_id) == ("First draft.", "camille", first.id)
    assert first.created_at.isoformat() == "2026-09-28T14:00:00+00:00"
    info = store.get_family(Kind.PROMPT, "order-tracking")
    assert (info.head_id, info.labels) == (second.id, {"production": 2})
    assert info.description == 'Answers "where is my order?" messages.'
    assert store.get_family(Kind.RUBRIC, "polite").description == "Poli et exact."
    dataset = store.resolve(Kind.DATASET, "orders").content
    assert isinstance(dataset, DatasetContent)
    assert dataset.rows[0].facts == ("expédiée", "3 novembre")
    assert store.resolve(Kind.PERSONA, "lea").author == "tester"


def test_second_import_creates_nothing(store: Store, workspace: Path) -> None:
    import_paths(store, [workspace], author="tester")
    events = len(store.label_events(Kind.PROMPT, "order-tracking"))
    report = import_paths(store, [workspace], author="tester")
    assert report.created == 0
    assert all(i.created == 0 and not i.labels_moved and not i.head_moved for i in report.items)
    assert sum(i.unchanged for i in report.items) == 6
    assert len(store.label_events(Kind.PROMPT, "order-tracking")) == events


def test_export_then_import_elsewhere_reproduces_the_files(
    open_store: Callable[[str], Store], workspace: Path, tmp_path: Path
) -> None:
    first_store = open_store("first")
    import_paths(first_store, [workspace], author="tester")
    out1 = tmp_path / "out1"
    report = export_workspace(first_store, out1)
    assert sorted(str(p.relative_to(out1)) for p in report.files) == [
        "datasets/orders.jsonl",
        "models/small.yaml",
        "prompts/order-tracking.yaml",
        "prompts/personas/lea.yaml",
        "rubrics/polite.yaml",
    ]
    second_store = open_store("second")
    assert import_paths(second_store, [out1], author="someone else").created == 6
    out2 = tmp_path / "out2"
    export_workspace(second_store, out2)
    assert snapshot(out2) == snapshot(out1)
    # Exporting again over the same folder changes nothing.
    again = export_workspace(second_store, out2)
    assert (again.files, len(again.unchanged)) == ([], 5)


def test_exported_prompt_file_is_canonical(store: Store, workspace: Path, tmp_path: Path) -> None:
    import_paths(store, [workspace / "prompts"], author="tester")
    export_workspace(store, tmp_path / "out", kinds=[Kind.PROMPT])
    text = (tmp_path / "out/prompts/order-tracking.yaml").read_text(encoding="utf-8")
    assert text.startswith(
        'kind: prompt\nname: order-tracking\ndescription: Answers "where is my order?"'
        " messages.\nlabels:\n  production: 2\nversion: 2\n"
    )
    assert "history:\n- version: 1\n  note: First draft.\n" in text
    assert "parent:" not in text
    assert not (tmp_path / "out/datasets").exists()


def test_editing_an_exported_head_makes_a_child_of_the_previous_head(
    store: Store, workspace: Path, tmp_path: Path
) -> None:
    import_paths(store, [workspace], author="tester")
    out = tmp_path / "out"
    export_workspace(store, out)
    path = out / "prompts/order-tracking.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("Message du client", "Message reçu"),
        encoding="utf-8",
    )
    before = store.get_family(Kind.PROMPT, "order-tracking")
    report = import_paths(store, [path], author="editor")
    item = report.items[0]
    assert (item.created, item.unchanged, item.head_moved) == (1, 1, True)
    # The label stays on the reviewed version: the edit is not reviewed yet.
    assert (item.labels_moved, item.labels_kept) == ([], ["production"])
    head = store.resolve(Kind.PROMPT, "order-tracking")
    assert (head.number, head.parent_id, head.author) == (3, before.head_id, "camille")
    assert isinstance(head.content, PromptContent)
    assert head.content.user == "Message reçu : {{ message }}\n"
    assert store.get_family(Kind.PROMPT, "order-tracking").labels == {"production": 2}
    # Export writes the new head on top and needs no `parent` key: v3 comes from v2.
    export_workspace(store, out)
    text = path.read_text(encoding="utf-8")
    assert text.count("version: ") == 3 and "parent:" not in text
    assert import_paths(store, [path], author="editor").created == 0


def test_editing_a_hand_written_file_without_numbers(store: Store, write: Write) -> None:
    path = write("prompts/hello.yaml", "user: Bonjour {{ name }}\n")
    import_paths(store, [path], author="a")
    path.write_text("user: Salut {{ name }}\n", encoding="utf-8")
    import_paths(store, [path], author="a")
    first, second = store.history(Kind.PROMPT, "hello")
    assert second.parent_id == first.id
    # Going back to the first text creates nothing and moves the head back.
    path.write_text("user: Bonjour {{ name }}\n", encoding="utf-8")
    report = import_paths(store, [path], author="a")
    assert (report.created, report.items[0].head_moved) == (0, True)
    assert store.get_family(Kind.PROMPT, "hello").head_id == first.id


def test_forks_and_a_head_behind_the_latest_version_round_trip(
    open_store: Callable[[str], Store], tmp_path: Path
) -> None:
    store = open_store("a")
    v1 = store.save_version(Kind.PROMPT, "greet", PromptContent(user="v1"), author="a").version
    store.save_version(Kind.PROMPT, "greet", PromptContent(user="v2"), author="a")
    store.save_version(Kind.PROMPT, "greet", PromptContent(user="v3"), author="b", parent_id=v1.id)
    store.save_version(Kind.PROMPT, "greet", PromptContent(user="v2"))  # head back to v2
    store.set_label(Kind.PROMPT, "greet", "staging", v1.id, actor="a")
    out1, out2 = tmp_path / "out1", tmp_path / "out2"
    export_workspace(store, out1)
    text = (out1 / "prompts/greet.yaml").read_text(encoding="utf-8")
    assert "version: 2\n" in text.split("history:")[0]
    assert "- version: 3\n  parent: 1\n" in text
    other = open_store("b")
    import_paths(other, [out1], author="x")
    history = other.history(Kind.PROMPT, "greet")
    assert [v.number for v in history] == [1, 2, 3]
    assert history[2].parent_id == history[0].id
    assert other.get_family(Kind.PROMPT, "greet").head_id == history[1].id
    export_workspace(other, out2)
    assert snapshot(out2) == snapshot(out1)


def test_a_bad_file_in_a_batch_writes_nothing(store: Store, workspace: Path, write: Write) -> None:
    write("ws/prompts/personas/broken.yaml", "display_name: X\nrole: r\ntone:\n  warmth: 9\n")
    write("ws/datasets/ragged.csv", "id,message\n1,ok\n2,a,b\n")
    write(
        "ws/models/leaky.yaml",
        "provider: openai\nmodel: m\nparams:\n  api_key: sk-abcdefghijklmnop1234\n",
    )
    with pytest.raises(BatchImportError) as caught:
        import_paths(store, [workspace], author="tester")
    errors = caught.value.errors
    assert [(Path(e.path).name, e.line) for e in errors] == [
        ("broken.yaml", 4),
        ("ragged.csv", 3),
        ("leaky.yaml", 1),
    ]
    message = str(caught.value)
    assert "3 files could not be imported, so nothing was imported" in message
    assert "broken.yaml:4" in message and "tone.warmth" in message
    assert store.list_families() == []


def test_folder_and_kind_rules(store: Store, write: Write, tmp_path: Path) -> None:
    wrong = write("prompts/lea.yaml", "kind: persona\n" + PERSONA)
    csv_in_prompts = write("prompts/cases.csv", "id,m\n1,x\n")
    unknown_kind = write("models/x.yaml", "kind: widget\nprovider: openai\nmodel: m\n")
    dataset_kind = write("datasets/d.yaml", "kind: dataset\ntests: []\n")
    loose = write("loose/thing.yaml", "user: hello\n")
    missing = tmp_path / "nowhere"
    with pytest.raises(BatchImportError) as caught:
        import_paths(
            store, [wrong, csv_in_prompts, unknown_kind, dataset_kind, loose, missing], author="t"
        )
    reasons = [str(e) for e in caught.value.errors]
    assert "sits in the prompt folder" in reasons[0] and ":1:" in reasons[0]
    assert "must be YAML" in reasons[1]
    assert "unknown kind 'widget'" in reasons[2]
    assert "no 'kind' key" in reasons[3]
    assert "cannot tell what this file holds" in reasons[4]
    assert "no such file" in reasons[5]
    assert store.list_families() == []


def test_single_files_by_kind_key_or_folder(store: Store, write: Write) -> None:
    persona = write("anywhere/lea.yaml", "kind: persona\n" + PERSONA)
    tests = write("anywhere/hard-cases.yaml", "- description: a\n  vars: {m: x}\n")
    report = import_paths(store, [persona, tests], author="t")
    assert [(i.kind, i.name) for i in report.items] == [
        (Kind.PERSONA, "lea"),
        (Kind.DATASET, "hard-cases"),
    ]


def test_same_family_twice_in_a_batch_is_refused(store: Store, write: Write) -> None:
    write("datasets/orders.csv", "id,m\n1,x\n")
    write("datasets/orders.jsonl", '{"vars": {"m": "x"}}\n')
    folder = write("datasets/other.jsonl", '{"vars": {"m": "y"}}\n').parent
    with pytest.raises(BatchImportError, match="also given by") as caught:
        import_paths(store, [folder], author="t")
    assert len(caught.value.errors) == 1
    assert store.list_families() == []


def test_dataset_export_keeps_an_existing_format(
    store: Store, workspace: Path, tmp_path: Path
) -> None:
    import_paths(store, [workspace / "datasets"], author="t")
    out = tmp_path / "out"
    (out / "datasets").mkdir(parents=True)
    (out / "datasets/orders.csv").write_text("old\n", encoding="utf-8")
    report = export_workspace(store, out)
    assert report.files == [out / "datasets/orders.csv"]
    assert not (out / "datasets/orders.jsonl").exists()
    text = (out / "datasets/orders.csv").read_text(encoding="utf-8")
    assert (
        text == "id,message,facts\nt1,Où est ma commande 10452 ?,expédiée|3 novembre\nt2,Bonjour,\n"
    )
    assert import_paths(store, [out / "datasets"], author="t").created == 0


def test_dataset_with_a_description_is_exported_as_yaml(store: Store, tmp_path: Path) -> None:
    content = DatasetContent(description="Cas", rows=(DatasetRow(id="a", vars={"n": 1}),))
    store.save_version(Kind.DATASET, "cases", content)
    export_workspace(store, tmp_path / "out")
    assert (
        (tmp_path / "out/datasets/cases.yaml")
        .read_text(encoding="utf-8")
        .startswith("description: Cas\ntests:\n")
    )


def test_export_refuses_before_writing_when_an_existing_format_cannot_hold_a_dataset(
    store: Store, tmp_path: Path
) -> None:
    store.save_version(
        Kind.DATASET, "cases", DatasetContent(rows=(DatasetRow(id="a", vars={"n": [1]}),))
    )
    store.save_version(Kind.PROMPT, "p", PromptContent(user="x"))
    out = tmp_path / "out"
    write_dataset(
        DatasetContent(rows=(DatasetRow(id="a", vars={"n": "1"}),)), out / "datasets/cases.csv"
    )
    with pytest.raises(FileFormatError, match="CSV"):
        export_workspace(store, out)
    assert not (out / "prompts").exists()


def test_workspace_root_reads_every_folder(store: Store, workspace: Path, tmp_path: Path) -> None:
    shutil.copytree(workspace, tmp_path / "copy")
    report = import_paths(store, [tmp_path / "copy"], author="t")
    assert len(report.items) == 5
    assert report.to_json()["items"][0]["name"] == "order-tracking"
