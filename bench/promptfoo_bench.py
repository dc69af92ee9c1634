"""promptfoo on the engine benchmark's workloads, next to the floor and the engine, in one run.

For each workload of `engine_bench` (W1, W2, W3, W1w) this starts the same fake OpenAI-compatible
server, measures the floor (bare aiohttp) and the engine through `engine_bench.run_child`, then
writes a ``promptfooconfig.yaml`` making the same calls (same prompts, rows and model names, one
``openai:chat:<model>`` provider per model whose ``apiBaseUrl`` is the fake server) and runs the
real ``promptfoo eval`` CLI on it with the workload's concurrency (``-j``). W1w runs promptfoo
twice on one cache folder and times the second run. promptfoo is driven from a child process of
its own, like the floor and the engine, so this driver stays small (see `promptfoo_child`).

Figures for promptfoo:
    wall s       promptfoo's own evaluation time (``evaluationDurationMs`` in its results file),
                 the span comparable to the engine's; the process time (Node start-up, config
                 loading, writing results) is printed separately below the table.
    requests     counted by the fake server (``GET /_admin/stats``), retries included.
    mean conc    requests x server latency / wall: the server holds every request for exactly its
                 latency, so this is the time-weighted mean of requests in flight (Little's law).
    peak RSS     the largest sum of resident memory over promptfoo's process tree, polled from
                 /proc every 50 ms (and never below the root process's own high-water mark).
    errors       results whose ``failureReason`` is an error, from promptfoo's results file.

promptfoo is located as the interop tests locate it (``WORKBENCH_PROMPTFOO_DIR``, else PATH; Node
>= 22). Its state stays in a temporary folder: ``PROMPTFOO_CONFIG_DIR`` and
``PROMPTFOO_CACHE_PATH`` point there, telemetry, update checks and sharing are off. Everything
talks to 127.0.0.1 only. Prints figures only (no assertions).

Usage: ``python bench/promptfoo_bench.py [--only W1,W2] [--skip-engine] [--timeout 900]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

# engine_bench puts the repository root on sys.path, so `tests` and `workbench` import.
from engine_bench import (
    WORKLOADS,
    Figures,
    Workload,
    print_table,
    run_child,
    server_args,
)

# Promptfoo's exit codes: 0 all passed, 100 some test failed or errored; anything else a crash.
PROMPTFOO_OK_EXIT_CODES = (0, 100)
RSS_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class PromptfooRun:
    """What one timed ``promptfoo eval`` produced, beyond the table's `Figures`.

    `cpu_s` is the user + system CPU time of promptfoo's process tree during the timed run;
    `error_kinds` counts the results left in error by the first line of their message.
    """

    figures: Figures
    process_wall_s: float
    cpu_s: float
    client_side_concurrency: float
    error_kinds: dict[str, int]


# --------------------------------------------------------------------------- config


def promptfoo_config(work: Workload, base_url: str) -> dict[str, Any]:
    """A promptfoo config making `work`'s calls: the engine bench's prompts, rows and models."""
    return {
        "description": f"workbench engine benchmark {work.name}",
        "prompts": [
            # Same text as engine_bench.seed_store's prompts; promptfoo sends a raw string
            # prompt as one user message, as the engine does.
            {"raw": f"Prompt {p}: le client demande {{{{ question }}}}", "label": f"prompt-{p}"}
            for p in range(work.prompts)
        ],
        "providers": [
            {
                "id": f"openai:chat:bench-{m}",
                "label": f"bench-{m}",
                # A placeholder: the fake server does not check keys, and promptfoo refuses
                # to call an OpenAI provider without one.
                "config": {"apiBaseUrl": base_url, "apiKey": "placeholder-not-a-key"},
            }
            for m in range(work.models)
        ],
        "tests": [
            {"vars": {"question": f"où en est sa commande numéro {r}."}} for r in range(work.rows)
        ],
        "evaluateOptions": {"maxConcurrency": work.concurrency},
    }


def promptfoo_env(base_env: dict[str, str], state_dir: Path) -> dict[str, str]:
    """promptfoo's environment with every piece of its state inside `state_dir`."""
    return {
        **base_env,
        "PROMPTFOO_DISABLE_TELEMETRY": "1",
        "PROMPTFOO_DISABLE_UPDATE": "1",
        "PROMPTFOO_DISABLE_SHARING": "1",
        "PROMPTFOO_CONFIG_DIR": str(state_dir / "config"),
        "PROMPTFOO_CACHE_PATH": str(state_dir / "cache"),
    }


# --------------------------------------------------------------------------- memory


