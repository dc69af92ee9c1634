"""Run promptfoo-style JavaScript (assertions and transforms) in an embedded V8 sandbox.

The code runs in V8 through ``mini-racer``: no Node.js, no ``require``, no file system, no
network — only the JavaScript language and its built-ins. Each call has a wall-clock limit and
the isolate a hard memory limit; an infinite loop or a huge allocation raises `ScriptLimitError`
(an error for that cell, never a hang). Each worker thread has its own isolate, created on first
use and kept: V8 stops the script at the limit and the isolate stays usable. Calls always run
on the sandbox's own worker threads (never on a thread with a running asyncio loop, which
mini-racer would bind the isolate to), so scoring from async code is safe.

Function bodies follow promptfoo: a multi-line value is a function body used as written (it
returns with ``return``); a one-line value is an expression (``output.length > 10``), trailing
``;`` ignored, and a one-liner starting with ``const``/``let``/``var`` returns its last
statement (``const n = output.length; n > 3``). The body sees ``output`` and ``context``.
"""

from __future__ import annotations

import concurrent.futures
import json
import re
import threading
from typing import Any

from workbench.core.errors import KnownError

TIMEOUT_S = 2.0
"""Wall-clock limit of one call."""
MEMORY_LIMIT_BYTES = 128 * 1024 * 1024
"""Hard heap limit of one isolate."""

_local = threading.local()
_WORKERS = 2
_pool: concurrent.futures.ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_UNDEFINED_MARK = "__workbench_undefined__"


class ScriptError(KnownError):
    """The script ran and threw, or could not be parsed (promptfoo fails the assertion)."""


class ScriptLimitError(KnownError):
    """The script was stopped: it ran too long or used too much memory."""


class SandboxUnavailableError(KnownError):
    """The embedded JavaScript engine is not installed."""


def _isolate() -> Any:
    racer = getattr(_local, "racer", None)
    if racer is None:
        try:
            from py_mini_racer import MiniRacer
        except ImportError as error:  # pragma: no cover - the dependency is declared
            raise SandboxUnavailableError(
                "javascript needs the 'mini-racer' package (pip install mini-racer)"
            ) from error
        racer = MiniRacer()
        racer.set_hard_memory_limit(MEMORY_LIMIT_BYTES)
        _local.racer = racer
    return racer


def _last_statement_semicolon(code: str) -> int:
    """Index of the last ``;`` outside strings, comments and brackets, or -1."""
    depth = 0
    last = -1
    index = 0
    quote: str | None = None
    while index < len(code):
        char = code[index]
        if quote is not None:
            if char == "\\":
                index += 2
                continue
            if char == quote:
                quote = None
        elif char in "'\"`":
            quote = char
        elif code.startswith("//", index):
            end = code.find("\n", index)
            index = len(code) if end < 0 else end
            continue
        elif code.startswith("/*", index):
            end = code.find("*/", index + 2)
            index = len(code) if end < 0 else end + 2
            continue
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == ";" and depth == 0:
            last = index
        index += 1
    return last


def function_body(code: str) -> str:
    """The function body promptfoo builds from an assertion or transform value."""
    code = code.rstrip()
    if "\n" in code:
        return code
    trimmed = re.sub(r";+\s*$", "", code.strip())
    if re.match(r"^(const|let|var)\s", trimmed):
        semicolon = _last_statement_semicolon(trimmed)
        if semicolon >= 0 and trimmed[semicolon + 1 :].strip():
            return f"{trimmed[: semicolon + 1]} return {trimmed[semicolon + 1 :].strip()}"
        return trimmed
    return f"return {trimmed}"


