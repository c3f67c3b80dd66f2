"""Logs and the control channel carry no patient data beyond what the front desk's window shows.

A scripted day on the real service (real models, real SIP on loopback, callers in a voice other
than the agent's): a new patient books with their name and date of birth, another caller leaves
a message, and a patient on file never calls. Meanwhile a control-channel client records every
line the service sends (and asks `status` mid-call, as the window does). Then every log line
(at debug level, more than `appliance run` writes), the process's own output and the channel
are searched for each patient's name, date of birth (in several spellings), phone number (E.164
and national) and message:

- the logs hold none of it;
- the channel holds a patient's data only in what the window shows of that patient's own call
  (the caller's number and name, the matched contact, the words said, the handover summary),
  never in any other field (no date of birth or record in an event), never on another call.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from appliance.bench.conversations import CallerAudio
from appliance.config import Config, CrmConfig
from appliance.control.client import ControlClient
from appliance.control.protocol import socket_path
from appliance.crm.db import open_store
from appliance.lab.caller import Caller, CallerPlan, Task
from appliance.lab.demo import DEMO_PATIENT, demo_service
from appliance.lab.scripted_call import converse

pytestmark = pytest.mark.slow
VOICE = "festival-hts"  # not the agent's voice
SHOWN = {"CallStarted": ("caller_number", "caller_name", "contact"), "Transcript": ("text",),
         "AgentSaid": ("text",), "Handover": ("summary",), "CallCard": ("fields",)}  # the fields the window shows
SHOWN_OF_A_LIVE_CALL = ("caller_number", "caller_name", "contact", "transcript", "partial", "handover", "card")


@dataclass(frozen=True)
class Patient:
    """Someone whose data must not leak; `plan` None: on file, never calls."""

    name: str
    number: str
    born: date | None = None
    plan: CallerPlan | None = None
    message: str = ""  # what they leave for the front desk, in words only they would say


DANIEL = Patient("Daniel Foster", "+12125550141", date(1985, 3, 14), CallerPlan(
    tasks=(Task("Hi there, I was hoping to get an appointment with one of your dentists.", "book",
                ("I want to book a visit, please.",)),),
    answers={"name": ("My name's Daniel Foster.",), "spell": ("F O S T E R.",),
             "dob": ("March fourteenth, nineteen eighty five.",), "service": ("Just a regular check-up.",),
             "when": ("Tuesday morning, if you have anything.",)},
    first_name="Daniel", want_weekday=1, want_part="morning", name="Daniel Foster", dob="1985-03-14"))
ANNA = Patient("Anna Kowalski", "+12125550142", plan=CallerPlan(
    tasks=(Task("Hi, I'd like to leave a message for the office.", "message", ("Can I leave a message?",)),),
    answers={"message": ("It's Anna Kowalski. I have a question about my bill. You can call me back on the "
                         "number I'm calling from.",),
             "number": ("The number I'm calling from is fine.",), "who": ("Anna Kowalski.",),
             "name": ("Anna Kowalski.",)}), message="about my bill")
MARIA = Patient(DEMO_PATIENT[0], DEMO_PATIENT[1], date.fromisoformat(DEMO_PATIENT[2]))
PATIENTS = (DANIEL, ANNA, MARIA)


def spellings(patient: Patient, stored: list[str]) -> list[str]:
    """Every way the patient's data could be written: name and surname, the date of birth as
    dates are written, the number as E.164 and nationally, and what the store kept of them
    (names and messages as the agent heard them)."""
    found = [patient.name, patient.name.split()[-1], patient.message, *stored]
    if patient.born is not None:
        b = patient.born
        found += [b.isoformat(), f"{b:%m/%d/%Y}", f"{b:%d/%m/%Y}", f"{b.month}/{b.day}/{b.year}", f"{b:%d.%m.%Y}",
                  f"{b:%Y%m%d}", f"{b:%B} {b.day}, {b.year}", f"{b.day} {b:%B} {b.year}"]
    national = patient.number.removeprefix("+1")
    area, exchange, line = national[:3], national[3:6], national[6:]
    found += [patient.number, national, f"({area}) {exchange}-{line}", f"{area}-{exchange}-{line}",
              f"{area} {exchange} {line}", f"{exchange}-{line}", f"{exchange}{line}", " ".join(national)]
    return [text for text in dict.fromkeys(found) if len(text) >= 4]


def leaks(text: str, patient: Patient, words: dict[str, list[str]]) -> list[str]:
    lowered = text.lower()
    return [word for word in words[patient.name] if word.lower() in lowered]


def pieces(message: dict[str, Any]) -> list[tuple[str | None, dict, dict]]:
    """A channel message as (the call it is about, what the window shows of it, everything else);
    a snapshot or a status answer as one piece per call in progress and one for the rest."""
    whole = message.get("result") if message.get("type") == "Reply" else message
    if isinstance(whole, dict) and "calls" in whole:
        rest = {k: v for k, v in whole.items() if k != "calls"}
        found = [(c["call_id"], {k: c.get(k) for k in SHOWN_OF_A_LIVE_CALL},
                  {k: v for k, v in c.items() if k not in SHOWN_OF_A_LIVE_CALL}) for c in whole["calls"]]
        return [*found, (None, {}, rest)]
    shown_keys = SHOWN.get(message.get("type"), ())
    shown = {k: message[k] for k in shown_keys if k in message}
    return [(message.get("call_id"), shown, {k: v for k, v in message.items() if k not in shown_keys})]


class Recorder(logging.Handler):
    """The service's log, formatted as `appliance run` writes it, to a file: the appliance's own
    records at every level (`-v` included), the libraries' from info up, as `appliance run` keeps them.
    (At debug level Piper logs every sentence it speaks: `appliance -v run` must keep it at info.)"""

    def __init__(self, path: Path) -> None:
        super().__init__(logging.DEBUG)
        self.path = path
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        self.out = path.open("a", encoding="utf-8")

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("appliance.lab", "appliance.bench")):
            return  # the callers' side, not the service
        if record.name.startswith("appliance") or record.levelno >= logging.INFO:
            self.out.write(self.format(record) + "\n")
            self.out.flush()


async def scripted_day(tmp_path: Path, channel: list[dict]) -> dict[str, str]:
    """The calls of the day; returns each caller's call id by patient name."""
    audio = CallerAudio(tmp_path / "callers", VOICE, "clean")
    base = replace(Config(), crm=replace(CrmConfig(), record_calls=True))
    async with demo_service(base, tmp_path / "data") as service:
        client = ControlClient(socket_path(service.config), channel.append)
        client.start()
        calls = {}
        try:
            for patient in (DANIEL, ANNA):
                caller, asked = Caller(patient.plan, date.today()), []

                def respond(agent_text: str, caller: Caller = caller, asked: list = asked) -> Path | None:
                    if len(caller.turns) == 2 and not asked:  # mid-call, as the window asks
                        asked.append(client.call("status"))
                        channel.append({"type": "Reply", "result": asked[0]})
                    line = caller.respond(agent_text)
                    return audio.wav(line) if line is not None else None

                call = await converse(service, respond, tmp_path / "calls", caller_id=patient.number)
                calls[patient.name] = call.call_id
            await asyncio.sleep(1.0)  # the call log's last writes
        finally:
            await asyncio.to_thread(client.stop)
    return calls


