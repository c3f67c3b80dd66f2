"""Drive a peer phone process (`python -m appliance.lab.peer`) from Python, and collect events."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from appliance.sip.ports import free_port


class EventLog:
    """Collects events from any thread; tests wait for the one they expect."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        self._cond = threading.Condition()

    def add(self, item: Any) -> None:
        with self._cond:
            self.items.append(item)
            self._cond.notify_all()

    def wait_for(self, match: Callable[[Any], bool], timeout: float = 10.0, after: int = 0) -> Any:
        """The first item (from index `after`) matching; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for item in self.items[after:]:
                    if match(item):
                        return item
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out; events so far: {self.items[after:]}")
                self._cond.wait(left)

    def of(self, kind: type) -> list[Any]:
        with self._cond:
            return [i for i in self.items if isinstance(i, kind)]


class PeerPhone:
    """`python -m appliance.lab.peer` in its own process, driven over stdin/stdout."""

    def __init__(self, *args: str, record_dir: Path | None = None) -> None:
        self.port = free_port()
        self.transport = args[args.index("--transport") + 1] if "--transport" in args else "udp"
        cmd = [sys.executable, "-m", "appliance.lab.peer", "--port", str(self.port),
               "--rtp-port", str(free_port()), *args]
        if record_dir is not None:
            record_dir.mkdir(parents=True, exist_ok=True)
            cmd += ["--record-dir", str(record_dir)]
        self.events = EventLog()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        self.wait("ready")

    @property
    def uri(self) -> str:
        transport = "" if self.transport == "udp" else f";transport={self.transport}"
        return f"sip:peer@127.0.0.1:{self.port}{transport}"

    def _read(self) -> None:
        for line in self.proc.stdout:
            try:
                self.events.add(json.loads(line))
            except ValueError:
                self.events.add({"event": "noise", "line": line})

    def send(self, **cmd: Any) -> None:
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

    def wait(self, event: str, timeout: float = 10.0, **fields: Any) -> dict:
        return self.events.wait_for(
            lambda e: e.get("event") == event and all(e.get(k) == v for k, v in fields.items()),
            timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                self.send(cmd="quit")
                self.proc.wait(10)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(5)
