"""Keeps API keys out of the database.

Model configs name the environment variable holding a key (`api_key_env`); a key pasted into
`params` (or into headers nested in it) would end up in every backup and export, so saving such a
config is refused with a message pointing to the right place.

Every string of a config is scanned the same way, wherever it sits: a key-shaped word anywhere in
the text (a sentence, the model name), and in URLs the user part, the password and the query
(``?api_key=...``, ``http://sk-...@host``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from workbench.core.errors import ValidationError
from workbench.core.models import ModelConfigContent

# Words that on their own mark a secret-bearing key.
_SECRET_WORDS = frozenset(
    {
        "secret",
        "password",
        "passwd",
        "authorization",
        "bearer",
        "apikey",
        "credential",
        "credentials",
        "cookie",
    }
)
# Two-word phrases that mark one; `token` alone is a secret but `max_tokens` is not.
_SECRET_PAIRS = frozenset(
    {
        ("api", "key"),
        ("private", "key"),
        ("access", "key"),
        ("secret", "key"),
        ("access", "token"),
        ("auth", "token"),
        ("refresh", "token"),
        ("session", "token"),
        ("bearer", "token"),
        ("api", "token"),
        ("id", "token"),
    }
)
# A key ending in one of these holds the *name* of a secret, which is what we want.
_NAME_SUFFIXES = frozenset({"env", "var", "variable", "name"})
# Shapes of well-known provider keys, in case one is pasted as a value.
_KEY_VALUE = re.compile(r"^(sk-|sk-ant-|sk-proj-|xai-|gsk_|hf_)[A-Za-z0-9_\-]{16,}$")
# The same shapes, and a few more, found anywhere inside a text.
_KEY_IN_TEXT = re.compile(
    r"(?<![A-Za-z0-9])(?:"
    r"(?:sk-ant-|sk-proj-|sk-|xai-|gsk_|hf_|glpat-|ghp_|gho_|ghs_|github_pat_)[A-Za-z0-9_\-]{16,}"
    r"|AIza[0-9A-Za-z_\-]{30,}"  # Google API keys
    r"|AKIA[0-9A-Z]{16}"  # AWS access key ids
    r"|xox[abposr]-[A-Za-z0-9\-]{10,}"  # Slack tokens
    r")"
)
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s\"'<>]+")


def find_secret_in_text(text: str) -> str | None:
    """Why `text` seems to carry a credential (a key-shaped word, a URL with credentials), or None.

    The reason never quotes the secret itself.
    """
    for match in _URL.finditer(text):
        reason = _url_secret(match.group(0))
        if reason is not None:
            return reason
    if _KEY_IN_TEXT.search(text):
        return "it contains what looks like an API key"
    return None


def _url_secret(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        username, password = parts.username, parts.password
    except ValueError:
        return None
    if password:
        return "its URL contains a password"
    if username and _KEY_IN_TEXT.search(unquote(username)):
        return "its URL's user part holds what looks like an API key"
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if value and (looks_like_secret_key(name) or _words(name) in (["key"], ["sig"])):
            return f"its URL's query parameter '{name}' looks like a secret"
        if _KEY_IN_TEXT.search(value):
            return f"its URL's query parameter '{name}' holds what looks like an API key"
    return None


def _words(key: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", key)  # apiKey -> api Key
    return [word for word in re.split(r"[^a-z0-9]+", spaced.lower()) if word]


def looks_like_secret_key(key: str) -> bool:
    """True when a parameter or field name suggests it holds a credential."""
    words = _words(key)
    if not words or words[-1] in _NAME_SUFFIXES:
        return False
    if words == ["token"] or any(word in _SECRET_WORDS for word in words):
        return True
    return any(pair in _SECRET_PAIRS for pair in itertools.pairwise(words))


def _walk(value: Any, where: str) -> Iterator[tuple[str, str | None, Any]]:
    """Yield (path, key, value) for every mapping entry and list item below `value`."""
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{where}.{key}"
            yield path, str(key), item
            yield from _walk(item, path)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            path = f"{where}[{index}]"
            yield path, None, item
            yield from _walk(item, path)


def _refuse(name: str, reason: str) -> ValidationError:
    return ValidationError(
        f"model config '{name}': {reason}; keys are never stored in the workspace — put the "
        "key in an environment variable and set api_key_env to that variable's name"
    )


def check_model_config(name: str, content: ModelConfigContent) -> None:
    """Raise a `ValidationError` if the config seems to carry a credential."""
    if content.api_key_env and _KEY_VALUE.match(content.api_key_env.strip()):
        raise _refuse(name, "api_key_env holds what looks like a key itself, not a name")
    if content.base_url and urlsplit(content.base_url).password:
        raise _refuse(name, "base_url contains a password")
    for path, key, value in _walk(content.params, "params"):
        if key is not None and looks_like_secret_key(key):
            reason = f"'{path}' looks like a secret"
        elif isinstance(value, str) and _KEY_VALUE.match(value.strip()):
            reason = f"the value of '{path}' looks like an API key"
        else:
            continue
        raise _refuse(name, reason)
    fields = content.model_dump(mode="python", exclude={"params"})
    strings = [(field, value) for field, value in fields.items() if isinstance(value, str)]
    strings += [(path, value) for path, _key, value in _walk(content.params, "params")]
    for path, value in strings:
        if isinstance(value, str):
            found = find_secret_in_text(value)
            if found is not None:
                raise _refuse(name, f"'{path}': {found}")
