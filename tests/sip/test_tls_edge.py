"""The local SIP edge (Kamailio with the system's OpenSSL) between the agent and a TLS trunk, with a
throwaway CA: registration and calls through it with SRTP, and the trunks and clients it refuses."""

from __future__ import annotations

import socket
import ssl
import threading
from pathlib import Path

import pytest

from appliance.config import SipConfig
from appliance.sip.edge import write_edge
from appliance.sip.events import RegistrationEvent, RegistrationState
from tests.sip.certs import TestCerts, make_test_certs
from tests.sip.conftest import AGENT_PASSWORD, USERS
from tests.sip.lab import check_srtp_call, Kamailio, KamailioProcess, free_port

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> TestCerts:
    return make_test_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="module")
def trunk(tmp_path_factory, certs):
    """A Kamailio registrar taking TLS 1.2+ with a certificate of the test CA: the clinic's trunk."""
    server = Kamailio(tmp_path_factory.mktemp("trunk"), USERS, tls=certs)
    server.start()
    yield server
    server.stop()


def edge_config(registrar: str, ca: Path) -> SipConfig:
    """The agent behind its edge: plain UDP on 127.0.0.1 to the edge, SRTP mandatory."""
    return SipConfig(register=True, registrar=registrar, user="agent", password=AGENT_PASSWORD, tls_edge=True,
                     edge_port=free_port(), bind_address="127.0.0.1", port=free_port(), rtp_port=free_port(),
                     expiry_s=60, tls_ca=str(ca), srtp="mandatory", retry_min_s=0.5, retry_max_s=2.0)


@pytest.fixture()
def make_edge(tmp_path):
    """Start the edge from the files `write_edge` renders (what the installed service runs)."""
    started = []

    def make(config: SipConfig) -> KamailioProcess:
        folder = tmp_path / f"edge{len(started)}"
        edge = KamailioProcess(folder, write_edge(config, folder), config.edge_port)
        edge.start()
        started.append(edge)
        return edge
    yield make
    for edge in started:
        edge.stop()


def registration(agent, state: RegistrationState, timeout: float = 15.0) -> RegistrationEvent:
    return agent.events.wait_for(lambda e: isinstance(e, RegistrationEvent) and e.state == state, timeout)


def tls_phone(make_peer, trunk, certs, user: str, *args: str):
    """A phone registered to the trunk over TLS (the trunk's certificate checked), SRTP mandatory."""
    phone = make_peer("--register", f"{user}:{USERS[user]}@{trunk.tls_address}", "--transport", "tls",
                      "--tls-ca", str(certs.ca), "--tls-verify-server", "--tls-cert", str(certs.cert),
                      "--tls-key", str(certs.key), "--srtp", "mandatory", *args, name=user)
    phone.wait("registered")
    return phone


def test_a_call_from_the_trunk_reaches_the_agent_through_the_edge_with_srtp_both_ways(
        trunk, certs, make_edge, make_agent, make_peer, caller_wav):
    config = edge_config(f"localhost:{trunk.tls_port}", certs.ca)  # the certificate's DNS name
    make_edge(config)
    agent = make_agent(config)
    assert registration(agent, RegistrationState.REGISTERED).code == 200
    caller = tls_phone(make_peer, trunk, certs, "caller", "--play", str(caller_wav))
    caller.send(cmd="call", uri=f"sip:agent@{trunk.tls_address};transport=tls")
    caller.wait("answered")
    check_srtp_call(agent, caller)


def test_the_agent_calls_out_through_the_edge_and_its_hang_up_gets_there(trunk, certs, make_edge, make_agent,
                                                                        make_peer):
    config = edge_config(trunk.tls_address, certs.ca)
    make_edge(config)
    agent = make_agent(config)
    registration(agent, RegistrationState.REGISTERED)
    staff = tls_phone(make_peer, trunk, certs, "staff")
    leg = agent.agent.call(f"sip:staff@{trunk.tls_address}")
    assert staff.wait("media")["srtp"] is True
    assert leg.answered.wait(10)
    agent.agent.hangup(leg)
    assert staff.wait("ended")["code"] == 200, "the BYE went from the agent through the edge to the phone"


