"""Caller ID from an INVITE: P-Asserted-Identity, then Remote-Party-ID, then From."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

HEADER_ORDER = ("p-asserted-identity", "remote-party-id", "from")
COMPACT = {"f": "from", "t": "to", "i": "call-id", "m": "contact", "v": "via", "l": "content-length"}


@dataclass(frozen=True)
class CallerId:
    """Who is calling: a number (or SIP user), a display name, and which header said so."""

    number: str
    name: str
    source: str

    @property
    def anonymous(self) -> bool:
        """True when the caller withheld their number."""
        return self.number.lower() in ("", "anonymous", "restricted", "unknown", "unavailable")


def parse_headers(message: str) -> dict[str, str]:
    """Header names (lower case, compact forms expanded) to values; first occurrence wins."""
    head = message.split("\r\n\r\n", 1)[0].split("\n\n", 1)[0]
    headers: dict[str, str] = {}
    last = None
    for line in head.splitlines()[1:]:
        if line[:1] in (" ", "\t") and last:  # folded continuation line
            headers[last] += " " + line.strip()
            continue
        name, sep, value = line.partition(":")
        if not sep:
            continue
        key = COMPACT.get(name.strip().lower(), name.strip().lower())
        if key not in headers:
            headers[key] = value.strip()
            last = key
    return headers


def parse_name_addr(value: str) -> tuple[str, str]:
    """('display name', 'user') from `"Name" <sip:user@host;params>` or a bare URI."""
    match = re.match(r'\s*(?:"((?:[^"\\]|\\.)*)"|([^<"]*?))\s*<([^>]*)>', value)
    if match:
        name = (match.group(1) if match.group(1) is not None else match.group(2) or "").strip()
        uri = match.group(3)
    else:
        name, uri = "", value.split(";", 1)[0].strip()
    user = re.match(r"(?:sips?|tel):([^@;>?]*)", uri.strip(), re.IGNORECASE)
    number = unquote(user.group(1)) if user else ""
    return name.replace('\\"', '"'), number


def caller_id(message: str) -> CallerId:
    """The caller's identity from a whole SIP message, preferring network-asserted headers."""
    headers = parse_headers(message)
    parsed = [(key, *parse_name_addr(headers[key].split(",")[0])) for key in HEADER_ORDER if key in headers]
    name = next((n for _, n, _ in parsed if n), "")
    for key, _, number in parsed:
        if number:
            return CallerId(number=number, name=name, source=key)
    return CallerId(number="", name=name, source="none")
