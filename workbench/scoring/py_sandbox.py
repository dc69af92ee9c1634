"""Run promptfoo ``python`` assertions in a separate, limited Python process.

promptfoo wraps the value in ``def main(output, context):`` — a one-line value is returned
(``return <value>``), a multi-line value is the function's body — and calls it. Here that runs
in a child interpreter started in isolated mode (``-I``: no user site, no current folder on the
path, no ``PYTHON*`` variables) in an empty temporary folder with an empty environment, under
limits: CPU time and address space (``setrlimit``), a wall-clock timeout, and an audit hook that
refuses opening files outside the Python installation, sockets, subprocesses and ``ctypes``.
The workspace is never reachable. Input and result travel as JSON on stdin / stdout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from typing import Any

from workbench.scoring.js_sandbox import ScriptError, ScriptLimitError

TIMEOUT_S = 5.0
MEMORY_LIMIT_BYTES = 512 * 1024 * 1024

_RUNNER = r"""
import json, sys, resource
limit_bytes, cpu_s = int(sys.argv[1]), int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))
resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s))
resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
payload = json.loads(sys.stdin.read())
import math, re, collections, itertools, functools, string, statistics, datetime  # noqa
_allowed = tuple({sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix})
_blocked = ("socket.", "subprocess.", "os.system", "os.exec", "os.posix_spawn", "os.fork",
            "os.spawn", "ctypes.", "os.remove", "os.rename", "os.rmdir", "os.mkdir",
            "shutil.", "os.chdir", "sys.addaudithook", "urllib.", "http.", "ftplib.",
            "smtplib.", "webbrowser.", "os.kill")
_no_import = ("socket", "ssl", "http", "urllib", "ftplib", "smtplib", "ctypes", "subprocess",
              "multiprocessing", "asyncio", "requests", "httpx", "shutil", "webbrowser")
def _hook(event, args):
    if event == "import":
        if str(args[0]).split(".")[0] in _no_import:
            raise PermissionError(f"python assertions cannot import {args[0]} (no network,"
                                  " processes or files)")
    elif event in ("os.listdir", "os.scandir"):
        import os.path as _p
        if not _p.realpath(str(args[0] if args[0] is not None else ".")).startswith(_allowed):
            raise PermissionError(f"python assertions cannot list folders ({args[0]})")
    elif event == "open":
        path = args[0]
        if isinstance(path, int):
            return
        path = str(path)
        mode = str(args[1] or "r")
        import os.path as _p
        real = _p.realpath(path)
        if any(m in mode for m in "wax+") or not real.startswith(_allowed):
            raise PermissionError(f"python assertions cannot open files ({path})")
    elif event.startswith(_blocked):
        raise PermissionError(f"python assertions cannot use {event.split('.')[0]} ({event})")
sys.addaudithook(_hook)
body = payload["body"]
if "\n" in body:
    import re as _re
    found = _re.search(r"^(?!\s*$)\s+", body, _re.M)
    indent = found.group(0) if found else "    "
    source = "def main(output, context):\n" + "\n".join(indent + l for l in body.split("\n"))
else:
    source = "def main(output, context):\n    return " + body
space = {"__name__": "__assertion__", "json": json}
try:
    exec(compile(source, "<python assertion>", "exec"), space)
    result = space["main"](payload["output"], payload["context"])
    out = {"ok": True, "type": type(result).__name__, "value": result}
    try:
        text = json.dumps(out)
    except (TypeError, ValueError):
        text = json.dumps({"ok": True, "type": type(result).__name__, "value": str(result)})
except MemoryError:
    text = json.dumps({"ok": False, "limit": True, "error": "MemoryError"})
except BaseException as error:
    text = json.dumps({"ok": False, "error": f"{type(error).__name__}: {error}"})
sys.stdout.write("\n@@result@@" + text)
"""


def run_python(
    body: str, output: Any, context: Any, *, timeout_s: float | None = None
) -> tuple[str, Any]:
    """Run a promptfoo python assertion body; returns (Python type name, JSON value).

    Raises:
        ScriptError: the code does not compile or raises (the message names the exception).
        ScriptLimitError: it ran past `timeout_s` or its memory limit.
    """
    if timeout_s is None:
        timeout_s = TIMEOUT_S  # read at call time, so the limit can be changed for every script
    payload = json.dumps({"body": body.rstrip(), "output": output, "context": context})
    with tempfile.TemporaryDirectory(prefix="workbench-py-assert-") as folder:
        try:
            completed = subprocess.run(
                [
                    sys.executable,
                    "-I",
                    "-c",
                    _RUNNER,
                    str(MEMORY_LIMIT_BYTES),
                    str(max(1, int(timeout_s))),
                ],
                input=payload,
                capture_output=True,
                text=True,
                cwd=folder,
                env={"PATH": os.defpath, "LANG": "C.UTF-8"},
                timeout=timeout_s,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ScriptLimitError(
                f"python stopped after {timeout_s:g} s (time limit; an endless loop?)"
            ) from None
    marker = completed.stdout.rfind("\n@@result@@")
    if marker < 0:
        if completed.returncode < 0 or "MemoryError" in completed.stderr:
            raise ScriptLimitError(
                "python stopped: memory or CPU limit reached"
                f" ({MEMORY_LIMIT_BYTES // (1024 * 1024)} MB, {timeout_s:g} s)"
            )
        tail = completed.stderr.strip().splitlines()[-1:] or ["no result"]
        raise ScriptError(f"python assertion failed: {tail[0]}")
    result = json.loads(completed.stdout[marker + len("\n@@result@@") :])
    if not result.get("ok"):
        if result.get("limit"):
            raise ScriptLimitError(
                f"python stopped: memory limit of {MEMORY_LIMIT_BYTES // (1024 * 1024)} MB reached"
            )
        message = str(result.get("error"))
        if message.startswith("PermissionError: python assertions cannot"):
            raise ScriptLimitError(message.removeprefix("PermissionError: "))
        raise ScriptError(message)
    return str(result["type"]), result["value"]
