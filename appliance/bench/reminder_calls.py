"""`appliance bench reminders`: reminder calls over real SIP on loopback, measured at the
patient's phone.

Each call goes from a demo service to a lab phone that answers as a person ("Hello?" in a voice
other than the agent's, then silence) or as a voice mailbox (a greeting, with or without a beep),
the audio sent as 8 kHz G.711. For a person: the time from the answer, and from the end of their
hello, to the agent's first word as the phone receives it. For a mailbox: when the message starts
against the end of the beep (or of the greeting). And whether the box took each for what it was.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from appliance.audio import level_dbfs, read_wav, write_wav
from appliance.config import Config, RemindersConfig
from appliance.crm.appointments import Appointments
from appliance.crm.contacts import Contacts
from appliance.crm.schedule import Schedule
from appliance.crm.timeutil import utc_text
from appliance.lab.demo import demo_service
from appliance.lab.peer_client import EventLog, PeerPhone
from appliance.lab.speech import silence
from appliance.lab.voices import synthesize, telephone
from appliance.service import ApplianceService
from appliance.voice.events import AnsweredByEvent

PEOPLE = ("Hello?", "Hi, this is Jordan.", "Yes, hello?", "Hello, who's calling?")
MAILBOXES = (("Hi, you've reached Pat. Please leave a message after the tone.", 880.0),
             ("The number you have called is not available. Please leave your message.", None))
LEAD_S = 0.6  # the phone is answered; the person or the greeting starts after this
ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
FRAME = 640  # bytes of a 20 ms frame


@dataclass(frozen=True)
class Answer:
    """One lab phone's way of answering."""

    kind: str  # person | machine
    voice: str
    text: str
    beep_hz: float | None = None

    def audio(self) -> tuple[bytes, float]:
        """What the phone plays from the answer on, and when its words (or its beep) end."""
        words = telephone(synthesize(self.text, self.voice))
        ends = LEAD_S + len(words) / 32000
        if self.beep_hz is None:
            return silence(LEAD_S) + words + silence(30), ends
        t = np.arange(int(16000 * 0.4)) / 16000
        beep = (np.sin(2 * np.pi * self.beep_hz * t) * 0.3 * 32767).astype("<i2").tobytes()
        return silence(LEAD_S) + words + silence(0.4) + beep + silence(30), ends + 0.8


def answers(voices: list[str]) -> list[Answer]:
    """Every person's line and every mailbox, in each voice."""
    return [Answer("person", v, text) for v in voices for text in PEOPLE] + [
        Answer("machine", v, text, beep) for v in voices for text, beep in MAILBOXES]


def first_sound_s(pcm: bytes) -> float | None:
    """When the first frame louder than -35 dBFS comes, in seconds from the start."""
    return next((i / FRAME * 0.02 for i in range(0, len(pcm) - FRAME + 1, FRAME)
                 if level_dbfs(pcm[i:i + FRAME]) > -35), None)


async def measure(base: Config, voices: list[str], workdir: Path) -> list[dict]:
    """One reminder call per answer, one after another, on one demo service."""
    results = []
    async with demo_service(base, workdir / "service") as service:
        events = EventLog()
        service.subscribe(events.add)
        for number, answer in enumerate(answers(voices)):
            results.append(await _one_call(service, events, answer, number, workdir))
            print(json.dumps(results[-1]), flush=True)
    return results


async def _one_call(service: ApplianceService, events: EventLog, answer: Answer, number: int,
                    workdir: Path) -> dict:
    pcm, ends_s = answer.audio()
    wav = workdir / f"answer{number}.wav"
    write_wav(wav, pcm)
    phone = await asyncio.to_thread(PeerPhone, "--play", str(wav), record_dir=workdir / f"phone{number}")
    try:
        service.config = replace(service.config, reminders=RemindersConfig(
            offsets_hours=[240], calling_hours="00:00-23:59", calling_days=ALL_DAYS, ring_timeout_s=10,
            max_attempts=1, dial_uri=f"sip:{{number}}@127.0.0.1:{phone.port}"))
        _book(service, f"+1555301{number:04d}")
        mark = len(events.items)
        run = asyncio.ensure_future(service.reminders.run_once())
        decided = await asyncio.to_thread(events.wait_for, lambda e: isinstance(e, AnsweredByEvent), 60, mark)
        if answer.kind == "person":
            await asyncio.sleep(3)  # the greeting has begun: the person has heard enough
            phone.send(cmd="hangup")
        done = await asyncio.wait_for(run, 90)
        ended = await asyncio.to_thread(phone.wait, "ended", 10)
    finally:
        await asyncio.to_thread(phone.stop)
    first = first_sound_s(read_wav(Path(ended["received"])))
    return {"kind": answer.kind, "voice": answer.voice, "text": answer.text, "beep": answer.beep_hz is not None,
            "heard_as": decided.answered_by, "right": decided.answered_by == answer.kind,
            "first_word_s": first, "after_words_s": None if first is None else round(first - ends_s, 3),
            "result": done[0].result if done else ""}


