"""Regular expressions compiled on first use instead of at import.

The unanswered detector and the register criterion hold about seventy large patterns;
compiling them all when their modules load cost every command that imports the scoring
stack (``runs list``, a run whose rubric never reads a reply, …) a tenth of a second. A
`lazy_compile` pattern compiles when one of its methods or attributes is first asked for, then
keeps the compiled pattern's bound methods on itself, so later calls cost what the compiled
pattern's own do.

It stands in for a compiled pattern through its methods and attributes (``search``, ``sub``,
``pattern``, …): hand it to code that calls those, not to ``re.sub(pattern, …)`` or an
``isinstance`` check.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import regex

_BOUND = (
    "search",
    "match",
    "fullmatch",
    "finditer",
    "findall",
    "sub",
    "subn",
    "split",
    "scanner",
    "pattern",
    "flags",
    "groups",
    "groupindex",
)
_LOCK = threading.Lock()


class _LazyPattern:
    """A pattern compiled by `compiler` the first time it is used."""

    def __init__(self, compiler: Callable[[str, int], Any], source: str, flags: int) -> None:
        self._compiler = compiler
        self._source = source
        self._flags = flags

    def __getattr__(self, name: str) -> Any:
        # Only reached for names not set yet: compile, then bind the pattern's own attributes
        # here so that this method is never called for them again.
        if name.startswith("_"):
            raise AttributeError(name)
        with _LOCK:
            compiled = self.__dict__.get("_compiled")
            if compiled is None:
                compiled = self._compiler(self._source, self._flags)
                for attribute in _BOUND:
                    if hasattr(compiled, attribute):
                        self.__dict__[attribute] = getattr(compiled, attribute)
                self.__dict__["_compiled"] = compiled
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy_compile({self._source!r})"


def lazy_compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile(pattern, flags)`, compiled on first use (see the module docstring)."""
    return cast("re.Pattern[str]", _LazyPattern(re.compile, pattern, flags))


def _compile_regex(pattern: str, flags: int) -> Any:
    import regex

    return regex.compile(pattern, flags)


def lazy_regex(pattern: str, flags: int = 0) -> regex.Pattern[str]:
    """`regex.compile(pattern, flags)` (the third-party module, imported on first use too)."""
    return cast("regex.Pattern[str]", _LazyPattern(_compile_regex, pattern, flags))
