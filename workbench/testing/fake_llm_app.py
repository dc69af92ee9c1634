"""The fake LLM API's request handling: answers, faults and the request log (aiohttp + stdlib).

`FakeLLMServer` and `FakeLLMProcess` in `workbench.testing.fake_llm` serve this application;
this module holds what it answers and how: the responders, the `Reply` script, the `Faults`
knobs, the `RequestRecord` log, and the OpenAI / Anthropic route handlers.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

Responder = Callable[[dict[str, Any]], str]
"""Makes the answer text from the parsed JSON request body."""

AUTH_HEADERS = frozenset({"authorization", "x-api-key", "api-key"})
_WORD_CHUNKS = re.compile(r"\S+\s*|\s+")


def default_responder(body: dict[str, Any]) -> str:
    """Answer ``Réponse à: <first 40 characters of the last user message>``."""
    return f"Réponse à: {last_user_text(body)[:40]}"


EMBEDDING_SIZE = 64


def fake_embedding(text: str) -> list[float]:
    """A unit vector from the text's words (each word hashed to a dimension): texts that share
    words are similar, and the same text always gives the same vector."""
    vector = [0.0] * EMBEDDING_SIZE
    for word in re.findall(r"\w+", text.lower()):
        digest = hashlib.sha256(word.encode("utf-8")).digest()
        vector[digest[0] % EMBEDDING_SIZE] += 1.0
    norm = sum(x * x for x in vector) ** 0.5 or 1.0
    return [round(x / norm, 6) for x in vector]


_SIMULATOR_CUES = ("Tu joues le rôle d'un client", "role-playing a customer")
_SIM_END_AFTER = re.compile(r"\[\[sim:end-after=(\d+)\]\]")


def system_text(body: dict[str, Any]) -> str:
    """The system prompt of an OpenAI or Anthropic request body ("" when none)."""
    if body.get("system"):
        return _content_text(body["system"])
    for message in body.get("messages") or []:
        if message.get("role") == "system":
            return _content_text(message.get("content"))
    return ""


def conversation_responder(body: dict[str, Any]) -> str:
    """A scripted simulated customer when the system prompt is a customer brief, else default.

    As a customer (the system prompt starts like the default customer template) it writes
    ``Client, message N : <goal>`` and, once it has read K answers, ``Merci, au revoir. [FIN]``
    (K = 3, or ``[[sim:end-after=K]]`` anywhere in the brief). ``[[sim:empty]]`` makes it
    answer an empty message, ``[[sim:runaway]]`` a 5,000-character one: simulator faults a
    simulation must count as errors, never as the assistant's failure. Asked for the
    customer's final mood (the conversation judge), it answers ``neutral``.
    """
    system = system_text(body)
    if "How does the customer feel at the end?" in system:  # the final-mood judge
        return '{"mood": "neutral", "reason": "scripted judge"}'
    if not any(cue in system for cue in _SIMULATOR_CUES):
        return default_responder(body)
    if "[[sim:empty]]" in system:
        return ""
    if "[[sim:runaway]]" in system:
        return "bla " * 1250
    found = _SIM_END_AFTER.search(system)
    end_after = int(found.group(1)) if found else 3
    # The mirrored history: the assistant's answers arrive as user messages after the cue.
    answers = sum(1 for m in (body.get("messages") or [])[2:] if m.get("role") == "user")
    if answers >= end_after:
        return "Merci, au revoir. [FIN]"
    goal = ""
    for heading in ("## Ce que tu veux\n", "## What you want\n"):
        if heading in system:
            goal = system.split(heading, 1)[1].split("\n", 1)[0].strip()
    return f"Client, message {answers + 1} : {goal}"


_PARAPHRASE_CUES = ("Tu réécris des messages de clients", "You rewrite customer messages")
_PARA_MARK = re.compile(r"\s*\[\[para:([a-z-]+)\]\]\s*")
_DIGIT_TOKEN = re.compile(r"\S*\d\S*")


def paraphrase_responder(body: dict[str, Any]) -> str:
    """A scripted customer-message rewriter when the system prompt asks for a paraphrase.

    The rewrite is the original message (the first user message) with a customer's opening
    (``Re-bonjour !`` / ``Hi again!``) and a few words swapped, every number, e-mail and amount
    kept. A mark in the original scripts a bad rewrite: ``[[para:drop]]`` drops every token
    with a digit, ``[[para:drop-once]]`` does so only on the first request (not on the retry
    that names the reason), ``[[para:empty]]`` answers nothing, ``[[para:english]]`` answers in
    English, ``[[para:long]]`` answers far too long. Any other request gets the default answer.
    """
    system = system_text(body)
    if not any(cue in system for cue in _PARAPHRASE_CUES):
        return default_responder(body)
    users = [m for m in body.get("messages") or [] if m.get("role") == "user"]
    original = _content_text(users[0].get("content")) if users else ""
    marks = set(_PARA_MARK.findall(original))
    text = _PARA_MARK.sub(" ", original).strip()
    retry = len(users) > 1
    if "empty" in marks:
        return ""
    if "english" in marks:
        kept = " ".join(_DIGIT_TOKEN.findall(text))
        return f"Hello, I still have not received my parcel {kept}, where is it please?"
    if "long" in marks:
        return "Alors voilà, " + "je vous explique toute l'histoire depuis le début. " * 40
    if "drop" in marks or ("drop-once" in marks and not retry):
        text = _DIGIT_TOKEN.sub("", text)
    french = "You rewrite customer messages" not in system
    for old, new in (
        (("Bonjour", "Salut"), ("Hello", "Hey")),
        (("bonjour", "salut"), ("hello", "hey")),
        (("Merci", "Merci d'avance"), ("Thank you", "Thanks a lot")),
    ):
        source, target = old if french else new
        text = text.replace(source, target)
    return ("Re-bonjour ! " if french else "Hi again! ") + text


_FAQ_ORDER_NUMBER = re.compile(r"\bML-\d{6}\b")
_FAQ_STATUS = re.compile(r"Commande ML-\d{6}[^\n]*")
_FAQ_MESSAGE_HEAD = re.compile(r"^.*?(?:Message du client|Message|Customer message)\s*:\s*", re.S)
_FAQ_ENGLISH = frozenset(
    [
        "the",
        "my",
        "where",
        "is",
        "i",
        "how",
        "hello",
        "hi",
        "any",
        "for",
        "of",
        "until",
        "it's",
        "what",
        "when",
        "can",
        "you",
        "your",
    ]
)
# (topic, any of these keywords, and all of those) in the order the bot tries them;
# a keyword is a regular expression matched at a word start.
_FAQ_TOPICS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("candle-used", ("allumé",), ("bougie",)),
    ("candle-used", (r"lit\b", "burnt", "burned"), ("candle",)),
    ("first-burn", ("first burn", "première utilisation", "premier allumage"), ()),
    ("bulb", ("ampoule", "bulb"), ()),
    ("refund", ("rembours", "money back", "refund", "sent back", "retour"), ()),
    ("tracking", ("commande", "colis", "livraison", "reçu", "où en est", "order", "parcel"), ()),
)
_FAQ_ANSWERS: dict[str, tuple[str, str, str]] = {
    # topic: (French with « vous », French with « tu », English)
    "candle-used": (
        "Bonjour, je comprends votre déception. Pour des raisons d’hygiène et de sécurité, une"
        " bougie allumée ne peut être ni reprise ni remboursée. Une bougie encore sous film se"
        " retourne sous 30 jours depuis votre espace client.",
        "Salut, je comprends ta déception. Pour des raisons d’hygiène et de sécurité, une bougie"
        " allumée ne peut être ni reprise ni remboursée. Une bougie encore sous film se retourne"
        " sous 30 jours depuis ton espace client.",
        "Hello, I understand your disappointment. For hygiene and safety reasons a candle that"
        " has been lit cannot be returned or refunded. A candle still in its film can be returned"
        " within 30 days from your account.",
    ),
    "first-burn": (
        "Bonjour, la première fois, laissez la bougie brûler 2 heures pour que toute la surface"
        " fonde, et coupez la mèche à 5 mm avant chaque utilisation.",
        "Salut, la première fois, laisse la bougie brûler 2 heures pour que toute la surface"
        " fonde, et coupe la mèche à 5 mm avant chaque utilisation.",
        "Hello, the first time, let the candle burn for 2 hours so the whole surface melts, and"
        " trim the wick to 5 mm before each use.",
    ),
    "bulb": (
        "Bonjour, la lampe Orsay a une douille E27 : une ampoule de 40 W maximum (ou une LED"
        " équivalente). Vos ampoules de 60 W sont trop puissantes pour elle.",
        "Salut, la lampe Orsay a une douille E27 : une ampoule de 40 W maximum (ou une LED"
        " équivalente). Tes ampoules de 60 W sont trop puissantes pour elle.",
        "Hello, the Orsay lamp takes an E27 bulb of 40 W at most (or an equivalent LED).",
    ),
    "refund": (
        "Bonjour, le remboursement est fait sur le moyen de paiement de la commande, sous 14"
        " jours après la réception du retour à notre entrepôt. {status}",
        "Salut, le remboursement est fait sur le moyen de paiement de ta commande, sous 14 jours"
        " après la réception du retour à notre entrepôt. {status}",
        "Hello, refunds are made to the payment method used for the order, within 14 days of the"
        " return reaching our warehouse. {status}",
    ),
    "tracking": (
        "Bonjour, voici où en est votre commande : {status}",
        "Salut, voici où en est ta commande : {status}",
        "Hello, here is the status of your order: {status}",
    ),
    "ask-number": (
        "Bonjour, pourriez-vous me donner votre numéro de commande (ML- suivi de 6 chiffres, dans"
        " l’e-mail de confirmation) ou l’adresse e-mail utilisée pour l’achat ?",
        "Salut, tu peux me donner ton numéro de commande (ML- suivi de 6 chiffres, dans l’e-mail"
        " de confirmation) ou l’adresse e-mail utilisée pour l’achat ?",
        "Hello, could you give me your order number (ML- followed by 6 digits, in your"
        " confirmation e-mail) or the e-mail address you ordered with?",
    ),
    "not-understood": (
        "Bonjour, je n’ai pas compris votre demande. Pourriez-vous la reformuler ?",
        "Salut, je n’ai pas compris ta demande. Tu peux la reformuler ?",
        "Hello, I did not understand your request. Could you rephrase it?",
    ),
}


def faq_topic(message: str) -> str:
    """The topic `faq_responder` finds in a customer message, by exact keyword match on its
    lower-cased text (``not-understood`` when no keyword is there): a misspelt, accent-less or
    abbreviated keyword is missed, as a simple keyword bot misses it."""
    text = message.lower()
    for topic, anyof, allof in _FAQ_TOPICS:
        if any(_faq_has(text, k) for k in anyof) and all(_faq_has(text, k) for k in allof):
            return topic
    return "tracking" if _FAQ_ORDER_NUMBER.search(message) else "not-understood"


def _faq_has(text: str, keyword: str) -> bool:
    # A keyword is a regular expression matched at a word start: « rembours » finds
    # « remboursée », ``lit\b`` finds "lit" but not "little".
    return re.search(r"\b" + keyword, text) is not None


def faq_responder(body: dict[str, Any]) -> str:
    """A deliberately simple support bot for the demo shop: exact keyword matching.

    It reads only the request: the customer's message (the last user message, after its
    ``Message du client :`` heading when there is one) and the system prompt (the persona's
    tu/vous rule and the order status the prompt gives). It finds the topic with `faq_topic`
    (an order number, « allumé », « ampoule », « rembours », « commande », "order"…) and
    answers with that topic's facts in the persona's register and the customer's language
    (English when the message has common English words) — or, when no keyword matches, a
    polite "I did not understand". A tracking question with no order status in the system
    prompt gets a request for the order number. Deterministic; brittle to typos, missing
    accents and SMS-speak by design, which is what the robustness bench measures with it.
    """
    system = system_text(body)
    message = _FAQ_MESSAGE_HEAD.sub("", last_user_text(body), count=1).strip()
    words = set(re.findall(r"[\w']+", message.lower()))
    column = 2 if len(words & _FAQ_ENGLISH) >= 2 else 1 if "Tutoie" in system else 0
    topic = faq_topic(message)
    found = _FAQ_STATUS.search(system)
    status = found.group(0).strip() if found else ""
    if topic == "tracking" and not status:
        topic = "ask-number"
    return _FAQ_ANSWERS[topic][column].format(status=status).strip()


def last_user_text(body: dict[str, Any]) -> str:
    """The text of the last user message of an OpenAI or Anthropic request body."""
    for message in reversed(body.get("messages") or []):
        if message.get("role") == "user":
            return _content_text(message.get("content"))
    return ""


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content blocks: [{"type": "text", "text": ...}, ...]
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def count_input_tokens(body: dict[str, Any]) -> int:
    """A deterministic stand-in for a tokenizer: about four characters per token."""
    chars = sum(len(_content_text(m.get("content"))) for m in body.get("messages") or [])
    system = body.get("system")
    chars += len(_content_text(system)) if system else 0
    return chars // 4 + 1


@dataclass(frozen=True)
class Reply:
    """One scripted reply, taken from the queue by the next request.

    `kind` is one of ``ok`` (with `text`, or the responder's), ``rate_limited`` (429),
    ``error`` (`status`, 500 by default, with an optional `message`),
    ``malformed`` (a broken body with status 200), ``no_choices`` (valid JSON without choices),
    ``hang`` (no answer until the server stops), ``disconnect`` (the connection is closed before
    any answer), ``cut`` (a stream that stops after its first chunks) or ``empty_stream`` (an
    OpenAI stream that ends with ``[DONE]`` and no answer at all).
    """

    kind: str = "ok"
    status: int = 500
    retry_after: str | None = "1"
    text: str | None = None
    message: str | None = None

    @classmethod
    def ok(cls, text: str | None = None) -> Reply:
        return cls("ok", text=text)

    @classmethod
    def rate_limited(cls, retry_after: str | None = "1") -> Reply:
        return cls("rate_limited", status=429, retry_after=retry_after)

    @classmethod
    def error(cls, status: int = 500, message: str | None = None) -> Reply:
        return cls("error", status=status, message=message)


@dataclass
class Faults:
    """Fault settings; change fields at any time (they are read per request)."""

    latency_ms: float = 0.0
    rate_limit_fraction: float = 0.0
    retry_after: str = "1"
    server_error_fraction: float = 0.0
    malformed_fraction: float = 0.0
    chunk_delay_ms: float = 0.0
    hang: bool = False
    require_api_key: str | None = None
    embeddings_wait_for_chats: int = 0
    """A slow embeddings endpoint that only answers while its client keeps sending: the next
    embeddings request is held until this many chat requests have been answered after it
    arrived, and, meanwhile, chat requests after the first are held until it arrives (so the
    order does not depend on timing). Stats count ``embeddings_released``, or
    ``embeddings_gave_up`` when the chats did not come within `embeddings_wait_cap_s` (the
    client sent nothing while it waited). One-shot: it goes back to 0 once used."""
    embeddings_wait_cap_s: float = 3.0


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw it. Auth header values are never kept."""

    method: str
    path: str
    headers: dict[str, str]
    auth_present: bool
    body: dict[str, Any] | None
    time: float
    outcome: str = "ok"


@dataclass
class _State:
    faults: Faults
    responder: Responder
    rng: random.Random
    log_requests: bool
    lock: threading.Lock = field(default_factory=threading.Lock)
    script: list[Reply] = field(default_factory=list)
    log: list[RequestRecord] = field(default_factory=list)
    stats: Counter[str] = field(default_factory=Counter)
    counter: int = 0
    chats: int = 0
    embeddings_holding: bool = False


class _App:
    """The aiohttp handlers over a shared `_State` (guarded by a lock for the request log)."""

    def __init__(self, state: _State) -> None:
        from workbench.testing.fake_batches import FakeBatches  # it imports this module

        self.state = state
        self.stopping: asyncio.Event | None = None
        self.batches = FakeBatches(state.responder)

    def build(self) -> web.Application:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self.chat_completions)
        app.router.add_get("/v1/models", self.models)
        app.router.add_post("/v1/embeddings", self.embeddings)
        app.router.add_post("/v1/messages", self.messages)
        app.router.add_post("/v1/messages/count_tokens", self.count_tokens)
        app.router.add_post("/_admin/faults", self.admin_faults)
        app.router.add_get("/_admin/stats", self.admin_stats)
        self.batches.add_routes(app)
        return app

    # -- bookkeeping -------------------------------------------------------------------------

    async def _admit(self, request: web.Request) -> tuple[dict[str, Any] | None, Reply]:
        """Parse the body, record the request and decide what this request gets."""
        try:
            body = await request.json() if request.can_read_body else None
        except json.JSONDecodeError:
            body = None
        headers = {
            k.lower(): ("<present>" if k.lower() in AUTH_HEADERS else v)
            for k, v in request.headers.items()
        }
        auth_present = any(h in headers for h in AUTH_HEADERS)
        state = self.state
        with state.lock:
            state.counter += 1
            reply = self._choose(request)
            state.stats[reply.kind] += 1
            state.stats["requests"] += 1
            if state.log_requests:
                state.log.append(
                    RequestRecord(
                        request.method,
                        request.path,
                        headers,
                        auth_present,
                        body,
                        time.time(),
                        reply.kind,
                    )
                )
        return body, reply

    def _choose(self, request: web.Request) -> Reply:
        state, faults = self.state, self.state.faults
        if faults.require_api_key is not None and _presented_key(request) != faults.require_api_key:
            return Reply("auth", status=401)
        if state.script:
            return state.script.pop(0)
        if faults.hang:
            return Reply("hang")
        draw = state.rng.random()
        if draw < faults.rate_limit_fraction:
            return Reply.rate_limited(faults.retry_after)
        draw -= faults.rate_limit_fraction
        if draw < faults.server_error_fraction:
            return Reply.error(500)
        draw -= faults.server_error_fraction
        if draw < faults.malformed_fraction:
            return Reply("malformed")
        return Reply.ok()

    async def _delay(self, reply: Reply) -> None:
        latency = self.state.faults.latency_ms
        if latency > 0:
            await asyncio.sleep(latency / 1000)
        if reply.kind == "hang":
            assert self.stopping is not None
            await self.stopping.wait()

    # -- OpenAI ------------------------------------------------------------------------------

    async def chat_completions(self, request: web.Request) -> web.StreamResponse:
        body, reply = await self._admit(request)
        await self._hold_chat()
        with self.state.lock:
            self.state.chats += 1
        await self._delay(reply)
        if body is None:
            return _openai_error(400, "invalid_request_error", "Request body is not JSON.")
        messages = body.get("messages")
        if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
            # As OpenAI answers a malformed request: 400, never a crash of the fake.
            return _openai_error(
                400, "invalid_request_error", "'messages' must be an array of message objects."
            )
        if failure := await self._failure(request, body, reply, openai=True):
            return failure
        model = str(body.get("model", "fake-model"))
        text = reply.text if reply.text is not None else self.state.responder(body)
        chunks, finish = _limit(
            _WORD_CHUNKS.findall(text), body.get("max_completion_tokens") or body.get("max_tokens")
        )
        usage = {
            "prompt_tokens": count_input_tokens(body),
            "completion_tokens": len(chunks),
            "total_tokens": count_input_tokens(body) + len(chunks),
        }
        ident = f"chatcmpl-fake-{self.state.counter}"
        if reply.kind == "no_choices":
            return web.json_response({"id": ident, "object": "chat.completion", "usage": usage})
        if reply.kind == "empty_stream":
            # What an interrupted llama.cpp server sends: a stream closed at once with [DONE].
            return await self._stream(request, ["data: [DONE]\n\n"], reply)
        if not body.get("stream"):
            return web.json_response(
                {
                    "id": ident,
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": model,
                    "usage": usage,
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": finish,
                            "logprobs": None,
                            "message": {"role": "assistant", "content": "".join(chunks)},
                        }
                    ],
                }
            )
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))

        def chunk(delta: dict[str, Any], finish_reason: str | None) -> dict[str, Any]:
            return {
                "id": ident,
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": model,
                "choices": [
                    {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
                ],
            }

        events = [chunk({"role": "assistant", "content": ""}, None)]
        events += [chunk({"content": piece}, None) for piece in chunks]
        events.append(chunk({}, finish))
        if include_usage:
            events.append({**chunk({}, None), "choices": [], "usage": usage})
        lines = [f"data: {json.dumps(e, ensure_ascii=False)}\n\n" for e in events]
        lines.append("data: [DONE]\n\n")
        return await self._stream(request, lines, reply)

    async def models(self, request: web.Request) -> web.StreamResponse:
        body, reply = await self._admit(request)
        if failure := await self._failure(request, body, reply, openai=True):
            return failure
        return web.json_response(
            {
                "object": "list",
                "data": [
                    {"id": name, "object": "model", "created": 0, "owned_by": "fake"}
                    for name in ("fake-small", "fake-large")
                ],
            }
        )

    async def embeddings(self, request: web.Request) -> web.StreamResponse:
        """Deterministic embeddings: hashed bag of lower-cased words, unit length."""
        body, reply = await self._admit(request)
        await self._hold_embeddings()
        if failure := await self._failure(request, body, reply, openai=True):
            return failure
        assert body is not None
        texts = body.get("input")
        items = [texts] if isinstance(texts, str) else list(texts or [])
        data = [
            {"object": "embedding", "index": index, "embedding": fake_embedding(str(text))}
            for index, text in enumerate(items)
        ]
        tokens = sum(len(str(text).split()) for text in items)
        return web.json_response(
            {
                "object": "list",
                "data": data,
                "model": str(body.get("model", "fake-embedding")),
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
        )

    async def _hold_embeddings(self) -> None:
        state, faults = self.state, self.state.faults
        with state.lock:
            wanted = faults.embeddings_wait_for_chats
            if wanted <= 0 or state.embeddings_holding:
                return
            state.embeddings_holding = True
            target = state.chats + wanted
        deadline = time.monotonic() + faults.embeddings_wait_cap_s
        while time.monotonic() < deadline:
            with state.lock:
                if state.chats >= target:
                    state.stats["embeddings_released"] += 1
                    faults.embeddings_wait_for_chats = 0
                    state.embeddings_holding = False
                    return
            await asyncio.sleep(0.005)
        with state.lock:
            state.stats["embeddings_gave_up"] += 1
            faults.embeddings_wait_for_chats = 0
            state.embeddings_holding = False

    async def _hold_chat(self) -> None:
        """Chats after the first wait for an embeddings request (`embeddings_wait_for_chats`)."""
        state, faults = self.state, self.state.faults
        deadline = time.monotonic() + faults.embeddings_wait_cap_s
        while time.monotonic() < deadline:
            with state.lock:
                if (
                    faults.embeddings_wait_for_chats <= 0
                    or state.chats == 0
                    or state.embeddings_holding
                ):
                    return
            await asyncio.sleep(0.005)

    # -- Anthropic ---------------------------------------------------------------------------

    async def messages(self, request: web.Request) -> web.StreamResponse:
        body, reply = await self._admit(request)
        await self._delay(reply)
        if body is None:
            return _anthropic_error(400, "invalid_request_error", "Request body is not JSON.")
        if failure := await self._failure(request, body, reply, openai=False):
            return failure
        if "max_tokens" not in body:
            return _anthropic_error(400, "invalid_request_error", "max_tokens: Field required")
        model = str(body.get("model", "fake-model"))
        text = reply.text if reply.text is not None else self.state.responder(body)
        chunks, finish = _limit(_WORD_CHUNKS.findall(text), body.get("max_tokens"))
        stop_reason = "max_tokens" if finish == "length" else "end_turn"
        input_tokens = count_input_tokens(body)
        ident = f"msg_fake_{self.state.counter}"
        message: dict[str, Any] = {
            "id": ident,
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": input_tokens, "output_tokens": 1},
        }
        if not body.get("stream"):
            return web.json_response(
                {
                    **message,
                    "content": [{"type": "text", "text": "".join(chunks)}],
                    "stop_reason": stop_reason,
                    "usage": {"input_tokens": input_tokens, "output_tokens": len(chunks)},
                }
            )
        events: list[tuple[str, dict[str, Any]]] = [
            ("message_start", {"type": "message_start", "message": message}),
            (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {"type": "text", "text": ""},
                },
            ),
            ("ping", {"type": "ping"}),
        ]
        events += [
            (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "text_delta", "text": piece},
                },
            )
            for piece in chunks
        ]
        events += [
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                    "usage": {"output_tokens": len(chunks)},
                },
            ),
            ("message_stop", {"type": "message_stop"}),
        ]
        lines = [
            f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
            for name, data in events
        ]
        return await self._stream(request, lines, reply)

    async def count_tokens(self, request: web.Request) -> web.StreamResponse:
        body, reply = await self._admit(request)
        if failure := await self._failure(request, body, reply, openai=False):
            return failure
        return web.json_response({"input_tokens": count_input_tokens(body or {})})

    # -- admin (process mode) ----------------------------------------------------------------

    async def admin_faults(self, request: web.Request) -> web.Response:
        changes = await request.json()
        with self.state.lock:
            self.state.faults = dataclasses.replace(self.state.faults, **changes)
        return web.json_response(dataclasses.asdict(self.state.faults))

    async def admin_stats(self, request: web.Request) -> web.Response:
        with self.state.lock:
            return web.json_response(dict(self.state.stats))

    # -- shared pieces -----------------------------------------------------------------------

    async def _failure(
        self, request: web.Request, body: dict[str, Any] | None, reply: Reply, *, openai: bool
    ) -> web.StreamResponse | None:
        error = _openai_error if openai else _anthropic_error
        if reply.kind == "auth":
            return error(401, "authentication_error", "Incorrect API key provided.")
        if reply.kind == "rate_limited":
            response = error(429, "rate_limit_error", "Rate limit reached, slow down.")
            if reply.retry_after is not None:
                response.headers["Retry-After"] = reply.retry_after
            return response
        if reply.kind == "error":
            text = reply.message or f"Fake server error {reply.status}."
            return error(reply.status, "api_error", text)
        if reply.kind == "malformed" and not (body or {}).get("stream"):
            return web.Response(
                status=200,
                text='{"id": "broken", "choices": [{"mess',
                content_type="application/json",
            )
        if reply.kind == "disconnect":
            await _drop(request)
            return web.Response(status=200)
        return None

    async def _stream(
        self, request: web.Request, lines: list[str], reply: Reply
    ) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        delay = self.state.faults.chunk_delay_ms / 1000
        if delay <= 0 and reply.kind not in ("malformed", "cut"):
            # One write for the whole stream: much less server CPU when benchmarking clients.
            await response.write("".join(lines).encode())
            await response.write_eof()
            return response
        for index, line in enumerate(lines):
            if reply.kind == "malformed" and index == 1:
                event = line.split("\n", 1)[0] + "\n" if line.startswith("event:") else ""
                line = event + 'data: {"choices": [{"delta": {"cont\n\n'
            if reply.kind == "cut" and index == 2:
                await _drop(request)  # the server died mid-answer
                return response
            await response.write(line.encode())
            if delay > 0 and index < len(lines) - 1:
                await asyncio.sleep(delay)
        await response.write_eof()
        return response


def _presented_key(request: web.Request) -> str | None:
    if key := request.headers.get("x-api-key"):
        return key
    auth = request.headers.get("Authorization", "")
    return auth.removeprefix("Bearer ").strip() or None


async def _drop(request: web.Request) -> None:
    transport = request.transport
    if transport is not None:
        transport.close()


def _limit(chunks: list[str], max_tokens: Any) -> tuple[list[str], str]:
    if isinstance(max_tokens, int) and 0 < max_tokens < len(chunks):
        return chunks[:max_tokens], "length"
    return chunks, "stop"


def _openai_error(status: int, kind: str, message: str) -> web.Response:
    return web.json_response(
        {"error": {"message": message, "type": kind, "param": None, "code": kind}}, status=status
    )


def _anthropic_error(status: int, kind: str, message: str) -> web.Response:
    return web.json_response(
        {"type": "error", "error": {"type": kind, "message": message}}, status=status
    )
