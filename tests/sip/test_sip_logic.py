"""Pure parts of the SIP layer: caller ID, source ACL, backoff, transfer helpers."""

import pytest

from appliance.sip.acl import SourceAcl
from appliance.sip.backoff import Backoff
from appliance.sip.callerid import caller_id, parse_headers, parse_name_addr
from appliance.sip.transfer import context_headers, header_lines, outcome, refer_to
from appliance.voice.events import TransferState

INVITE = (
    "INVITE sip:agent@10.0.0.5 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\n"
    'f: "Front Door" <sip:0301234567@trunk.example>;tag=abc\r\n'
    "Remote-Party-ID: \"Maria Lopez\" <sip:+4915112345678@trunk.example>;party=calling\r\n"
    "P-Asserted-Identity: <tel:+4930123456>\r\n"
    "X-Long: first part\r\n second part\r\n"
    "Content-Length: 0\r\n\r\nv=0\r\nFrom: not a header\r\n"
)


def test_asserted_identity_wins_and_the_name_falls_back():
    who = caller_id(INVITE)
    assert who.number == "+4930123456" and who.source == "p-asserted-identity"
    assert who.name == "Maria Lopez"


def test_remote_party_id_then_from():
    no_pai = INVITE.replace("P-Asserted-Identity: <tel:+4930123456>\r\n", "")
    assert caller_id(no_pai).number == "+4915112345678"
    only_from = no_pai.replace('Remote-Party-ID: "Maria Lopez" <sip:+4915112345678@trunk.example>;party=calling\r\n', "")
    who = caller_id(only_from)
    assert (who.number, who.name, who.source) == ("0301234567", "Front Door", "from")


def test_headers_are_parsed_with_compact_forms_and_folding_but_not_the_body():
    headers = parse_headers(INVITE)
    assert headers["from"].startswith('"Front Door"')
    assert headers["x-long"] == "first part second part"
    assert "v" not in headers and headers["from"] != "not a header"


@pytest.mark.parametrize("value, expected", [
    ("<sip:anonymous@anonymous.invalid>", ("", "anonymous")),
    ("sip:1234@host;user=phone", ("", "1234")),
    ('"Dr \\"Who\\"" <sips:who@host>', ('Dr "Who"', "who")),
    ("Bob <sip:%2B4930@host>", ("Bob", "+4930")),
    ("garbage", ("", "")),
])
def test_name_addr_forms(value, expected):
    assert parse_name_addr(value) == expected


def test_anonymous_caller():
    who = caller_id("INVITE sip:a@b SIP/2.0\r\nFrom: <sip:anonymous@anonymous.invalid>;tag=1\r\n\r\n")
    assert who.anonymous
    assert caller_id("INVITE sip:a@b SIP/2.0\r\n\r\n").source == "none"


def test_acl_by_address_network_and_name():
    acl = SourceAcl(["10.1.2.3", "192.168.10.0/24", "localhost"])
    assert acl.allows("10.1.2.3:5060") and acl.allows("192.168.10.77") and acl.allows("127.0.0.1:5080")
    assert not acl.allows("10.1.2.4:5060") and not acl.allows("not an address")
    assert SourceAcl([], allow_any=True).allows("203.0.113.9:5060")
    with pytest.raises(ValueError, match="cannot resolve"):
        SourceAcl(["no-such-host.invalid"])


def test_backoff_grows_to_the_cap_and_resets():
    backoff = Backoff(2, 30, jitter=0.0)
    assert [backoff.next_delay() for _ in range(6)] == [2, 4, 8, 16, 30, 30]
    backoff.reset()
    assert backoff.next_delay() == 2
    jittered = Backoff(10, 100, jitter=0.5, rand=lambda: 1.0)
    assert jittered.next_delay() == 5


@pytest.mark.parametrize("code, state", [(200, TransferState.SUCCEEDED), (486, TransferState.BUSY),
                                         (603, TransferState.BUSY), (480, TransferState.NO_ANSWER),
                                         (408, TransferState.NO_ANSWER), (404, TransferState.FAILED),
                                         (503, TransferState.FAILED)])
def test_transfer_outcome_of_a_final_code(code, state):
    assert outcome(code) == state


def test_handover_context_becomes_safe_headers_and_a_refer_to_uri():
    headers = context_headers({"reason": "caller asked for a person",
                               "summary": "Maria Lopez,\r\nwants Tuesday ☺", "caller_verified": "no"})
    assert set(headers) == {"X-Handover-Reason", "X-Handover-Summary", "X-Handover-Caller-Verified"}
    lines = dict(header_lines(headers))
    assert "\r" not in lines["X-Handover-Summary"] and "\n" not in lines["X-Handover-Summary"]
    assert lines["X-Handover-Summary"].isascii()
    uri = refer_to("sip:staff@pbx", headers)
    assert uri.startswith("<sip:staff@pbx?X-Handover-Reason=caller%20asked%20for%20a%20person&")
    assert " " not in uri and uri.endswith(">")
    assert len(dict(header_lines({"X-A": "x" * 500}))["X-A"]) == 200
