"""Hostile and malformed files are refused whole, naming file and line, without a traceback,
within a small amount of memory."""

from __future__ import annotations

import resource
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from workbench.core.errors import FileFormatError, KnownError
from workbench.core.models import Kind
from workbench.interop.datasets import read_dataset
from workbench.interop.promptfoo_import import read_promptfoo_config
from workbench.interop.workspace import BatchImportError, import_paths
from workbench.interop.yaml_io import load_yaml
from workbench.store import Store

Write = Callable[[str, str | bytes], Path]


def laughs(indent: str = "") -> str:
    """A "billion laughs" YAML fragment: nine levels of nine aliases, about 1 KB."""
    lines = [f'{indent}l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        refs = ",".join([f"*l{level - 1}"] * 9)
        lines.append(f"{indent}l{level}: &l{level} [{refs}]")
    return "\n".join(lines) + "\n"


@pytest.fixture(autouse=True)
def small_memory() -> Iterator[None]:
    """Each refusal costs far less than 200 MB."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    yield
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 200


def test_billion_laughs_in_a_datasets_vars(write: Write) -> None:
    path = write("datasets/bomb.yaml", "tests:\n- vars:\n" + laughs("    "))
    with pytest.raises(FileFormatError, match="expand to more than") as caught:
        read_dataset(path)
    assert caught.value.path == str(path) and caught.value.line is not None


def test_billion_laughs_in_a_prompts_params(store: Store, write: Write) -> None:
    text = "kind: prompt\nname: p\nuser: hi\nparams:\n" + laughs("  ")
    write("prompts/p.yaml", text)
    with pytest.raises(BatchImportError, match=r"p\.yaml:\d+:\d+: .*expand to more than"):
        import_paths(store, [write("prompts/p.yaml", text)], author="t")
    assert store.list_families(Kind.PROMPT) == []


def test_billion_laughs_in_a_promptfoo_config_gives_a_short_message(write: Write) -> None:
    path = write(
        "pf/promptfooconfig.yaml", "prompts: [hi]\nproviders: [openai:gpt-4o]\n" + laughs()
    )
    with pytest.raises(FileFormatError) as caught:
        read_promptfoo_config(path)
    assert "expand to more than" in str(caught.value) and len(str(caught.value)) < 1000


@pytest.mark.parametrize(
    ("name", "text", "line", "needle"),
    [
        (
            "deep.jsonl",
            '{"id":"a","vars":{"x":' + "[" * 50_000 + "]" * 50_000 + "}}\n",
            1,
            "nested",
        ),
        ("deep.json", '[\n{"id":"a","vars":{"x":' + "[" * 500 + "]" * 500 + "}}]", 2, "nested"),
        ("deep.yaml", "tests:\n- vars:\n    x: " + "[" * 5000 + "]" * 5000 + "\n", 3, "nested"),
        (
            "int.jsonl",
            '{"id":"a","vars":{}}\n{"id":"b","vars":{"x":' + "9" * 5000 + "}}\n",
            2,
            "5,000 digits",
        ),
        ("int.yaml", "tests:\n- vars:\n    x: " + "9" * 5000 + "\n", 3, "5,000 digits"),
        (
            "sur.jsonl",
            '{"id":"a","vars":{"m":"ok"}}\n{"id":"b","vars":{"m":"\\ud800"}}\n',
            2,
            "lone surrogate",
        ),
        ("nan.jsonl", '{"id":"a","vars":{"x":NaN}}\n', 1, "NaN is not a JSON value"),
        (
            "inf.json",
            '[\n{"id":"a","vars":{"x":1}},\n{"id":"b","vars":{"x":Infinity}}\n]',
            3,
            "Infinity is not a JSON value",
        ),
        ("nul.csv", "id,message\na,hello\nb,he\x00llo\n", 3, "NUL byte"),
        ("dup.yaml", "tests:\n- vars:\n    m: a\n    m: b\n", 4, "given twice"),
    ],
)
def test_malformed_dataset_files_name_file_and_line(
    write: Write, name: str, text: str, line: int, needle: str
) -> None:
    path = write(f"datasets/{name}", text)
    with pytest.raises(FileFormatError) as caught:
        read_dataset(path)
    error = caught.value
    assert needle in str(error)
    assert error.path == str(path) and error.line == line


def test_yaml_duplicate_keys_are_refused_merge_keys_still_work() -> None:
    with pytest.raises(FileFormatError, match="'name' is given twice"):
        load_yaml("kind: prompt\nname: a\nname: b\n", path="p.yaml")
    data, _ = load_yaml("base: &b {x: 1}\nc:\n  <<: *b\n  x: 2\n", path="m.yaml")
    assert data["c"] == {"x": 2}


def test_a_prompt_whose_template_does_not_parse_is_refused(store: Store, write: Write) -> None:
    path = write("prompts/broken.yaml", "kind: prompt\nname: broken\nuser: |\n  Hi\n  {{ m \n")
    with pytest.raises(BatchImportError) as caught:
        import_paths(store, [path], author="t")
    assert "broken.yaml:3:1: prompt version 1: template broken@v1:user, line 2" in str(caught.value)
    assert store.list_families(Kind.PROMPT) == []


def test_a_rubric_with_an_unknown_criterion_kind_is_refused(store: Store, write: Write) -> None:
    path = write(
        "rubrics/r.yaml", "kind: rubric\nname: r\ncriteria:\n- kind: frobnicate\n  config: {}\n"
    )
    with pytest.raises(BatchImportError, match=r"r\.yaml:4:3: .*unknown kind 'frobnicate'"):
        import_paths(store, [path], author="t")
    assert store.list_families(Kind.RUBRIC) == []


@pytest.mark.parametrize(
    "reference",
    ["file://../secret.txt", "file://../*.txt", "file:///etc/hostname", "file://sub/../../x.txt"],
)
def test_promptfoo_file_paths_leaving_the_config_folder_are_refused(
    write: Write, reference: str
) -> None:
    write("secret.txt", "the contents of a private file")
    path = write(
        "pf/promptfooconfig.yaml", f"prompts: ['{reference}']\nproviders: [openai:gpt-4o]\n"
    )
    with pytest.raises(FileFormatError, match="points outside the config's folder") as caught:
        read_promptfoo_config(path)
    assert caught.value.line == 1 and "private file" not in str(caught.value)


def test_promptfoo_tests_file_outside_the_folder_is_refused(write: Write) -> None:
    write("rows.csv", "id,m\na,b\n")
    path = write(
        "pf/promptfooconfig.yaml",
        "prompts: [hi]\nproviders: [openai:gpt-4o]\ntests: file://../rows.csv\n",
    )
    with pytest.raises(KnownError, match="points outside the config's folder"):
        read_promptfoo_config(path)
