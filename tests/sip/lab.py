"""The SIP test lab on 127.0.0.1: Kamailio as registrar/proxy, peer phones, event logs."""

from __future__ import annotations

import glob
import json
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

KAMAILIO_CFG = """#!KAMAILIO
debug=2
log_stderror=yes
children=2
tcp_children=1
auto_aliases=no
listen=udp:127.0.0.1:{port}
listen=tcp:127.0.0.1:{port}
alias="127.0.0.1:{port}"
mpath="{modules}"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "sanity.so"
loadmodule "auth.so"
loadmodule "corex.so"
modparam("usrloc", "db_mode", 0)
modparam("registrar", "min_expires", 5)
modparam("registrar", "max_expires", 3600)

request_route {{
    if (!mf_process_maxfwd_header("10")) {{ sl_send_reply("483", "Too Many Hops"); exit; }}
    if (is_method("OPTIONS") && uri == myself && $rU == $null) {{ sl_send_reply("200", "OK"); exit; }}
    if (has_totag()) {{
        if (loose_route()) {{ t_relay(); exit; }}
        if (is_method("ACK")) {{ if (t_check_trans()) {{ t_relay(); }} exit; }}
        sl_send_reply("404", "Not here");
        exit;
    }}
    if (is_method("CANCEL")) {{ if (t_check_trans()) {{ t_relay(); }} exit; }}
    t_check_trans();
    if (is_method("REGISTER")) {{
        $var(pw) = "";
{users}
        if ($var(pw) == "" || !pv_auth_check("$fd", "$var(pw)", "0", "1")) {{
            auth_challenge("$fd", "0");
            exit;
        }}
        consume_credentials();
        if (!save("location")) {{ sl_reply_error(); }}
        exit;
    }}
    record_route();
    if (!lookup("location")) {{ sl_send_reply("404", "Not Found"); exit; }}
    t_relay();
}}
"""


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    """A port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, kind) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                t.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
    raise RuntimeError("no free port")


class Kamailio:
    """A Kamailio registrar with digest auth from plain passwords in its config."""

    def __init__(self, workdir: Path, users: dict[str, str], port: int | None = None) -> None:
        self.workdir = workdir
        self.users = users
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.cfg = workdir / "kamailio.cfg"
        modules = sorted(glob.glob("/usr/lib/*/kamailio/modules")) + ["/usr/lib/kamailio/modules"]
        cases = "\n".join(f'        if ($fU == "{u}") {{ $var(pw) = "{p}"; }}' for u, p in users.items())
        self.cfg.write_text(KAMAILIO_CFG.format(port=self.port, modules=modules[0], users=cases))

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start in the foreground (-DD -E) and wait until it answers OPTIONS."""
        binary = shutil.which("kamailio") or "/usr/sbin/kamailio"
        log = (self.workdir / "kamailio.log").open("ab")
        self.proc = subprocess.Popen([binary, "-f", str(self.cfg), "-DD", "-E", "-m", "64", "-M", "8",
                                      "-w", str(self.workdir), "-Y", str(self.workdir)],
                                     stdout=log, stderr=log)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"kamailio exited: {(self.workdir / 'kamailio.log').read_text()[-2000:]}")
            if self._answers_options():
                return
            time.sleep(0.1)
        raise RuntimeError("kamailio did not answer OPTIONS")

    def stop(self) -> None:
        """Stop by PID (SIGTERM, then SIGKILL)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def _answers_options(self) -> bool:
        msg = (f"OPTIONS sip:127.0.0.1:{self.port} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK{time.monotonic_ns()}\r\n"
               "Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1>\r\n"
               f"Call-ID: probe{time.monotonic_ns()}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.3)
            s.bind(("127.0.0.1", 0))
            msg = msg.replace("127.0.0.1:9", f"127.0.0.1:{s.getsockname()[1]}")
            s.sendto(msg.encode(), ("127.0.0.1", self.port))
            try:
                return b"SIP/2.0 200" in s.recv(4096)
            except OSError:
                return False


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
    """`python -m appliance.sip.peer` in its own process, driven over stdin/stdout."""

    def __init__(self, *args: str, record_dir: Path | None = None) -> None:
        self.port = free_port()
        cmd = [sys.executable, "-m", "appliance.sip.peer", "--port", str(self.port),
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
        return f"sip:peer@127.0.0.1:{self.port}"

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
