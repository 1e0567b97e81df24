"""A throwaway PostgreSQL primary and its streaming replica, for the replica tests.

Both run from Debian's PostgreSQL binaries in a temporary folder on spare
loopback ports (``initdb``, then ``pg_basebackup -R`` for the standby, then
``pg_ctl start``), as the ``postgres`` user when the tests run as root, which
PostgreSQL refuses to run as. Nothing of the machine's own server is touched.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def missing_reason() -> str | None:
    if postgres_bin() is None:
        return "needs Debian's PostgreSQL server binaries (/usr/lib/postgresql/*/bin: apt-get install postgresql)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root needs runuser to start PostgreSQL as the postgres user"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    """One PostgreSQL server in its own folder: start, stop, and SQL through psycopg."""

    def __init__(self, root: Path, name: str) -> None:
        self.data = root / name
        self.port = free_port()
        self.log = root / f"{name}.log"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/vetted"

    def run(self, *command: str | Path) -> subprocess.CompletedProcess:
        argv = [str(part) for part in command]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        return subprocess.run(argv, check=True, capture_output=True, text=True, timeout=120)

    def start(self, *settings: str) -> None:
        options = " ".join(
            [f"-p {self.port}", "-c listen_addresses=127.0.0.1", f"-c unix_socket_directories={self.data}", *settings]
        )
        self.run(postgres_bin() / "pg_ctl", "-D", self.data, "-l", self.log, "-o", options, "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self.run(postgres_bin() / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")

    def pg_ctl_command(self, action: str) -> list[str]:
        argv = [str(postgres_bin() / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", action]
        return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv

    def sql(self, statement: str, params=(), *, database: str = "vetted"):
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database, autocommit=True) as c:
            cursor = c.execute(statement, params)
            return cursor.fetchall() if cursor.description is not None else None


def start_pair() -> tuple[Cluster, Cluster]:
    """Start a primary with a database ``vetted``, and a hot standby streaming from it, in a new folder of /tmp.

    The folder (``primary.data.parent``) is the caller's to remove after stopping both.
    """
    root = Path(tempfile.mkdtemp(prefix="vetted-pg-"))  # directly in /tmp, so the postgres user can reach it
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    primary, replica = Cluster(root, "primary"), Cluster(root, "replica")
    primary.run(postgres_bin() / "initdb", "-D", primary.data, "-U", "postgres", "--auth=trust", "-E", "UTF8")
    hba = primary.data / "pg_hba.conf"
    lines = ["local all all trust", "host all all 127.0.0.1/32 trust", "host replication all 127.0.0.1/32 trust"]
    primary.run("sh", "-c", f"printf '%s\\n' {' '.join(repr(line) for line in lines)} > {hba}")
    # No fsync: a test cluster, thrown away; the standby streams WAL as a real one does.
    primary.start("-c wal_level=replica", "-c max_wal_senders=4", "-c fsync=off", "-c full_page_writes=off")
    primary.sql("CREATE DATABASE vetted", database="postgres")
    primary.run(
        postgres_bin() / "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
        "-D", replica.data, "-R", "-X", "stream", "--checkpoint=fast",
    )  # fmt: skip
    replica.start("-c hot_standby=on", "-c fsync=off")
    deadline = time.monotonic() + 30
    while replica.sql("SELECT pg_is_in_recovery()", database="postgres") != [(True,)]:
        if time.monotonic() > deadline:
            raise RuntimeError("the standby did not come up in recovery")
        time.sleep(0.1)
    return primary, replica


def wait_caught_up(primary: Cluster, replica: Cluster, timeout: float = 30) -> None:
    """Wait until the standby has replayed everything the primary had written when asked."""
    (lsn,) = primary.sql("SELECT pg_current_wal_lsn()::text")[0]
    deadline = time.monotonic() + timeout
    while not replica.sql("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,))[0][0]:
        if time.monotonic() > deadline:
            raise RuntimeError("the standby did not catch up")
        time.sleep(0.05)
