"""Backup, restore, retention, migrations, and a process killed mid-write losing nothing committed."""

import os
import signal
import subprocess
import sys
import time
from datetime import datetime

import pytest

from appliance.crm.calls import CallLog
from appliance.crm.db import StoreError, open_store, schema_version
from appliance.crm.maintenance import backup, check_integrity, purge, restore
from appliance.crm.migrations import MIGRATIONS
from tests.crm.conftest import TZ

WRITER = r"""
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
from appliance.crm.appointments import Appointments
from appliance.crm.contacts import Contacts
from appliance.crm.db import open_store
db = open_store(sys.argv[1])
tz = ZoneInfo("America/New_York")
contacts, appointments = Contacts(db), Appointments(db, tz)
start = datetime(2026, 12, 7, 8, tzinfo=tz)
for i in range(100000):
    c = contacts.add(f"Caller {i}", phones=[f"555{i:07d}"])
    day, slot = start + timedelta(days=7 * (i // 18)), i % 18  # 8 morning and 10 afternoon slots
    a = appointments.book(c.id, 2, 1, day + timedelta(minutes=30 * slot + (60 if slot >= 8 else 0)),
                          "phone_agent")
    print(a.id, flush=True)
"""


def test_killed_writer_loses_nothing_it_committed(clinic, tmp_path):
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    proc = subprocess.Popen([sys.executable, str(script), str(clinic.path)], stdout=subprocess.PIPE, text=True)
    committed = []
    deadline = time.monotonic() + 60
    while len(committed) < 40 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        committed.append(int(line))
    assert proc.poll() is None, "the writer was still writing when it was killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    committed += [int(x) for x in proc.stdout.read().split()]
    check_integrity(clinic.path)
    db = open_store(clinic.path)
    ids = {r["id"] for r in db.query("SELECT id FROM appointments")}
    assert set(committed) <= ids, "every booking reported as committed is there"
    for (aid,) in db.execute("SELECT id FROM appointments").fetchall():
        assert db.execute("SELECT COUNT(*) FROM audit_log WHERE entity = 'appointment' AND entity_id = ?",
                          [aid]).fetchone()[0] == 1, "no booking without its audit entry"
        assert db.execute("SELECT COUNT(*) FROM outbox WHERE json_extract(payload_json, '$.appointment_id') = ?",
                          [aid]).fetchone()[0] == 1, "no booking without its outbox event"
    orphans = db.execute("SELECT COUNT(*) FROM contacts c WHERE NOT EXISTS "
                         "(SELECT 1 FROM audit_log a WHERE a.entity = 'contact' AND a.entity_id = c.id)").fetchone()[0]
    assert orphans == 0


def test_backup_while_writing_and_restore(clinic, tmp_path):
    c = clinic.contacts.add("Maria", phones=["5551234567"])
    clinic.appointments.book(c.id, clinic.patel, clinic.checkup, datetime(2026, 12, 7, 9, tzinfo=TZ), "phone_agent")
    copy = backup(clinic.db, tmp_path / "backups" / "b1.db")
    clinic.contacts.add("Added after the backup")
    kept = restore(copy, clinic.path)
    assert kept.exists()
    db = open_store(clinic.path)
    assert [r["name"] for r in db.query("SELECT name FROM contacts")] == ["Maria"]
    assert db.execute("SELECT COUNT(*) FROM appointments").fetchone()[0] == 1
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"not a database" * 100)
    with pytest.raises(StoreError):
        restore(broken, clinic.path)


def test_retention_blanks_old_transcripts_but_keeps_calls(clinic, tmp_path):
    log = CallLog(clinic.db)
    old, new = log.start("+1555", "Old"), log.start("+1556", "New")
    recording = tmp_path / "old.wav"
    recording.write_bytes(b"RIFF")
    clinic.db.execute("UPDATE calls SET started_at = '2020-01-01T00:00:00.000+00:00', recording_path = ? "
                      "WHERE id = ?", [str(recording), old])
    log.add_turn(old, "caller", "my date of birth is ...")
    log.add_turn(new, "caller", "hello")
    result = purge(clinic.db, transcript_days=30, recording_days=30)
    assert result == {"turns_blanked": 1, "recordings_removed": 1}
    assert [t["text"] for t in log.turns(old)] == [""] and [t["text"] for t in log.turns(new)] == ["hello"]
    assert not recording.exists() and clinic.db.execute("SELECT COUNT(*) FROM calls").fetchone()[0] == 2


def test_migrations_apply_once_and_in_order(tmp_path):
    db = open_store(tmp_path / "s.db")
    assert schema_version(db) == len(MIGRATIONS)
    db.conn.close()
    again = open_store(tmp_path / "s.db")
    assert schema_version(again) == len(MIGRATIONS)


def test_locked_store_gives_a_clear_error_not_a_hang(clinic):
    from sqlcipher3 import dbapi2 as sqlite3

    blocker = sqlite3.connect(str(clinic.path), isolation_level=None, timeout=0.1)
    blocker.execute("BEGIN IMMEDIATE")
    other = open_store(clinic.path)
    other.conn.execute("PRAGMA busy_timeout=200")
    from appliance.crm.contacts import Contacts
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        Contacts(other).add("Blocked")
    blocker.execute("ROLLBACK")
    assert Contacts(other).add("Free again").id
