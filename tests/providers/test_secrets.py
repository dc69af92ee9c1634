"""SecretStore: environment first, then a keyring; failures of the keyring mean "absent"."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import keyring.backend
import keyring.errors
import pytest

from workbench.core.errors import KnownError, MissingSecretError
from workbench.providers.errors import scrub_secrets
from workbench.providers.secrets import KEYRING_SERVICE, SecretStore


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A working keyring kept in a dict."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


class NoKeyring(keyring.backend.KeyringBackend):
    """Behaves like keyring on a headless Linux machine without a secret service."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.NoKeyringError("No recommended backend was available.")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.NoKeyringError("No recommended backend was available.")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.NoKeyringError("No recommended backend was available.")


class BrokenKeyring(NoKeyring):
    """A backend that fails in its own way (a locked collection, a D-Bus error...)."""

    def get_password(self, service: str, username: str) -> str | None:
        raise RuntimeError("org.freedesktop.DBus.Error.ServiceUnknown")


@pytest.fixture
def use_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


def test_environment_comes_first(use_keyring: None) -> None:
    backend = MemoryKeyring()
    backend.set_password(KEYRING_SERVICE, "OPENAI_API_KEY", "from-keyring")
    keyring.set_keyring(backend)
    store = SecretStore({"OPENAI_API_KEY": "from-env"})

    assert store.get("OPENAI_API_KEY") == "from-env"
    assert SecretStore({}).get("OPENAI_API_KEY") == "from-keyring"
    assert SecretStore({"OPENAI_API_KEY": ""}).get("OPENAI_API_KEY") == "from-keyring"


def test_set_in_keyring_then_read(use_keyring: None) -> None:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    store = SecretStore({})

    store.set_in_keyring("ANTHROPIC_API_KEY", "stored-value")

    assert backend.entries == {(KEYRING_SERVICE, "ANTHROPIC_API_KEY"): "stored-value"}
    assert store.require("ANTHROPIC_API_KEY") == "stored-value"


@pytest.mark.parametrize("backend", [NoKeyring, BrokenKeyring])
def test_failing_keyring_means_absent(use_keyring: None, backend: type) -> None:
    keyring.set_keyring(backend())
    store = SecretStore({})

    assert store.get("OPENAI_API_KEY") is None
    with pytest.raises(MissingSecretError) as caught:
        store.require("OPENAI_API_KEY")
    assert "Set OPENAI_API_KEY (environment variable)" in str(caught.value)
    assert "keyring" in str(caught.value)


def test_set_without_keyring_is_a_clear_error(use_keyring: None) -> None:
    keyring.set_keyring(NoKeyring())

    with pytest.raises(KnownError, match="set the OPENAI_API_KEY environment variable instead"):
        SecretStore({}).set_in_keyring("OPENAI_API_KEY", "value")


def test_keyring_can_be_skipped(use_keyring: None) -> None:
    backend = MemoryKeyring()
    backend.set_password(KEYRING_SERVICE, "OPENAI_API_KEY", "from-keyring")
    keyring.set_keyring(backend)

    assert SecretStore({}, use_keyring=False).get("OPENAI_API_KEY") is None


def test_missing_key_names_the_custom_variable() -> None:
    with pytest.raises(MissingSecretError, match="Set MISTRAL_KEY"):
        SecretStore({}, use_keyring=False).require("MISTRAL_KEY")


@pytest.mark.parametrize(
    "text",
    [
        "Incorrect API key provided: sk-proj-abcDEF123_456-xyz.",
        "invalid x-api-key sk-ant-api03-AbCdEf0123456789",
        "Authorization: Bearer abcdefghijklmnop0123",
        "api_key='zyxwvutsrq9876543210'",
        "API key not valid: AIza" + "SyabcDEF123" + "x" * 24 + ". Please pass a valid key.",
    ],
)
def test_scrub_secrets_patterns(text: str) -> None:
    scrubbed = scrub_secrets(text)

    assert "***" in scrubbed
    for secret in ("abcDEF123", "AbCdEf0123", "abcdefghijklmnop", "zyxwvutsrq"):
        assert secret not in scrubbed


def test_scrub_known_values() -> None:
    assert scrub_secrets("token=plainsecretvalue ok", ["plainsecretvalue"]) == "token=*** ok"
