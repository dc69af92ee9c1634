"""Script assertions: how fast ``javascript`` and ``python`` criteria score, and how soon a
hostile one is stopped. Prints figures only.

Usage: ``python bench/script_assert_bench.py [--js N] [--py N]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workbench.core.models import CriterionSpec, DatasetRow
from workbench.scoring.registry import CriterionRegistry
from workbench.scoring.results import ScoringContext

REGISTRY = CriterionRegistry.default()
ROW = DatasetRow(id="r1", vars={"topic": "tides"})


def timed(kind: str, code: str, output: str) -> tuple[float, object]:
    spec = CriterionSpec(kind=kind, config={"code": code})
    start = time.perf_counter()
    result = REGISTRY.evaluate(spec, ScoringContext(output=output, row=ROW))
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--js", type=int, default=2000)
    parser.add_argument("--py", type=int, default=40)
    args = parser.parse_args()
    timed("javascript", "true", "warm-up")  # isolate creation, reported below separately
    cold, _ = timed("javascript", "true", "warm-up")
    js = [timed("javascript", "output.length > 10", f"answer {i} " * 5)[0] for i in range(args.js)]
    py = [timed("python", "len(output) > 10", f"answer {i} " * 5)[0] for i in range(args.py)]
    print(
        f"javascript  {args.js} evaluations: median {statistics.median(js) * 1e3:.2f} ms,"
        f" p95 {sorted(js)[int(0.95 * len(js))] * 1e3:.2f} ms,"
        f" {len(js) / sum(js):.0f}/s (warm isolate; a second call {cold * 1e3:.2f} ms)"
    )
    print(
        f"python      {args.py} evaluations: median {statistics.median(py) * 1e3:.1f} ms,"
        f" p95 {sorted(py)[int(0.95 * len(py))] * 1e3:.1f} ms (one child process each)"
    )
    hostile = [
        ("javascript", "while (true) {}\nreturn true"),
        ("javascript", "const a = [];\nwhile (true) { a.push(new Array(1e6).fill(1)); }"),
        ("javascript", "require('fs').readFileSync('/etc/passwd', 'utf8')"),
        ("python", "while True:\n    pass"),
        ("python", "x = [0] * (10**10)\nreturn True"),
        ("python", "open('/etc/passwd').read()"),
        ("python", "__import__('socket').socket()"),
    ]
    for kind, code in hostile:
        seconds, result = timed(kind, code, "x")
        error = getattr(result, "error", None)
        print(
            f"hostile {kind:10} {code.splitlines()[0][:40]!r:44} stopped in {seconds:5.2f} s:"
            f" {error}"
        )


if __name__ == "__main__":
    main()
