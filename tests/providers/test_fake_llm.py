"""The fake API server itself: faults, the request log, the scripted queue, process mode."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from workbench.testing.fake_llm import FakeLLMProcess, FakeLLMServer, Reply


def post(url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            raw = response.read()
            return response.status, raw.decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


CHAT = {"model": "m", "messages": [{"role": "user", "content": "Bonjour"}]}


def test_fractions_are_deterministic_for_a_seed() -> None:
    def outcomes(seed: int) -> list[str]:
        with FakeLLMServer(seed=seed, rate_limit_fraction=0.3, server_error_fraction=0.2) as srv:
            for _ in range(40):
                post(f"{srv.openai_base_url}/chat/completions", CHAT)
            return [r.outcome for r in srv.requests]

    first, again, other = outcomes(3), outcomes(3), outcomes(4)

    assert first == again and first != other
    assert 5 <= first.count("rate_limited") <= 20 and 2 <= first.count("error") <= 15


def test_script_takes_precedence_then_faults_resume(fake_server: FakeLLMServer) -> None:
    fake_server.script(Reply.rate_limited("2"), "ok", Reply.error(502))
    url = f"{fake_server.openai_base_url}/chat/completions"

    statuses = [post(url, CHAT)[0] for _ in range(4)]

    assert statuses == [429, 200, 502, 200]


def test_log_keeps_a_flag_not_the_key(fake_server: FakeLLMServer) -> None:
    post(
        f"{fake_server.base_url}/v1/messages",
        {**CHAT, "max_tokens": 5},
        {"x-api-key": "sk-ant-secret-value-123"},
    )

    [record] = fake_server.requests
    assert record.auth_present and record.headers["x-api-key"] == "<present>"
    assert "secret-value" not in repr(record)
    assert record.body == {**CHAT, "max_tokens": 5}


def test_custom_responder() -> None:
    with FakeLLMServer(responder=lambda body: body["model"].upper()) as srv:
        status, text = post(f"{srv.openai_base_url}/chat/completions", CHAT)

    assert status == 200 and json.loads(text)["choices"][0]["message"]["content"] == "M"


def test_anthropic_requires_max_tokens(fake_server: FakeLLMServer) -> None:
    status, text = post(f"{fake_server.base_url}/v1/messages", CHAT)

    assert status == 400 and "max_tokens" in text


def test_process_mode_prints_port_and_takes_fault_changes() -> None:
    with FakeLLMProcess("--latency-ms", "1") as srv:
        url = f"{srv.openai_base_url}/chat/completions"
        assert post(url, CHAT)[0] == 200
        post(f"{srv.base_url}/_admin/faults", {"rate_limit_fraction": 1.0, "retry_after": "4"})
        assert post(url, CHAT)[0] == 429
        with urllib.request.urlopen(f"{srv.base_url}/_admin/stats", timeout=5) as response:
            stats = json.loads(response.read())

    assert stats == {"requests": 2, "ok": 1, "rate_limited": 1}
