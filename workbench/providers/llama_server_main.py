"""Child-process entry point: llama-cpp-python's OpenAI-compatible server, made safe to embed.

Run as ``python -m workbench.providers.llama_server_main --parent-pid PID [server args...]``.
Two things the stock ``python -m llama_cpp.server`` cannot do from its command line:

- Turn off llama.cpp's extra buffer types (weight repacking). A build compiled for the host CPU
  segfaults in ``llama_decode`` on CPUs with AMX unless ``use_extra_bufts`` is False in the model
  params, and the server exposes no option for it. The model params come from
  ``llama_model_default_params()``, looked up at call time, so wrapping that function here — in
  this child process only — covers every model the server loads. ``--use-extra-bufts`` keeps them.
- Exit when the parent dies, so a killed workbench never leaves a model server running.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from typing import Any


def disable_extra_buffer_types() -> None:
    """Make every model load with ``use_extra_bufts = False``."""
    import llama_cpp.llama_cpp as low_level

    original = low_level.llama_model_default_params
    if getattr(original, "_workbench_wrapped", False):
        return

    def default_params_without_extra_bufts() -> Any:
        params = original()
        if hasattr(params, "use_extra_bufts"):
            params.use_extra_bufts = False
        return params

    default_params_without_extra_bufts._workbench_wrapped = True  # type: ignore[attr-defined]
    low_level.llama_model_default_params = default_params_without_extra_bufts


def exit_with_parent(parent_pid: int, interval_s: float = 1.0) -> None:
    """Exit this process as soon as `parent_pid` is no longer our parent."""

    def watch() -> None:
        while True:
            time.sleep(interval_s)
            if os.getppid() != parent_pid:
                os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--parent-pid", type=int, default=None)
    parser.add_argument("--use-extra-bufts", action="store_true")
    ours, server_args = parser.parse_known_args(argv)
    if ours.parent_pid is not None:
        exit_with_parent(ours.parent_pid)
    if not ours.use_extra_bufts:
        disable_extra_buffer_types()
    from llama_cpp.server.__main__ import main as server_main

    sys.argv = ["llama_cpp.server", *server_args]
    server_main()  # type: ignore[no-untyped-call]


if __name__ == "__main__":
    main()
