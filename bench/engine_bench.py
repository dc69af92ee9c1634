"""Benchmark of the run engine against a plain asyncio HTTP client (the floor).

Starts the fake OpenAI-compatible API in a separate process (so client and server do not share a
GIL), then measures, for each workload, (a) the floor: a bare aiohttp client with a semaphore
making the same calls, and (b) the engine end to end: plan, estimate, run creation, calls through
the providers registry's lean client, results written to a real SQLite store. Each measurement
runs in its own child process so peak RSS belongs to that measurement alone.

Workloads:
    W1   2 prompts x 2 models x 250 rows = 1,000 calls, 200 ms latency, concurrency 16
    W2   5,000 rows x 1 model, 20 ms latency, concurrency 32
    W3   W1 with 10 % 429 (Retry-After: 1) and 2 % 500 answers
    W1w  W1 again on a warm cache (the cold run is done first, untimed)

Prints figures only (no assertions). Usage: ``python bench/engine_bench.py [--only W1,W2]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


@dataclass(frozen=True)
class Workload:
    name: str
    prompts: int
    models: int
    rows: int
    latency_ms: float
    concurrency: int
    rate_limit_fraction: float = 0.0
    server_error_fraction: float = 0.0
    warm: bool = False

    @property
    def calls(self) -> int:
        return self.prompts * self.models * self.rows


WORKLOADS = {
    "W1": Workload("W1", 2, 2, 250, 200, 16),
    "W2": Workload("W2", 1, 1, 5000, 20, 32),
    "W3": Workload("W3", 2, 2, 250, 200, 16, rate_limit_fraction=0.10, server_error_fraction=0.02),
    "W1w": Workload("W1w", 2, 2, 250, 200, 16, warm=True),
    "S": Workload("S", 1, 1, 50, 20, 8),  # a seconds-long smoke check of the benchmarks
}


@dataclass
class Figures:
    workload: str
    client: str
    wall_s: float
    calls: int
    requests: int
    mean_concurrency: float
    peak_rss_mb: float
    left_in_error: int
    cpu_s: float | None = None  # this process's user + system CPU over the wall_s span

    @property
    def calls_per_s(self) -> float:
        return self.calls / self.wall_s if self.wall_s else 0.0


class InFlight:
    """Time-weighted mean of requests in flight (the achieved concurrency)."""

    def __init__(self) -> None:
        self.count = 0
        self.area = 0.0
        self.stamp = time.perf_counter()
        self.start = self.stamp

    def _advance(self) -> None:
        now = time.perf_counter()
        self.area += self.count * (now - self.stamp)
        self.stamp = now

    def enter(self) -> None:
        self._advance()
        self.count += 1

    def leave(self) -> None:
        self._advance()
        self.count -= 1

    def mean(self) -> float:
        self._advance()
        elapsed = self.stamp - self.start
        return self.area / elapsed if elapsed else 0.0


def peak_rss_mb() -> float:
    """This process's own peak resident memory.

    ``ru_maxrss`` of a forked child starts at its parent's peak, so on Linux the kernel's own
    high-water mark (``VmHWM``) is read instead; elsewhere ru_maxrss is the best there is.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def user_text(row: int, prompt: int) -> str:
    return f"Prompt {prompt}: le client demande où en est sa commande numéro {row}."


# --------------------------------------------------------------------------- floor


