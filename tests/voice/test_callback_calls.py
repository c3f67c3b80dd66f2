"""The front desk's call back through real SIP, asked over the control channel as the window
asks it: the desk phone rings first; once it answers, the patient is dialled, and the two are
bridged (each hears the other); the outcome is written on the message and in the call log."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from appliance.audio import level_dbfs, read_wav, write_wav
from appliance.config import RemindersConfig
from appliance.control.client import ask_service
from appliance.control.protocol import socket_path
from appliance.crm.messages import Messages
from appliance.lab.speech import silence
from appliance.lab.voices import synthesize, telephone
from appliance.sip.events import CallbackEvent, CallbackState
from tests.sip.lab import PeerPhone

pytestmark = pytest.mark.slow
NUMBER = "+15552017777"


def loud_s(wav: str) -> float:
    """Seconds of a recording louder than -35 dBFS."""
    pcm = read_wav(Path(wav))
    return sum(level_dbfs(pcm[i:i + 640]) > -35 for i in range(0, len(pcm) - 639, 640)) * 0.02


@pytest.fixture()
def desk_and_patient(live, tmp_path):
    words = tmp_path / "words.wav"
    write_wav(words, silence(0.5) + telephone(synthesize("Hello, this is the clinic calling you back.",
                                                         "flite-awb")) + silence(1))
    desk = PeerPhone("--user", "desk", "--play", str(words), record_dir=tmp_path / "desk")
    service = live.service
    before = service.config
    yield service, desk, tmp_path, before
    service.config = before
    desk.stop()


def patient_phone(tmp_path: Path, *args: str) -> PeerPhone:
    hello = tmp_path / "hello.wav"
    write_wav(hello, silence(0.3) + telephone(synthesize("Hello? Yes, speaking.", "festival-hts")) + silence(1))
    return PeerPhone("--play", str(hello), *args, record_dir=tmp_path / "patient")


def configure(service, desk: PeerPhone, patient: PeerPhone, before) -> None:  # noqa: ANN001
    service.config = replace(before, transfer=replace(before.transfer, desk_uri=desk.uri),
                             reminders=replace(RemindersConfig(), ring_timeout_s=8,
                                               dial_uri=f"sip:{{number}}@127.0.0.1:{patient.port}"))


def test_the_desk_rings_first_then_the_patient_and_they_hear_each_other(live, desk_and_patient):
    service, desk, tmp_path, before = desk_and_patient
    patient = patient_phone(tmp_path)
    configure(service, desk, patient, before)
    message = Messages(service.call_log.db).add("Please call me about my crown.", NUMBER, "Ida Moss", None, True)
    message = Messages(service.call_log.db).get(message)
    try:
        answer = ask_service(socket_path(service.config), "call_back", number="(555) 201-7777",
                             message_id=message.id)
        incoming = desk.wait("incoming", timeout=10)
        assert incoming["headers"].get("x-callback-number") == NUMBER
        rang = patient.wait("incoming", timeout=15)
        assert rang["t"] >= incoming["t"]  # the desk rings first
        patient.wait("answered", timeout=15)
        live.events.wait_for(lambda e: isinstance(e, CallbackEvent) and e.state == CallbackState.CONNECTED, 10)
        patient.send(cmd="play", wav=str(tmp_path / "hello.wav"))
        desk.send(cmd="play", wav=str(tmp_path / "words.wav"))
        time.sleep(4)
        patient.send(cmd="hangup")
        ended = live.events.wait_for(lambda e: isinstance(e, CallbackEvent) and e.state == CallbackState.ENDED, 10)
        desk_ended = desk.wait("ended", timeout=10)
        patient_ended = patient.wait("ended", timeout=10)
    finally:
        patient.stop()
    assert answer["callback_id"] == ended.callback_id and ended.message_id == message.id
    states = [e.state for e in live.events.of(CallbackEvent) if e.callback_id == ended.callback_id]
    assert states == [CallbackState.DESK_RINGING, CallbackState.PATIENT_RINGING,  # the patient is dialled only
                      CallbackState.CONNECTED, CallbackState.ENDED]  # once the desk has answered
    assert loud_s(patient_ended["received"]) > 0.4 and loud_s(desk_ended["received"]) > 0.4  # bridged both ways
    db = service.call_log.db
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        row = db.execute("SELECT callback_result, called_back_at FROM messages WHERE id = ?", [message.id]).fetchone()
        if row[0]:
            break
        time.sleep(0.1)
    assert row[0] == "ended" and row[1]
    assert db.execute("SELECT outcome FROM calls WHERE caller_number = ? ORDER BY id DESC LIMIT 1",
                      [NUMBER]).fetchone()[0] == "call back: ended"


def test_a_busy_patient_is_reported_and_the_desk_released(live, desk_and_patient):
    service, desk, tmp_path, before = desk_and_patient
    patient = patient_phone(tmp_path, "--mode", "busy")
    configure(service, desk, patient, before)
    message = Messages(service.call_log.db).get(
        Messages(service.call_log.db).add("Call me back.", NUMBER, "Ida Moss", None, True))
    try:
        ask_service(socket_path(service.config), "call_back", number=NUMBER, message_id=message.id)
        desk.wait("answered", timeout=10)
        busy = live.events.wait_for(lambda e: isinstance(e, CallbackEvent) and e.message_id == message.id
                                    and e.state == CallbackState.PATIENT_BUSY, 15)
        desk.wait("ended", timeout=10)
    finally:
        patient.stop()
    assert "486" in busy.detail
