"""Robustness benchmarks: perturbation speed, and the robustness delta of the demo prompts.

Figures only (nothing asserts a time)::

    python bench/robustness_bench.py                      # speed + delta on the fake server
    python bench/robustness_bench.py --only speed         # 100,000 messages per perturbation
    python bench/robustness_bench.py --only delta --embedded --sample 3   # the embedded model
    python bench/robustness_bench.py --only delta --embedded --timeout 900  # on a loaded machine

Speed: the messages of the bundled datasets, cycled to `--messages` (100,000), each perturbed
with its own seed by every perturbation through `perturb_text` (protected-span detection
included), single process.

Delta: the demo prompts (order-tracking v2 and v3) × the demo personas on the demo dataset
(`smoke`, tracking rows) with every perturbation, scored with `support-quality`, through the
same use cases as ``workbench run --perturb`` — against the fake OpenAI-compatible server, or
the embedded SmolLM2 model (slow: a few seconds per call, so use a small `--sample`). The fake
server answers with `faq_responder` (``--responder faq``, the default): a deliberately simple
keyword-matching support bot, brittle to misspelt keywords — the figures show the pipeline and
the statistics on such a bot, not a model's robustness. ``--responder echo`` repeats the
message (every cell fails).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench.app import runs as run_service  # noqa: E402
from workbench.app.robustness import (  # noqa: E402
    PerturbOptions,
    parse_perturbations,
    perturb_spec,
    robustness_report,
)
from workbench.app.scoring import score_run  # noqa: E402
from workbench.app.services import Services  # noqa: E402
from workbench.core.models import DatasetContent, Kind, ModelConfigContent  # noqa: E402
from workbench.core.perturb import PERTURBATIONS, perturb_text  # noqa: E402
from workbench.engine.retry import RetryPolicy  # noqa: E402
from workbench.engine.runner import EngineOptions, RunEngine  # noqa: E402
from workbench.interop.datasets import read_dataset  # noqa: E402
from workbench.testing.fake_llm import (  # noqa: E402
    FakeLLMServer,
    default_responder,
    faq_responder,
)

ALL = ",".join(PERTURBATIONS)
RESPONDERS = {"faq": faq_responder, "echo": default_responder}


def bench_speed(count: int) -> dict[str, float]:
    messages: list[str] = []
    for path in sorted((ROOT / "datasets").glob("*.jsonl")):
        content = read_dataset(path)
        messages += [str(r.vars["message"]) for r in content.rows if "message" in r.vars]
    batch = [messages[i % len(messages)] for i in range(count)]
    chars = sum(len(m) for m in batch)
    print(f"speed: {count:,} messages ({chars / count:.0f} characters on average)")
    figures: dict[str, float] = {}
    cpu_total = 0.0
    for kind in PERTURBATIONS:
        started, cpu = time.perf_counter(), time.process_time()
        for seed, message in enumerate(batch):
            perturb_text(message, kind, seed=seed)
        figures[kind] = time.perf_counter() - started
        used = time.process_time() - cpu
        cpu_total += used
        print(
            f"  {kind:12} {figures[kind]:6.2f} s wall, {used:6.2f} s CPU"
            f"  ({count / figures[kind]:,.0f} messages/s)"
        )
    print(f"  {'all 7':12} {sum(figures.values()):6.2f} s wall, {cpu_total:6.2f} s CPU")
    print(f"  load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return figures


def bench_delta(
    embedded: bool,
    sample: int | None,
    kinds: str,
    *,
    all_rows: bool,
    one_persona: bool,
    timeout_s: float = 120.0,
    responder: str = "faq",
    dataset: str | None = None,
) -> None:
    with tempfile.TemporaryDirectory() as home:
        os.environ["WORKBENCH_HOME"] = home
        svc = Services(home)
        svc.ensure_demo_loaded()
        store = svc.store
        server = None
        if embedded:
            models = list(run_service.DEMO_MODELS)
        else:
            server = FakeLLMServer(responder=RESPONDERS[responder]).start()
            store.save_version(
                Kind.MODEL,
                "fake",
                ModelConfigContent(
                    provider="openai-compatible", model="fake", base_url=server.openai_base_url
                ),
            )
            models = ["fake"]
        try:
            spec = run_service.build_spec(
                store,
                prompts=list(run_service.DEMO_PROMPTS),
                personas=list(run_service.DEMO_PERSONAS[: 1 if one_persona else None]),
                models=models,
                dataset=dataset or run_service.DEMO_DATASET,
                rows=run_service.RowSelection(
                    tag=None if all_rows else run_service.DEMO_ROW_TAG, sample=sample, seed=1
                ),
                rubric=run_service.DEMO_RUBRIC,
                concurrency=1 if embedded else 8,
            )
            options = PerturbOptions(parse_perturbations(kinds), seed=0)
            perturbed = perturb_spec(store, spec, options, author="bench")
            # On a loaded machine one embedded-model call can take minutes: a per-call timeout
            # that is too short retries calls the llama.cpp server is still computing.
            engine_options = EngineOptions(retry=RetryPolicy(timeout_s=timeout_s))
            engine = RunEngine(store, svc.provider_factory(), options=engine_options)
            run_id = engine.create_run(perturbed.spec, "robustness bench")
            started = time.perf_counter()
            summary = asyncio.run(engine.execute(run_id))
            elapsed = time.perf_counter() - started
            rubric = store.resolve(Kind.RUBRIC, run_service.DEMO_RUBRIC)
            score_run(store, run_id, rubric)
            report = robustness_report(store, run_id, rubric.id)
            target = "embedded SmolLM2-135M" if embedded else f"fake server ({responder} responder)"
            data = store.get_version(spec.dataset_id)
            assert isinstance(data.content, DatasetContent)
            print(
                f"delta on {target}: {perturbed.originals} rows of {data.ref} +"
                f" {perturbed.variants} variants × {len(store.get_run(run_id).columns)} columns ="
                f" {summary.calls} calls in {elapsed:.1f} s ({summary.counts})"
            )
            assert report is not None
            for column in store.get_run(run_id).columns:
                print(f"  #{column.index} {column.label}")
                for delta in report.for_column(column.index):
                    print(f"    {delta.verdict}")
                    if delta.flipped or delta.fixed:
                        print(
                            f"      flipped pass→fail: {', '.join(delta.flipped) or '-'};"
                            f" fail→pass: {', '.join(delta.fixed) or '-'}"
                        )
        finally:
            if server is not None:
                server.stop()
            svc.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("speed", "delta"))
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--embedded", action="store_true", help="delta on the embedded model")
    parser.add_argument("--sample", type=int, default=None, help="rows of the demo dataset")
    parser.add_argument("--perturb", default=ALL)
    parser.add_argument("--all-rows", action="store_true", help="not only the tracking rows")
    parser.add_argument(
        "--dataset", default=None, help="a dataset of the demo workspace (default: the demo run's)"
    )
    parser.add_argument("--one-persona", action="store_true", help="the first demo persona only")
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="seconds per call before a retry"
    )
    parser.add_argument(
        "--responder",
        choices=tuple(RESPONDERS),
        default="faq",
        help="the fake server's answers: faq (a keyword-matching support bot) or echo",
    )
    args = parser.parse_args()
    if args.only in (None, "speed"):
        bench_speed(args.messages)
    if args.only in (None, "delta"):
        bench_delta(
            args.embedded,
            args.sample,
            args.perturb,
            all_rows=args.all_rows,
            one_persona=args.one_persona,
            timeout_s=args.timeout,
            responder=args.responder,
            dataset=args.dataset,
        )


if __name__ == "__main__":
    main()
