"""The clinic's calendar during a real SIP call: staff block the dentist's morning on their own
CalDAV client while a caller (a voice other than the agent's) is booking; the agent offers a time
after the block, and the booking shows up in the dentist's calendar."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import caldav
import pytest

from appliance.bench.conversations import CallerAudio
from appliance.config.calendar import CalendarConfig
from appliance.crm.appointments import Appointments
from appliance.crm.event_uids import uid_of
from appliance.lab.calendar_server import LabCalendarServer
from appliance.lab.caller import Caller, CallerPlan, Task
from appliance.lab.demo import DEMO_PATIENT
from appliance.lab.scripted_call import converse
from tests.calsync.test_sync import staff_event

pytestmark = pytest.mark.slow


def coming_mondays(tz: ZoneInfo) -> list[datetime]:
    """The next two Mondays at midnight, local (callers' 'next Monday' may mean either)."""
    today = datetime.now(tz).date()
    first = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    return [datetime.combine(first + timedelta(days=7 * w), time(0), tzinfo=tz) for w in (0, 1)]


@pytest.fixture()
def synced(live, tmp_path):
    """The live service syncing with Dr. Patel's and Dr. Okafor's calendars on a real Radicale."""
    server = LabCalendarServer(tmp_path / "radicale")
    server.start()
    patel, okafor = server.make_calendar("Dr. Patel"), server.make_calendar("Dr. Okafor")
    config = CalendarConfig(url=server.url, user=server.user, password=server.password,
                            calendars={"Dr. Patel": patel, "Dr. Okafor": okafor}, poll_s=1.0)
    db = live.service.call_log.db
    before = db.execute("SELECT COALESCE(MAX(id), 0) FROM appointments").fetchone()[0]
    live.service.start_calendar(config)
    try:
        yield server, patel
    finally:
        live.service.stop_calendar()
        server.stop()
        appointments = Appointments(db, ZoneInfo(live.service.config.clinic.timezone))
        made_here = db.execute("SELECT id FROM appointments WHERE id > ? AND status = 'booked'", [before]).fetchall()
        for (made,) in made_here:
            appointments.cancel(made, reason="the test's booking")  # the package's later calls start afresh


def test_a_block_entered_during_the_call_is_not_offered_and_the_booking_reaches_the_calendar(live, synced,
                                                                                          tmp_path):
    server, patel = synced
    tz = ZoneInfo(live.service.config.clinic.timezone)
    mondays = coming_mondays(tz)

    def staff_block_the_morning() -> None:
        for monday in mondays:
            staff_event(server, patel, monday.replace(hour=8), 150, "Implant surgery", f"surgery-{monday:%m%d}")
    threading.Timer(1.0, staff_block_the_morning).start()  # the caller is on the line by then
    caller = Caller(CallerPlan(tasks=(Task("I'd like to book a cleaning next Monday morning.", "book"),),
                               answers={"choice": ("Ten thirty is fine.",)}, first_name=DEMO_PATIENT[0].split()[0],
                               want_weekday=0, want_part="morning", name=DEMO_PATIENT[0], dob=DEMO_PATIENT[2]), datetime.now(tz).date())
    audio = CallerAudio(tmp_path, "festival-hts", "clean")  # a caller who answers what is asked, as asked again

    def respond(agent_text: str) -> Path | None:
        line = caller.respond(agent_text)
        return audio.wav(line) if line is not None else None

    result = live.run(converse(live.service, respond, tmp_path, caller_id=DEMO_PATIENT[1]))
    transcript = "\n".join(map(str, result.transcript))
    db = live.service.call_log.db
    row = next(db.query("SELECT id, starts_at FROM appointments WHERE source = 'phone_agent' ORDER BY id DESC "
                        "LIMIT 1"), None)
    assert row is not None, transcript
    starts = datetime.fromisoformat(row["starts_at"].replace("Z", "+00:00")).astimezone(tz)
    blocked = [(m.replace(hour=8), m.replace(hour=10, minute=30)) for m in mondays]
    assert not any(a <= starts < b for a, b in blocked), f"booked inside the block at {starts}\n{transcript}"
    uid = uid_of(db, row["id"])
    calendar = caldav.Calendar(client=server.client(), url=patel)
    deadline = datetime.now(UTC) + timedelta(seconds=10)
    while True:
        try:
            event = calendar.event_by_uid(uid).icalendar_component
            break
        except caldav.lib.error.NotFoundError:
            assert datetime.now(UTC) < deadline, "the booking never reached the dentist's calendar"
            threading.Event().wait(0.2)
    assert event["DTSTART"].dt == starts and str(event["SUMMARY"]) == "cleaning - M. L."
