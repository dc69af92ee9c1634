"""End to end: the whole ``workbench run … --rubric`` process next to the floor and promptfoo.

A user meets a process, not an engine: start-up, imports, planning, the run, scoring, writing and
printing. For each workload this starts the fake OpenAI-compatible server in its own process and
times, from spawn to exit, three commands on the same calls:

- **floor**: a bare aiohttp client (``engine_bench.py --child W floor``) sending the same bodies;
- **workbench**: ``workbench --home H run --prompt … --model … --dataset … --rubric …`` on a
  workspace made beforehand (not timed) by ``workbench import-promptfoo`` of the same config
  promptfoo runs, whose default test asserts ``icontains`` and a per-row templated ``contains``;
- **promptfoo** (when found, as the interop tests find it): ``promptfoo eval`` on that config.

W1c re-runs W1 in the same workspace (and promptfoo on the same cache), timing the second run,
where every answer comes from the cache. Each command runs ``--repeat`` times (default 3); the
table shows medians and each median's ratio to the floor's median, measured in the same run.
Peak RSS and CPU come from ``os.wait4`` (the process's own figures; promptfoo's RSS is polled over
its process tree). Prints figures only; nothing here asserts a time.

The commands run with Python's bytecode cache on (``PYTHONDONTWRITEBYTECODE`` is dropped from
their environment), as an installed program runs: with it set, every ``workbench`` process
compiled its ~150 modules from source again (about 0.3 s CPU each time). The workspace set-up
commands, not timed, write the cache before the first timed run.

Usage: ``python bench/e2e_bench.py [--only W1,W2,W1c] [--repeat 3] [--no-promptfoo]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# engine_bench puts the repository root on sys.path, so `tests` and `workbench` import.
from engine_bench import WORKLOADS, Workload, server_args

BENCH = Path(__file__).resolve().parent
KEY_ENV = "E2E_BENCH_KEY"  # the fake server checks no key; the SDKs insist on having one


@dataclass(frozen=True)
class Timed:
    """One process, spawn to exit."""

    wall_s: float
    cpu_s: float
    peak_rss_mb: float


@dataclass(frozen=True)
class Case:
    workload: Workload
    cached: bool = False

    @property
    def name(self) -> str:
        return self.workload.name + ("c" if self.cached else "")


CASES = {
    "S": Case(WORKLOADS["S"]),  # a smoke check of the bench itself
    "W1": Case(WORKLOADS["W1"]),
    "W2": Case(WORKLOADS["W2"]),
    "W1c": Case(WORKLOADS["W1"], cached=True),
}


def config(work: Workload, base_url: str) -> dict[str, Any]:
    """promptfoo_bench's config for `work`, plus the asserts every test is scored with."""
    from promptfoo_bench import promptfoo_config

    document = promptfoo_config(work, base_url)
    for provider in document["providers"]:
        provider["config"] = {"apiBaseUrl": base_url, "apiKeyEnvar": KEY_ENV}
    document["defaultTest"] = {
        "assert": [
            {"type": "icontains", "value": "réponse à"},
            {"type": "contains", "value": "{{ who }}"},  # a templated value, rendered per row
        ]
    }
    for test in document["tests"]:
        test["vars"]["who"] = "client"
    return document


