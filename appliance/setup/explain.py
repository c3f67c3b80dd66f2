"""SIP outcomes in words a clinic's IT person understands."""

from __future__ import annotations

from appliance.config import SipConfig
from appliance.setup.result import CheckResult
from appliance.sip.events import RegistrationEvent, RegistrationState

REFUSED_CREDENTIALS = (401, 403, 407)
BUSY = (486, 600)
NO_ANSWER = (408, 480, 487)


def no_answer_from(sip: SipConfig) -> str:
    """What to check when the registrar stays silent."""
    return f"no answer from {sip.registrar} - check the address, port, transport ({sip.transport}) and firewall"


def registration_result(sip: SipConfig, event: RegistrationEvent | None, timeout_s: float) -> CheckResult:
    """The result of a REGISTER: `event` is the first success or failure, None when nothing came back in time."""
    if event is None:
        return CheckResult(False, no_answer_from(sip), f"no reply to REGISTER within {timeout_s:.0f} s")
    code, reason = event.code, event.reason
    detail = f"REGISTER to {sip.registrar} over {sip.transport} as {sip.auth_user or sip.user}: {code} {reason}"
    if event.state == RegistrationState.REGISTERED:
        message = f"registered with {sip.registrar} as {sip.user}"
    elif code in REFUSED_CREDENTIALS:
        message = "the trunk refused the username or password"
    elif code == 404:
        message = f"unknown user: the trunk does not know {sip.user!r}"
    elif code == 408:
        message = no_answer_from(sip)
    elif code == 423:
        message = "the trunk wants a longer registration interval: raise sip.expiry_s"
    elif code in (502, 503) and "refused" in reason.lower():
        message = f"{sip.registrar} refused the connection - check the port and the transport ({sip.transport})"
    elif code in (502, 503):
        message = f"cannot reach {sip.registrar}: {reason}"
    else:
        message = f"the trunk answered {code} {reason}"
    return CheckResult(event.state == RegistrationState.REGISTERED, message, detail, code)


def call_result(uri: str, code: int, reason: str, rang_s: float) -> CheckResult:
    """The result of a test call to `uri`: answered (code 200), or how it ended after ringing `rang_s`.

    Code 0 means nobody picked up before the test gave up."""
    detail = f"INVITE {uri}: {code} {reason}" if code else f"INVITE {uri}: no final answer in {rang_s:.0f} s"
    if code == 200:
        return CheckResult(True, "the phone answered (the test call was hung up again)", detail, code)
    if code in BUSY:
        message = f"the phone is busy ({code} {reason})"
    elif code == 0:
        message = f"no answer: the phone rang for {rang_s:.0f} s and nobody picked up"
    elif code in NO_ANSWER:
        message = f"no answer ({code} {reason})"
    elif code == 404:
        message = f"refused ({code} {reason}): is the phone registered, and is the address right?"
    elif code in REFUSED_CREDENTIALS:
        message = f"refused ({code} {reason}): the phone system does not accept calls from this box"
    else:
        message = f"refused ({code} {reason})"
    return CheckResult(False, message, detail, code)
