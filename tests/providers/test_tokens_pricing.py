"""Offline token counts (bundled tiktoken files) and prices from the genai-prices table."""

from __future__ import annotations

import socket

import pytest

from workbench.core.llm import Message
from workbench.core.models import ModelConfigContent
from workbench.providers.pricing import Price, cost_usd, price_for
from workbench.providers.tokens import (
    count_messages,
    count_tokens,
    encoding_for_model,
    load_encoding,
)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network access attempted in an offline test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_encodings_load_offline(no_network: None) -> None:
    load_encoding.cache_clear()
    try:
        o200k = load_encoding("o200k_base")
        cl100k = load_encoding("cl100k_base")
    finally:
        load_encoding.cache_clear()

    assert o200k is not None and cl100k is not None
    # Token ids published for these encodings: the files are the real ones.
    assert o200k.encode("hello world") == [24912, 2375]
    assert cl100k.encode("hello world") == [15339, 1917]
    assert o200k.n_vocab == 200019 and cl100k.n_vocab == 100277


@pytest.mark.parametrize(
    ("model", "encoding", "exact"),
    [
        ("gpt-4o-mini", "o200k_base", True),
        ("gpt-4.1-nano", "o200k_base", True),
        ("gpt-4", "cl100k_base", True),
        ("gpt-3.5-turbo-0125", "cl100k_base", True),
        ("claude-haiku-4-5", "o200k_base", False),
        ("smollm2", "o200k_base", False),
    ],
)
def test_encoding_for_model(model: str, encoding: str, exact: bool) -> None:
    assert encoding_for_model(model) == (encoding, exact)


def test_count_tokens_exact_and_estimated() -> None:
    text = "Bonjour, où en est ma commande ?"

    exact = count_tokens(text, "gpt-4o")
    estimate = count_tokens(text, "claude-sonnet-4-5")

    assert not exact.estimated and exact.encoding == "o200k_base"
    assert estimate.estimated and estimate.n == exact.n
    assert 5 < exact.n < len(text)


def test_special_token_text_is_counted_not_refused() -> None:
    assert count_tokens("<|endoftext|>", "gpt-4o").n > 1


def test_count_messages_adds_chat_framing() -> None:
    messages = (Message("system", "Sois bref."), Message("user", "Bonjour"))

    counted = count_messages(messages, "gpt-4o-mini")

    content = sum(count_tokens(m.content, "gpt-4o-mini").n for m in messages)
    roles = sum(count_tokens(m.role, "gpt-4o-mini").n for m in messages)
    assert counted.n == content + roles + 3 * len(messages) + 3
    assert not counted.estimated


def test_price_for_known_models() -> None:
    assert price_for("openai", "gpt-4o-mini") == Price(0.15, 0.6)
    sonnet = price_for("anthropic", "claude-sonnet-4-5")
    assert sonnet is not None and sonnet.tiered
    assert (sonnet.input_usd_per_mtok, sonnet.output_usd_per_mtok) == (3.0, 15.0)


def test_price_for_unknown() -> None:
    assert price_for("openai", "no-such-model-xyz") is None
    assert price_for("openai-compatible", "llama3") is None
    assert price_for("local", "smollm2") is None


def test_cost_from_table() -> None:
    config = ModelConfigContent(provider="openai", model="gpt-4o-mini")

    assert cost_usd(config, 1_000_000, 1_000_000) == pytest.approx(0.75)
    assert cost_usd(config, 2_000, 500) == pytest.approx((2_000 * 0.15 + 500 * 0.6) / 1e6)


def test_cost_honours_overrides() -> None:
    both = ModelConfigContent(
        provider="openai", model="gpt-4o-mini", input_usd_per_mtok=1.0, output_usd_per_mtok=2.0
    )
    input_only = ModelConfigContent(provider="openai", model="gpt-4o-mini", input_usd_per_mtok=1.0)
    compat = ModelConfigContent(
        provider="openai-compatible",
        model="llama3",
        base_url="ollama",
        output_usd_per_mtok=4.0,
        input_usd_per_mtok=0.5,
    )

    assert cost_usd(both, 1_000_000, 1_000_000) == pytest.approx(3.0)
    assert cost_usd(input_only, 1_000_000, 1_000_000) == pytest.approx(1.6)
    assert cost_usd(compat, 2_000_000, 1_000_000) == pytest.approx(5.0)


def test_cost_without_price() -> None:
    local = ModelConfigContent(provider="local", model="smollm2")
    compat = ModelConfigContent(provider="openai-compatible", model="llama3", base_url="ollama")
    unknown = ModelConfigContent(provider="openai", model="no-such-model-xyz")

    assert cost_usd(local, 10_000, 10_000) == 0.0
    assert cost_usd(compat, 10_000, 10_000) is None
    assert cost_usd(unknown, 10_000, 10_000) is None


def test_tiered_price_applies_above_the_threshold() -> None:
    sonnet = ModelConfigContent(provider="anthropic", model="claude-sonnet-4-5")

    assert cost_usd(sonnet, 100_000, 0) == pytest.approx(0.3)  # base tier: 3 USD / Mtok
    assert cost_usd(sonnet, 1_000_000, 1_000_000) == pytest.approx(6.0 + 22.5)  # long context