def timed(command: list[str], *, env: dict[str, str], log: Path, cwd: Path | None = None) -> Timed:
    """Run `command` to its end; its own wall time, CPU time and peak RSS."""
    with log.open("a", encoding="utf-8") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=out)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 100):  # promptfoo exits 100 when a test fails
        tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise RuntimeError(f"{command[0]} exited {process.returncode}:\n{tail}")
    return Timed(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def child_environment() -> dict[str, str]:
    """This process's environment with Python's bytecode cache allowed (see the docstring)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def workbench_command() -> list[str]:
    """The console script beside this interpreter, else the same entry point through -c."""
    script = Path(sys.executable).with_name("workbench")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from workbench.cli.main import entry_point; entry_point()"]


def prepare_workspace(home: Path, document: dict[str, Any], env: dict[str, str]) -> list[str]:
    """Import the config into a new workspace; the ``run`` arguments that make its calls."""
    folder = home / "e2e"
    folder.mkdir(parents=True)
    (folder / "promptfooconfig.yaml").write_text(
        json.dumps(document, ensure_ascii=False), encoding="utf-8"
    )
    base = [*workbench_command(), "--home", str(home)]
    log = home / "setup.log"
    timed([*base, "init", "--no-demo"], env=env, log=log)
    timed([*base, "import-promptfoo", str(folder / "promptfooconfig.yaml")], env=env, log=log)
    timed([*base, "run", "--help"], env=env, log=log)  # compiles the run command's modules
    args = [*base, "run", "--dataset", "e2e", "--rubric", "e2e"]
    for p in range(len(document["prompts"])):
        args += ["--prompt", f"e2e-prompt-{p}"]
    for m in range(len(document["providers"])):
        args += ["--model", f"e2e-bench-{m}"]
    return args


def measure_case(case: Case, repeat: int, promptfoo: Any) -> dict[str, list[Timed]]:
    from workbench.testing.fake_llm import FakeLLMProcess

    work = case.workload
    env = {**child_environment(), KEY_ENV: "placeholder-not-a-key"}
    found: dict[str, list[Timed]] = {"floor": [], "workbench": [], "promptfoo": []}
    with FakeLLMProcess(*server_args(work)) as server, tempfile.TemporaryDirectory() as tmp:
        base_url = server.openai_base_url
        document = config(work, base_url)
        log = Path(tmp) / "bench.log"
        for attempt in range(repeat):
            floor_cmd = [sys.executable, str(BENCH / "engine_bench.py"), "--child", work.name]
            if not case.cached:
                found["floor"].append(timed([*floor_cmd, "floor", base_url], env=env, log=log))
            home = Path(tmp) / f"home-{attempt}"
            run = prepare_workspace(home, document, env)
            run += ["--concurrency", str(work.concurrency)]
            if case.cached:
                timed(run, env=env, log=log)
            found["workbench"].append(timed(run, env=env, log=log))
            if promptfoo is not None:
                folder = Path(tmp) / f"pf-{attempt}"
                found["promptfoo"].append(promptfoo(work, case, document, folder))
            print(f"{case.name} #{attempt + 1} done", file=sys.stderr)
    return found


def promptfoo_runner() -> Any:
    """A function timing ``promptfoo eval`` on a case, or None when promptfoo is not found."""
    from promptfoo_bench import locate_promptfoo, promptfoo_env

    try:
        command, base_env = locate_promptfoo()
    except SystemExit as missing:
        print(f"promptfoo skipped: {missing}", file=sys.stderr)
        return None

    def run(work: Workload, case: Case, document: dict[str, Any], folder: Path) -> Timed:
        folder.mkdir(parents=True)
        env = {**promptfoo_env(base_env, folder / "state"), KEY_ENV: "placeholder-not-a-key"}
        path = folder / "promptfooconfig.yaml"
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        args = [*command, "eval", "-c", str(path), "-o", str(folder / "out.json")]
        args += ["-j", str(work.concurrency), "--no-table", "--no-progress-bar", "--no-share"]
        log = folder / "promptfoo.log"
        if case.cached:
            timed(args, env=env, log=log, cwd=folder)
        else:
            args.append("--no-cache")
        return timed(args, env=env, log=log, cwd=folder)

    return run


def print_table(results: dict[str, dict[str, list[Timed]]]) -> None:
    header = f"{'case':5}{'command':11}{'wall s':>8}{'x floor':>8}{'CPU s':>7}{'peak MB':>8}  runs"
    print(header)
    print("-" * len(header))
    floors = {
        name: statistics.median(t.wall_s for t in found["floor"])
        for name, found in results.items()
        if found["floor"]
    }
    for name, found in results.items():
        for command, runs in found.items():
            if not runs:
                continue
            wall = statistics.median(t.wall_s for t in runs)
            cpu = statistics.median(t.cpu_s for t in runs)
            peak = max(t.peak_rss_mb for t in runs)
            ratio = f"{wall / floors[name]:8.2f}" if name in floors else f"{'-':>8}"
            walls = ", ".join(f"{t.wall_s:.2f}" for t in runs)
            print(f"{name:5}{command:11}{wall:8.2f}{ratio}{cpu:7.2f}{peak:8.0f}  {walls}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="W1,W2,W1c", help="comma-separated cases")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command (median)")
    parser.add_argument("--no-promptfoo", action="store_true", help="skip promptfoo")
    args = parser.parse_args()
    promptfoo = None if args.no_promptfoo else promptfoo_runner()
    if shutil.which("workbench", path=str(Path(sys.executable).parent)) is None:
        print("note: no console script beside the interpreter; using python -c", file=sys.stderr)
    results = {
        name: measure_case(CASES[name], args.repeat, promptfoo) for name in args.only.split(",")
    }
    print_table(results)


if __name__ == "__main__":
    main()
