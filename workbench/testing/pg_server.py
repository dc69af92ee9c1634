"""A throwaway PostgreSQL server for tests and benchmarks (stdlib only).

`TempPostgres` runs ``initdb`` into a temporary data directory and starts ``postgres`` on a free
port of 127.0.0.1 with its unix socket in the same temporary folder; `stop` shuts it down and
removes everything. PostgreSQL refuses to run as root, so when the current user is root the
server runs as the ``postgres`` system user (``runuser -u postgres --``), which owns the data
directory. `find_pg_bin` says where the server binaries are, or why they are not usable, so
tests can skip with that reason.

    with TempPostgres() as server:
        url = server.url("workbench")     # postgresql://workbench@127.0.0.1:PORT/workbench
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

SERVER_USER = "postgres"
"""The system user the server runs as when this process is root."""


def find_pg_bin() -> tuple[Path | None, str]:
    """The folder holding ``initdb`` and ``postgres`` and "" — or None and why not."""
    explicit = os.environ.get("WORKBENCH_PG_BIN")
    candidates = [explicit] if explicit else []
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(str(Path(on_path).parent))
    for candidate in candidates:
        folder = Path(candidate)
        if (folder / "initdb").is_file() and (folder / "postgres").is_file():
            if os.geteuid() == 0:
                try:
                    pwd.getpwnam(SERVER_USER)
                except KeyError:
                    return None, (
                        f"PostgreSQL is installed in {folder} but this process is root and there"
                        f" is no '{SERVER_USER}' user to run the server as"
                    )
                if shutil.which("runuser") is None:
                    return None, "PostgreSQL needs a non-root user and 'runuser' is missing"
            return folder, ""
    return None, (
        "PostgreSQL server binaries not found (install the 'postgresql' package or set"
        " WORKBENCH_PG_BIN to the folder holding initdb and postgres)"
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class TempPostgres:
    """A PostgreSQL server in a temporary folder, trust authentication, stopped by `stop`.

    Attributes:
        port: the TCP port on 127.0.0.1.
        root: the temporary folder (data directory ``data/``, socket, log ``server.log``).
    """

    def __init__(self, *, user: str = "workbench", bin_dir: Path | None = None) -> None:
        found, reason = (bin_dir, "") if bin_dir is not None else find_pg_bin()
        if found is None:
            raise RuntimeError(reason)
        self.bin_dir = found
        self.user = user
        self.port = 0
        self.root = Path(tempfile.mkdtemp(prefix="workbench-pg-"))
        self._process: subprocess.Popen[bytes] | None = None
        self._as_other = os.geteuid() == 0

    def _command(self, *argv: str) -> list[str]:
        return ["runuser", "-u", SERVER_USER, "--", *argv] if self._as_other else list(argv)

    def start(self) -> TempPostgres:
        """Create the cluster and start the server; returns once it accepts connections."""
        data = self.root / "data"
        if self._as_other:
            entry = pwd.getpwnam(SERVER_USER)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        subprocess.run(
            self._command(
                str(self.bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                self.user,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ),
            check=True,
            capture_output=True,
        )
        self.port = _free_port()
        log = (self.root / "server.log").open("wb")
        self._process = subprocess.Popen(
            self._command(
                str(self.bin_dir / "postgres"),
                "-D",
                str(data),
                "-p",
                str(self.port),
                "-h",
                "127.0.0.1",
                "-k",
                str(self.root),
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=60",
            ),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"postgres exited: {self.log_tail()}")
            ready = subprocess.run(
                [str(self.bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                capture_output=True,
            )
            if ready.returncode == 0:
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("postgres did not accept connections within 60 s")

    def log_tail(self) -> str:
        path = self.root / "server.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def url(self, database: str = "postgres") -> str:
        """A connection URL for `database` (no password: the server trusts local clients)."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create database `name` and return its URL."""
        subprocess.run(
            [
                str(self.bin_dir / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                self.user,
                name,
            ],
            check=True,
            capture_output=True,
        )
        return self.url(name)

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its folder."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> TempPostgres:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
