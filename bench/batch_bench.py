"""A 20,000-cell batch run against the fake batch endpoints: submission, memory, collection.

Starts the fake server (``python -m workbench.testing.fake_llm``) in its own process and a
workspace with 10,000 rows × 2 model configs (one OpenAI, one Anthropic, both pointing at the
fake server through the real SDKs) and a deterministic rubric, then runs each phase in a fresh
child process, as a user would across two sittings:

- **submit**: create the run (plan, batch-priced estimate), write the input, upload/submit the
  batches and record every custom id in the store;
- **collect**: one ``collect`` pass after the fake batches have ended (``/_admin/batches``
  ``finish_all``): stream both providers' results, write 20,000 cells, cache entries and
  scores;
- **warm**: the same run again as a batch: every cell is a cache hit, nothing is sent.

Figures: wall time of the phase (inside the child, after imports), peak RSS of the child
(``ru_maxrss``), and for collect the cells written per second. Prints figures only.

Usage: ``python bench/batch_bench.py [--rows 10000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OPENAI_ENV = "BATCH_BENCH_OPENAI_KEY"
ANTHROPIC_ENV = "BATCH_BENCH_ANTHROPIC_KEY"


def seed(home: Path, base_url: str, rows: int) -> None:
    from workbench.app.paths import STORE_FILENAME
    from workbench.core.models import (
        CriterionSpec,
        DatasetContent,
        DatasetRow,
        Kind,
        ModelConfigContent,
        PromptContent,
        RubricContent,
    )
    from workbench.store import Store

    with Store.open(home / STORE_FILENAME) as store:
        store.save_version(
            Kind.PROMPT,
            "ask",
            PromptContent(system="You answer customers briefly.", user="{{ message }}"),
        )
        store.save_version(
            Kind.DATASET,
            "big",
            DatasetContent(
                rows=tuple(
                    DatasetRow(id=f"r{i:05d}", vars={"message": f"Where is my order {i}?"})
                    for i in range(rows)
                )
            ),
        )
        for name, provider, model, url, env in (
            ("gpt", "openai", "gpt-4o-mini", f"{base_url}/v1", OPENAI_ENV),
            ("claude", "anthropic", "claude-sonnet-4-5", base_url, ANTHROPIC_ENV),
        ):
            store.save_version(
                Kind.MODEL,
                name,
                ModelConfigContent(
                    provider=provider,  # type: ignore[arg-type]
                    model=model,
                    base_url=url,
                    api_key_env=env,
                    params={"max_tokens": 64},
                ),
            )
        store.save_version(
            Kind.RUBRIC,
            "answers",
            RubricContent(criteria=(CriterionSpec(kind="contains", config={"value": "Réponse"}),)),
        )


def child(phase: str, home: Path) -> dict[str, Any]:
    """One phase in this process; its figures."""
    from workbench.app.batch_runs import BatchRunService, batch_client_factory
    from workbench.app.paths import STORE_FILENAME
    from workbench.app.runs import build_spec
    from workbench.app.services import Services

    imports = time.perf_counter()
    import anthropic  # noqa: F401  (the SDKs' import is timed apart: 3 s of CPU on its own)
    import openai  # noqa: F401

    out: dict[str, Any] = {"phase": phase, "import_s": time.perf_counter() - imports}
    svc = Services(home)
    service = BatchRunService(svc.store, batch_client_factory(svc), svc.provider_factory())
    started = time.perf_counter()
    cpu = time.process_time()
    if phase in ("submit", "warm"):
        spec = build_spec(
            svc.store,
            prompts=["ask"],
            personas=[],
            models=["gpt", "claude"],
            dataset="big",
            rubric="answers",
        )
        estimate = service.estimate(spec)
        run_id = service.create_run(spec, phase)
        submission = asyncio.run(service.submit(run_id))
        out.update(
            run=run_id,
            jobs=submission.jobs,
            sent=submission.sent,
            cached=submission.cached,
            estimate_usd=round(estimate.cost_usd, 4),
        )
    else:
        outcome = asyncio.run(service.collect(1))
        out.update(collected=outcome.collected, errors=outcome.errors)
    out["seconds"] = time.perf_counter() - started
    out["cpu_s"] = time.process_time() - cpu
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["db_mb"] = (home / STORE_FILENAME).stat().st_size / 1e6
    svc.close()
    return out


def run_child(phase: str, home: Path, env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", phase, "--home", str(home)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{phase} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--child")
    parser.add_argument("--home")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, Path(args.home))))
        return

    from workbench.testing.fake_llm import FakeLLMProcess

    with FakeLLMProcess() as server, tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        seed(home, server.base_url, args.rows)
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "WORKBENCH_HOME": str(home),
            OPENAI_ENV: "sk-bench",
            ANTHROPIC_ENV: "sk-ant-bench",
        }
        submit = run_child("submit", home, env)
        request = urllib.request.Request(
            f"{server.base_url}/_admin/batches",
            data=json.dumps({"finish_all": True}).encode(),
            headers={"Content-Type": "application/json"},
        )
        urllib.request.urlopen(request).read()
        collect = run_child("collect", home, env)
        warm = run_child("warm", home, env)

    cells = args.rows * 2
    print(f"Batch run of {cells:,} cells ({args.rows:,} rows × gpt + claude), fake server")
    print(f"(each phase in a fresh process; SDK imports timed apart: {submit['import_s']:.1f} s)")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(
        f"submit : {submit['seconds']:6.2f} s (CPU {submit['cpu_s']:5.2f} s)  "
        f"peak RSS {submit['peak_rss_mb']:6.1f} MB  "
        f"{submit['jobs']} batches, {submit['sent']:,} requests, "
        f"estimate ${submit['estimate_usd']} at batch prices"
    )
    rate = collect["collected"] / collect["seconds"] if collect["seconds"] else 0.0
    cpu_rate = collect["collected"] / collect["cpu_s"] if collect["cpu_s"] else 0.0
    print(
        f"collect: {collect['seconds']:6.2f} s (CPU {collect['cpu_s']:5.2f} s)  "
        f"peak RSS {collect['peak_rss_mb']:6.1f} MB  "
        f"{collect['collected']:,} cells ({collect['errors']} errors), {rate:,.0f} cells/s "
        f"({cpu_rate:,.0f} per CPU-second), scored"
    )
    print(
        f"warm   : {warm['seconds']:6.2f} s (CPU {warm['cpu_s']:5.2f} s)  "
        f"peak RSS {warm['peak_rss_mb']:6.1f} MB  "
        f"{warm['cached']:,} cache hits, {warm['sent']} sent"
    )
    print(f"database: {warm['db_mb']:.1f} MB")


if __name__ == "__main__":
    main()
