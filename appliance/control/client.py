"""The control channel's client side: a thread that keeps a connection to the service,
reconnecting while it is away, and hands every message to a callback."""

from __future__ import annotations

import itertools
import logging
import socket
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from appliance.control.protocol import MAX_LINE, decode, encode
from appliance.errors import ApplianceError

log = logging.getLogger(__name__)


class ControlError(ApplianceError):
    """The service is not reachable, or refused a command."""

    code = "control.error"


class ControlClient:
    """`on_message(dict)` and `on_connected(bool, detail)` run on the client's own thread."""

    def __init__(self, path: Path, on_message: Callable[[dict[str, Any]], None],
                 on_connected: Callable[[bool, str], None] | None = None, retry_s: float = 1.0) -> None:
        self.path = path
        self.on_message = on_message
        self.on_connected = on_connected or (lambda up, detail: None)
        self.retry_s = retry_s
        self.connected = False
        self._sock: socket.socket | None = None
        self._send_lock = threading.Lock()
        self._pending: dict[int, Future] = {}
        self._ids = itertools.count(1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="control-client", daemon=True)

    def start(self) -> None:
        """Connect in the background, and keep reconnecting until `stop`."""
        self._thread.start()

    def stop(self) -> None:
        """Disconnect and end the thread."""
        self._stop.set()
        sock = self._sock
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(5)

    def request(self, cmd: str, **args: Any) -> Future:
        """Send a command; the future gets the result, or a `ControlError`."""
        future: Future = Future()
        sock = self._sock
        if sock is None:
            future.set_exception(ControlError("the service is not reachable"))
            return future
        ident = next(self._ids)
        self._pending[ident] = future
        try:
            with self._send_lock:
                sock.sendall(encode({"id": ident, "cmd": cmd, **args}))
        except OSError as exc:
            self._pending.pop(ident, None)
            future.set_exception(ControlError(f"the service is not reachable: {exc}"))
        return future

    def call(self, cmd: str, timeout: float = 10.0, **args: Any) -> Any:
        """`request` and wait for the result."""
        return self.request(cmd, **args).result(timeout)

    # --- the thread ----------------------------------------------------------------------
    def _run(self) -> None:
        detail = ""
        while not self._stop.is_set():
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(str(self.path))
            except OSError as exc:
                sock.close()
                if exc.strerror != detail:
                    detail = exc.strerror or str(exc)
                    self.on_connected(False, f"no answer at {self.path} ({detail})")
                self._stop.wait(self.retry_s)
                continue
            detail = ""
            self._sock, self.connected = sock, True
            self.on_connected(True, "")
            try:
                self._read(sock)
            finally:
                self._sock, self.connected = None, False
                sock.close()
                for future in self._pending.values():
                    future.set_exception(ControlError("the connection to the service was lost"))
                self._pending.clear()
            if not self._stop.is_set():
                detail = "connection lost"
                self.on_connected(False, "the service went away; reconnecting")

    def _read(self, sock: socket.socket) -> None:
        buffer = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            if len(buffer) > MAX_LINE and b"\n" not in buffer:
                log.error("the service sent a line over %d bytes; reconnecting", MAX_LINE)
                return
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                self._dispatch(line)

    def _dispatch(self, line: bytes) -> None:
        try:
            message = decode(line)
        except ValueError:
            log.warning("ignoring a malformed line from the service")
            return
        if message.get("type") == "Reply":
            future = self._pending.pop(message.get("id"), None)
            if future is not None:
                if message.get("ok"):
                    future.set_result(message.get("result"))
                else:
                    future.set_exception(ControlError(message.get("error") or "the command failed"))
            return
        try:
            self.on_message(message)
        except Exception:  # noqa: BLE001 - a consumer bug never kills the connection
            log.exception("control message handler failed")


def fetch_status(path: Path, timeout: float = 5.0) -> dict[str, Any]:
    """Connect to the service at `path`, ask `status` and disconnect; `ControlError` when it does not answer."""
    return ask_service(path, "status", timeout)


def ask_service(path: Path, cmd: str, timeout: float = 5.0, connect_s: float = 5.0, **args: Any) -> Any:
    """Connect to the service at `path`, run one command and disconnect; `ControlError` when it
    is not reachable, does not answer within `timeout` or refuses the command."""
    connected = threading.Event()
    client = ControlClient(path, on_message=lambda m: None,
                           on_connected=lambda up, detail: connected.set() if up else None)
    client.start()
    try:
        if not connected.wait(connect_s):
            raise ControlError(f"the service is not reachable at {path} (is `appliance run` running?)")
        return client.call(cmd, timeout=timeout, **args)
    except TimeoutError:
        raise ControlError(f"the service at {path} did not answer within {timeout:g} s") from None
    finally:
        client.stop()
