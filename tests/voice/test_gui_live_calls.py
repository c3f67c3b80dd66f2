"""The front desk's live-calls view against the running service: a real call appears with its
transcript and its card filling in, a caller who needs a person takes the eye, and the Transfer
and Take over buttons (or keys) hand the caller to a real staff phone over SIP."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from pytestqt.exceptions import TimeoutError as QtTimeoutError

from appliance.audio import write_wav
from appliance.config import TransferConfig
from appliance.control.protocol import socket_path
from appliance.lab.demo import DEMO_PATIENT
from appliance.lab.peer_client import PeerPhone
from appliance.lab.speech import shifted_piper, silence
from appliance.lab.voices import synthesize, telephone
from appliance.voice.events import CallEndedEvent
from gui.live_view import LiveView
from gui.service_link import ServiceLink

pytestmark = pytest.mark.slow


@pytest.fixture()
def desk(qtbot, live):
    link = ServiceLink(socket_path(live.service.config))
    view = LiveView(link, live.service.config)
    qtbot.addWidget(view)
    view.show()
    link.start()
    qtbot.waitUntil(lambda: link.connected, timeout=5000)
    yield view
    link.stop()


@pytest.mark.parametrize(("button", "setting", "reason"), [
    ("transfer_button", "staff_uri", "the front desk transferred the call"),
    ("take_over_button", "desk_uri", "the front desk took the call over"),
])
def test_one_click_hands_the_live_caller_to_a_phone_with_the_summary(qtbot, live, desk, tmp_path, button, setting,
                                                                     reason):
    staff = PeerPhone("--user", "staff", record_dir=tmp_path / "staff")
    line = tmp_path / "line.wav"
    write_wav(line, shifted_piper(live.service.hub.tts, "I'd like to book a cleaning please.") + silence(0.05))
    caller = PeerPhone("--codecs", "PCMU", record_dir=tmp_path / "caller")
    live.service.config = replace(live.service.config, transfer=TransferConfig(
        **{"staff_uri": "sip:nobody@127.0.0.1:9", setting: staff.uri}, mode="blind"))
    try:
        mark = len(live.events.items)
        caller.send(cmd="call", uri=live.service.agent.local_uri,
                    headers={"P-Asserted-Identity": f"<sip:{DEMO_PATIENT[1]}@127.0.0.1>"})
        qtbot.waitUntil(lambda: desk.calls.count() == 1, timeout=10000)
        assert DEMO_PATIENT[0] in desk.calls.item(0).text()  # matched to the contact by caller ID
        qtbot.waitUntil(lambda: "Thank you for calling" in desk.transcript.toPlainText(), timeout=15000)
        caller.send(cmd="play", wav=str(line))
        turns = lambda: [t for c in desk.live.calls.values() for t in c.transcript]  # noqa: E731
        heard = lambda: next(i for i, t in enumerate(turns()) if "cleaning" in t["text"].lower())  # noqa: E731
        qtbot.waitUntil(lambda: any("cleaning" in t["text"].lower() for t in turns()), timeout=20000)
        qtbot.waitUntil(lambda: len(turns()) > heard() + 1, timeout=20000)  # the agent answered it
        assert getattr(desk, button).isEnabled()
        qtbot.mouseClick(getattr(desk, button), Qt.LeftButton)
        try:
            qtbot.waitUntil(lambda: "Maria Lopez" in desk.card.summary.text() and "(to " in desk.card.summary.text(),
                            timeout=20000)
        except QtTimeoutError:
            raise AssertionError(f"no handover shown; status {desk.status.text()!r}, turns {turns()}") from None
        incoming = staff.wait("incoming", timeout=25)
        summary = incoming["headers"]["x-handover-summary"]
        assert "Maria Lopez" in summary and reason in summary
        live.events.wait_for(lambda e: isinstance(e, CallEndedEvent) and e.hung_up_by == "transfer",
                             timeout=20, after=mark)
        qtbot.waitUntil(lambda: desk.calls.count() == 0, timeout=5000)
        assert live.last_call()["outcome"] == "transferred"
    finally:
        live.service.config = replace(live.service.config, transfer=TransferConfig())
        caller.stop()
        staff.stop()


def test_a_failed_transfer_is_shown_not_hidden(qtbot, live, desk, tmp_path):
    staff = PeerPhone("--user", "staff", "--mode", "busy", record_dir=tmp_path / "staff")
    caller = PeerPhone("--codecs", "PCMU", record_dir=tmp_path / "caller")
    live.service.config = replace(live.service.config, transfer=TransferConfig(staff_uri=staff.uri, mode="attended"))
    try:
        caller.send(cmd="call", uri=live.service.agent.local_uri)
        qtbot.waitUntil(lambda: desk.calls.count() == 1, timeout=10000)
        qtbot.mouseClick(desk.transfer_button, Qt.LeftButton)
        qtbot.waitUntil(lambda: "failed" in desk.status.text(), timeout=30000)
        assert "busy" in desk.status.text().lower() and desk.calls.count() == 1  # the caller is still with us
        assert desk.card.alarm.text() == "Needs a person: Nobody took the transfer (busy)"
        qtbot.mouseClick(desk.hangup_button, Qt.LeftButton)
        qtbot.waitUntil(lambda: desk.calls.count() == 0, timeout=10000)
    finally:
        live.service.config = replace(live.service.config, transfer=TransferConfig())
        caller.stop()
        staff.stop()


def test_commands_for_a_call_that_is_gone_get_a_clear_answer(qtbot, live, desk):
    with qtbot.waitSignal(desk.link.command_done, timeout=5000) as done:
        desk.link.command("transfer", "c-unknown")
    assert done.args[2] is False and "no call" in done.args[3]


def test_the_card_fills_in_during_a_real_call_and_a_caller_asking_for_a_person_takes_the_eye(qtbot, live, desk,
                                                                                              tmp_path):
    staff = PeerPhone("--user", "staff", record_dir=tmp_path / "staff")
    lines = {name: tmp_path / f"{name}.wav" for name in ("book", "person")}
    write_wav(lines["book"], silence(0.3) + telephone(synthesize("I would like to book a cleaning next Monday "
                                                                 "morning.", "espeak")) + silence(0.3))
    write_wav(lines["person"], silence(0.3) + telephone(synthesize("Can I talk to a real person, please?",
                                                                   "flite-slt")) + silence(0.3))
    caller = PeerPhone("--codecs", "PCMU", record_dir=tmp_path / "caller")
    live.service.config = replace(live.service.config, transfer=TransferConfig(  # open or closed, someone answers
        staff_uri=staff.uri, after_hours_uri=staff.uri, mode="blind"))
    card = desk.card
    agent_turns = lambda: sum(t["speaker"] == "agent" for c in desk.live.calls.values()  # noqa: E731
                              for t in c.transcript)
    try:
        caller.send(cmd="call", uri=live.service.agent.local_uri,
                    headers={"P-Asserted-Identity": f"<sip:{DEMO_PATIENT[1]}@127.0.0.1>"})
        qtbot.waitUntil(lambda: card.values["patient"].text() == f"{DEMO_PATIENT[0]} (on file)", timeout=20000)
        assert card.values["identity"].text() == "not checked" and "Maria Lopez" in card.summary.text()
        qtbot.waitUntil(lambda: agent_turns() == 1, timeout=20000)  # the caller waits for the greeting's end
        caller.send(cmd="play", wav=str(lines["book"]))
        qtbot.waitUntil(lambda: card.values["wants"].text() == "book an appointment", timeout=30000)
        assert card.values["service"].text() == "cleaning" and card.values["waiting_for"].isVisible()
        assert not card.alarm.isVisible()
        qtbot.waitUntil(lambda: agent_turns() == 2, timeout=20000)
        shown = []  # what the desk showed as the alarm went off: a blind transfer may end the call at once
        desk.needs_person.connect(lambda *_: shown.append((
            card.alarm.isVisible(), card.alarm.text(), desk.calls.currentItem().text(),
            desk.take_over_button.hasFocus())))
        try:
            with qtbot.waitSignal(desk.needs_person, timeout=40000) as alarm:
                caller.send(cmd="play", wav=str(lines["person"]))
        except QtTimeoutError:
            raise AssertionError(f"no alarm; the call: {desk.transcript.toPlainText()}") from None
        assert alarm.args[0] == f"{DEMO_PATIENT[0]} ({DEMO_PATIENT[1]}) needs a person"
        alarm_visible, alarm_text, item_text, focused = shown[0]
        assert alarm_visible and alarm_text.startswith("Needs a person: Handed over")
        assert item_text.startswith("NEEDS A PERSON")
        assert focused  # Enter takes it over
        incoming = staff.wait("incoming", timeout=25)
        assert "Maria Lopez" in incoming["headers"]["x-handover-summary"]
    finally:
        live.service.config = replace(live.service.config, transfer=TransferConfig())
        caller.stop()
        staff.stop()
