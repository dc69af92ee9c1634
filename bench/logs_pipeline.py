"""Import + anonymise + analyse throughput and peak memory on generated shop logs.

Generates N messages of the demo shop's conversations (fake PII included) to a temporary
JSONL file, then imports it into a fresh workspace store (anonymising with Presidio + spaCy
NER unless --no-ner) and analyses it (KPIs, TF-IDF clusters). Peak memory is the kernel's
high-water mark of this process (ru_maxrss), printed after each phase. Run:

    PYTHONPATH=. python bench/logs_pipeline.py --messages 1000000 [--no-ner]
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

from workbench.app.logs import analyse_log, import_log
from workbench.store import Store
from workbench.testing.shop_logs import conversations


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--no-ner", action="store_true")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--reuse", action="store_true", help="Keep an already generated file.")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="wb-logs-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    source = work / "shop.jsonl"
    started = time.perf_counter()
    written = 0
    if args.reuse and source.exists():
        with source.open("rb") as existing:
            written = sum(1 for _ in existing)
    else:
        written = _generate(source, args.messages)
    print(
        f"{written} messages ({source.stat().st_size / 1e6:.0f} MB) ready in "
        f"{time.perf_counter() - started:.1f} s; peak RSS {peak_mb():.0f} MB",
        flush=True,
    )
    _run(work, source, written, use_ner=not args.no_ner)


def _generate(source: Path, messages: int) -> int:
    written = 0
    with source.open("w", encoding="utf-8") as out:
        for conv in conversations(10**9, seed=99, days=30):
            for message in conv:
                out.write(json.dumps(message, ensure_ascii=False) + "\n")
                written += 1
            if written >= messages:
                break
    return written


def _run(work: Path, source: Path, written: int, *, use_ner: bool) -> None:
    store = Store.open(work / "workbench.sqlite")
    last = [time.perf_counter()]

    def progress(phase: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] > 30:
            last[0] = now
            print(f"  {phase} {done}/{total} peak RSS {peak_mb():.0f} MB", flush=True)

    started, cpu = time.perf_counter(), time.process_time()
    result = import_log(store, source, family="bench", use_ner=use_ner, progress=progress)
    took, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"  CPU {cpu:.0f} s = {written / cpu:.0f} messages per CPU-second")
    print(
        f"import+anonymise: {result.messages_added} messages, {result.conversations} "
        f"conversations in {took:.0f} s = {written / took:.0f} messages/s; "
        f"replacements {result.replacements}; peak RSS {peak_mb():.0f} MB",
        flush=True,
    )
    started, cpu = time.perf_counter(), time.process_time()
    analysis = analyse_log(store, "bench", period="week", progress=progress)
    took, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"  CPU {cpu:.0f} s = {written / cpu:.0f} messages per CPU-second")
    print(
        f"analyse: {analysis.user_turns} customer turns, {len(analysis.clusters)} clusters in "
        f"{took:.0f} s = {written / took:.0f} messages/s; peak RSS {peak_mb():.0f} MB",
        flush=True,
    )
    print(f"database {(work / 'workbench.sqlite').stat().st_size / 1e6:.0f} MB in {work}")
    store.close()


if __name__ == "__main__":
    main()
