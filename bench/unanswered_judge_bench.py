"""Precision and recall of unanswered detection in judge mode on a labelled set.

Each reply of the set goes to the judge through the engine (`EngineJudge`, no response cache,
so every figure is a fresh answer) with the criterion of `workbench.scoring.unanswered_judge`;
replies the judge fails on or answers unreadably fall back to the deterministic detector and
are counted apart. By default the judge is the embedded model (SmolLM2-135M through the bundled
llama.cpp server, on the CPU); ``--base-url`` points it at an OpenAI-compatible server instead
(the project's fake server makes this a pipeline test, not a measurement).

    python bench/unanswered_judge_bench.py --data bench/data/unanswered_fresh.tsv
    python bench/unanswered_judge_bench.py --limit 40          # a quick look
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from workbench.core.models import CriterionSpec, DatasetRow, ModelConfigContent
from workbench.engine.judge import EngineJudge
from workbench.providers.registry import create_provider
from workbench.providers.secrets import SecretStore
from workbench.scoring.results import ScoringContext
from workbench.scoring.unanswered_judge import judge_unanswered

sys.path.insert(0, str(Path(__file__).parent))
from unanswered_bench import DATA, POSITIVE, load


async def _run(args: argparse.Namespace) -> None:
    examples = load(args.data)
    if args.limit:
        # An even spread over the file, which is grouped by label.
        step = max(1, len(examples) // args.limit)
        examples = examples[::step][: args.limit]
    if args.base_url:
        config = ModelConfigContent(
            provider="openai-compatible", model=args.model or "judge", base_url=args.base_url
        )
    else:
        config = ModelConfigContent(provider="local", model=args.model or "smollm2")
    secrets = SecretStore({}, use_keyring=False)

    def factory(model: ModelConfigContent) -> object:
        return create_provider(model, secrets=secrets, timeout_s=300)

    spec = CriterionSpec(
        kind="unanswered", config={"mode": "judge", "params": {"max_tokens": args.max_tokens}}
    )
    tp = fp = fn = fallbacks = 0
    started = time.perf_counter()
    async with EngineJudge(config, factory, cache=None, concurrency=args.concurrency) as judge:  # type: ignore[arg-type]
        gate = asyncio.Semaphore(args.concurrency)

        async def one(text: str) -> tuple[bool, str]:
            async with gate:
                ctx = ScoringContext(output=text, row=DatasetRow(id="bench", vars={}))
                verdict = await judge_unanswered(ctx, judge, spec)
                return verdict.unanswered, verdict.source

        results = await asyncio.gather(*(one(e.text) for e in examples))
    elapsed = time.perf_counter() - started
    for example, (flagged, source) in zip(examples, results, strict=True):
        positive = example.label in POSITIVE
        tp += flagged and positive
        fp += flagged and not positive
        fn += positive and not flagged
        fallbacks += source != "judge"
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    print(
        f"judge {config.provider}/{config.model} on {args.data.name}: {len(examples)} replies — "
        f"precision {precision:.3f}, recall {recall:.3f} (tp {tp}, fp {fp}, fn {fn}); "
        f"{fallbacks} decided by the deterministic fallback; {elapsed:.0f} s "
        f"({elapsed / max(1, len(examples)):.1f} s a reply)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--limit", type=int, default=0, help="measure this many replies only")
    parser.add_argument("--base-url", help="an OpenAI-compatible server instead of the local model")
    parser.add_argument("--model", help="the model name (default: smollm2, the embedded one)")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--max-tokens", type=int, default=800, help="the judge's answer limit")
    asyncio.run(_run(parser.parse_args()))


if __name__ == "__main__":
    main()
