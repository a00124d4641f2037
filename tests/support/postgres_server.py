"""A throw-away PostgreSQL server for the tests: Debian's binaries, a cluster in a temporary folder, run as
an unprivileged user (initdb refuses root; as root the tests run it as the ``postgres`` user that Debian's
package makes), listening on a unix socket in that folder only (no TCP port to collide with)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

SOCKET_PORT = 18250  # names the socket file only: the server listens on no TCP address


def binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class PostgresServer:
    def __init__(self) -> None:
        self.bin = binaries()
        self.folder: Path | None = None
        self._as: list[str] = []

    def why_not(self) -> str | None:
        if self.bin is None:
            return "PostgreSQL is not installed (Debian's postgresql package; .ci/run installs it)"
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                return "running as root and runuser is absent: PostgreSQL cannot run as an unprivileged user"
            try:
                import pwd

                pwd.getpwnam("postgres")
            except KeyError:
                return "running as root and there is no 'postgres' user to run PostgreSQL as"
            self._as = ["runuser", "-u", "postgres", "--"]
        return None

    def start(self) -> str:
        """Start it; its URL (the ``postgres`` database of superuser ``bonemet``)."""
        assert self.bin is not None
        self.folder = Path(tempfile.mkdtemp(prefix="bonemet-pg-"))
        if self._as:
            shutil.chown(self.folder, "postgres", "postgres")
        data = self.folder / "data"
        subprocess.run([*self._as, str(self.bin / "initdb"), "-D", str(data), "-U", "bonemet", "--auth=trust",
                        "--no-sync", "-E", "UTF8"], check=True, capture_output=True)
        options = f"-c listen_addresses='' -c unix_socket_directories={self.folder} -p {SOCKET_PORT} -c fsync=off"
        subprocess.run([*self._as, str(self.bin / "pg_ctl"), "-D", str(data), "-o", options, "-l",
                        str(self.folder / "log"), "-w", "-t", "60", "start"], check=True, capture_output=True)
        return self.url()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://bonemet@/{database}?host={self.folder}&port={SOCKET_PORT}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if self.folder is None:
            return
        subprocess.run([*self._as, str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate",
                        "-w", "stop"], capture_output=True)

    def restart(self) -> None:
        assert self.folder is not None
        options = f"-c listen_addresses='' -c unix_socket_directories={self.folder} -p {SOCKET_PORT} -c fsync=off"
        subprocess.run([*self._as, str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-o", options, "-l",
                        str(self.folder / "log"), "-w", "-t", "60", "start"], check=True, capture_output=True)

    def remove(self) -> None:
        self.stop()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
