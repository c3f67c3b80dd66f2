"""The service killed with SIGKILL during a reminder call: on restart the reminder is closed as
cut off by the restart, and the patient's phone never rings a second time for it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from appliance.audio import write_wav
from appliance.config import Config
from appliance.crm.appointments import Appointments
from appliance.crm.contacts import Contacts
from appliance.crm.db import open_store
from appliance.crm.timeutil import utc_text
from appliance.lab.demo import demo_config
from appliance.lab.peer_client import PeerPhone
from appliance.lab.speech import silence
from appliance.lab.voices import synthesize, telephone

pytestmark = pytest.mark.slow
ROOT = Path(__file__).parents[1]
SERVICE = """
import asyncio, json, sys
from dataclasses import replace
from pathlib import Path
from appliance.config import Config, RemindersConfig
from appliance.service import ApplianceService
from appliance.lab.demo import demo_config

async def main():
    config = demo_config(Config(), Path(sys.argv[1]))
    config = replace(config, reminders=RemindersConfig(
        enabled=True, poll_s=1, offsets_hours=[240], calling_hours="00:00-23:59",
        calling_days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"], dial_uri=sys.argv[2]))
    service = ApplianceService(config)
    await service.start()
    print(json.dumps({"uri": service.agent.local_uri}), flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


def start_service(workdir: Path, dial: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", SERVICE, str(workdir), dial], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=open(workdir / "service.log", "a"))  # noqa: SIM115
    assert proc.stdout.readline(), (workdir / "service.log").read_text()[-3000:]
    return proc


def booked_a_month_ago(workdir: Path) -> int:
    config = demo_config(Config(), workdir)
    tz = ZoneInfo(config.clinic.timezone)
    db = open_store(workdir / "appliance.db")
    try:
        contact = Contacts(db).add("Omar Haddad", ["+15552019999"], "1979-02-28")
        day = datetime.now(tz).date() + timedelta(days=3)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        appointment = Appointments(db, tz).book(contact.id, 1, 1, datetime(day.year, day.month, day.day, 15,
                                                                            tzinfo=tz), "front_desk")
        db.execute("UPDATE appointments SET created_at = ?1, updated_at = ?1 WHERE id = ?2",
                   [utc_text(datetime.now(UTC) - timedelta(days=30)), appointment.id])
        return appointment.id
    finally:
        db.conn.close()


def test_kill_9_during_a_reminder_call_never_calls_it_twice(tmp_path):
    workdir = tmp_path / "data"
    workdir.mkdir()
    appointment = booked_a_month_ago(workdir)
    hello = tmp_path / "hello.wav"
    write_wav(hello, silence(0.5) + telephone(synthesize("Hello, who is it?", "flite-kal")) + silence(60))
    patient = PeerPhone("--play", str(hello), record_dir=tmp_path / "patient")
    dial = f"sip:{{number}}@127.0.0.1:{patient.port}"
    proc = start_service(workdir, dial)
    try:
        patient.wait("answered", timeout=60)
        time.sleep(1.0)  # the call is under way
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        patient.send(cmd="hangup")  # the line went dead: the patient hangs up
        patient.wait("ended", timeout=20)
        rang = len([e for e in patient.events.items if e.get("event") == "incoming"])
        proc = start_service(workdir, dial)  # the restart
        time.sleep(6)  # several polls of the reminder run
        assert len([e for e in patient.events.items if e.get("event") == "incoming"]) == rang == 1
    finally:
        proc.terminate()
        proc.wait(30)
        patient.stop()
    db = open_store(workdir / "appliance.db")
    [(state, result, attempts)] = db.execute("SELECT state, result, attempts FROM reminders WHERE "
                                             "appointment_id = ?", [appointment]).fetchall()
    assert (state, result, attempts) == ("done", "interrupted", 1)
    assert db.execute("SELECT reminder_result FROM appointments WHERE id = ?", [appointment]).fetchone()[0] == \
        "interrupted"
    assert "cut off when the service last stopped" in (workdir / "service.log").read_text()
