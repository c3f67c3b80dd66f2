"""Which addresses may send INVITEs: the trunk's, unless configured otherwise."""

from __future__ import annotations

import ipaddress
import socket


class SourceAcl:
    """Allowed source networks; host names are resolved once, when the ACL is built."""

    def __init__(self, entries: list[str], allow_any: bool = False) -> None:
        self.allow_any = allow_any
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for entry in entries:
            self.networks += _networks(entry)

    def allows(self, source: str) -> bool:
        """`source` is 'ip', 'ip:port' or '[v6]:port'."""
        if self.allow_any:
            return True
        try:
            address = ipaddress.ip_address(host_of(source))
        except ValueError:
            return False
        return any(address in net for net in self.networks)

    def __repr__(self) -> str:
        return "SourceAcl(any)" if self.allow_any else f"SourceAcl({[str(n) for n in self.networks]})"


def host_of(source: str) -> str:
    """The host of 'host', 'host:port' or '[v6]:port'."""
    source = source.strip()
    if source.startswith("["):
        return source[1:source.index("]")]
    if source.count(":") == 1:
        return source.split(":")[0]
    return source


def _networks(entry: str) -> list:
    host = host_of(entry)
    try:
        return [ipaddress.ip_network(host, strict=False)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror as exc:
        raise ValueError(f"cannot resolve allowed SIP source {entry!r}: {exc}") from None
    return [ipaddress.ip_network(info[4][0]) for info in infos]
