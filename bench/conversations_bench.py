"""Simulation benchmark: 200 conversations × up to 6 turns, fake server at 200 ms, concurrency 16.

Prints figures, asserts nothing. Three measurements, each in a fresh child process (so its peak
RSS is its own) against the fake API in its own process (``--conversations`` mode: it plays the
customer when the system prompt is a customer brief):

1. **full**: create and execute the whole simulation; wall time vs the ideal. The ideal is
   ``max(calls × latency / concurrency, longest conversation's chain of sequential calls ×
   latency)``: turns inside a conversation cannot overlap.
2. **kill**: the same simulation in a new store, killed with SIGKILL once a third of its messages
   are stored, then resumed in another child. Checks that every message stored before the kill
   is unchanged and that the resume made exactly one call per message it added (no finished
   turn called again).
3. peak RSS of each child.

Usage: ``python bench/conversations_bench.py [--conversations 200] [--latency-ms 200]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from workbench.testing.fake_llm import FakeLLMProcess  # noqa: E402

MAX_TURNS = 6


def _stats(base_url: str) -> dict[str, int]:
    with urllib.request.urlopen(f"{base_url}/_admin/stats", timeout=10) as answer:
        data: dict[str, int] = json.loads(answer.read())
    return data


def setup(db: Path, base_url: str, conversations: int, concurrency: int) -> int:
    """Save the versions and create the simulation; returns its id."""
    from workbench.core.conversations import (
        ConversationCase,
        ConversationSetContent,
        Scenario,
        SimulationSpec,
    )
    from workbench.core.customers import CustomerContent
    from workbench.core.models import Kind, ModelConfigContent, PromptContent
    from workbench.engine.simulation import SimulationEngine
    from workbench.store import Store

    with Store.open(db) as store:
        prompt = store.save_version(
            Kind.PROMPT,
            "support",
            PromptContent(system="Tu aides les clients de Maison Lumière.", user="{{ message }}"),
        ).version
        model = store.save_version(
            Kind.MODEL,
            "fake",
            ModelConfigContent(provider="openai-compatible", model="fake", base_url=base_url),
        ).version
        customer = store.save_version(
            Kind.CUSTOMER, "pressed", CustomerContent(display_name="Marc", mood="pressed")
        ).version
        # Customers end after 3 to 6 answers; the turn limit is 6.
        cases = tuple(
            ConversationCase(
                id=f"case-{i:04d}",
                scenario=Scenario(
                    goal=f"Savoir où est la commande ML-{100000 + i} [[sim:end-after={3 + i % 4}]]"
                ),
                max_turns=MAX_TURNS,
            )
            for i in range(conversations)
        )
        sets = store.save_version(
            Kind.CONVERSATIONS, "bench", ConversationSetContent(cases=cases)
        ).version
        spec = SimulationSpec(
            prompt_ids=(prompt.id,),
            model_ids=(model.id,),
            conversations_id=sets.id,
            customer_ids=(customer.id,),
            simulator_model_id=model.id,
            concurrency=concurrency,
        )
        engine = SimulationEngine(store, lambda c: None, price=lambda c, i, o: 0.0)  # type: ignore[arg-type,return-value]
        return engine.create(spec, "bench")


def child(db: str, run_id: int) -> None:
    """Execute (or resume) the simulation; print one JSON line of figures."""
    import asyncio

    from workbench.engine.limits import EndpointLimits
    from workbench.engine.runner import EngineOptions
    from workbench.engine.simulation import SimulationEngine
    from workbench.providers.registry import create_provider
    from workbench.providers.secrets import SecretStore
    from workbench.store import Store

    secrets = SecretStore()
    options = EngineOptions(default_endpoint_limits=EndpointLimits())
    with Store.open(db) as store:
        engine = SimulationEngine(
            store,
            lambda config: create_provider(config, secrets=secrets),
            options=options,
            price=lambda c, i, o: 0.0,
        )
        started = time.perf_counter()
        summary = asyncio.run(engine.execute(run_id))
        elapsed = time.perf_counter() - started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "elapsed_s": elapsed,
                "calls": summary.calls,
                "cache_hits": summary.cache_hits,
                "counts": summary.counts,
                "peak_rss_mb": rss_mb,
            }
        ),
        flush=True,
    )


def floor(base_url: str, calls: int, concurrency: int) -> float:
    """Wall time of a bare aiohttp client sending `calls` requests, `concurrency` at a time
    (no conversation order, no store): what the machine and the fake server allow now."""
    import asyncio

    import aiohttp

    async def go() -> float:
        slots = asyncio.Semaphore(concurrency)
        async with aiohttp.ClientSession() as session:

            async def one(i: int) -> None:
                body = {"model": "fake", "messages": [{"role": "user", "content": f"m {i}"}]}
                async with slots, session.post(f"{base_url}/chat/completions", json=body) as r:
                    await r.read()

            started = time.perf_counter()
            await asyncio.gather(*(one(i) for i in range(calls)))
            return time.perf_counter() - started

    return asyncio.run(go())


def _messages(db: Path, run_id: int) -> dict[tuple[str, int], str]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT case_id, idx, content FROM conversation_messages WHERE run_id = ?", (run_id,)
        ).fetchall()
    return {(c, i): text for c, i, text in rows}


def _spawn(db: Path, run_id: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, __file__, "--child", str(db), str(run_id)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )


def _chain(db: Path, run_id: int) -> int:
    """Calls on the longest conversation (its sequential chain)."""
    with sqlite3.connect(db) as connection:
        (longest,) = connection.execute(
            "SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM conversation_messages"
            " WHERE run_id = ? AND scripted = 0 GROUP BY case_id)",
            (run_id,),
        ).fetchone()
    return int(longest or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=200.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--child", nargs=2, metavar=("DB", "RUN"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    latency = args.latency_ms / 1000
    with (
        tempfile.TemporaryDirectory() as work,
        FakeLLMProcess("--latency-ms", str(args.latency_ms), "--conversations") as server,
    ):
        # 1. the full run
        db = Path(work) / "full.sqlite"
        run_id = setup(db, server.openai_base_url, args.conversations, args.concurrency)
        before = _stats(server.base_url).get("requests", 0)
        started = time.perf_counter()
        proc = _spawn(db, run_id)
        out, _ = proc.communicate()
        wall = time.perf_counter() - started
        figures = json.loads(out.strip().splitlines()[-1])
        requests = _stats(server.base_url).get("requests", 0) - before
        chain = _chain(db, run_id)
        ideal = max(figures["calls"] * latency / args.concurrency, chain * latency)
        bare = floor(server.openai_base_url, figures["calls"], args.concurrency)
        print(
            f"floor: a bare aiohttp client, same {figures['calls']} calls, concurrency"
            f" {args.concurrency}: {bare:.1f} s ({bare / ideal:.2f}× ideal)"
        )
        print(
            f"full: {args.conversations} conversations, {figures['calls']} calls"
            f" ({requests} HTTP requests), longest chain {chain} calls,"
            f" execute {figures['elapsed_s']:.1f} s, process wall {wall:.1f} s,"
            f" ideal {ideal:.1f} s → {figures['elapsed_s'] / ideal:.2f}× ideal,"
            f" {figures['elapsed_s'] / bare:.2f}× the floor;"
            f" peak RSS {figures['peak_rss_mb']:.0f} MB; {figures['counts']}"
        )

        # 2. kill -9 a third of the way, then resume
        db2 = Path(work) / "kill.sqlite"
        run2 = setup(db2, server.openai_base_url, args.conversations, args.concurrency)
        total_messages = len(_messages(db, run_id))
        proc = _spawn(db2, run2)
        while len(_messages(db2, run2)) < total_messages // 3:
            if proc.poll() is not None:
                raise SystemExit("the child finished before the kill")
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kept = _messages(db2, run2)
        at_resume = _stats(server.base_url).get("requests", 0)
        proc = _spawn(db2, run2)
        out, _ = proc.communicate()
        resumed = json.loads(out.strip().splitlines()[-1])
        calls_after = _stats(server.base_url).get("requests", 0) - at_resume
        final = _messages(db2, run2)
        changed = [k for k, text in kept.items() if final.get(k) != text]
        added = len(final) - len(kept)
        print(
            f"kill -9: {len(kept)} messages stored at the kill; the resume added {added} with"
            f" {calls_after} calls ({resumed['calls']} engine calls, {resumed['cache_hits']}"
            f" cache hits); stored messages changed: {len(changed)};"
            f" re-called turns: {calls_after - added}; final {len(final)} messages"
            f" (full run: {total_messages}); resume peak RSS {resumed['peak_rss_mb']:.0f} MB;"
            f" {resumed['counts']}"
        )


if __name__ == "__main__":
    main()