def _program(code: str, output: Any, context: Any, expression: bool) -> str:
    arguments = json.dumps({"output": output, "context": context}, ensure_ascii=True)
    # A transform: promptfoo uses a multi-line body as is, else `return code`.
    transform_body = code if "\n" in code else f"return {code}"
    body = transform_body if expression else function_body(code)
    return (
        "(function () {\n"
        f"  const __args = {arguments};\n"
        "  globalThis.__workbench_fns = globalThis.__workbench_fns || new Map();\n"
        "  const __cache = globalThis.__workbench_fns;\n"
        "  let __fn = __cache.get(__args.__body);\n"
        "  if (!__fn) {\n"
        "    __fn = new Function('output', 'context', __args.__body);\n"
        "    if (__cache.size < 1000) __cache.set(__args.__body, __fn);\n"
        "  }\n"
        "  const __result = __fn(__args.output, __args.context);\n"
        f"  if (__result === undefined) return JSON.stringify({{t: '{_UNDEFINED_MARK}'}});\n"
        "  if (typeof __result === 'function') return JSON.stringify({t: 'function'});\n"
        "  if (typeof __result === 'number' && !Number.isFinite(__result))\n"
        "    return JSON.stringify({t: 'number', v: String(__result)});\n"
        "  if (__result !== null && typeof __result === 'object' && typeof __result.then ==="
        " 'function') return JSON.stringify({t: 'promise'});\n"
        "  return JSON.stringify({t: typeof __result, v: __result});\n"
        "})()"
    ).replace("__args.__body", json.dumps(body, ensure_ascii=True))


def run_javascript(
    code: str,
    output: Any,
    context: Any,
    *,
    timeout_s: float | None = None,
    expression: bool = False,
) -> tuple[str, Any]:
    """Run `code` as promptfoo does; returns (JavaScript type name, JSON value of the result).

    The type is ``boolean``, ``number``, ``string``, ``object`` (null, arrays, objects),
    ``undefined``, ``function`` or ``promise``; a non-finite number comes back as its text.

    `expression` reads `code` as a promptfoo transform (``return code`` for one line).

    Raises:
        ScriptError: the code does not parse or throws (the message is V8's).
        ScriptLimitError: the call ran longer than `timeout_s` or exhausted the memory limit.
    """
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = concurrent.futures.ThreadPoolExecutor(
                max_workers=_WORKERS, thread_name_prefix="js-sandbox"
            )
    program = _program(code, output, context, expression)
    # The module's limit is read at call time, so a caller (or a test on a loaded machine) can
    # change it for every script at once.
    limit = TIMEOUT_S if timeout_s is None else timeout_s
    return _pool.submit(_run_in_worker, program, limit).result()


def _run_in_worker(program: str, timeout_s: float) -> tuple[str, Any]:
    from py_mini_racer import (
        JSEvalException,
        JSOOMException,
        JSParseException,
        JSTimeoutException,
    )

    racer = _isolate()
    try:
        raw = racer.eval(program, timeout_sec=timeout_s)
    except JSTimeoutException:
        raise ScriptLimitError(
            f"javascript stopped after {timeout_s:g} s (time limit; an endless loop?)"
        ) from None
    except JSOOMException:
        # The heap is left at its limit: later scripts get a fresh isolate.
        _local.racer = None
        racer.close()
        raise ScriptLimitError(
            f"javascript stopped: memory limit of {MEMORY_LIMIT_BYTES // (1024 * 1024)} MB reached"
        ) from None
    except (JSParseException, JSEvalException) as error:
        raise ScriptError(_first_error_line(str(error))) from None
    decoded = json.loads(str(raw))
    kind = str(decoded.get("t"))
    if kind == _UNDEFINED_MARK:
        return "undefined", None
    return kind, decoded.get("v")


def _first_error_line(message: str) -> str:
    for line in reversed(message.strip().splitlines()):
        line = line.strip()
        if re.match(r"^[A-Za-z]*Error\b", line):
            return line
    return message.strip().splitlines()[0] if message.strip() else "the script failed"


def to_output_text(value: Any) -> str:
    """How promptfoo hands a non-text (transformed) output to text assertions: as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
