"""Reminder calls through real SIP: the box dials patients through a Kamailio trunk where the test
lab's phones are registered under their numbers. One answers and confirms by voice, one cancels
by keypad (its identity checked first), one is a voicemail box with a greeting and a beep, one is
busy, one never answers. Callers' voices are not the agent's; their audio is sent as 8 kHz G.711."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from appliance.audio import level_dbfs, read_wav, write_wav
from appliance.config import RemindersConfig
from appliance.crm.appointments import Appointments, SlotTakenError
from appliance.crm.contacts import Contacts
from appliance.crm.schedule import Schedule
from appliance.crm.timeutil import utc_text
from appliance.lab.speech import silence
from appliance.lab.voices import synthesize, telephone
from appliance.outbound import reminder_run
from appliance.voice.events import AgentSaidEvent, AnsweredByEvent, CallStartedEvent
from tests.sip.lab import Kamailio, PeerPhone

pytestmark = pytest.mark.slow
PASSWORD = "patient-phone-pw"
FRAME_S = 0.02


@dataclass(frozen=True)
class Patient:
    name: str
    phone: str
    born: str

    @property
    def user(self) -> str:
        return self.phone.lstrip("+")


CONFIRMS = Patient("Grace Miller", "+15552010001", "1975-04-02")
KEYPAD = Patient("Anna Smith", "+15552010002", "1985-03-14")
MAILBOX = Patient("Tom Baker", "+15552010003", "1969-07-12")
BUSY = Patient("Rosa Diaz", "+15552010004", "1990-11-30")
AWAY = Patient("Li Wei", "+15552010005", "1982-06-21")
EVERYONE = (CONFIRMS, KEYPAD, MAILBOX, BUSY, AWAY)


@pytest.fixture(scope="module")
def trunk(tmp_path_factory):
    server = Kamailio(tmp_path_factory.mktemp("trunk"), {p.user: PASSWORD for p in EVERYONE})
    server.start()
    yield server
    server.stop()


def phone(trunk: Kamailio, patient: Patient, record_dir: Path, *args: str) -> PeerPhone:
    peer = PeerPhone("--register", f"{patient.user}:{PASSWORD}@{trunk.address}", "--user", patient.user, *args,
                     record_dir=record_dir)
    peer.wait("registered", timeout=10)
    return peer


def speech(path: Path, text: str, voice: str, lead_s: float = 0.5, tail_s: float = 0.0) -> Path:
    write_wav(path, silence(lead_s) + telephone(synthesize(text, voice)) + silence(tail_s))
    return path


def tone(hz: float, seconds: float) -> bytes:
    t = np.arange(int(16000 * seconds)) / 16000
    return (np.sin(2 * np.pi * hz * t) * 0.4 * 32767).astype("<i2").tobytes()


def next_weekday(tz: ZoneInfo, days_ahead: int = 3) -> datetime:
    day = datetime.now(tz).date() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(9), tzinfo=tz)


@pytest.fixture()
def reminding(live, trunk):
    """The live service dialling out through the trunk, every hour a calling hour; the test's
    appointments are cancelled afterwards."""
    service = live.service
    before = service.config
    service.config = replace(before, reminders=RemindersConfig(
        offsets_hours=[240], calling_hours="00:00-23:59", ring_timeout_s=6,
        calling_days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"], max_attempts=2, retry_after_minutes=1,
        reserve_lines=1,
        dial_uri=f"sip:{{number}}@{trunk.address}"))
    db = service.call_log.db
    first = db.execute("SELECT COALESCE(MAX(id), 0) FROM appointments").fetchone()[0]
    yield service
    service.config = before
    appointments = Appointments(db, ZoneInfo(before.clinic.timezone))
    for (made,) in db.execute("SELECT id FROM appointments WHERE id > ? AND status = 'booked'", [first]).fetchall():
        appointments.cancel(made, reason="the test's booking")


def book(service, patient: Patient, at: datetime) -> int:  # noqa: ANN001
    """An appointment at `at` or the first free half hour after, booked a month ago (so its
    reminder is due now)."""
    db = service.call_log.db
    contacts = Contacts(db)
    found = contacts.by_phone(patient.phone)
    contact = found[0] if found else contacts.add(patient.name, [patient.phone], patient.born)
    schedule = Schedule(db)
    checkup = next(s.id for s in schedule.services() if s.name == "check-up")
    provider = schedule.providers(checkup)[0].id
    while True:  # other tests of the package may have booked that time
        try:
            appointment = Appointments(db, at.tzinfo).book(contact.id, provider, checkup, at, "front_desk")
            break
        except SlotTakenError:
            at += timedelta(minutes=30)
    db.execute("UPDATE appointments SET created_at = ?1, updated_at = ?1 WHERE id = ?2",
               [utc_text(datetime.now(UTC) - timedelta(days=30)), appointment.id])
    return appointment.id


class Line:
    """One patient's side of the reminder call (from now on): what the agent said."""

    def __init__(self, live, patient: Patient) -> None:  # noqa: ANN001
        self.live, self.patient, self.after = live, patient, len(live.events.items)

    def call_id(self, timeout: float = 60) -> str:
        started = self.live.events.wait_for(lambda e: isinstance(e, CallStartedEvent) and e.direction == "outbound"
                                            and self.patient.user in e.remote_uri, timeout, self.after)
        return started.call_id

    def hears(self, pattern: str, timeout: float = 60) -> AgentSaidEvent:
        call_id = self.call_id()
        return self.live.events.wait_for(lambda e: isinstance(e, AgentSaidEvent) and e.call_id == call_id
                                         and re.search(pattern, e.text, re.I), timeout, self.after)


