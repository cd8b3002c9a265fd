"""A private, throwaway PostgreSQL cluster for the shim's tests: `initdb`, `pg_ctl start` and stop.

The cluster lives in a fresh temporary directory (data, unix socket, log), listens on a free
127.0.0.1 port with password authentication over TCP, and is removed at the end. `initdb` refuses
to run as root, so as root the server runs as the `postgres` OS user (the Debian package creates
it). Missing server binaries are an error, never a skip: CI installs them (`apt-get install
postgresql`).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

#: Where Debian (and most distributions) put the server programs, newest version first.
SEARCH = ("/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin", "/usr/local/pgsql/bin")
SUPERUSER = "postgres"
PASSWORD = "s3cret-PW-for-tests"


class PostgresMissing(RuntimeError):
    """The PostgreSQL server programs are not installed."""


def find_bin_dir(patterns: Sequence[str] = SEARCH) -> Path:
    """The directory with `initdb`, `pg_ctl` and `postgres`; `PostgresMissing` when there is none."""
    candidates: list[Path] = []
    for pattern in patterns:
        candidates += sorted((Path(found) for found in glob.glob(pattern)), key=_version_key, reverse=True)
    on_path = shutil.which("initdb")
    if on_path and patterns == SEARCH:
        candidates.append(Path(os.path.realpath(on_path)).parent)
    for directory in candidates:
        if all((directory / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return directory
    raise PostgresMissing(
        "PostgreSQL server programs (initdb, pg_ctl, postgres) not found in "
        + ", ".join(patterns)
        + ": install them with `apt-get install -y postgresql`"
    )


def _version_key(path: Path) -> tuple[int, ...]:
    digits = "".join(char if char.isdigit() else " " for char in str(path)).split()
    return tuple(int(part) for part in digits)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class PostgresCluster:
    """One running private cluster; `url(dbname)` connects over TCP with the superuser's password."""

    bin_dir: Path
    root: Path
    port: int
    run_as: str | None

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def url(self, dbname: str = "postgres", password: str | None = PASSWORD) -> str:
        credentials = f"{SUPERUSER}:{password}" if password is not None else SUPERUSER
        return f"postgresql://{credentials}@127.0.0.1:{self.port}/{dbname}"

    def start(self) -> None:
        """`pg_ctl start` on 127.0.0.1:`port`, the unix socket in the cluster directory; waits until ready."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        _checked(
            self.bin_dir,
            self.run_as,
            ("pg_ctl", "-D", str(self.data), "-l", str(self.log_file), "-o", options, "-w", "-t", "60", "start"),
        )

    def stop(self, mode: str = "fast") -> None:
        """`pg_ctl stop` (`fast`: open connections are ended, as when a database is taken down)."""
        _checked(self.bin_dir, self.run_as, ("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop"))

    def running(self) -> bool:
        status = subprocess.run(
            [str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "status"],
            user=self.run_as,
            capture_output=True,
            text=True,
            check=False,
        )
        return status.returncode == 0

    def create_database(self, name: str) -> str:
        """A new empty database; its URL."""
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"'.encode())
        return self.url(name)

    def query(self, dbname: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url(dbname), autocommit=True) as connection:
            return connection.execute(sql.encode(), params or None).fetchall()


def _checked(bin_dir: Path, run_as: str | None, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(bin_dir / args[0]), *args[1:]],
        user=run_as,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, "LC_ALL": "C"},
    )
    if done.returncode != 0:
        raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr.strip()} {done.stdout.strip()}")
    return done


@contextmanager
def postgres_cluster() -> Iterator[PostgresCluster]:
    """initdb + start a private cluster; stop it and delete its files on exit."""
    bin_dir = find_bin_dir()
    run_as: str | None = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SUPERUSER)
        except KeyError as exc:
            raise PostgresMissing(f"running as root needs the {SUPERUSER!r} OS user for initdb") from exc
        run_as = SUPERUSER
    root = Path(tempfile.mkdtemp(prefix="lsm-postgres-"))
    try:
        if run_as is not None:
            shutil.chown(root, user=run_as)
        password_file = root / "password"
        password_file.write_text(PASSWORD + "\n", encoding="utf-8")
        if run_as is not None:
            shutil.chown(password_file, user=run_as)
        cluster = PostgresCluster(bin_dir, root, free_port(), run_as)
        _checked(
            bin_dir,
            run_as,
            (
                "initdb",
                "-D",
                str(cluster.data),
                "-U",
                SUPERUSER,
                f"--pwfile={password_file}",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--no-sync",
            ),
        )
        cluster.start()
        try:
            yield cluster
        finally:
            if cluster.running():
                cluster.stop("immediate")
    finally:
        shutil.rmtree(root, ignore_errors=True)
