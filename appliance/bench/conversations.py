"""`appliance bench conversations`: scripted multi-turn calls, judged by what the store shows.

Each scenario (appliance/bench/scenarios.py) is a caller with a persona who listens to the
agent and answers what it asks (appliance/lab/caller.py), in a synthesized voice, clean or with
noise. Its outcome is checked in the store, never by the agent's wording: an appointment booked
for the right person, service, weekday and part of day (any other appointment counts as
unconfirmed), cancelled, moved, left unchanged, a message with the callback number and the
caller's name, a handover, an emergency flagged, or nothing written.

Two ways to carry the calls:
  sip      real SIP on loopback against a demo service built from the running configuration
           (the official numbers: caller-side voice-to-voice latency and the agent's stage times);
  engines  no SIP, no real-time audio: line -> noise -> telephone band -> the service's STT ->
           the per-call dialogue (greeting, respond, hangup/transfer as the call loop would);
           the same scenarios and caller in minutes, for development.

A measurement, not a test: it reports, it does not fail on a low success rate.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from appliance.audio import read_wav, write_wav
from appliance.bench.wer import corpus_word_error_rate
from appliance.config import Config
from appliance.config.telephony import MAX_SIP_CALLS
from appliance.crm.appointments import Appointments
from appliance.crm.calls import CallLog
from appliance.crm.contacts import Contacts
from appliance.crm.db import open_store
from appliance.crm.names import same_person_name
from appliance.crm.schedule import Schedule
from appliance.crm.timeutil import now_utc
from appliance.dialogue.spoken import words_to_digits
from appliance.lab.caller import Caller, CallerPlan, Keys
from appliance.lab.demo import DEMO_PATIENT, demo_config
from appliance.lab.speech import silence
from appliance.models.protocols import Expected, Spelling, SttResult

log = logging.getLogger(__name__)
NOISES = {"clean": None, "noise-20": 20.0}
DEFAULT_VOICES = ("espeak", "festival-hts")


# --- scenarios (the data is in appliance/bench/scenarios.py) ---
@dataclass(frozen=True)
class Person:
    """Somebody on file (or who becomes so): the name, date of birth (ISO) and phone (E.164)."""

    name: str
    dob: str
    phone: str = ""


@dataclass(frozen=True)
class Existing:
    """An appointment on file before the call: for `Scenario.on_file[0]`, on the next `weekday`
    after today at `hour`."""

    service: str
    weekday: int
    hour: int


@dataclass(frozen=True)
class Expect:
    """The outcome the store must show (never the agent's wording).

    kind: booked | cancelled | moved | unchanged | message | handover | emergency | nothing.
    booked: one new appointment for `name` (`dob`), `service`, on `weekday`, in `part` of day;
    cancelled / moved: the existing appointment `target` (index in `Scenario.existing`);
    message: a message naming `name` (its last name) with the `callback` digits ("caller": the
    caller's own number); handover: a handover row whose reason or summary has one of `reason`
    (when the configuration cannot transfer, a message left instead); emergency: an URGENT
    message or an emergency handover."""

    kind: str
    name: str = ""
    dob: str = ""
    service: str = ""
    weekday: int | None = None
    part: str | None = None
    target: int = 0
    callback: str = ""
    reason: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scenario:
    """One scripted call."""

    name: str
    summary: str
    caller_number: str
    plan: CallerPlan
    expect: Expect
    on_file: tuple[Person, ...] = ()
    existing: tuple[Existing, ...] = ()
    tags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def emergency(self) -> bool:
        return self.expect.kind == "emergency"



# --- caller audio ------------------------------------------------------------------------------
class CallerAudio:
    """The caller's lines in one voice and noise, synthesized once each and kept as WAV files
    under `workdir/lines/<voice>-<noise>/`."""

    def __init__(self, workdir: Path, voice: str, noise: str) -> None:
        if noise not in NOISES:
            raise ValueError(f"unknown noise '{noise}' (known: {', '.join(NOISES)})")
        self.voice, self.noise = voice, noise
        self.folder = workdir / "lines" / f"{voice}-{noise}"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.text: dict[Path, str] = {}

    def wav(self, line: str) -> Path:
        """The WAV file of `line` (speech, with noise when asked, and a short tail of silence)."""
        from appliance.lab import voices

        digest = hashlib.sha1(line.encode()).hexdigest()[:16]
        path = self.folder / f"{digest}.wav"
        self.text[path] = line
        if not path.exists():
            pcm = voices.synthesize(line, self.voice) + silence(0.05)
            snr = NOISES[self.noise]
            if snr is not None:
                pcm = voices.with_noise(pcm, snr, seed=int(digest[:8], 16))
            tmp = path.with_suffix(".tmp.wav")
            write_wav(tmp, pcm)
            tmp.replace(path)
        return path


# --- the store: seeding and checking -------------------------------------------------------------
@dataclass
class Seeded:
    """What a scenario had on file before its call."""

    contacts: list[int] = field(default_factory=list)
    appointments: list[tuple[int, str, str]] = field(default_factory=list)  # (id, starts_at, status)


def next_weekday(today: date, weekday: int) -> date:
    """The first `weekday` after today."""
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def wipe(db) -> None:  # noqa: ANN001
    """Forget every contact (but the demo patient), appointment, message and handover: each
    voice and noise starts from the same store."""
    keep = db.execute("SELECT id FROM contacts WHERE name = ?", (DEMO_PATIENT[0],)).fetchall()
    keep_ids = ",".join(str(r[0]) for r in keep) or "-1"
    with db.conn:
        db.execute("DELETE FROM appointments")
        db.execute("DELETE FROM messages")
        db.execute("DELETE FROM handovers")
        db.execute(f"DELETE FROM contact_phones WHERE contact_id NOT IN ({keep_ids})")  # noqa: S608
        db.execute(f"DELETE FROM contacts WHERE id NOT IN ({keep_ids})")  # noqa: S608


def seed(db, scenarios: list[Scenario], tz: ZoneInfo, today: date) -> dict[str, Seeded]:  # noqa: ANN001
    """Put each scenario's people and appointments on file."""
    contacts, schedule, appointments = Contacts(db), Schedule(db), Appointments(db, tz)
    services = {s.name: s for s in schedule.services()}
    open_days = {day for day, periods in schedule.weekly_hours().items() if periods}
    out: dict[str, Seeded] = {}
    for scenario in scenarios:
        check_open(scenario, open_days)
        seeded = Seeded()
        for person in scenario.on_file:
            seeded.contacts.append(contacts.add(person.name, [person.phone] if person.phone else [], person.dob).id)
        for existing in scenario.existing:
            service = services[existing.service]
            provider = schedule.providers(service.id)[0]
            day = next_weekday(today, existing.weekday)
            starts = datetime(day.year, day.month, day.day, existing.hour, tzinfo=tz)
            a = appointments.book(seeded.contacts[0], provider.id, service.id, starts, "front_desk")
            seeded.appointments.append((a.id, _row_start(db, a.id), a.status))
        out[scenario.name] = seeded
    return out


def check_open(scenario: Scenario, open_days: set[int]) -> None:
    """A scenario must ask only for days the clinic is open."""
    days = [e.weekday for e in scenario.existing] + [d for d in (scenario.expect.weekday,
                                                                  scenario.plan.want_weekday) if d is not None]
    closed = [d for d in days if d not in open_days]
    if closed:
        raise ValueError(f"scenario {scenario.name} uses a day the clinic is closed ({closed})")


def _row_start(db, appointment_id: int) -> str:  # noqa: ANN001
    return db.execute("SELECT starts_at FROM appointments WHERE id = ?", (appointment_id,)).fetchone()[0]


def digits(text: str) -> str:
    """The digits a text says, number words included ('five five five' -> '555')."""
    return re.sub(r"\D", "", words_to_digits(text or ""))


@dataclass
class Verdict:
    """A scenario's outcome in the store."""

    ok: bool
    found: str  # what the store shows, briefly
    unconfirmed: int = 0  # appointments written that the scenario did not expect
    flagged: bool = False  # an emergency flagged (URGENT message or emergency handover)
    misnamed: int = 0  # the expected appointment, read back and agreed, but under a misheard name


def check(db, scenario: Scenario, seeded: Seeded, tz: ZoneInfo, call_ids: list[int],  # noqa: ANN001, C901, PLR0912
          can_transfer: bool) -> Verdict:
    """Judge one scenario's call by the store: its own people, its caller number and its calls."""
    exp = scenario.expect
    number_digits = digits(scenario.caller_number)[-10:]
    calls = ",".join(str(i) for i in call_ids) or "-1"
    phones = db.execute("SELECT contact_id, phone FROM contact_phones").fetchall()
    mine = set(seeded.contacts) | {cid for cid, phone in phones if digits(phone)[-10:] == number_digits}
    rows = db.execute(f"SELECT id, contact_id, service_id, starts_at, status, call_id FROM appointments "  # noqa: S608
                      f"WHERE call_id IN ({calls}) OR contact_id IN ({','.join(map(str, mine)) or '-1'})").fetchall()
    before = {aid: (start, status) for aid, start, status in seeded.appointments}
    new = [r for r in rows if r[0] not in before]
    changed = [r for r in rows if r[0] in before and (r[3], r[4]) != before[r[0]]]
    messages = db.execute(f"SELECT text, caller_name, caller_number FROM messages WHERE call_id IN ({calls}) "  # noqa: S608
                          "OR substr(replace(caller_number, '+', ''), -10) = ?", (number_digits,)).fetchall()
    handovers = db.execute(f"SELECT reason, summary FROM handovers WHERE call_id IN ({calls})").fetchall()  # noqa: S608
    urgent = [m for m in messages if m[0].upper().startswith("URGENT")]
    flagged = bool(urgent) or any("emergency" in (r + s).lower() for r, s in handovers)
    plain = [m for m in messages if m not in urgent]
    services = {s.id: s.name for s in Schedule(db).services()}
    names = {cid: name for cid, name in db.execute("SELECT id, name FROM contacts").fetchall()}

    def said(row: tuple) -> str:
        local = datetime.fromisoformat(row[3].replace("Z", "+00:00")).astimezone(tz)
        return f"{services.get(row[2], '?')} for {names.get(row[1], '?')} on {local:%A %H:%M}"

    def fits(row: tuple) -> bool:
        local = datetime.fromisoformat(row[3].replace("Z", "+00:00")).astimezone(tz)
        part = "morning" if local.hour < 12 else "afternoon"
        return ((exp.weekday is None or local.weekday() == exp.weekday) and (exp.part is None or part == exp.part)
                and row[4] == "booked")

    writes = (f"{len(new)} new and {len(changed)} changed appointments, {len(plain)} messages, "
              f"{len(urgent)} urgent, {len(handovers)} handovers")
    if exp.kind == "booked":
        # the patient's record must be found under their own name, as the clinic's lookup finds it
        # (spelled alike or sounding alike: "Gonzales" for "Gonzalez"); a name heard as another is a failure
        right = [r for r in new if r[4] == "booked" and same_person_name(names.get(r[1], ""), exp.name)
                 and services.get(r[2]) == exp.service and fits(r)]
        booked = [r for r in new if r[4] == "booked"]
        misnamed = 0 if right else min(1, len([r for r in booked if services.get(r[2]) == exp.service and fits(r)]))
        extra = len(booked) - (1 if right else 0) - misnamed + len(changed)
        if right and extra == 0:
            return Verdict(True, f"booked {said(right[0])}")
        found = "; ".join(said(r) for r in booked) or "nothing booked"
        return Verdict(False, f"expected a {exp.service} for {exp.name} on {_day(exp.weekday)} {exp.part or ''}, "
                              f"found: {found}", unconfirmed=extra, misnamed=misnamed)
    unconfirmed = len([r for r in new if r[4] == "booked"])
    if exp.kind in ("cancelled", "moved", "unchanged"):
        target = seeded.appointments[exp.target][0]
        row = next((r for r in rows if r[0] == target), None)
        others = [r for r in changed if r[0] != target]
        unconfirmed += len(others)
        if exp.kind == "cancelled":
            ok = row is not None and row[4] == "cancelled" and not others and not unconfirmed
            return Verdict(ok, f"target {'cancelled' if row and row[4] == 'cancelled' else 'still booked'}; {writes}",
                           unconfirmed)
        if exp.kind == "moved":
            moved = row is not None and row[3] != before[target][0]
            ok = moved and fits(row) and not others and not unconfirmed
            where = said(row) if moved else "not moved"
            return Verdict(ok, f"expected moved to {_day(exp.weekday)} {exp.part or ''}, found {where}; {writes}",
                           unconfirmed)
        ok = not changed and not unconfirmed and not handovers
        return Verdict(ok, writes, unconfirmed)
    if exp.kind == "message" or (exp.kind == "handover" and not can_transfer):
        want = number_digits if exp.callback == "caller" else exp.callback
        last_name = exp.name.split()[-1].lower()
        # the caller named (its last name in the message or its caller's name, or that name spelled or
        # sounding alike) and the number to call back (in the message or as its number)
        good = [m for m in plain if (last_name in m[0].lower() or last_name in (m[1] or "").lower().split()
                                     or same_person_name(m[1], exp.name))
                and (want in digits(m[0]) or want in digits(m[2])
                     or (exp.callback == "caller" and digits(m[2])[-10:] == number_digits))]
        if exp.kind == "handover" and handovers:
            good = good or [("handover",)]
        texts = " | ".join(m[0][:80] for m in plain) or "no message"
        return Verdict(bool(good) and not unconfirmed,
                       f"expected a message naming {exp.name} with {want}; found: {texts}", unconfirmed)
    if exp.kind == "handover":
        good = [h for h in handovers if any(w in (h[0] + " " + h[1]).lower() for w in exp.reason)]
        return Verdict(bool(good) and not unconfirmed, f"expected a handover ({'/'.join(exp.reason)}); {writes}",
                       unconfirmed)
    if exp.kind == "emergency":
        return Verdict(flagged and not unconfirmed, f"expected an emergency flagged; {writes}", unconfirmed, flagged)
    if exp.kind == "nothing":
        ok = not new and not changed and not messages and not handovers
        return Verdict(ok, f"expected nothing written; {writes}", unconfirmed, flagged)
    raise ValueError(f"unknown expected outcome {exp.kind}")


def _day(weekday: int | None) -> str:
    return "any day" if weekday is None else ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                                              "Saturday", "Sunday")[weekday]


# --- one run's results -----------------------------------------------------------------------------
@dataclass
class ScenarioResult:
    """One scenario in one voice and noise."""

    scenario: str
    voice: str
    noise: str
    ok: bool = False
    found: str = ""
    unconfirmed: int = 0
    misnamed: int = 0
    emergency: bool = False
    flagged: bool = False
    after_hours: bool = False  # the call was made outside the demo clinic's opening hours
    keyed: bool = False  # the caller keyed its date of birth in, told it could
    lines: list[tuple[str, str]] = field(default_factory=list)  # (what the caller said, what the agent heard)
    transcript: list[tuple[str, str]] = field(default_factory=list)
    voice_to_voice_ms: list[float] = field(default_factory=list)
    stages_ms: list[dict[str, float]] = field(default_factory=list)
    jitter_ms: tuple[float | None, float | None] = (None, None)  # the agent's and the caller's jitter buffers
    error: str = ""
    seconds: float = 0.0

    @property
    def last_agent(self) -> str:
        said = [text for who, text in self.transcript if who == "agent"]
        return said[-1] if said else ""


@dataclass
class Plan:
    """What to run."""

    scenarios: list[Scenario]
    voices: list[str]
    noises: list[str]
    concurrency: int = 2
    over: str = "sip"


async def run(base: Config, plan: Plan, workdir: Path, progress: Callable[[ScenarioResult], None] | None = None,
              ) -> list[ScenarioResult]:
    """Every scenario in every voice and noise; results in order."""
    if not 1 <= plan.concurrency <= MAX_SIP_CALLS:
        raise ValueError(f"concurrency must be 1..{MAX_SIP_CALLS}")
    workdir.mkdir(parents=True, exist_ok=True)
    if plan.over == "sip":
        return await _run_sip(base, plan, workdir, progress)
    if plan.over == "engines":
        return await _run_engines(base, plan, workdir, progress)
    raise ValueError(f"--over must be sip or engines, not {plan.over}")


async def _each(plan: Plan, workdir: Path, db, tz: ZoneInfo, one,  # noqa: ANN001
                progress: Callable[[ScenarioResult], None] | None) -> list[ScenarioResult]:
    """For each voice and noise: a fresh store, then the scenarios `concurrency` at a time."""
    results: list[ScenarioResult] = []
    for voice in plan.voices:
        for noise in plan.noises:
            audio = CallerAudio(workdir, voice, noise)
            await asyncio.to_thread(_prepare, audio, plan.scenarios)
            wipe(db)
            today = datetime.now(tz).date()
            seeded = seed(db, plan.scenarios, tz, today)
            gate = asyncio.Semaphore(plan.concurrency)

            async def guarded(scenario: Scenario) -> ScenarioResult:
                async with gate:
                    result = ScenarioResult(scenario.name, audio.voice, audio.noise, emergency=scenario.emergency)
                    started = time.monotonic()
                    try:
                        await one(scenario, audio, seeded[scenario.name], today, result)
                    except Exception as exc:  # noqa: BLE001 - reported, the run goes on
                        log.exception("scenario %s failed to run", scenario.name)
                        result.error = f"{exc.__class__.__name__}: {exc}"[:300]
                        result.found = result.found or "the call did not complete"
                    result.seconds = round(time.monotonic() - started, 1)
                    if progress is not None:
                        progress(result)
                    return result

            results += await asyncio.gather(*(guarded(s) for s in plan.scenarios))
    return results


def _prepare(audio: CallerAudio, scenarios: list[Scenario]) -> None:
    for scenario in scenarios:
        for line in scenario.plan.static_lines():
            audio.wav(line)


def _staff_reachable(db, tz: ZoneInfo, config: Config, result: ScenarioResult) -> bool:  # noqa: ANN001
    """Whether a person can take a transfer now: the front desk in the demo clinic's opening
    hours, the on-call number outside them (else a request for a person is rightly a message).
    Notes on `result` when the call was made after hours."""
    closed = not Schedule(db).open_at(now_utc(), tz)
    result.after_hours = result.after_hours or closed
    return bool(config.transfer.after_hours_uri if closed else config.transfer.staff_uri)


def _judge(db, scenario: Scenario, seeded: Seeded, tz: ZoneInfo, call_ids: list[int],  # noqa: ANN001
           reachable: set[bool], result: ScenarioResult) -> None:
    """`reachable`: whether a person could take a transfer as the call started and as it ended
    (both readings pass when the clinic opened or closed during the call)."""
    verdicts = [check(db, scenario, seeded, tz, call_ids, can_transfer) for can_transfer in sorted(reachable)]
    verdict = next((v for v in verdicts if v.ok), verdicts[0])
    result.ok, result.found, result.unconfirmed, result.flagged = (verdict.ok and not result.error, verdict.found,
                                                                   verdict.unconfirmed, verdict.flagged)
    result.misnamed = verdict.misnamed


def _call_ids(db, caller_number: str, after: int) -> list[int]:  # noqa: ANN001
    want = digits(caller_number)[-10:]
    rows = db.execute("SELECT id, caller_number FROM calls WHERE id > ?", (after,)).fetchall()
    return [cid for cid, number in rows if digits(number)[-10:] == want]


# --- over SIP --------------------------------------------------------------------------------------
async def _run_sip(base: Config, plan: Plan, workdir: Path,
                   progress: Callable[[ScenarioResult], None] | None) -> list[ScenarioResult]:
    from appliance.lab.demo import demo_service
    from appliance.lab.scripted_call import converse

    async with demo_service(base, workdir / "service", max_calls=max(plan.concurrency, 1)) as service:
        config = service.config
        tz = ZoneInfo(config.clinic.timezone)
        db = open_store(config.paths.data / "appliance.db")

        async def one(scenario: Scenario, audio: CallerAudio, seeded: Seeded, today: date,
                      result: ScenarioResult) -> None:
            caller = Caller(scenario.plan, today)
            mark = db.execute("SELECT COALESCE(MAX(id), 0) FROM calls").fetchone()[0]
            can_transfer = _staff_reachable(db, tz, config, result)

            def respond(agent_text: str) -> Path | Keys | None:
                line = caller.respond(agent_text)
                if isinstance(line, Keys):
                    result.keyed = True
                    return line
                return audio.wav(line) if line is not None else None

            call = await converse(service, respond, workdir / "calls", caller_id=scenario.caller_number)
            result.transcript = call.transcript
            result.lines = [(audio.text.get(wav, ""), heard) for wav, heard in call.exchanges]
            result.voice_to_voice_ms = [ms for ms in call.latencies_ms if ms is not None]
            result.stages_ms = call.stages_ms
            result.jitter_ms = call.jitter_ms
            await asyncio.sleep(0.5)  # the call log's last writes
            reachable = {can_transfer, _staff_reachable(db, tz, config, result)}
            _judge(db, scenario, seeded, tz, _call_ids(db, scenario.caller_number, mark), reachable, result)

        return await _each(plan, workdir, db, tz, one, progress)


# --- over the engines (no SIP) -----------------------------------------------------------------------
async def _run_engines(base: Config, plan: Plan, workdir: Path,
                       progress: Callable[[ScenarioResult], None] | None) -> list[ScenarioResult]:
    from appliance.lab import voices
    from appliance.reception import Reception

    config = demo_config(base, workdir / "service")
    reception = Reception(config)
    await reception.start()
    hub = reception.hub
    tz = ZoneInfo(config.clinic.timezone)
    db = open_store(reception.database)
    calls = CallLog(db)

    def hear(pcm: bytes, hint: str, letters: Spelling | None, expected: Expected | None) -> SttResult:
        stream = hub.stt.stream(hint, letters, expected)  # as the call loop asks: the clinic's words, the question
        padded = silence(0.2) + pcm + silence(0.3)
        step = 16000 * 2 // 2  # half a second a feed, as audio arrives during a call
        for at in range(0, len(padded), step):
            stream.feed(padded[at:at + step])
        return stream.finish()

    async def one(scenario: Scenario, audio: CallerAudio, seeded: Seeded, today: date,
                  result: ScenarioResult) -> None:
        caller = Caller(scenario.plan, today)
        can_transfer = _staff_reachable(db, tz, config, result)
        record = calls.start(scenario.caller_number, "")
        lane, dialogue = hub.lane(), None  # the call's own dialogue worker, as on a call
        try:
            hub.call_began()
            dialogue = await hub.decide(lane, reception.receptionist)
            dialogue.bind_call(record)
            reply = await hub.decide(lane, dialogue.greeting, scenario.caller_number)
            result.transcript.append(("agent", reply.text))
            while True:
                line = await asyncio.to_thread(caller.respond, reply.text)
                if line is None:
                    break
                if isinstance(line, Keys):  # pressed, as the call loop passes keys: one at a time
                    result.keyed = True
                    for key in line:
                        reply = await hub.decide(lane, dialogue.dtmf, key) or reply
                    result.transcript += [("caller", f"[keys {line}]"), ("agent", reply.text)]
                    continue
                wav = await asyncio.to_thread(audio.wav, line)
                pcm = await asyncio.to_thread(lambda: voices.telephone(read_wav(wav)))
                started = time.monotonic()
                recognised = await hub.run("stt", hear, pcm, dialogue.hint(), dialogue.spelled(), dialogue.expected())
                text, heard = recognised.text, time.monotonic()
                reply = await hub.decide(lane, dialogue.respond, text, recognised.confidence, recognised.alternative)
                decided = time.monotonic()
                result.lines.append((line, text))
                result.transcript += [("caller", text), ("agent", reply.text)]
                result.stages_ms.append({"stt": round((heard - started) * 1000, 1),
                                         "policy": round((decided - heard) * 1000, 1)})
                if reply.action is not None and reply.action.kind in ("hangup", "transfer"):
                    break  # a transfer: a person has the caller now (the dialogue offers none when nobody can)
        finally:
            hub.call_ended()
            if dialogue is not None:
                await hub.decide(lane, dialogue.close)
            lane.shutdown(wait=False)
            calls.end(record, "completed")
        reachable = {can_transfer, _staff_reachable(db, tz, config, result)}
        _judge(db, scenario, seeded, tz, [record], reachable, result)

    try:
        return await _each(plan, workdir, db, tz, one, progress)
    finally:
        await reception.stop()


# --- the report ------------------------------------------------------------------------------------
def summarise(results: list[ScenarioResult], plan: Plan) -> dict:
    """Success per voice x noise and overall, WER, per-turn latency, unconfirmed appointments,
    emergencies, and the failures."""
    groups: dict[str, list[ScenarioResult]] = {}
    for r in results:
        groups.setdefault(f"{r.voice}/{r.noise}", []).append(r)
    by = {key: _group(rs) for key, rs in groups.items()}
    failures = [{"scenario": r.scenario, "voice": r.voice, "noise": r.noise, "found": r.found,
                 "error": r.error, "last_agent": r.last_agent[:200]} for r in results if not r.ok]
    return {"bench": "conversations", "over": plan.over, "scenarios": len(plan.scenarios),
            "voices": plan.voices, "noises": plan.noises, "concurrency": plan.concurrency,
            "overall": _group(results), "by_voice_noise": by, "failures": failures}


def _group(results: list[ScenarioResult]) -> dict:
    done = sum(r.ok for r in results)
    lines = [line for r in results for line in r.lines]  # (what the caller said, what the agent heard)
    wer = corpus_word_error_rate(lines)
    stages: dict[str, list[float]] = {}
    for r in results:
        for turn in r.stages_ms:
            for name, ms in turn.items():
                stages.setdefault(name, []).append(ms)
    v2v = [ms for r in results for ms in r.voice_to_voice_ms]
    return {
        "runs": len(results), "succeeded": done, "success_rate": round(done / len(results), 3) if results else 0.0,
        "wer": None if wer is None else round(wer, 3), "caller_lines": len(lines),
        "voice_to_voice_ms": _stats(v2v), "stages_ms": {k: _stats(v) for k, v in sorted(stages.items())},
        "unconfirmed_appointments": sum(r.unconfirmed for r in results),
        "booked_under_misheard_name": sum(r.misnamed for r in results),
        "emergencies_flagged": sum(r.flagged for r in results if r.emergency),
        "emergency_scenarios": sum(r.emergency for r in results),
        "errors": sum(bool(r.error) for r in results),
        "after_hours_calls": sum(r.after_hours for r in results),
        "dates_of_birth_keyed": sum(r.keyed for r in results),
    }


def _stats(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    arr = np.array(values)
    return {"p50": round(float(np.percentile(arr, 50)), 1), "p95": round(float(np.percentile(arr, 95)), 1),
            "max": round(float(arr.max()), 1), "n": len(values)}


def table(summary: dict) -> list[str]:
    """The human table, then the failures."""
    turn = "voice-to-voice" if summary["over"] == "sip" else "stt+policy"
    out = [f"Conversations over {summary['over']}: {summary['scenarios']} scenarios x "
           f"{len(summary['voices'])} voices x {len(summary['noises'])} noise levels", "",
           f"{'voice/noise':<24} {'ok':>7} {'rate':>6} {'WER':>6} {turn + ' p50/p95 ms':>26} "
           f"{'unconfirmed':>11} {'misnamed':>8} {'emergencies':>11}"]
    rows = [*summary["by_voice_noise"].items(), ("overall", summary["overall"])]
    for key, g in rows:
        lat = g["voice_to_voice_ms"] if summary["over"] == "sip" else _turn_total(g)
        wer = f"{g['wer']:.3f}" if g["wer"] is not None else "-"
        out.append(f"{key:<24} {g['succeeded']:>3}/{g['runs']:<3} {g['success_rate']:>6.0%} {wer:>6} "
                   f"{lat.get('p50', 0):>12.0f} / {lat.get('p95', 0):<11.0f} {g['unconfirmed_appointments']:>11} "
                   f"{g['booked_under_misheard_name']:>8} {g['emergencies_flagged']:>5}/{g['emergency_scenarios']:<5}")
    late = summary["overall"]["after_hours_calls"]
    if late:
        out.append(f"{late} calls after the demo clinic's hours (a request for a person goes to the on-call number "
                   "if one is set, else it is judged as a message)")
    keyed = summary["overall"]["dates_of_birth_keyed"]
    if keyed:
        out.append(f"{keyed} callers keyed their date of birth in, told they could once it was not heard")
    stages = summary["overall"]["stages_ms"]
    if stages:
        out.append("agent stage times p50/p95 ms: " + ", ".join(
            f"{name}={s['p50']:.0f}/{s['p95']:.0f}" for name, s in stages.items()))
    if summary["failures"]:
        out += ["", f"Failed ({len(summary['failures'])}):"]
        for f in summary["failures"]:
            out.append(f"  {f['scenario']} [{f['voice']}/{f['noise']}]: {f['found']}"
                       + (f" ERROR {f['error']}" if f["error"] else ""))
            out.append(f"      last agent words: {f['last_agent']!r}")
    return out


def _turn_total(group: dict) -> dict[str, float]:
    """Over the engines, a turn's STT plus policy time (approximately summed percentiles)."""
    stages = group["stages_ms"]
    if "stt" not in stages:
        return {}
    return {k: stages["stt"].get(k, 0) + stages.get("policy", {}).get(k, 0) for k in ("p50", "p95")}


def report(summary: dict) -> str:
    """The human table and ONE JSON line."""
    return "\n".join([*table(summary), json.dumps(summary, sort_keys=True)])


def transcripts(results: list[ScenarioResult]) -> str:
    """Every call as JSON lines (kept beside the run for reading failures)."""
    return "\n".join(json.dumps(asdict(r)) for r in results)

