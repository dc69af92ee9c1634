"""A fake OpenAI + Anthropic HTTP API for tests and benchmarks (aiohttp + stdlib only).

Serves ``POST /v1/chat/completions`` (JSON and SSE, with the ``include_usage`` final chunk),
``POST /v1/embeddings`` (deterministic word-hash vectors, `fake_embedding`),
``GET /v1/models``, ``POST /v1/messages`` (JSON and the Anthropic SSE event stream) and
``POST /v1/messages/count_tokens`` on 127.0.0.1 with a random port. Answers are deterministic
functions of the request. Faults are injected per server and can be changed while it runs:
fixed latency, a fraction of 429 (with ``Retry-After``) and 500 answers drawn from a seeded RNG,
malformed bodies, slow streams, hangs, dropped connections, and a scripted queue of replies that
takes precedence ("the next two requests get 429, then 200").

The batch endpoints of both providers (OpenAI files + batches, Anthropic message batches)
are served too, see `workbench.testing.fake_batches`; their knobs are `FakeLLMServer.batches`.

Two ways to run it::

    with FakeLLMServer(latency_ms=20) as srv:      # background thread
        client = AsyncOpenAI(base_url=srv.openai_base_url, api_key="test")

    python -m workbench.testing.fake_llm --latency-ms 200 --port 0   # prints "PORT <n>"

The application itself (responders, `Reply`, `Faults`, the routes) is in
`workbench.testing.fake_llm_app`; its public names are re-exported here.

The second runs in its own process, so a benchmark's client does not share the server's GIL;
`FakeLLMProcess` starts it and reads the port. In process mode, ``POST /_admin/faults`` (JSON
with `Faults` field names) changes faults and ``GET /_admin/stats`` returns counters.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import signal
import subprocess
import sys
import threading
from typing import Any

from aiohttp import web

from workbench.testing.fake_batches import FakeBatches
from workbench.testing.fake_llm_app import (
    AUTH_HEADERS,
    Faults,
    Reply,
    RequestRecord,
    Responder,
    _App,
    _State,
    conversation_responder,
    count_input_tokens,
    default_responder,
    fake_embedding,
    faq_responder,
    faq_topic,
    last_user_text,
    paraphrase_responder,
    system_text,
)

__all__ = [
    "AUTH_HEADERS",
    "FakeLLMProcess",
    "FakeLLMServer",
    "Faults",
    "Reply",
    "RequestRecord",
    "Responder",
    "conversation_responder",
    "count_input_tokens",
    "default_responder",
    "fake_embedding",
    "faq_responder",
    "faq_topic",
    "last_user_text",
    "main",
    "paraphrase_responder",
    "system_text",
]


class FakeLLMServer:
    """The fake API served from a background thread; use as a context manager.

    Attributes:
        faults: the live `Faults`; assign fields to change behaviour between requests.
    """

    def __init__(
        self,
        *,
        responder: Responder = default_responder,
        seed: int = 0,
        log_requests: bool = True,
        port: int = 0,
        **faults: Any,
    ) -> None:
        self._state = _State(Faults(**faults), responder, random.Random(seed), log_requests)
        self._requested_port = port
        self._app = _App(self._state)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def faults(self) -> Faults:
        return self._state.faults

    @property
    def batches(self) -> FakeBatches:
        """The batch endpoints' state: `FakeBatches.knobs`, the batches and files created."""
        return self._app.batches

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` (the Anthropic SDK's base URL)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_base_url(self) -> str:
        """``http://127.0.0.1:<port>/v1`` (the OpenAI SDK's base URL)."""
        return f"{self.base_url}/v1"

    def script(self, *replies: Reply | str) -> None:
        """Queue replies for the next requests, in order (strings name a `Reply` kind)."""
        with self._state.lock:
            self._state.script.extend(Reply(r) if isinstance(r, str) else r for r in replies)

    @property
    def requests(self) -> list[RequestRecord]:
        """A copy of the request log."""
        with self._state.lock:
            return list(self._state.log)

    @property
    def stats(self) -> dict[str, int]:
        """Counters: total ``requests`` and one per reply kind."""
        with self._state.lock:
            return dict(self._state.stats)

    def clear_log(self) -> None:
        with self._state.lock:
            self._state.log.clear()
            self._state.stats.clear()

    def start(self) -> FakeLLMServer:
        ready = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._start_site())
            except BaseException as exc:  # reported to the starting thread
                errors.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._stop_site())
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-llm-server", daemon=True)
        self._thread.start()
        ready.wait(10)
        if errors:
            raise errors[0]
        return self

    async def _start_site(self) -> None:
        self._app.stopping = asyncio.Event()
        self._runner = web.AppRunner(self._app.build(), access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self._requested_port)
        await site.start()
        self.port = _bound_port(self._runner)

    async def _stop_site(self) -> None:
        assert self._app.stopping is not None and self._runner is not None
        self._app.stopping.set()
        await self._runner.cleanup()

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop = None

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _bound_port(runner: web.AppRunner) -> int:
    for address in runner.addresses:
        return int(address[1])
    raise RuntimeError("the fake server did not bind a port")


class FakeLLMProcess:
    """The fake API in a child process (``python -m workbench.testing.fake_llm``).

    Use as a context manager; `port` and `openai_base_url` are valid inside it.
    """

    def __init__(self, *args: str) -> None:
        self._args = list(args)
        self._proc: subprocess.Popen[str] | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_base_url(self) -> str:
        return f"{self.base_url}/v1"

    def __enter__(self) -> FakeLLMProcess:
        command = [sys.executable, "-m", "workbench.testing.fake_llm", "--port", "0", *self._args]
        self._proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line.startswith("PORT "):
            self.__exit__()
            raise RuntimeError(f"fake server did not start: {line!r}")
        self.port = int(line.split()[1])
        return self

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            if self._proc.stdout is not None:
                self._proc.stdout.close()


def main(argv: list[str] | None = None) -> None:
    """Run the fake API in this process until SIGTERM or SIGINT; print ``PORT <n>`` first."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--rate-limit-fraction", type=float, default=0.0)
    parser.add_argument("--retry-after", default="1")
    parser.add_argument("--server-error-fraction", type=float, default=0.0)
    parser.add_argument("--malformed-fraction", type=float, default=0.0)
    parser.add_argument("--chunk-delay-ms", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--log-requests", action="store_true")
    parser.add_argument(
        "--conversations", action="store_true", help="answer as a simulated customer too"
    )
    args = parser.parse_args(argv)
    faults = Faults(
        latency_ms=args.latency_ms,
        rate_limit_fraction=args.rate_limit_fraction,
        retry_after=args.retry_after,
        server_error_fraction=args.server_error_fraction,
        malformed_fraction=args.malformed_fraction,
        chunk_delay_ms=args.chunk_delay_ms,
    )
    responder = conversation_responder if args.conversations else default_responder
    state = _State(faults, responder, random.Random(args.seed), args.log_requests)
    asyncio.run(_serve_forever(_App(state), args.port))


async def _serve_forever(app: _App, port: int) -> None:
    app.stopping = asyncio.Event()
    runner = web.AppRunner(app.build(), access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port, backlog=1024).start()
    print(f"PORT {_bound_port(runner)}", flush=True)
    done = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, done.set)
    await done.wait()
    app.stopping.set()
    await runner.cleanup()


if __name__ == "__main__":
    main()