def first_sound_s(wav: str, after_s: float = 0.0) -> float | None:
    pcm = read_wav(Path(wav))
    step = int(16000 * FRAME_S) * 2
    for index in range(int(after_s / FRAME_S), len(pcm) // step):
        if level_dbfs(pcm[index * step:(index + 1) * step]) > -35:
            return index * FRAME_S
    return None


def test_each_kind_of_answer_gets_its_result(live, trunk, reminding, tmp_path):
    tz = ZoneInfo(reminding.config.clinic.timezone)
    day = next_weekday(tz)
    ids = {p: book(reminding, p, day + timedelta(hours=2 * i)) for i, p in enumerate(EVERYONE)}  # called in order
    greeting = (telephone(synthesize("Hi, you've reached Tom. I can't come to the phone right now. Please leave "
                                     "your name and number after the tone.", "flite-rms")))
    beep_ends_s = 0.4 + len(greeting) / 32000 + 0.3 + 0.5
    write_wav(tmp_path / "mailbox.wav", silence(0.4) + greeting + silence(0.3) + tone(1000, 0.5) + silence(20))
    hello = speech(tmp_path / "hello.wav", "Hello?", "festival-hts", lead_s=0.7, tail_s=8)
    phones = {
        CONFIRMS: phone(trunk, CONFIRMS, tmp_path / "confirms", "--play", str(hello)),
        KEYPAD: phone(trunk, KEYPAD, tmp_path / "keypad", "--play", str(speech(tmp_path / "hi.wav", "Hi, yes?",
                                                                               "flite-slt", tail_s=8))),
        MAILBOX: phone(trunk, MAILBOX, tmp_path / "mailbox", "--play", str(tmp_path / "mailbox.wav")),
        BUSY: phone(trunk, BUSY, tmp_path / "busy", "--mode", "busy"),
        AWAY: phone(trunk, AWAY, tmp_path / "away", "--mode", "no-answer"),
    }
    yes = speech(tmp_path / "yes.wav", "Yes, I'll be there.", "festival-hts", lead_s=0.3, tail_s=3)
    name = speech(tmp_path / "name.wav", "My name is Anna Smith.", "flite-slt", lead_s=0.3, tail_s=3)
    try:
        confirms, keypad = Line(live, CONFIRMS), Line(live, KEYPAD)
        run = asyncio.run_coroutine_threadsafe(reminding.reminders.run_once(), live.loop)
        confirms.hears(r"press 1")
        phones[CONFIRMS].send(cmd="play", wav=str(yes))
        confirms.hears(r"is confirmed")
        keypad.hears(r"press 1")
        phones[KEYPAD].send(cmd="dtmf", digits="2")
        keypad.hears(r"first and last name")
        phones[KEYPAD].send(cmd="play", wav=str(name))
        keypad.hears(r"date of birth.*keypad")
        phones[KEYPAD].send(cmd="dtmf", digits="03141985")
        keypad.hears(r"shall i cancel it")
        phones[KEYPAD].send(cmd="dtmf", digits="1")
        keypad.hears(r"cancelled")
        phones[KEYPAD].send(cmd="hangup")
        results = {e.appointment_id: e for e in run.result(240)}
    finally:
        for peer in phones.values():
            peer.stop()
    said = {p: results[ids[p]].result for p in EVERYONE}
    assert said == {CONFIRMS: "confirmed", KEYPAD: "cancelled", MAILBOX: "voicemail", BUSY: "busy",
                    AWAY: "no_answer"}, said
    assert not results[ids[BUSY]].final and results[ids[CONFIRMS]].final  # busy is tried again later
    db = reminding.call_log.db
    status = dict(db.execute(f"SELECT id, status FROM appointments WHERE id IN ({','.join('?' * 5)})",
                             list(ids.values())).fetchall())
    assert status[ids[KEYPAD]] == "cancelled" and status[ids[CONFIRMS]] == "booked"
    stored = dict(db.execute("SELECT id, reminder_result FROM appointments WHERE id = ?", [ids[CONFIRMS]]).fetchall())
    assert stored == {ids[CONFIRMS]: "confirmed"}
    outbound = [r[0] for r in db.execute("SELECT outcome FROM calls WHERE direction = 'outbound' ORDER BY id DESC "
                                         "LIMIT 5").fetchall()]
    assert sorted(outbound) == sorted(["confirmed", "cancelled", "voicemail", "busy", "no_answer"])

    answered = [e for e in live.events.items[confirms.after:] if isinstance(e, AnsweredByEvent)]
    [machine] = [e for e in answered if e.answered_by == "machine"]
    person = [e for e in answered if e.answered_by == "person"]
    assert len(person) >= 2 and machine.ready_after_s >= beep_ends_s - 0.1
    mailbox_heard = phones[MAILBOX].events.wait_for(lambda e: e.get("event") == "ended", 5)["received"]
    message_starts = first_sound_s(mailbox_heard)
    assert message_starts is not None and message_starts >= beep_ends_s - 0.05, (message_starts, beep_ends_s)
    confirms_heard = phones[CONFIRMS].events.wait_for(lambda e: e.get("event") == "ended", 5)["received"]
    print(f"answer to first word: {first_sound_s(confirms_heard):.2f} s (the patient's hello ends at "
          f"{len(read_wav(hello)) / 32000 - 8:.2f} s); voicemail starts {message_starts - beep_ends_s:.2f} s "
          "after the beep")


def test_calls_out_never_take_the_last_line_for_callers(live, trunk, reminding, tmp_path, monkeypatch):
    monkeypatch.setattr(reminder_run, "LINE_WAIT_S", 3.0)
    reminding.config = replace(reminding.config, sip=replace(reminding.config.sip, max_calls=2))
    tz = ZoneInfo(reminding.config.clinic.timezone)
    appointment = book(reminding, CONFIRMS, next_weekday(tz, 4) + timedelta(hours=2))
    patient = phone(trunk, CONFIRMS, tmp_path / "patient", "--play",
                    str(speech(tmp_path / "hello.wav", "Hello?", "flite-awb", tail_s=4)))
    caller = PeerPhone("--play", str(speech(tmp_path / "caller.wav", "Hi, what time do you open on Saturday?",
                                            "espeak", tail_s=30)))
    line = Line(live, CONFIRMS)
    try:
        caller.send(cmd="call", uri=reminding.agent.local_uri)
        caller.wait("answered", timeout=10)
        held = live.run(reminding.reminders.run_once(), timeout=60)
        assert held == [] and not [e for e in patient.events.items if e.get("event") == "incoming"]
        caller.send(cmd="hangup")
        caller.wait("ended", timeout=10)
        run = asyncio.run_coroutine_threadsafe(reminding.reminders.run_once(), live.loop)
        patient.wait("incoming", timeout=20)
        line.hears(r"press 1")
        patient.send(cmd="dtmf", digits="1")
        done = run.result(60)
    finally:
        caller.stop()
        patient.stop()
    assert [(e.appointment_id, e.result) for e in done] == [(appointment, "confirmed")]