def _process_tree(root: int) -> list[int]:
    """`root` and all its descendants, from the parent ids in /proc/<pid>/stat."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path("/proc", entry.name, "stat").read_text()
        except OSError:
            continue  # the process ended while we looked
        # The command name may hold spaces or parentheses; fields after the last ")" are fixed.
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    tree, pending = [], [root]
    while pending:
        pid = pending.pop()
        tree.append(pid)
        pending.extend(children.get(pid, ()))
    return tree


def _status_kib(pid: int, field: str) -> int:
    try:
        for line in Path("/proc", str(pid), "status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeRssPoller:
    """Polls the resident memory of a process tree in a thread; `peak_mb` is the largest sum."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.is_set():
            tree_kib = sum(_status_kib(pid, "VmRSS") for pid in _process_tree(self.root))
            # The root's high-water mark catches a peak that fell between two polls.
            self.peak_kib = max(self.peak_kib, tree_kib, _status_kib(self.root, "VmHWM"))
            self._stop.wait(RSS_POLL_SECONDS)

    def __enter__(self) -> TreeRssPoller:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self) -> float:
        return self.peak_kib / 1024


# --------------------------------------------------------------------------- promptfoo


def server_requests(server_url: str) -> int:
    """Requests the fake server has answered so far (its admin counters)."""
    with urllib.request.urlopen(f"{server_url}/_admin/stats", timeout=10) as response:
        return int(json.loads(response.read()).get("requests", 0))


