"""A real CalDAV server for the test lab on loopback, in a throwaway folder, started and stopped
(and restarted on the same port, for outages) by tests and benchmarks: Radicale with one user and
password, or Xandikos (which has no accounts: it takes any)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import caldav

from appliance.errors import ApplianceError


class CalendarServerError(ApplianceError):
    """Radicale did not start."""

    code = "lab.calendar_server"


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LabCalendarServer:
    """`kind` ("radicale" or "xandikos") at http://127.0.0.1:<port>/; Radicale takes only `user` and
    `password` and refuses requests over `max_request_bytes`. `client()` is a CalDAV client of
    staff's own, as their phones would use."""

    def __init__(self, folder: Path, user: str = "clinic", password: str = "front-desk-7",
                 max_request_bytes: int = 100_000_000, kind: str = "radicale") -> None:
        self.folder = folder
        self.user = user
        self.password = password
        self.kind = kind
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "users").write_text(f"{user}:{password}\n")
        (folder / "config").write_text(
            f"[server]\nhosts = 127.0.0.1:{self.port}\nmax_content_length = {max_request_bytes}\n"
            "[auth]\ntype = htpasswd\n"
            f"htpasswd_filename = {folder / 'users'}\nhtpasswd_encryption = plain\ndelay = 0\n"
            f"[storage]\nfilesystem_folder = {folder / 'collections'}\n[logging]\nlevel = warning\n")

    @property
    def url(self) -> str:
        """The server's root."""
        return f"http://127.0.0.1:{self.port}/"

    def start(self, timeout_s: float = 15.0) -> None:
        """Start the server and wait until it answers."""
        log = (self.folder / f"{self.kind}.log").open("ab")
        command = {"radicale": ["radicale", "--config", str(self.folder / "config")],
                   "xandikos": ["xandikos", "serve", "-d", str(self.folder / "data"), "--defaults",
                                "-l", "127.0.0.1", "-p", str(self.port)]}[self.kind]
        self.process = subprocess.Popen([sys.executable, "-m", *command], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise CalendarServerError(f"{self.kind} exited: see {self.folder / f'{self.kind}.log'}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise CalendarServerError(f"{self.kind} did not answer in time")

    def stop(self) -> None:
        """Stop the server (its calendars stay in the folder for a restart)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def client(self) -> caldav.DAVClient:
        """A CalDAV client of the clinic's account."""
        return caldav.DAVClient(self.url, username=self.user, password=self.password, timeout=10)

    def make_calendar(self, name: str) -> str:
        """A new calendar named `name`; its URL."""
        principal = self.client().principal()
        return str(principal.make_calendar(name=name, cal_id=uuid.uuid4().hex[:12]).url)
