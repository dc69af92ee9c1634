"""Token counts that work offline, labelled as exact or estimated.

tiktoken downloads its BPE rank files on first use, which fails without internet. The package
ships ``o200k_base`` and ``cl100k_base`` (MIT, see ``tiktoken_data/README.txt`` for provenance and
the hashes tiktoken checks) and builds `tiktoken.Encoding` objects from them directly, so neither
the network nor ``TIKTOKEN_CACHE_DIR`` is involved.

Counts are exact for OpenAI models tiktoken knows. Any other model (Claude has no public
tokenizer; local models have their own) gets an ``o200k_base`` count marked ``estimated``; if the
rank files are missing, a characters/4 estimate, also marked.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path

import tiktoken
from tiktoken.load import load_tiktoken_bpe
from tiktoken.model import encoding_name_for_model

from workbench.core.llm import Message

DATA_DIR = Path(__file__).with_name("tiktoken_data")
FALLBACK_ENCODING = "o200k_base"

# Special tokens and split patterns as tiktoken_ext/openai_public.py defines them (MIT, OpenAI).
_ENDOFTEXT, _ENDOFPROMPT = "<|endoftext|>", "<|endofprompt|>"
_FIM = ("<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>")
_O200K_PATTERN = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
_CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
_ENCODINGS = {
    "o200k_base": (
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        _O200K_PATTERN,
        {_ENDOFTEXT: 199999, _ENDOFPROMPT: 200018},
    ),
    "cl100k_base": (
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        _CL100K_PATTERN,
        {
            _ENDOFTEXT: 100257,
            _FIM[0]: 100258,
            _FIM[1]: 100259,
            _FIM[2]: 100260,
            _ENDOFPROMPT: 100276,
        },
    ),
}
# o200k_harmony adds special tokens only; ordinary text encodes exactly as o200k_base.
_SAME_AS = {"o200k_harmony": "o200k_base"}

# Chat framing per OpenAI's published counting recipe: 3 tokens per message, 3 to prime a reply.
TOKENS_PER_MESSAGE = 3
TOKENS_PER_REPLY = 3

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenCount:
    """A token count; `estimated` is True when it is not the model's own tokenizer."""

    n: int
    estimated: bool
    encoding: str | None = None


@functools.cache
def load_encoding(name: str) -> tiktoken.Encoding | None:
    """The bundled encoding (cached: loading one costs about 0.25 s); None when unavailable."""
    if name not in _ENCODINGS:
        return None
    expected_hash, pattern, special_tokens = _ENCODINGS[name]
    try:
        ranks = load_tiktoken_bpe(str(DATA_DIR / f"{name}.tiktoken"), expected_hash=expected_hash)
    except (OSError, ValueError) as exc:
        log.warning("bundled tokenizer %s unavailable (%s); counts will be estimates", name, exc)
        return None
    return tiktoken.Encoding(
        name=name, pat_str=pattern, mergeable_ranks=ranks, special_tokens=special_tokens
    )


def encoding_for_model(model: str) -> tuple[str, bool]:
    """The encoding to count `model`'s tokens with, and whether that count is exact."""
    try:
        name = encoding_name_for_model(model)
    except KeyError:
        return FALLBACK_ENCODING, False
    name = _SAME_AS.get(name, name)
    if name in _ENCODINGS:
        return name, True
    return FALLBACK_ENCODING, False


def count_tokens(text: str, model: str) -> TokenCount:
    """Tokens of `text` for `model` (exact for OpenAI models, else an o200k estimate)."""
    name, exact = encoding_for_model(model)
    encoding = load_encoding(name)
    if encoding is None:
        return TokenCount(estimate_from_chars(text), estimated=True)
    return TokenCount(len(encoding.encode(text, disallowed_special=())), not exact, name)


def count_messages(messages: tuple[Message, ...] | list[Message], model: str) -> TokenCount:
    """Prompt tokens of a chat request, framing included."""
    name, exact = encoding_for_model(model)
    encoding = load_encoding(name)
    if encoding is None:
        chars = sum(len(m.content) + len(m.role) for m in messages)
        framing = TOKENS_PER_MESSAGE * len(messages) + TOKENS_PER_REPLY
        return TokenCount(estimate_from_chars("x" * chars) + framing, estimated=True)
    total = TOKENS_PER_REPLY
    for message in messages:
        total += TOKENS_PER_MESSAGE
        total += len(encoding.encode(message.role, disallowed_special=()))
        total += len(encoding.encode(message.content, disallowed_special=()))
    return TokenCount(total, not exact, name)


def estimate_from_chars(text: str) -> int:
    """About four characters per token: the usual rule of thumb for English and French."""
    return (len(text) + 3) // 4
