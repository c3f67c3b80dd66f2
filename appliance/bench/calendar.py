"""`appliance bench calendar`: the CalDAV sync against a real server (Radicale on loopback): the
first sync of a calendar holding many staff events, a pass with nothing new, and the delay each
way once the sync runs in the background (a booking here until staff see it there; a block
entered there until it is busy here, on the poll and when a call's start asks at once)."""

from __future__ import annotations

import json
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import caldav
import numpy as np

from appliance.calsync.server import ICS_TYPE, CalendarServer
from appliance.calsync.sync import CalendarSync, event_href
from appliance.calsync.worker import CalendarWorker
from appliance.config.calendar import CalendarConfig
from appliance.crm.appointments import Appointments
from appliance.crm.contacts import Contacts
from appliance.crm.db import open_store
from appliance.crm.event_uids import uid_of
from appliance.crm.schedule import Schedule
from appliance.lab.calendar_server import CalendarServerError, LabCalendarServer

TZ = ZoneInfo("UTC")
PROVIDER = "Dr. Bench"


def staff_event(uid: str, start: datetime, minutes: int, summary: str, modified: datetime | None = None,
                extra: str = "") -> str:
    """A staff event (a VEVENT) as their calendar app writes it, last changed at `modified` (now),
    with `extra` property lines."""
    stamp, end = _ical_utc(modified or datetime.now(UTC)), start + timedelta(minutes=minutes)
    return (f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:{stamp}\r\nLAST-MODIFIED:{stamp}\r\n"
            f"DTSTART:{_ical_utc(start)}\r\nDTEND:{_ical_utc(end)}\r\nSUMMARY:{summary}\r\n{extra}END:VEVENT\r\n")


def _ical_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar_text(*events: str) -> str:
    """VEVENTs in one VCALENDAR."""
    return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\n" + "".join(events) + "END:VCALENDAR\r\n"


def fill_calendar(client: caldav.DAVClient, url: str, events: int, seed: int = 5) -> None:
    """`events` staff events over the coming year, from the third day on (the bench books on the
    first), uploaded as one calendar file (as an import of an existing calendar would)."""
    rng = random.Random(seed)
    base = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=2)
    text = calendar_text(*(staff_event(f"staff-{i}", base + timedelta(days=rng.randint(1, 360),
                                                                      hours=rng.randint(7, 18)), 30, f"Staff {i}")
                           for i in range(events)))
    response = client.put(url, text, {"Content-Type": ICS_TYPE})
    if response.status >= 300:
        raise CalendarServerError(f"the lab calendar refused the upload: HTTP {response.status}")


def wait_for(check: Callable[[], bool], timeout_s: float = 30.0, step_s: float = 0.02) -> float:
    """Seconds until `check()` holds (`timeout_s` when it never does)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if check():
            return time.monotonic() - started
        time.sleep(step_s)
    return timeout_s


def run(events: int, trials: int) -> str:
    """Measure, and report as lines plus one JSON line."""
    with tempfile.TemporaryDirectory() as tmp:
        server = LabCalendarServer(Path(tmp) / "radicale")
        server.start()
        try:
            return _measure(server, Path(tmp), events, trials)
        finally:
            server.stop()


def _measure(server: LabCalendarServer, tmp: Path, events: int, trials: int) -> str:
    url = server.make_calendar(PROVIDER)
    client = server.client()
    started = time.monotonic()
    fill_calendar(client, url, events)
    fill_s = time.monotonic() - started
    db = open_store(tmp / "bench.db")
    schedule = Schedule(db)
    provider = schedule.add_provider(PROVIDER).id
    service = schedule.add_service("check-up", 30).id
    for day in range(7):
        schedule.set_hours(day, "00:00", "23:59")
    patient = Contacts(db).add("Maria Lopez", ["+15551230000"]).id
    config = CalendarConfig(url=server.url, user=server.user, password=server.password, calendars={PROVIDER: url})
    sync = CalendarSync(db, config, CalendarServer(config), TZ)
    started = time.monotonic()
    first = sync.run_once()
    first_s = time.monotonic() - started
    blocks = db.execute("SELECT COUNT(*) FROM calendar_blocks").fetchone()[0]
    started = time.monotonic()
    sync.run_once()
    quiet_ms = (time.monotonic() - started) * 1000
    worker = CalendarWorker(open_store(tmp / "bench.db"), config, TZ)
    worker.start()
    appointments = Appointments(db, TZ)
    day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    out_s, in_poll_s, in_call_s = [], [], []
    rng = random.Random(3)
    try:
        for i in range(trials):
            booked = appointments.book(patient, provider, service, day + timedelta(minutes=30 * i), "phone_agent")
            href = event_href(url, uid_of(db, booked.id))  # where the box writes it
            out_s.append(wait_for(lambda href=href: client.request(href, "GET").status == 200))
            for waits, call_starts in ((in_poll_s, False), (in_call_s, True)):
                href = f"{url}block-{i}-{call_starts}.ics"
                start = day + timedelta(days=1 + i, hours=10 if call_starts else 14)
                if not call_starts:
                    time.sleep(rng.uniform(0, config.poll_s))  # staff's edit lands anywhere in the poll
                client.put(href, calendar_text(staff_event(f"block-{i}-{call_starts}", start, 60, "Blocked")),
                           {"Content-Type": ICS_TYPE})
                if call_starts:
                    worker.refresh()
                waits.append(wait_for(lambda href=href: db.execute(
                    "SELECT 1 FROM calendar_blocks WHERE href = ?", [href]).fetchone() is not None))
    finally:
        worker.stop()
    result = {"events": events, "fill_s": round(fill_s, 1), "first_sync_s": round(first_s, 2),
              "blocks": blocks, "first_read": first.read, "quiet_pass_ms": round(quiet_ms, 1),
              "to_calendar_s": _stats(out_s), "from_calendar_poll_s": _stats(in_poll_s),
              "from_calendar_on_call_s": _stats(in_call_s), "poll_s": config.poll_s, "trials": trials}
    lines = [f"calendar with {events:,} staff events (written in {fill_s:.0f} s)",
             f"first sync (import {first.read:,} events as {blocks:,} blocks): {first_s:.2f} s",
             f"pass with nothing new: {quiet_ms:.0f} ms",
             f"{'delay':<40}{'p50 s':>8}{'p95 s':>8}{'max s':>8}"]
    for key, label in (("to_calendar_s", "booking here -> event there"),
                       ("from_calendar_poll_s", f"block there -> busy here (poll {config.poll_s:.0f} s)"),
                       ("from_calendar_on_call_s", "block there -> busy here (call starts)")):
        s = result[key]
        lines.append(f"{label:<40}{s['p50']:>8.2f}{s['p95']:>8.2f}{s['max']:>8.2f}")
    lines.append(json.dumps({"bench": "calendar", **result}, sort_keys=True))
    return "\n".join(lines)


def _stats(values: list[float]) -> dict[str, float]:
    return {"p50": round(float(np.percentile(values, 50)), 3), "p95": round(float(np.percentile(values, 95)), 3),
            "max": round(max(values), 3)}
