"""Keys never reach the database: model configs hold variable names, and pasted keys are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.core.errors import ValidationError
from workbench.core.models import Kind, ModelConfigContent
from workbench.store import Store
from workbench.store.secret_guard import looks_like_secret_key

FAKE_KEY = "sk-test-" + "x" * 32  # shaped like a key, not a key


def test_model_config_has_no_field_that_could_hold_a_key() -> None:
    for field in ModelConfigContent.model_fields:
        assert not looks_like_secret_key(field), field
    # The one credential-related field names a variable and is recognised as such.
    assert "api_key_env" in ModelConfigContent.model_fields
    assert looks_like_secret_key("api_key") and not looks_like_secret_key("api_key_env")


@pytest.mark.parametrize(
    "key",
    [
        "api_key",
        "apiKey",
        "API-KEY",
        "x-api-key",
        "Authorization",
        "token",
        "access_token",
        "auth_token",
        "client_secret",
        "password",
        "private_key",
        "bearer",
    ],
)
def test_secret_looking_keys(key: str) -> None:
    assert looks_like_secret_key(key)


@pytest.mark.parametrize(
    "key",
    [
        "max_tokens",
        "max_completion_tokens",
        "temperature",
        "top_p",
        "stop",
        "seed",
        "logit_bias",
        "api_key_env",
        "token_budget_name",
        "keep_alive",
    ],
)
def test_ordinary_parameters(key: str) -> None:
    assert not looks_like_secret_key(key)


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"api_key": "abc"}, "'params.api_key' looks like a secret"),
        ({"extra_headers": {"Authorization": "Bearer abc"}}, "params.extra_headers.Authorization"),
        ({"stop": ["\n", FAKE_KEY]}, "the value of 'params.stop[1]' looks like an API key"),
    ],
)
def test_saving_a_model_config_with_a_secret_is_refused(
    store: Store, db_path: Path, params: dict[str, object], where: str
) -> None:
    config = ModelConfigContent(provider="openai", model="gpt-4o-mini", params=params)
    with pytest.raises(ValidationError) as caught:
        store.save_version(Kind.MODEL, "gpt", config)
    message = str(caught.value)
    assert where in message
    assert "model config 'gpt'" in message
    assert "environment variable" in message and "api_key_env" in message
    assert store.list_families() == []


def test_key_in_api_key_env_or_base_url_is_refused(store: Store) -> None:
    with pytest.raises(ValidationError, match="api_key_env holds what looks like a key"):
        store.save_version(
            Kind.MODEL,
            "gpt",
            ModelConfigContent(provider="openai", model="m", api_key_env=FAKE_KEY),
        )
    with pytest.raises(ValidationError, match="base_url contains a password"):
        store.save_version(
            Kind.MODEL,
            "local",
            ModelConfigContent(
                provider="openai-compatible", model="m", base_url="http://me:hunter2@127.0.0.1:8080"
            ),
        )


def test_ordinary_model_config_is_saved_and_keeps_only_the_variable_name(
    store: Store, db_path: Path
) -> None:
    config = ModelConfigContent(
        provider="openai",
        model="gpt-4o-mini",
        api_key_env="OPENAI_API_KEY",
        params={"max_tokens": 300, "temperature": 0.3},
    )
    saved = store.save_version(Kind.MODEL, "gpt", config)
    assert saved.created
    assert store.get_version(saved.version.id).content == config
    assert b"sk-" not in db_path.read_bytes()


GOOGLE_KEY = "AIza" + "Sy" + "D" * 33  # shaped like a Google API key, not one


@pytest.mark.parametrize(
    ("base_url", "params", "where"),
    [
        (f"http://127.0.0.1/v1?api_key={FAKE_KEY}", {}, "'base_url': its URL's query parameter"),
        ("http://127.0.0.1/v1?key=abcdef123456", {}, "query parameter 'key' looks like a secret"),
        (f"http://{FAKE_KEY}@127.0.0.1/v1", {}, "'base_url': its URL's user part"),
        (None, {"note": f"use {GOOGLE_KEY} for this"}, "'params.note': it contains"),
        (None, {"stop": [f"my key is {FAKE_KEY} ok"]}, "'params.stop[0]': it contains"),
        (None, {"callback": f"https://x.test/hook?token={FAKE_KEY}"}, "'params.callback'"),
    ],
)
def test_keys_in_urls_and_inside_any_string_are_refused(
    store: Store, db_path: Path, base_url: str | None, params: dict[str, object], where: str
) -> None:
    config = ModelConfigContent(
        provider="openai-compatible", model="m", base_url=base_url, params=params
    )
    with pytest.raises(ValidationError) as caught:
        store.save_version(Kind.MODEL, "leaky", config)
    assert where in str(caught.value)
    assert FAKE_KEY not in str(caught.value) and GOOGLE_KEY not in str(caught.value)
    assert store.list_families() == []
    assert FAKE_KEY.encode() not in db_path.read_bytes()


def test_a_key_as_the_model_name_is_refused(store: Store) -> None:
    with pytest.raises(ValidationError, match="'model': it contains what looks like an API key"):
        store.save_version(Kind.MODEL, "m", ModelConfigContent(provider="openai", model=GOOGLE_KEY))


@pytest.mark.parametrize(
    "text",
    [
        "http://127.0.0.1:8080/v1?model=tiny&stream=true",
        "https://user@example.com/v1",
        "Ask the task-management-guidelines-v2-2024 skill",
        "sk- is a prefix",
    ],
)
def test_ordinary_strings_are_not_taken_for_secrets(store: Store, text: str) -> None:
    config = ModelConfigContent(
        provider="openai-compatible", model="m", base_url=None, params={"note": text}
    )
    assert store.save_version(Kind.MODEL, "fine", config).created
