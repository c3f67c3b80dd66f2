"""The set-up's last check, for real: the appliance starts on loopback with the clinic's own profile,
takes a call to itself and answers the opening-hours question from that profile."""

from __future__ import annotations

from dataclasses import replace

import pytest

from appliance.config import ClinicConfig, Config
from appliance.setup import self_test

pytestmark = pytest.mark.slow

CLINIC = ClinicConfig(name="Lakeside Dental", timezone="Europe/Berlin",
                      hours="We are open Monday to Thursday from 9 to 5.")


def test_the_appliance_answers_a_call_to_itself_and_replies():
    result = self_test(replace(Config(), clinic=CLINIC))
    assert result.ok, result.detail
    (_, greeting), (caller, question), (_, reply) = result.transcript[:3]
    assert "Lakeside Dental" in greeting
    assert caller == "caller" and "hours" in question.lower()
    assert reply.startswith(CLINIC.hours)
    assert 0 < result.latency_ms < 5000
    assert result.message == f"the appliance answered and replied in {result.latency_ms / 1000:.1f} s"