def _book(service: ApplianceService, phone: str) -> None:
    """An appointment in three days, booked a month ago (its reminder is due now); each patient's
    at its own half hour."""
    db = service.call_log.db
    tz = ZoneInfo(service.config.clinic.timezone)
    contact = Contacts(db).add("Bench Patient", [phone], "1970-01-01")
    schedule = Schedule(db)
    checkup = next(s.id for s in schedule.services() if s.name == "check-up")
    provider = schedule.providers(checkup)[0].id
    day = datetime.now(tz).date() + timedelta(days=3)
    start = datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(minutes=30 * (contact.id % 40))
    made = Appointments(db, tz).book(contact.id, provider, checkup, start, "import")  # any hour: no clash
    db.execute("UPDATE appointments SET created_at = ?1, updated_at = ?1 WHERE id = ?2",
               [utc_text(datetime.now(UTC) - timedelta(days=30)), made.id])


def summarise(results: list[dict]) -> dict:
    """Accuracy by kind, and the timings at the phone (ms, p50 / p95)."""
    def pct(values: list[float]) -> dict:
        return {"p50": round(float(np.percentile(values, 50)) * 1000), "p95": round(
            float(np.percentile(values, 95)) * 1000)} if values else {}
    people = [r for r in results if r["kind"] == "person"]
    machines = [r for r in results if r["kind"] == "machine"]
    timed = [r for r in people if r["right"] and r["first_word_s"] is not None]
    beeped = [r for r in machines if r["right"] and r["beep"] and r["after_words_s"] is not None]
    unbeeped = [r for r in machines if r["right"] and not r["beep"] and r["after_words_s"] is not None]
    return {
        "bench": "reminders", "calls": len(results), "people": len(people), "machines": len(machines),
        "person_accuracy": round(sum(r["right"] for r in people) / max(len(people), 1), 3),
        "machine_accuracy": round(sum(r["right"] for r in machines) / max(len(machines), 1), 3),
        "answer_to_first_word_ms": pct([r["first_word_s"] for r in timed]),
        "hello_end_to_first_word_ms": pct([r["after_words_s"] for r in timed]),
        "beep_end_to_message_ms": pct([r["after_words_s"] for r in beeped]),
        "beep_before_message": all(r["after_words_s"] >= 0 for r in beeped) if beeped else None,
        "greeting_end_to_message_ms": pct([r["after_words_s"] for r in unbeeped]),
        "voicemail_results": sum(r["result"] == "voicemail" for r in machines),
    }


def report(summary: dict) -> str:
    """Readable lines, then the JSON line."""
    s = summary
    lines = [
        f"{s['calls']} reminder calls over SIP: {s['people']} answered by a person, {s['machines']} by a mailbox",
        f"taken for a person: {s['person_accuracy']:.0%} of people; for a machine: {s['machine_accuracy']:.0%} of "
        "mailboxes",
        f"answer to the agent's first word (at the phone): {s['answer_to_first_word_ms']} ms; after the person's "
        f"hello ends: {s['hello_end_to_first_word_ms']} ms",
        f"message start after the beep ends: {s['beep_end_to_message_ms']} ms (never before it: "
        f"{s['beep_before_message']}); after a beepless greeting ends: {s['greeting_end_to_message_ms']} ms",
        f"voicemail left on {s['voicemail_results']} of {s['machines']} mailboxes",
    ]
    return "\n".join(lines) + "\n" + json.dumps(summary)
