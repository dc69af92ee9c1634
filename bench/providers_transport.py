"""CPU and wall time per transport for N chat calls against the fake server in a subprocess.

Compares a plain aiohttp loop (the floor), the workbench's lean aiohttp client
(`OpenAICompatibleProvider`) and the `openai` SDK (`OpenAIProvider`), streamed and not.
The server runs in its own process so its CPU is not counted and it does not share our GIL.

    .venv/bin/python bench/providers_transport.py --calls 1000 --concurrency 32
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from functools import partial

import aiohttp

from workbench.core.llm import ChatRequest, ChatResult, Message
from workbench.providers.compat import OpenAICompatibleProvider
from workbench.providers.openai_provider import OpenAIProvider
from workbench.testing.fake_llm import FakeLLMProcess

MESSAGES = (
    Message("system", "Tu es l'assistant de Maison Lumière."),
    Message("user", "Bonjour, où en est ma commande 1234 ?"),
)


async def run_calls(call: Callable[[], Awaitable[bool]], calls: int, concurrency: int) -> int:
    gate = asyncio.Semaphore(concurrency)

    async def one() -> bool:
        async with gate:
            return await call()

    results = await asyncio.gather(*(one() for _ in range(calls)))
    return sum(1 for ok in results if ok)


async def plain_aiohttp(base_url: str, calls: int, concurrency: int, stream: bool) -> int:
    body = {
        "model": "fake-small",
        "messages": [{"role": m.role, "content": m.content} for m in MESSAGES],
        "stream": stream,
    }
    if stream:
        body["stream_options"] = {"include_usage": True}
    payload = json.dumps(body)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def call() -> bool:
            async with session.post(
                f"{base_url}/chat/completions",
                data=payload,
                headers={"Content-Type": "application/json"},
            ) as response:
                if stream:
                    async for _ in response.content:
                        pass
                    return response.status == 200
                data = await response.json()
                return bool(data["choices"])

        return await run_calls(call, calls, concurrency)


async def through_provider(
    provider: OpenAICompatibleProvider | OpenAIProvider, calls: int, concurrency: int, stream: bool
) -> int:
    request = ChatRequest(model="fake-small", messages=MESSAGES, stream=stream)
    deltas: list[str] = []

    async def call() -> bool:
        return isinstance(await provider.complete(request, deltas.append), ChatResult)

    try:
        return await run_calls(call, calls, concurrency)
    finally:
        await provider.aclose()


def measure(label: str, factory: Callable[[], Awaitable[int]], calls: int) -> None:
    cpu, wall = time.process_time(), time.perf_counter()
    ok = asyncio.run(factory())
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(
        f"{label:<34} {ok:>6}/{calls:<6} {wall:8.2f} s wall {cpu:8.2f} s CPU "
        f"{cpu / calls * 1e3:7.2f} ms CPU/call {calls / wall:8.0f} calls/s",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    n, c = args.calls, args.concurrency
    with FakeLLMProcess("--latency-ms", str(args.latency_ms)) as server:
        url = server.openai_base_url
        print(
            f"{n} calls, concurrency {c}, server latency {args.latency_ms:g} ms "
            f"(server in its own process)"
        )
        for stream in (False, True):
            mode = "stream" if stream else "json"
            measure(f"plain aiohttp ({mode})", partial(plain_aiohttp, url, n, c, stream), n)
            lean = partial(OpenAICompatibleProvider, name="lean", base_url=url, max_connections=c)
            measure(f"lean client ({mode})", partial(with_provider, lean, n, c, stream), n)
            sdk = partial(OpenAIProvider, api_key="bench", base_url=url)
            measure(f"openai SDK ({mode})", partial(with_provider, sdk, n, c, stream), n)


async def with_provider(
    make: Callable[[], OpenAICompatibleProvider | OpenAIProvider], n: int, c: int, stream: bool
) -> int:
    """Build the provider inside the running loop, as the engine does."""
    return await through_provider(make(), n, c, stream)


if __name__ == "__main__":
    main()
