"""Clustering on a configured model's embeddings (the fake server's deterministic vectors)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from workbench.app.log_embeddings import LogEmbedder
from workbench.app.logs import analyse_log, import_log
from workbench.core.errors import KnownError
from workbench.core.models import Kind, ModelConfigContent
from workbench.privacy.redactor import Redactor
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer
from workbench.testing.shop_logs import SENTINELS, write_jsonl

MakeRedactor = Callable[..., Redactor]


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as srv:
        yield srv


@pytest.fixture
def shop(tmp_path: Path, store: Store, ner_redactor_factory: MakeRedactor) -> Store:
    path = tmp_path / "raw.jsonl"
    with path.open("w", encoding="utf-8") as out:
        write_jsonl(out, 150, seed=3, sentinel_every=5)
    import_log(store, path, family="shop", redactor=ner_redactor_factory())
    return store


def _model(store: Store, name: str, **fields: object) -> None:
    store.save_version(Kind.MODEL, name, ModelConfigContent(**fields))  # type: ignore[arg-type]


def _embedding_requests(server: FakeLLMServer) -> list[list[str]]:
    return [r.body["input"] for r in server.requests if r.path.endswith("/embeddings") and r.body]


def test_clusters_from_embeddings_batched_cached_and_anonymised(
    shop: Store, server: FakeLLMServer
) -> None:
    _model(
        shop,
        "emb",
        provider="openai-compatible",
        model="fake-embed",
        base_url=server.openai_base_url,
    )
    phases: list[tuple[str, int, int]] = []
    analysis = analyse_log(
        shop, "shop", clusters=6, embeddings="emb", progress=lambda *a: phases.append(a)
    )
    assert analysis.clustering == "embeddings:emb"
    assert 2 <= len(analysis.clusters) <= 6 and analysis.gaps
    assert sum(c.size for c in analysis.clusters) == analysis.user_turns
    assert all(c.examples for c in analysis.clusters)
    assert any(c.terms for c in analysis.clusters)
    assert ("embedding" in {p[0] for p in phases}) and phases[-1][1] <= phases[-1][2]
    sent = _embedding_requests(server)
    assert sent and all(1 <= len(batch) <= 128 for batch in sent)
    texts = [t for batch in sent for t in batch]
    assert len(texts) == len(set(texts))  # each distinct question sent once (then cached)
    payload = json.dumps(sent, ensure_ascii=False).upper()
    surname = SENTINELS["name"].split()[-1]
    for value in [*SENTINELS.values(), surname]:
        assert value.upper() not in payload, value
    assert "<PERSON_" not in payload  # placeholders are not topics

    # The same questions again: every vector comes from the cache, no request.
    before = len(server.requests)
    again = analyse_log(shop, "shop", clusters=6, embeddings="emb")
    assert len(server.requests) == before
    assert [c.size for c in again.clusters] == [c.size for c in analysis.clusters]
    # The stored analysis says how it clustered; the default stays TF-IDF.
    assert analyse_log(shop, "shop", clusters=6).clustering == "tfidf"


def test_clear_errors_when_the_model_has_no_embeddings(shop: Store, server: FakeLLMServer) -> None:
    _model(shop, "claude", provider="anthropic", model="claude-x")
    with pytest.raises(KnownError, match="Anthropic has no embeddings endpoint"):
        analyse_log(shop, "shop", embeddings="claude")
    _model(shop, "smol", provider="local", model="smollm2")
    with pytest.raises(KnownError, match="embedded model serves no embeddings"):
        analyse_log(shop, "shop", embeddings="smol")
    chat_only = server.openai_base_url.rsplit("/v1", 1)[0] + "/chat-only/v1"
    _model(shop, "chat", provider="openai-compatible", model="m", base_url=chat_only)
    with pytest.raises(KnownError, match=r"has no embeddings endpoint at .*HTTP 404"):
        analyse_log(shop, "shop", embeddings="chat")
    _model(shop, "down", provider="openai-compatible", model="m", base_url="http://127.0.0.1:9/v1")
    with pytest.raises(KnownError, match="cannot reach the embeddings endpoint"):
        analyse_log(shop, "shop", embeddings="down")
    with pytest.raises(KnownError, match="nope"):
        analyse_log(shop, "shop", embeddings="nope")
    assert shop.latest_log_analysis("shop") is None  # nothing half-stored


def test_cancel_between_batches(shop: Store, server: FakeLLMServer) -> None:
    _model(shop, "emb", provider="openai-compatible", model="e", base_url=server.openai_base_url)
    cancel = threading.Event()
    cancel.set()
    embedder = LogEmbedder(shop, "emb", batch_size=2, cancel=cancel)
    with pytest.raises(KnownError, match="cancelled"):
        embedder(["a", "b", "c"])
    assert embedder.requests == 0
    fresh = LogEmbedder(shop, "emb", batch_size=2)
    vectors = fresh(["un colis", "une facture", "un colis", "un retour"])
    assert fresh.requests == 2 and fresh.sent == 3 and len(vectors) == 4
    assert vectors[0] == vectors[2]
