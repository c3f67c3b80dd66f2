"""A subset of the dialogue scenarios over real SIP with synthesized caller speech."""

from __future__ import annotations

from dataclasses import replace

import pytest

from appliance.config import TransferConfig
from appliance.lab.demo import DEMO_PATIENT
from appliance.lab.peer_client import PeerPhone
from appliance.lab.scripted_call import run_script

pytestmark = pytest.mark.slow


def test_known_caller_books_by_voice(live, tmp_path):
    lines = ["I'd like to book a cleaning next Monday morning", "yes, it's for me", "the first one", "yes please",
             "no thanks, goodbye"]
    result = live.run(run_script(live.service, lines, tmp_path, caller_id=DEMO_PATIENT[1]))
    said = " ".join(text for speaker, text in result.transcript if speaker == "agent")
    assert "Hello Maria" in said and "Shall I go ahead" in said and "You're booked" in said, "\n".join(map(str, result.transcript))
    row = next(live.service.call_log.db.query(
        "SELECT a.source, c.name, a.call_id FROM appointments a JOIN contacts c ON c.id = a.contact_id "
        "ORDER BY a.id DESC LIMIT 1"))
    assert row["source"] == "phone_agent" and row["name"] == DEMO_PATIENT[0] and row["call_id"]


def test_escalation_reaches_the_staff_phone_with_its_summary(live, tmp_path):
    staff = PeerPhone("--user", "staff", record_dir=tmp_path / "staff")
    try:
        transfer = TransferConfig(staff_uri=staff.uri, after_hours_uri=staff.uri, mode="attended")
        live.service.config = replace(live.service.config, transfer=transfer)
        lines = ["Hello, can I talk to a real person please?"]
        live.run(run_script(live.service, lines, tmp_path, caller_id=DEMO_PATIENT[1]))
        incoming = staff.wait("incoming", timeout=20)
        summary = incoming["headers"]["x-handover-summary"]
        assert "Maria Lopez" in summary and "asked for a person" in summary
        assert incoming["headers"]["x-handover-reason"] == "the caller asked for a person"
    finally:
        live.service.config = replace(live.service.config, transfer=TransferConfig())
        staff.stop()
