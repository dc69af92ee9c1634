"""Fixtures for provider tests: a fake API server on 127.0.0.1 and a hermetic secret store."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from workbench.providers.secrets import SecretStore
from workbench.testing.fake_llm import FakeLLMServer

# Looks like a real key so the scrubbing tests mean something; it is not one.
FAKE_OPENAI_KEY = "sk-test-4f9c2a7e1b3d5f6a8c0e"
FAKE_ANTHROPIC_KEY = "sk-ant-test-9d8c7b6a5f4e3d2c1b0a"


@pytest.fixture
def fake_server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as server:
        yield server


@pytest.fixture
def secrets() -> SecretStore:
    """Keys from a private environment only: no keyring, no real environment."""
    return SecretStore(
        {"OPENAI_API_KEY": FAKE_OPENAI_KEY, "ANTHROPIC_API_KEY": FAKE_ANTHROPIC_KEY},
        use_keyring=False,
    )


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