def stored_words(data: Path) -> dict[str, list[str]]:
    """What the store holds of each patient after the day: their contact's name, and the messages
    their calls left (as the agent heard them)."""
    db = open_store(data / "appliance.db")
    try:
        found = {}
        for patient in PATIENTS:
            national = patient.number.removeprefix("+1")
            names = [n for (n,) in db.execute("SELECT c.name FROM contacts c JOIN contact_phones p ON p.contact_id "
                                              "= c.id WHERE p.phone LIKE ?", [f"%{national}"]).fetchall()]
            texts = [t for (t,) in db.execute("SELECT text FROM messages WHERE caller_number LIKE ?",
                                              [f"%{national}"]).fetchall()]
            found[patient.name] = spellings(patient, names + texts)
        return found
    finally:
        db.conn.close()


def test_a_day_of_calls_leaves_no_patient_data_in_logs_or_on_the_control_channel(tmp_path, capfd):
    channel: list[dict] = []
    recorder = Recorder(tmp_path / "service.log")
    root = logging.getLogger()
    level = root.level
    root.addHandler(recorder)
    root.setLevel(logging.DEBUG)
    try:
        calls = asyncio.run(scripted_day(tmp_path, channel))
    finally:
        root.removeHandler(recorder)
        root.setLevel(level)
        recorder.out.close()
    output = capfd.readouterr()
    (tmp_path / "channel.jsonl").write_text("".join(json.dumps(m) + "\n" for m in channel))

    db = open_store(tmp_path / "data" / "appliance.db")
    booked = db.execute("SELECT COUNT(*) FROM appointments a JOIN contacts c ON c.id = a.contact_id "
                        "WHERE c.date_of_birth = '1985-03-14'").fetchone()[0]
    left = db.execute("SELECT COUNT(*) FROM messages WHERE caller_number LIKE '%2125550142'").fetchone()[0]
    db.conn.close()
    assert booked == 1 and left == 1, "the day did not happen as scripted: see " + str(tmp_path / "channel.jsonl")
    words = stored_words(tmp_path / "data")

    logs = {"service.log": (tmp_path / "service.log").read_text(), "stdout": output.out, "stderr": output.err}
    assert len(logs["service.log"].splitlines()) > 10  # the service did log its day
    found = {f"{where}: {word}": [line for line in text.splitlines() if word.lower() in line.lower()][:3]
             for where, text in logs.items() for patient in PATIENTS for word in leaks(text, patient, words)}
    assert not found, found

    owner = {call_id: name for name, call_id in calls.items()}
    assert {m.get("call_id") for m in channel if m.get("type") == "CallStarted"} == set(owner)
    problems = []
    for message in channel:
        for call_id, shown, rest in pieces(message):
            for patient in PATIENTS:
                problems += [(message.get("type"), "outside what the window shows", word)
                             for word in leaks(json.dumps(rest), patient, words)]
                if owner.get(call_id) != patient.name:
                    problems += [(message.get("type"), f"on another call ({call_id})", word)
                                 for word in leaks(json.dumps(shown), patient, words)]
    assert not problems, sorted(set(map(str, problems)))
