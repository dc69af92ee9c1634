"""The fake server's batch endpoints: OpenAI's Batch API and Anthropic's Message Batches.

Mounted by `workbench.testing.fake_llm_app._App` next to the interactive routes, so the real
``openai`` and ``anthropic`` SDKs drive it exactly as they drive the providers:

OpenAI
    ``POST /v1/files`` (multipart, ``purpose=batch``), ``GET /v1/files/{id}``,
    ``GET /v1/files/{id}/content``, ``POST /v1/batches``, ``GET /v1/batches/{id}``,
    ``POST /v1/batches/{id}/cancel``. Status goes ``validating`` → ``in_progress`` →
    ``completed`` (or ``expired``, ``cancelled``, ``failed`` for an invalid input file); answers go
    to the output file, failed and expired requests to the error file.
Anthropic
    ``POST /v1/messages/batches``, ``GET /v1/messages/batches/{id}``,
    ``GET /v1/messages/batches/{id}/results`` (JSONL), ``POST /v1/messages/batches/{id}/cancel``.
    ``processing_status`` goes ``in_progress`` → ``ended``; each result is ``succeeded``,
    ``errored``, ``expired`` or ``canceled``.

Progress is driven by polls, not by the clock, so tests are deterministic: every retrieve of a
batch advances it one step, and after `BatchKnobs.polls_to_end` retrieves it has ended. Knobs
(`FakeBatches.knobs`, read when a batch is created):

- ``polls_to_end``: retrieves before a batch ends (the counts grow in between);
- ``expire_after_fraction``: the batch expires once this share of its requests is done, the rest
  come back ``expired`` (OpenAI: ``batch_expired`` in the error file);
- ``[[batch:error]]`` in a request's last user message makes that request fail with a 400-style
  reason (partial failure);
- ``max_requests`` / ``max_bytes`` per provider: a batch over them is refused with a 400, as the
  real services do (50,000 requests / 200 MB per OpenAI file; 100,000 / 256 MB per Anthropic
  batch).

The answers are the server's responder's, so a batch answer equals the interactive one.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

from workbench.testing.fake_llm_app import (
    _WORD_CHUNKS,
    Responder,
    _anthropic_error,
    _limit,
    _openai_error,
    count_input_tokens,
    last_user_text,
)

ERROR_MARKER = "[[batch:error]]"
ERROR_REASON = "fake batch error: the request was refused ([[batch:error]] in the message)"
EXPIRED_MESSAGE = "This request could not be executed before the completion window expired."
OPENAI_MAX_REQUESTS = 50_000
OPENAI_MAX_BYTES = 200 * 1024 * 1024
ANTHROPIC_MAX_REQUESTS = 100_000
ANTHROPIC_MAX_BYTES = 256 * 1024 * 1024


@dataclass
class BatchKnobs:
    """Test knobs, read when a batch is created (see the module docstring)."""

    polls_to_end: int = 2
    expire_after_fraction: float | None = None
    openai_max_requests: int = OPENAI_MAX_REQUESTS
    openai_max_bytes: int = OPENAI_MAX_BYTES
    anthropic_max_requests: int = ANTHROPIC_MAX_REQUESTS
    anthropic_max_bytes: int = ANTHROPIC_MAX_BYTES


@dataclass
class _Batch:
    id: str
    kind: str  # "openai" | "anthropic"
    requests: list[dict[str, Any]]  # OpenAI input lines or Anthropic {custom_id, params}
    polls_to_end: int
    expire_after: int | None  # requests done before it expires; None: never expires
    created_at: float
    input_file_id: str | None = None
    endpoint: str = "/v1/chat/completions"
    metadata: dict[str, Any] | None = None
    polls: int = 0
    cancelled_at: float | None = None
    ended_at: float | None = None
    output_file_id: str | None = None
    error_file_id: str | None = None
    failed_validation: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.requests)

    @property
    def ended(self) -> bool:
        return self.ended_at is not None

    def done_count(self) -> int:
        """Requests processed so far (grows with polls, capped by expiry)."""
        if self.polls_to_end <= 0:
            done = self.total
        else:
            done = min(self.total, self.total * self.polls // self.polls_to_end)
        if self.expire_after is not None:
            done = min(done, self.expire_after)
        return done


class FakeBatches:
    """The batch routes over a responder; `knobs` can be changed between batches."""

    def __init__(self, responder: Responder) -> None:
        self.responder = responder
        self.knobs = BatchKnobs()
        self.files: dict[str, tuple[str, bytes]] = {}  # id -> (purpose, content)
        self.batches: dict[str, _Batch] = {}
        self._ids = itertools.count(1)

    # -- inspection (tests) ------------------------------------------------------------------

    def sent_requests(self) -> list[dict[str, Any]]:
        """Every request of every batch created, as ``{custom_id, body}`` (both providers)."""
        out: list[dict[str, Any]] = []
        for batch in self.batches.values():
            for request in batch.requests:
                body = request.get("body") if batch.kind == "openai" else request.get("params")
                out.append({"custom_id": request.get("custom_id"), "body": body})
        return out

    def finish_all(self) -> None:
        """Let every open batch end at its next retrieve."""
        for batch in self.batches.values():
            batch.polls = max(batch.polls, batch.polls_to_end)

    def add_routes(self, app: web.Application) -> None:
        router = app.router
        router.add_post("/v1/files", self.upload_file)
        router.add_get("/v1/files/{file_id}", self.file_info)
        router.add_get("/v1/files/{file_id}/content", self.file_content)
        router.add_post("/v1/batches", self.openai_create)
        router.add_get("/v1/batches/{batch_id}", self.openai_retrieve)
        router.add_post("/v1/batches/{batch_id}/cancel", self.openai_cancel)
        router.add_post("/v1/messages/batches", self.anthropic_create)
        router.add_get("/v1/messages/batches/{batch_id}", self.anthropic_retrieve)
        router.add_get("/v1/messages/batches/{batch_id}/results", self.anthropic_results)
        router.add_post("/v1/messages/batches/{batch_id}/cancel", self.anthropic_cancel)
        router.add_post("/_admin/batches", self.admin_knobs)

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):06d}"

    def _new_batch(self, kind: str, requests: list[dict[str, Any]]) -> _Batch:
        knobs = self.knobs
        expire_after = None
        if knobs.expire_after_fraction is not None:
            expire_after = int(len(requests) * knobs.expire_after_fraction)
        batch = _Batch(
            id=self._next_id("batch_" if kind == "openai" else "msgbatch_"),
            kind=kind,
            requests=requests,
            polls_to_end=knobs.polls_to_end,
            expire_after=expire_after,
            created_at=time.time(),
        )
        self.batches[batch.id] = batch
        return batch

    def _advance(self, batch: _Batch) -> None:
        """One retrieve: one step of progress; the batch ends when all is done or it expired."""
        if batch.ended:
            return
        if batch.cancelled_at is None:  # a cancelled batch runs nothing more
            batch.polls += 1
        done = batch.done_count()
        if (
            batch.cancelled_at is not None
            or done >= batch.total
            or batch.polls >= batch.polls_to_end
        ):
            batch.ended_at = time.time()
            if batch.kind == "openai":
                self._write_openai_files(batch)

    # -- answers -----------------------------------------------------------------------------

    def _answer(self, body: dict[str, Any], max_tokens: Any) -> tuple[str, str, int, int]:
        """(text, finish: stop|length, input tokens, output tokens) for a request body."""
        chunks, finish = _limit(_WORD_CHUNKS.findall(self.responder(body)), max_tokens)
        return "".join(chunks), finish, count_input_tokens(body), len(chunks)

    def _fate(self, batch: _Batch, index: int) -> str:
        """What became of request `index` once the batch ended: ok, error, expired, cancelled."""
        request = batch.requests[index]
        body = (request.get("body") if batch.kind == "openai" else request.get("params")) or {}
        if index >= batch.done_count():
            if batch.cancelled_at is not None:
                return "cancelled"
            return "expired"
        if ERROR_MARKER in last_user_text(body):
            return "error"
        return "ok"

    def _counts(self, batch: _Batch) -> dict[str, int]:
        counts = {"ok": 0, "error": 0, "expired": 0, "cancelled": 0, "processing": 0}
        if not batch.ended:
            done = batch.done_count()
            for index in range(done):
                counts[self._fate(batch, index)] += 1
            counts["processing"] = batch.total - done
            return counts
        for index in range(batch.total):
            counts[self._fate(batch, index)] += 1
        return counts

    # -- OpenAI ------------------------------------------------------------------------------

    async def upload_file(self, request: web.Request) -> web.Response:
        reader = await request.multipart()
        purpose = ""
        content = b""
        filename = "upload.jsonl"
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                continue
            if part.name == "purpose":
                purpose = (await part.text()).strip()
            elif part.name == "file":
                filename = part.filename or filename
                content = bytes(await part.read())
        if purpose != "batch":
            return _openai_error(400, "invalid_request_error", f"purpose '{purpose}' unsupported")
        knobs = self.knobs
        if len(content) > knobs.openai_max_bytes:
            return _openai_error(
                400,
                "invalid_request_error",
                f"File is too large: {len(content)} bytes, the limit is {knobs.openai_max_bytes}.",
            )
        file_id = self._next_id("file-")
        self.files[file_id] = ("batch", content)
        return web.json_response(_file_object(file_id, "batch", content, filename))

    async def file_info(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        if file_id not in self.files:
            return _openai_error(404, "invalid_request_error", f"No such File object: {file_id}")
        purpose, content = self.files[file_id]
        return web.json_response(_file_object(file_id, purpose, content, f"{file_id}.jsonl"))

    async def file_content(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        if file_id not in self.files:
            return _openai_error(404, "invalid_request_error", f"No such File object: {file_id}")
        return web.Response(body=self.files[file_id][1], content_type="application/octet-stream")

    async def openai_create(self, request: web.Request) -> web.Response:
        body = await request.json()
        file_id = body.get("input_file_id")
        if file_id not in self.files:
            return _openai_error(404, "invalid_request_error", f"No such File object: {file_id}")
        if body.get("endpoint") != "/v1/chat/completions":
            return _openai_error(400, "invalid_request_error", "only /v1/chat/completions")
        if body.get("completion_window") != "24h":
            return _openai_error(400, "invalid_request_error", "completion_window must be 24h")
        requests: list[dict[str, Any]] = []
        invalid: list[dict[str, Any]] = []
        for number, line in enumerate(self.files[file_id][1].splitlines(), start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                invalid.append({"code": "invalid_json_line", "message": "not JSON", "line": number})
                continue
            if not item.get("custom_id") or item.get("url") != "/v1/chat/completions":
                invalid.append(
                    {"code": "invalid_request", "message": "custom_id/url", "line": number}
                )
                continue
            requests.append(item)
        ids = [r["custom_id"] for r in requests]
        if len(set(ids)) != len(ids):
            invalid.append({"code": "duplicate_custom_id", "message": "custom_id repeated"})
        if len(requests) > self.knobs.openai_max_requests:
            return _openai_error(
                400,
                "invalid_request_error",
                f"The batch has {len(requests)} requests; "
                f"the limit is {self.knobs.openai_max_requests}.",
            )
        batch = self._new_batch("openai", requests)
        batch.input_file_id = file_id
        batch.metadata = body.get("metadata")
        batch.failed_validation = invalid
        if invalid:
            batch.ended_at = time.time()
        return web.json_response(self._openai_object(batch, creating=True))

    async def openai_retrieve(self, request: web.Request) -> web.Response:
        batch = self.batches.get(request.match_info["batch_id"])
        if batch is None or batch.kind != "openai":
            return _openai_error(404, "invalid_request_error", "No such batch")
        self._advance(batch)
        return web.json_response(self._openai_object(batch))

    async def openai_cancel(self, request: web.Request) -> web.Response:
        batch = self.batches.get(request.match_info["batch_id"])
        if batch is None or batch.kind != "openai":
            return _openai_error(404, "invalid_request_error", "No such batch")
        if not batch.ended:
            batch.cancelled_at = time.time()
        return web.json_response(self._openai_object(batch))

    def _openai_status(self, batch: _Batch, creating: bool) -> str:
        if batch.failed_validation:
            return "failed"
        if creating:
            return "validating"
        if not batch.ended:
            return "cancelling" if batch.cancelled_at is not None else "in_progress"
        if batch.cancelled_at is not None:
            return "cancelled"
        if batch.expire_after is not None and batch.done_count() < batch.total:
            return "expired"
        return "completed"

    def _openai_object(self, batch: _Batch, creating: bool = False) -> dict[str, Any]:
        status = self._openai_status(batch, creating)
        counts = self._counts(batch)
        ended = int(batch.ended_at) if batch.ended_at else None
        return {
            "id": batch.id,
            "object": "batch",
            "endpoint": batch.endpoint,
            "errors": {"object": "list", "data": batch.failed_validation}
            if batch.failed_validation
            else None,
            "input_file_id": batch.input_file_id,
            "completion_window": "24h",
            "status": status,
            "output_file_id": batch.output_file_id,
            "error_file_id": batch.error_file_id,
            "created_at": int(batch.created_at),
            "in_progress_at": None if creating else int(batch.created_at),
            "expires_at": int(batch.created_at) + 86_400,
            "finalizing_at": ended if status == "completed" else None,
            "completed_at": ended if status == "completed" else None,
            "failed_at": ended if status == "failed" else None,
            "expired_at": ended if status == "expired" else None,
            "cancelling_at": int(batch.cancelled_at) if batch.cancelled_at else None,
            "cancelled_at": ended if status == "cancelled" else None,
            "request_counts": {
                "total": batch.total,
                "completed": counts["ok"],
                "failed": counts["error"] + counts["expired"] + counts["cancelled"]
                if batch.ended
                else counts["error"],
            },
            "metadata": batch.metadata,
        }

    def _write_openai_files(self, batch: _Batch) -> None:
        outputs: list[str] = []
        errors: list[str] = []
        for index, item in enumerate(batch.requests):
            fate = self._fate(batch, index)
            request_id = f"req_{batch.id}_{index}"
            line: dict[str, Any] = {
                "id": f"batch_req_{batch.id}_{index}",
                "custom_id": item["custom_id"],
                "response": None,
                "error": None,
            }
            body = item.get("body") or {}
            if fate == "ok":
                max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
                text, finish, tokens_in, tokens_out = self._answer(body, max_tokens)
                line["response"] = {
                    "status_code": 200,
                    "request_id": request_id,
                    "body": {
                        "id": f"chatcmpl-{batch.id}-{index}",
                        "object": "chat.completion",
                        "created": int(batch.created_at),
                        "model": str(body.get("model", "fake-model")),
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": text},
                                "finish_reason": finish,
                                "logprobs": None,
                            }
                        ],
                        "usage": {
                            "prompt_tokens": tokens_in,
                            "completion_tokens": tokens_out,
                            "total_tokens": tokens_in + tokens_out,
                        },
                    },
                }
                outputs.append(json.dumps(line, ensure_ascii=False))
            elif fate == "error":
                line["response"] = {
                    "status_code": 400,
                    "request_id": request_id,
                    "body": {
                        "error": {
                            "message": ERROR_REASON,
                            "type": "invalid_request_error",
                            "param": None,
                            "code": None,
                        }
                    },
                }
                errors.append(json.dumps(line, ensure_ascii=False))
            elif fate == "expired":
                line["error"] = {"code": "batch_expired", "message": EXPIRED_MESSAGE}
                errors.append(json.dumps(line, ensure_ascii=False))
            # Cancelled requests that never ran appear in neither file, as on the real service.
        if outputs:
            batch.output_file_id = self._next_id("file-")
            self.files[batch.output_file_id] = (
                "batch_output",
                ("\n".join(outputs) + "\n").encode(),
            )
        if errors:
            batch.error_file_id = self._next_id("file-")
            self.files[batch.error_file_id] = ("batch_output", ("\n".join(errors) + "\n").encode())

    # -- Anthropic ---------------------------------------------------------------------------

    async def anthropic_create(self, request: web.Request) -> web.Response:
        raw = await request.read()
        knobs = self.knobs
        if len(raw) > knobs.anthropic_max_bytes:
            return _anthropic_error(
                413, "request_too_large", f"Batch of {len(raw)} bytes over the size limit."
            )
        body = json.loads(raw)
        requests = list(body.get("requests") or [])
        if not requests:
            return _anthropic_error(400, "invalid_request_error", "requests: empty")
        if len(requests) > knobs.anthropic_max_requests:
            return _anthropic_error(
                400,
                "invalid_request_error",
                f"requests: at most {knobs.anthropic_max_requests} requests per batch",
            )
        ids = [r.get("custom_id") for r in requests]
        if len(set(ids)) != len(ids) or not all(ids):
            return _anthropic_error(400, "invalid_request_error", "custom_id must be unique")
        for item in requests:
            if "max_tokens" not in (item.get("params") or {}):
                return _anthropic_error(
                    400, "invalid_request_error", "requests.params.max_tokens: Field required"
                )
        batch = self._new_batch("anthropic", requests)
        return web.json_response(self._anthropic_object(batch, request))

    def _get_anthropic(self, request: web.Request) -> _Batch | None:
        batch = self.batches.get(request.match_info["batch_id"])
        return batch if batch is not None and batch.kind == "anthropic" else None

    async def anthropic_retrieve(self, request: web.Request) -> web.Response:
        batch = self._get_anthropic(request)
        if batch is None:
            return _anthropic_error(404, "not_found_error", "No such message batch")
        self._advance(batch)
        return web.json_response(self._anthropic_object(batch, request))

    async def anthropic_cancel(self, request: web.Request) -> web.Response:
        batch = self._get_anthropic(request)
        if batch is None:
            return _anthropic_error(404, "not_found_error", "No such message batch")
        if not batch.ended:
            batch.cancelled_at = time.time()
        return web.json_response(self._anthropic_object(batch, request))

    def _anthropic_object(self, batch: _Batch, request: web.Request) -> dict[str, Any]:
        counts = self._counts(batch)
        if batch.ended:
            status = "ended"
        elif batch.cancelled_at is not None:
            status = "canceling"
        else:
            status = "in_progress"
        results_url = None
        if batch.ended:
            results_url = (
                f"{request.scheme}://{request.host}/v1/messages/batches/{batch.id}/results"
            )
        # Requests stay `processing` until the whole batch ends, as on the real service.
        ended = batch.ended
        return {
            "id": batch.id,
            "type": "message_batch",
            "processing_status": status,
            "request_counts": {
                "processing": batch.total if not ended else 0,
                "succeeded": counts["ok"] if ended else 0,
                "errored": counts["error"] if ended else 0,
                "canceled": counts["cancelled"] if ended else 0,
                "expired": counts["expired"] if ended else 0,
            },
            "ended_at": _iso(batch.ended_at),
            "created_at": _iso(batch.created_at),
            "expires_at": _iso(batch.created_at + 86_400),
            "archived_at": None,
            "cancel_initiated_at": _iso(batch.cancelled_at),
            "results_url": results_url,
        }

    async def anthropic_results(self, request: web.Request) -> web.Response:
        batch = self._get_anthropic(request)
        if batch is None:
            return _anthropic_error(404, "not_found_error", "No such message batch")
        if not batch.ended:
            return _anthropic_error(400, "invalid_request_error", "batch is still processing")
        lines: list[str] = []
        for index, item in enumerate(batch.requests):
            fate = self._fate(batch, index)
            result: dict[str, Any]
            if fate == "ok":
                params = item.get("params") or {}
                text, finish, tokens_in, tokens_out = self._answer(params, params.get("max_tokens"))
                result = {
                    "type": "succeeded",
                    "message": {
                        "id": f"msg_{batch.id}_{index}",
                        "type": "message",
                        "role": "assistant",
                        "model": str(params.get("model", "fake-model")),
                        "content": [{"type": "text", "text": text}],
                        "stop_reason": "max_tokens" if finish == "length" else "end_turn",
                        "stop_sequence": None,
                        "usage": {"input_tokens": tokens_in, "output_tokens": tokens_out},
                    },
                }
            elif fate == "error":
                result = {
                    "type": "errored",
                    "error": {
                        "type": "error",
                        "error": {"type": "invalid_request_error", "message": ERROR_REASON},
                    },
                }
            elif fate == "expired":
                result = {"type": "expired"}
            else:
                result = {"type": "canceled"}
            lines.append(json.dumps({"custom_id": item["custom_id"], "result": result}))
        return web.Response(
            body=("\n".join(lines) + "\n").encode(), content_type="application/binary"
        )

    # -- admin (process mode) ----------------------------------------------------------------

    async def admin_knobs(self, request: web.Request) -> web.Response:
        """Change knobs (JSON with `BatchKnobs` field names); ``{"finish_all": true}`` ends all."""
        body = await request.json()
        if body.pop("finish_all", False):
            self.finish_all()
        for name, value in body.items():
            if not hasattr(self.knobs, name):
                return web.json_response({"error": f"unknown knob {name}"}, status=400)
            setattr(self.knobs, name, value)
        return web.json_response({"batches": len(self.batches)})


def _file_object(file_id: str, purpose: str, content: bytes, filename: str) -> dict[str, Any]:
    return {
        "id": file_id,
        "object": "file",
        "bytes": len(content),
        "created_at": int(time.time()),
        "filename": filename,
        "purpose": purpose,
        "status": "processed",
        "expires_at": None,
        "status_details": None,
    }


def _iso(stamp: float | None) -> str | None:
    if stamp is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp))
