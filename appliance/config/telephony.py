"""Configuration of the SIP trunk and of transfers to staff."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from appliance.errors import ConfigError

SYSTEM_CA_FILE = "/etc/ssl/certs/ca-certificates.crt"  # Debian's ca-certificates bundle
LOOPBACK = "127.0.0.1"  # where the SIP stack and the local SIP edge talk to each other


MAX_SIP_CALLS = 4  # pjsua2-python is built for 4 calls at once, transfer legs included


@dataclass(frozen=True)
class SipConfig:
    """The clinic's SIP trunk and this box's SIP endpoint.

    With `register = false` nothing registers: the box answers calls sent straight to
    `bind_address:port` (a PBX that routes to it, or a local demo).

    With `transport = "tls"` SIP is encrypted; `srtp` then encrypts the audio too (its keys
    travel in the SIP messages, so SRTP is refused over plain udp and tcp to the network).

    With `tls_edge = true` the trunk is reached through the local SIP edge (Kamailio on this box,
    TLS 1.2 or newer with the system's OpenSSL): the SIP stack talks plain SIP over UDP to it on
    127.0.0.1 only, and the edge carries it to the registrar over TLS; `srtp` is allowed, since
    the only plain hop never leaves the box.
    """

    register: bool = False
    registrar: str = ""  # host or host:port of the trunk's registrar
    user: str = ""
    auth_user: str = ""  # empty: the same as user
    password: str = field(default="", repr=False)
    realm: str = "*"
    transport: Literal["udp", "tcp", "tls"] = "udp"
    expiry_s: int = 300
    bind_address: str = "0.0.0.0"
    port: int = 5060
    public_address: str = ""  # address advertised in Contact and SDP; empty: bind_address
    rtp_port: int = 40000  # first RTP port; each call takes the next free pair
    allowed_sources: list[str] = field(default_factory=list)  # IPs/CIDRs/hosts; empty: the registrar (the edge)
    allow_any_source: bool = False
    max_calls: int = 4
    codecs: list[str] = field(default_factory=lambda: ["G722", "PCMU", "PCMA"])
    retry_min_s: float = 2.0
    retry_max_s: float = 300.0
    tls_cert: str = ""  # this box's certificate (PEM, chain after it); needed to accept TLS calls
    tls_key: str = ""  # its private key (PEM, unencrypted; keep it 0600, service user)
    tls_ca: str = ""  # CA certificates trusted for the trunk's certificate; empty: the system's
    tls_verify_server: bool = True  # refuse a trunk/phone whose certificate does not check out
    srtp: Literal["off", "optional", "mandatory"] = "off"
    tls_edge: bool = False  # reach the trunk over TLS through the local SIP edge
    edge_port: int = 5070  # the edge's port on 127.0.0.1 (UDP for this box's SIP stack, TCP for its TLS side)

    @property
    def tls_ca_file(self) -> str:
        """The CA list in force: `tls_ca`, else the system's bundle when it exists, else ""."""
        if self.tls_ca:
            return self.tls_ca
        return SYSTEM_CA_FILE if Path(SYSTEM_CA_FILE).is_file() else ""

    def __post_init__(self) -> None:
        if self.register and not (self.registrar and self.user):
            raise ConfigError("sip.registrar and sip.user are needed when sip.register = true")
        if not 5 <= self.expiry_s <= 86400:
            raise ConfigError(f"sip.expiry_s must be 5..86400, got {self.expiry_s}")
        if not 0 <= self.port <= 65535 or not 1024 <= self.rtp_port <= 65000:
            raise ConfigError("sip.port must be 0..65535 and sip.rtp_port 1024..65000")
        if not 1 <= self.max_calls <= MAX_SIP_CALLS:
            raise ConfigError(f"sip.max_calls must be 1..{MAX_SIP_CALLS} (the SIP stack's limit), got {self.max_calls}")
        unknown = [c for c in self.codecs if c.upper() not in ("G722", "PCMU", "PCMA")]
        if unknown or not self.codecs:
            raise ConfigError(f"sip.codecs may hold G722, PCMU and PCMA, got {self.codecs}")
        if not 0.1 <= self.retry_min_s <= self.retry_max_s:
            raise ConfigError("sip.retry_min_s must be at least 0.1 and at most sip.retry_max_s")
        self._check_tls()

    def _check_tls(self) -> None:
        """The TLS files exist and go together; SRTP only over TLS (direct, or through the edge)."""
        for key in ("tls_cert", "tls_key", "tls_ca"):
            path = getattr(self, key)
            if path and not Path(path).is_file():
                raise ConfigError(f"sip.{key}: there is no file {path}")
        if bool(self.tls_cert) != bool(self.tls_key):
            raise ConfigError("sip.tls_cert and sip.tls_key go together: set both or neither")
        if self.tls_edge:
            self._check_edge()
        elif self.srtp != "off" and self.transport != "tls":
            raise ConfigError(f"sip.srtp = {self.srtp!r} needs sip.transport = 'tls' or sip.tls_edge = true: "
                              f"the SRTP keys travel in the SIP messages, readable by anyone on the network "
                              f"over {self.transport}")
        elif self.transport != "tls":
            return
        elif not self.register and not self.tls_cert:
            raise ConfigError("sip.transport = 'tls' with sip.register = false needs sip.tls_cert and "
                              "sip.tls_key: callers connect to this box over TLS, which takes its certificate")
        if self.tls_verify_server and not self.tls_ca_file:
            raise ConfigError(f"sip.tls_verify_server = true needs sip.tls_ca (the CA certificates the "
                              f"trunk's certificate is checked against): {SYSTEM_CA_FILE} is not there either")

    def _check_edge(self) -> None:
        """The edge carries a registration to the trunk over TLS; the box itself speaks plain SIP to it."""
        if not self.register:
            raise ConfigError("sip.tls_edge = true needs sip.register = true: the edge carries this box's "
                              "registration to the trunk over TLS, and the trunk's calls back over that connection")
        if self.transport != "udp":
            raise ConfigError(f"sip.tls_edge = true takes sip.transport = 'udp' (the hop to the edge on 127.0.0.1; "
                              f"the edge speaks TLS to the trunk), got {self.transport!r}")
        if self.tls_cert:
            raise ConfigError("sip.tls_cert and sip.tls_key are for sip.transport = 'tls' (calls straight to "
                              "this box); with sip.tls_edge = true nothing connects to the box: leave them empty")
        if not 1024 <= self.edge_port <= 65535 or self.edge_port == self.port:
            raise ConfigError(f"sip.edge_port must be 1024..65535 and differ from sip.port ({self.port}), "
                              f"got {self.edge_port}")


@dataclass(frozen=True)
class TransferConfig:
    """Where a caller is handed over to a person, and how."""

    staff_uri: str = ""  # e.g. sip:frontdesk@pbx.clinic.local
    after_hours_uri: str = ""  # an on-call number for outside opening hours; empty: take a message
    desk_uri: str = ""  # the receptionist's own phone, for "take over" in the GUI; empty: staff_uri
    mode: Literal["blind", "attended"] = "attended"
    ring_timeout_s: float = 20.0

    def __post_init__(self) -> None:
        for key in ("staff_uri", "after_hours_uri", "desk_uri"):
            value = getattr(self, key)
            if value and not value.startswith(("sip:", "sips:")):
                raise ConfigError(f"transfer.{key} must start with sip: or sips:, got {value!r}")
        if not 3 <= self.ring_timeout_s <= 120:
            raise ConfigError(f"transfer.ring_timeout_s must be 3..120, got {self.ring_timeout_s}")