def challenge(request: str) -> bytes:
    """A 401 with a digest challenge for a SIP request: what lures a client into sending its password."""
    head = request.split("\r\n\r\n", 1)[0].split("\r\n")
    copied = [line for line in head if line.split(":", 1)[0].lower() in ("via", "from", "to", "call-id", "cseq")]
    return ("SIP/2.0 401 Unauthorized\r\n" + "\r\n".join(copied) +
            '\r\nWWW-Authenticate: Digest realm="trunk", nonce="1234"\r\nContent-Length: 0\r\n\r\n').encode()


class OldOrFalseTrunk:
    """A TLS server standing in for a trunk the edge must refuse: it notes how each handshake went
    and what SIP arrived, and challenges every request."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self.context = context
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"
        self.handshakes: list[str] = []
        self.received = b""
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(5)
            try:
                with self.context.wrap_socket(conn, server_side=True) as tls:
                    self.handshakes.append(f"completed {tls.version()}")
                    while request := tls.recv(65536):
                        self.received += request
                        tls.sendall(challenge(request.decode()))
            except (ssl.SSLError, OSError) as exc:
                self.handshakes.append(f"failed: {exc}")

    def close(self) -> None:
        self.sock.close()


def server_context(certs: TestCerts, version: ssl.TLSVersion | None = None) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certs.cert, certs.key)
    if version is not None:  # an old trunk: only this version, with the ciphers it needs
        context.set_ciphers("DEFAULT@SECLEVEL=0")
        context.minimum_version = context.maximum_version = version
    return context


@pytest.mark.parametrize("trunk_kind, reason", [
    ("TLS 1.1 only", "No TLS connection to the trunk"),
    ("TLS 1.0 only", "No TLS connection to the trunk"),
    ("certificate of another CA", "No TLS connection to the trunk"),
    ("certificate for another name", "TLS to the trunk refused: its certificate is not made out to 127.0.0.1"),
])
def test_the_edge_refuses_a_trunk_with_old_tls_or_a_false_certificate(trunk_kind, reason, certs, make_edge,
                                                                      make_agent, tmp_path):
    context = {
        "TLS 1.1 only": lambda: server_context(certs, ssl.TLSVersion.TLSv1_1),
        "TLS 1.0 only": lambda: server_context(certs, ssl.TLSVersion.TLSv1),
        "certificate of another CA": lambda: server_context(make_test_certs(tmp_path / "stranger")),
        "certificate for another name": lambda: server_context(
            make_test_certs(tmp_path / "other-name", names="DNS:trunk.other.example", authority=certs)),
    }[trunk_kind]()
    false_trunk = OldOrFalseTrunk(context)
    try:
        config = edge_config(false_trunk.address, certs.ca)
        make_edge(config)
        agent = make_agent(config)
        failed = registration(agent, RegistrationState.FAILED)
        assert failed.code == 503 and reason in failed.reason
        assert false_trunk.handshakes, "the edge tried the trunk"
        if trunk_kind == "certificate for another name":  # the chain checks out: the REGISTER went, but
            assert false_trunk.handshakes[0].startswith("completed")  # its challenge never got back
            assert b"REGISTER" in false_trunk.received and b"Authorization" not in false_trunk.received
        else:
            assert false_trunk.received == b"", "nothing reached the refused trunk"
        assert agent.agent.registration != RegistrationState.REGISTERED
    finally:
        false_trunk.close()


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1])
def test_the_tls_trunk_refuses_a_client_with_old_tls(trunk, certs, version):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(certs.ca)
    context.set_ciphers("DEFAULT@SECLEVEL=0")
    context.minimum_version = context.maximum_version = version
    with socket.create_connection(("127.0.0.1", trunk.tls_port), 3) as sock:
        with pytest.raises(ssl.SSLError, match="PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL"):
            context.wrap_socket(sock, server_hostname="127.0.0.1")
    context.minimum_version = context.maximum_version = ssl.TLSVersion.TLSv1_2
    with socket.create_connection(("127.0.0.1", trunk.tls_port), 3) as sock:
        assert context.wrap_socket(sock, server_hostname="127.0.0.1").version() == "TLSv1.2"
