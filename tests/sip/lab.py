"""The SIP test lab on 127.0.0.1: Kamailio as registrar/proxy, peer phones, event logs."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from appliance.audio import level_dbfs, read_wav
from appliance.lab.peer_client import EventLog, PeerPhone
from appliance.sip.edge import kamailio_modules
from appliance.sip.ports import free_port
from appliance.voice.events import CallEndedEvent, CallStartedEvent
from tests.sip.certs import TestCerts

__all__ = ["EventLog", "Kamailio", "KamailioProcess", "PeerPhone", "free_port"]

KAMAILIO_CFG = """#!KAMAILIO
debug=2
log_stderror=yes
children=2
tcp_children=1
auto_aliases=no
listen=udp:127.0.0.1:{port}
listen=tcp:127.0.0.1:{port}
alias="127.0.0.1:{port}"
{tls_listen}mpath="{modules}"
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
{tls_modules}modparam("usrloc", "db_mode", 0)
modparam("registrar", "min_expires", 5)
modparam("registrar", "max_expires", 3600)

request_route {{
    if (!mf_process_maxfwd_header("10")) {{ sl_send_reply("483", "Too Many Hops"); exit; }}
    if (is_method("OPTIONS") && uri == myself && $rU == $null) {{ sl_send_reply("200", "OK"); exit; }}
    if (has_totag()) {{
        if (loose_route()) {{ {nat_dialog}t_relay(); exit; }}
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
{nat}        if (!save("location")) {{ sl_reply_error(); }}
        exit;
    }}
    record_route();
{nat_initial}    if (!lookup("location")) {{ sl_send_reply("404", "Not Found"); exit; }}
    t_relay();
}}
{nat_reply}"""

TLS_MODULES = """loadmodule "tls.so"
loadmodule "nathelper.so"
modparam("tls", "config", "{tls_cfg}")
modparam("nathelper", "received_avp", "$avp(received)")
modparam("registrar", "received_avp", "$avp(received)")
"""

# TLS clients are taken as phones behind NAT: whatever is for them goes back over their connection
TLS_NAT = {
    "nat": "        if (proto == TLS) { fix_nated_register(); }\n",
    "nat_dialog": "handle_ruri_alias(); ",
    "nat_initial": '    if (proto == TLS) { set_contact_alias(); }\n    t_on_reply("NAT");\n',
    "nat_reply": "onreply_route[NAT] {\n    if (proto == TLS) { set_contact_alias(); }\n}\n",
}

# the trunk's side: its certificate, TLS 1.2 or newer only; clients show no certificate
TLS_CFG = """[server:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
certificate = {cert}
private_key = {key}

[client:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
"""


class KamailioProcess:
    """Kamailio run from the config file `cfg`, answering OPTIONS on UDP `port` once it is up."""

    def __init__(self, workdir: Path, cfg: Path, port: int) -> None:
        self.workdir = workdir
        self.cfg = cfg
        self.port = port
        self.proc: subprocess.Popen | None = None

    @property
    def log(self) -> str:
        """What it has logged so far."""
        path = self.workdir / "kamailio.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start(self) -> None:
        """Start in the foreground (-DD -E) and wait until it answers OPTIONS. Its ports may
        still be held for a moment after a restart: then it is started again."""
        binary = shutil.which("kamailio") or "/usr/sbin/kamailio"
        deadline = time.monotonic() + 20
        while True:
            log_path = self.workdir / "kamailio.log"
            offset = log_path.stat().st_size if log_path.exists() else 0
            with log_path.open("ab") as log:
                self.proc = subprocess.Popen([binary, "-f", str(self.cfg), "-DD", "-E", "-m", "64", "-M", "8",
                                              "-w", str(self.workdir), "-Y", str(self.workdir)],
                                             stdout=log, stderr=log, start_new_session=True)
            while time.monotonic() < deadline and self.proc.poll() is None:
                if self._answers_options():
                    return
                time.sleep(0.1)
            output = log_path.read_text(errors="replace")[offset:]
            if self.proc.poll() is None or time.monotonic() >= deadline or "Address already in use" not in output:
                self.stop()
                raise RuntimeError(f"kamailio did not start: {output[-2000:]}")
            time.sleep(0.5)

    def stop(self) -> None:
        """Stop by PID: SIGTERM to its process group (the main process and its children)."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
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


class Kamailio(KamailioProcess):
    """A Kamailio registrar with digest auth from plain passwords in its config; with `tls`, it
    also takes TLS 1.2+ on `tls_port` with that certificate (a SIP trunk over TLS)."""

    def __init__(self, workdir: Path, users: dict[str, str], port: int | None = None,
                 tls: TestCerts | None = None) -> None:
        super().__init__(workdir, workdir / "kamailio.cfg", port or free_port())
        self.users = users
        self.tls_port = free_port() if tls else None
        cases = "\n".join(f'        if ($fU == "{u}") {{ $var(pw) = "{p}"; }}' for u, p in users.items())
        nat = dict.fromkeys(("nat", "nat_dialog", "nat_initial", "nat_reply"), "")
        tls_listen = tls_modules = ""
        if tls:
            tls_cfg = workdir / "tls.cfg"
            tls_cfg.write_text(TLS_CFG.format(cert=tls.cert, key=tls.key))
            tls_listen = f"enable_tls=yes\nlisten=tls:127.0.0.1:{self.tls_port}\n"
            tls_modules = TLS_MODULES.format(tls_cfg=tls_cfg)
            nat = TLS_NAT
        self.cfg.write_text(KAMAILIO_CFG.format(port=self.port, modules=kamailio_modules(), users=cases,
                                                tls_listen=tls_listen, tls_modules=tls_modules, **nat))

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def tls_address(self) -> str:
        return f"127.0.0.1:{self.tls_port}"


def check_srtp_call(agent, caller: PeerPhone) -> None:
    """After `caller` was answered: SRTP on both legs and audio heard both ways, then hang up."""
    assert caller.wait("media")["srtp"] is True, "the caller's audio stream is SRTP"
    started = agent.events.wait_for(lambda e: isinstance(e, CallStartedEvent))
    leg = agent.legs.wait_for(lambda leg: leg.call_id == started.call_id)
    time.sleep(3.5)
    assert leg.srtp, "the agent's audio stream is SRTP"
    caller.send(cmd="hangup")
    ended = caller.wait("ended")
    agent.events.wait_for(lambda e: isinstance(e, CallEndedEvent))
    assert level_dbfs(read_wav(ended["received"])) > -40, "the caller heard the agent"
    assert level_dbfs(b"".join(agent.received[started.call_id])) > -40, "the agent heard the caller"