async def floor(work: Workload, base_url: str) -> Figures:
    """Bare aiohttp: same bodies, a semaphore, Retry-After honoured, 5xx retried at once."""
    import aiohttp

    gauge = InFlight()
    slots = asyncio.Semaphore(work.concurrency)
    requests = errors = 0
    connector = aiohttp.TCPConnector(limit=work.concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def call(prompt: int, model: int, row: int) -> None:
            nonlocal requests, errors
            body = json.dumps(
                {
                    "model": f"bench-{model}",
                    "messages": [{"role": "user", "content": user_text(row, prompt)}],
                }
            )
            for _ in range(6):
                async with slots:
                    gauge.enter()
                    requests += 1
                    try:
                        async with session.post(
                            f"{base_url}/chat/completions",
                            data=body,
                            headers={"Content-Type": "application/json"},
                        ) as response:
                            raw = await response.read()
                            status = response.status
                            retry_after = response.headers.get("Retry-After")
                    finally:
                        gauge.leave()
                if status == 200:
                    json.loads(raw)["choices"][0]["message"]["content"]
                    return
                if status == 429:
                    await asyncio.sleep(float(retry_after or 1))
            errors += 1

        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(
            *(
                call(p, m, r)
                for r in range(work.rows)
                for p in range(work.prompts)
                for m in range(work.models)
            )
        )
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return Figures(
        work.name, "floor", wall, work.calls, requests, gauge.mean(), peak_rss_mb(), errors, cpu
    )


# --------------------------------------------------------------------------- engine


def seed_store(store: Any, work: Workload, base_url: str) -> Any:
    from workbench.core.models import (
        DatasetContent,
        DatasetRow,
        Kind,
        ModelConfigContent,
        PromptContent,
    )
    from workbench.core.runs import RunSpec

    prompts = [
        store.save_version(
            Kind.PROMPT,
            f"prompt-{p}",
            PromptContent(user=f"Prompt {p}: le client demande {{{{ question }}}}"),
        ).version
        for p in range(work.prompts)
    ]
    models = [
        store.save_version(
            Kind.MODEL,
            f"bench-{m}",
            ModelConfigContent(
                provider="openai-compatible",
                model=f"bench-{m}",
                base_url=base_url,
                input_usd_per_mtok=0.0,
                output_usd_per_mtok=0.0,
            ),
        ).version
        for m in range(work.models)
    ]
    rows = tuple(
        DatasetRow(id=f"r{r:05d}", vars={"question": f"où en est sa commande numéro {r}."})
        for r in range(work.rows)
    )
    dataset = store.save_version(Kind.DATASET, "bench", DatasetContent(rows=rows)).version
    return RunSpec(
        prompt_ids=tuple(p.id for p in prompts),
        model_ids=tuple(m.id for m in models),
        dataset_id=dataset.id,
        concurrency=work.concurrency,
    )


async def engine(work: Workload, base_url: str, stream: bool) -> Figures:
    from workbench.core.models import ModelConfigContent
    from workbench.core.runs import CellStatus
    from workbench.engine.runner import EngineOptions, RunEngine
    from workbench.providers.registry import create_provider
    from workbench.providers.secrets import SecretStore
    from workbench.store import Store

    gauge = InFlight()
    requests = 0
    secrets = SecretStore({}, use_keyring=False)

    class Gauged:
        """Counts requests in flight around the real provider."""

        def __init__(self, inner: Any) -> None:
            self.inner = inner
            self.name = inner.name

        async def complete(self, request: Any, on_delta: Any = None) -> Any:
            nonlocal requests
            requests += 1
            gauge.enter()
            try:
                return await self.inner.complete(request, on_delta)
            finally:
                gauge.leave()

        async def aclose(self) -> None:
            await self.inner.aclose()

    def factory(config: ModelConfigContent) -> Gauged:
        return Gauged(create_provider(config, secrets=secrets, max_connections=work.concurrency))

    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "bench.sqlite") as store:
        spec = seed_store(store, work, base_url)
        run_engine = RunEngine(store, factory, options=EngineOptions(stream=stream))
        if work.warm:
            await run_engine.execute(run_engine.create_run(spec, "cold"))
            requests = 0
        gauge = InFlight()
        started, cpu = time.perf_counter(), time.process_time()
        run_id = run_engine.create_run(spec, work.name)
        summary = await run_engine.execute(run_id)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        left = len(store.cell_keys(run_id, [CellStatus.ERROR]))
        assert sum(summary.counts.values()) == work.calls, summary
    label = "engine" + ("+stream" if stream else "")
    return Figures(
        work.name, label, wall, work.calls, requests, gauge.mean(), peak_rss_mb(), left, cpu
    )


# --------------------------------------------------------------------------- driver


def server_args(work: Workload) -> list[str]:
    """Command-line arguments of the fake server for `work` (shared with promptfoo_bench)."""
    return [
        "--latency-ms", str(work.latency_ms),
        "--rate-limit-fraction", str(work.rate_limit_fraction),
        "--server-error-fraction", str(work.server_error_fraction),
        "--retry-after", "1",
        "--seed", "1",
    ]  # fmt: skip


def print_table(results: list[Figures], floors: dict[str, float]) -> None:
    """Print the figures, each with its ratio to the floor's wall time of the same workload."""
    header = (
        f"{'work':5}{'client':15}{'wall s':>8}{'calls/s':>9}{'requests':>9}"
        f"{'mean conc':>10}{'peak RSS MB':>12}{'errors':>7}{'x floor':>8}{'CPU s':>7}"
    )
    print(header)
    print("-" * len(header))
    for f in results:
        ratio = f.wall_s / floors[f.workload] if f.workload in floors else float("nan")
        print(
            f"{f.workload:5}{f.client:15}{f.wall_s:8.2f}{f.calls_per_s:9.1f}{f.requests:9d}"
            f"{f.mean_concurrency:10.1f}{f.peak_rss_mb:12.0f}{f.left_in_error:7d}{ratio:8.2f}"
            + (f"{f.cpu_s:7.2f}" if f.cpu_s is not None else f"{'-':>7}")
        )


def run_child(work: str, client: str, base_url: str) -> Figures:
    output = subprocess.run(
        [sys.executable, __file__, "--child", work, client, base_url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return Figures(**json.loads(output.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="W1,W2,W3,W1w", help="comma-separated workloads")
    parser.add_argument("--stream", action="store_true", help="also measure the engine streaming")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        work_name, client, base_url = args.child
        work = WORKLOADS[work_name]
        if client == "floor":
            figures = asyncio.run(floor(work, base_url))
        else:
            figures = asyncio.run(engine(work, base_url, stream=client == "engine+stream"))
        print(json.dumps(asdict(figures)))
        return

    from workbench.testing.fake_llm import FakeLLMProcess

    random.seed(0)
    results: list[Figures] = []
    floors: dict[str, float] = {}
    for name in args.only.split(","):
        work = WORKLOADS[name]
        clients = ["engine"] if work.warm else ["floor", "engine"]
        if args.stream and not work.warm:
            clients.append("engine+stream")
        with FakeLLMProcess(*server_args(work)) as server:
            for client in clients:
                figures = run_child(name, client, server.openai_base_url)
                results.append(figures)
                if client == "floor":
                    floors[name] = figures.wall_s
                print(
                    f"{name:4} {client:14} {figures.wall_s:7.2f} s, {figures.cpu_s or 0:.2f} s CPU",
                    file=sys.stderr,
                )
    print_table(results, floors)


if __name__ == "__main__":
    main()
