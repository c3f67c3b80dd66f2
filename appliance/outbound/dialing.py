"""Which SIP URI reaches a phone number, and whether a line may be used for a call out."""

from __future__ import annotations

from appliance.config import RemindersConfig, SipConfig
from appliance.errors import ApplianceError


class DialError(ApplianceError):
    """No way to dial out is configured."""

    code = "outbound.dial"


def dial_uri(number: str, reminders: RemindersConfig, sip: SipConfig) -> str:
    """The URI for `number` (E.164): `reminders.dial_uri` with {number} filled in, else the SIP trunk's
    registrar; the '+' is kept only with `dial_plus`."""
    check_dialling(reminders, sip)
    digits = number if reminders.dial_plus else number.lstrip("+")
    if reminders.dial_uri:
        return reminders.dial_uri.replace("{number}", digits)
    scheme = "sips" if sip.transport == "tls" else "sip"
    transport = "" if sip.transport in ("udp", "tls") else f";transport={sip.transport}"
    return f"{scheme}:{digits}@{sip.registrar}{transport}"


def check_dialling(reminders: RemindersConfig, sip: SipConfig) -> None:
    """`DialError` unless the settings give a way to dial out."""
    if not reminders.dial_uri and not sip.registrar:
        raise DialError("no way to dial out: set reminders.dial_uri, or register to a SIP trunk (sip.registrar)")


def line_free(active_calls: int, sip: SipConfig, reminders: RemindersConfig) -> bool:
    """Whether one more call out leaves `reserve_lines` free for callers."""
    return active_calls < sip.max_calls - reminders.reserve_lines