def run_promptfoo(
    command: list[str],
    env: dict[str, str],
    config: Path,
    output: Path,
    *,
    cache: bool,
    concurrency: int,
    timeout_s: float,
) -> tuple[float, float, float]:
    """Run ``promptfoo eval`` once; returns process wall s, CPU s and peak tree RSS in MB.

    The CPU time is this process's children's, so the caller must have no other child running.
    """
    arguments = [
        *command,
        *("eval", "-c", str(config), "-o", str(output), "-j", str(concurrency)),
        *("--no-table", "--no-write", "--no-progress-bar", "--no-share"),
        *(() if cache else ("--no-cache",)),
    ]
    log_path = output.with_suffix(".log")
    with log_path.open("w", encoding="utf-8") as log:
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        # A session of its own, so a timeout can end exactly this process group.
        process = subprocess.Popen(
            arguments,
            cwd=config.parent,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        with TreeRssPoller(process.pid) as poller:
            try:
                code = process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                raise RuntimeError(f"promptfoo did not finish within {timeout_s:.0f} s") from None
        wall = time.perf_counter() - started
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    if code not in PROMPTFOO_OK_EXIT_CODES:
        tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError(f"promptfoo exited with {code}:\n{tail}")
    return wall, cpu, poller.peak_mb


def measure_promptfoo(
    work: Workload,
    server_url: str,
    promptfoo: tuple[list[str], dict[str, str]],
    timeout_s: float,
) -> PromptfooRun:
    """promptfoo on `work` against the fake server at `server_url`; W1w times a cached rerun."""
    command, base_env = promptfoo
    with tempfile.TemporaryDirectory(prefix="promptfoo-bench-") as tmp:
        folder = Path(tmp)
        env = promptfoo_env(base_env, folder / "state")
        config = folder / "promptfooconfig.yaml"
        # JSON is YAML, and keeps the accented row text exactly as written.
        config.write_text(
            json.dumps(promptfoo_config(work, f"{server_url}/v1"), ensure_ascii=False),
            encoding="utf-8",
        )
        output = folder / "results.json"
        options: dict[str, Any] = {"concurrency": work.concurrency, "timeout_s": timeout_s}
        if work.warm:
            run_promptfoo(command, env, config, folder / "fill.json", cache=True, **options)
        before = server_requests(server_url)
        process_wall, cpu, peak_mb = run_promptfoo(
            command, env, config, output, cache=work.warm, **options
        )
        requests = server_requests(server_url) - before
        document = json.loads(output.read_text(encoding="utf-8"))["results"]
    results: list[dict[str, Any]] = document["results"]
    if len(results) != work.calls:
        raise RuntimeError(f"promptfoo returned {len(results)} results for {work.calls} calls")
    wall = document["stats"]["evaluationDurationMs"] / 1000
    # failureReason 2 is promptfoo's "error" (1 is a failed assertion; the config has none).
    errors = [r for r in results if r.get("failureReason") == 2 or r.get("error")]
    in_flight = requests * work.latency_ms / 1000 / wall if wall else 0.0
    client_side = sum(r.get("latencyMs") or 0 for r in results) / 1000 / wall if wall else 0.0
    figures = Figures(
        work.name, "promptfoo", wall, work.calls, requests, in_flight, peak_mb, len(errors)
    )
    kinds = Counter(str(r.get("error") or "no message").splitlines()[0][:90] for r in errors)
    return PromptfooRun(figures, process_wall, cpu, client_side, dict(kinds))


# --------------------------------------------------------------------------- driver


def locate_promptfoo() -> tuple[list[str], dict[str, str]]:
    """promptfoo's command and environment, found as the interop tests find it.

    The parity tests own the lookup (``WORKBENCH_PROMPTFOO_DIR``, PATH, Node version check).
    """
    from tests.interop.test_promptfoo_parity import find_promptfoo

    found = find_promptfoo()
    if isinstance(found, str):
        raise SystemExit(f"promptfoo_bench: {found}")
    return found


def promptfoo_child(work: str, server_url: str, timeout_s: float) -> PromptfooRun:
    """Measure promptfoo from a child process; its answer is the last line of its stdout.

    A child because finding promptfoo imports the whole app and parsing a 5,000-result file
    takes tens of MB, and a child's ``ru_maxrss`` starts at its parent's high-water mark: a
    heavy parent would inflate the floor's and the engine's peak RSS measured after it.
    """
    command = [sys.executable, __file__, "--child", work, server_url, str(timeout_s)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(completed.stderr.strip()[-3000:] or f"exit {completed.returncode}")
    answer = json.loads(completed.stdout.strip().splitlines()[-1])
    return PromptfooRun(
        Figures(**answer["figures"]),
        answer["process_wall_s"],
        answer["cpu_s"],
        answer["client_side_concurrency"],
        answer["error_kinds"],
    )


def print_notes(runs: list[PromptfooRun]) -> None:
    """promptfoo's process time, its own view of its concurrency, and what its errors were."""
    print()
    print("promptfoo: process wall (Node start-up, config, results file included); CPU time of")
    print("its process tree; client-side mean concurrency (sum of its per-result latencyMs / wall,")
    print("so time spent queued inside promptfoo counts as in flight):")
    for run in runs:
        f = run.figures
        client_side = f"{run.client_side_concurrency:5.1f}" if f.requests else "    -"
        print(
            f"  {f.workload:4} process {run.process_wall_s:6.2f} s  eval {f.wall_s:6.2f} s"
            f"  CPU {run.cpu_s:6.2f} s ({1000 * run.cpu_s / f.calls:4.1f} ms/call)"
            f"  client-side conc {client_side}"
        )
        for kind, count in sorted(run.error_kinds.items(), key=lambda item: -item[1]):
            print(f"       {count:4d} x {kind}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="W1,W2,W3,W1w", help="comma-separated workloads")
    parser.add_argument("--skip-engine", action="store_true", help="measure only floor+promptfoo")
    parser.add_argument(
        "--timeout", type=float, default=900, help="seconds allowed per promptfoo run"
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        work_name, server_url, timeout_s = args.child
        run = measure_promptfoo(
            WORKLOADS[work_name], server_url, locate_promptfoo(), float(timeout_s)
        )
        print(json.dumps(asdict(run)))
        return

    from workbench.testing.fake_llm import FakeLLMProcess

    random.seed(0)
    results: list[Figures] = []
    runs: list[PromptfooRun] = []
    floors: dict[str, float] = {}
    failures: list[str] = []
    for name in args.only.split(","):
        work = WORKLOADS[name]
        clients = [] if work.warm else ["floor"]
        if not args.skip_engine:
            clients.append("engine")
        with FakeLLMProcess(*server_args(work)) as server:
            for client in clients:
                figures = run_child(name, client, server.openai_base_url)
                results.append(figures)
                if client == "floor":
                    floors[name] = figures.wall_s
                print(f"{name:4} {client:14} {figures.wall_s:7.2f} s", file=sys.stderr)
            try:
                run = promptfoo_child(name, server.base_url, args.timeout)
            except RuntimeError as error:
                failures.append(f"{name}: {error}")
                print(f"{name:4} promptfoo      failed: {error}", file=sys.stderr)
                continue
            results.append(run.figures)
            runs.append(run)
            print(
                f"{name:4} promptfoo      {run.figures.wall_s:7.2f} s "
                f"(process {run.process_wall_s:.2f} s)",
                file=sys.stderr,
            )

    print_table(results, floors)
    if runs:
        print_notes(runs)
    for failure in failures:
        print(f"failed: {failure}")


if __name__ == "__main__":
    main()
