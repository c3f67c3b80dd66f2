"""The store fails mid-call (locked by another writer, or full): the booking is not claimed,
a callback request is taken instead and waits in the spool until the store works again."""

from __future__ import annotations

import logging
from sqlcipher3 import dbapi2 as sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from appliance.crm.db import open_store
from appliance.crm.spool import Spool, leave_message
from appliance.dialogue.records import ClinicRecords
from tests.dialogue.clinic import MARIA, TZ, build_store, make_dialogue


def booked_count(db) -> int:  # noqa: ANN001
    return db.execute("SELECT COUNT(*) FROM appointments WHERE status = 'booked'").fetchone()[0]


def up_to_the_yes(dialogue) -> str:  # noqa: ANN001
    dialogue.greeting(MARIA)
    for line in ["I'd like to book a check-up", "yes", "tomorrow morning", "the first one"]:
        said = dialogue.respond(line, 0.9).text
    assert "Shall I go ahead" in said
    return said


@pytest.fixture
def clinic(tmp_path):
    path = tmp_path / "store.db"
    db, _ = build_store(path)
    db.conn.execute("PRAGMA busy_timeout=200")  # the service waits 5 s; the test need not
    spool = Spool.beside(path)
    dialogue = make_dialogue(db)
    dialogue.records.spool = spool
    return path, db, spool, dialogue


def test_a_locked_store_books_nothing_claims_nothing_and_keeps_a_callback_request(clinic, caplog):
    path, db, spool, dialogue = clinic
    up_to_the_yes(dialogue)
    before = booked_count(db)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # the front desk's backup, a stuck writer...
    try:
        with caplog.at_level(logging.ERROR):
            reply = dialogue.respond("yes", 0.9).text
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert "nothing has been changed" in reply and "booked" not in reply.lower()
    assert booked_count(db) == before
    assert "the store failed" in caplog.text and "kept in" in caplog.text
    [pending] = spool.pending()
    assert pending["callback"] and pending["caller_number"] == MARIA and "booking system failed" in pending["text"]
    assert dialogue.outcome() == "message"
    assert spool.replay(db) == 1 and spool.pending() == []
    [row] = db.query("SELECT kind, text, caller_number FROM messages")
    assert row["kind"] == "callback" and row["caller_number"] == MARIA
    follow_up = dialogue.respond("Please call me after five", 0.9).text
    assert "passed your message on" in follow_up


FULL_DISK = """
import resource, signal, sys
from tests.dialogue.clinic import build_store, make_dialogue
from tests.dialogue.test_store_failure import up_to_the_yes
from appliance.crm.spool import Spool
db, _ = build_store(sys.argv[1])
dialogue = make_dialogue(db)
dialogue.records.spool = Spool.beside(__import__("pathlib").Path(sys.argv[1]))
up_to_the_yes(dialogue)
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (2048, resource.RLIM_INFINITY))  # no file may grow past 2 KB
print(dialogue.respond("yes", 0.9).text)
"""


def test_a_full_disk_is_handled_like_a_locked_store(tmp_path):
    # no file may grow (as on a full disk): the store's journal cannot take the booking
    path = tmp_path / "store.db"
    run = subprocess.run([sys.executable, "-c", FULL_DISK, str(path)], capture_output=True, text=True,
                         timeout=120, cwd=Path(__file__).parents[2])
    assert run.returncode == 0, run.stderr[-3000:]
    assert "nothing has been changed" in run.stdout, run.stdout
    assert "the store failed while the caller wanted to book" in run.stderr  # EFBIG: "disk I/O error"
    db = open_store(path)
    assert booked_count(db) == 3  # the three from before the call
    spool = Spool.beside(path)
    [pending] = spool.pending()
    assert "booking system failed (OperationalError)" in pending["text"]
    assert spool.replay(db) == 1 and db.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 1


def refused_message(path: Path):  # noqa: ANN201
    """A store at `path` locked by another connection, and a message it refused, spooled: the
    store, the spool and the connection holding the lock."""
    db = open_store(path)
    spool = Spool.beside(path)
    other = sqlite3.connect(path, isolation_level=None)
    db.conn.execute("PRAGMA busy_timeout=100")
    other.execute("BEGIN EXCLUSIVE")
    assert leave_message(db, spool, "call me", "+15550001111", "Ann", None, True) is None
    return db, spool, other


def test_the_spool_survives_bad_lines_and_keeps_what_still_fails(tmp_path):
    db, spool, other = refused_message(tmp_path / "store.db")
    with spool.path.open("a") as f:
        f.write("{not json\n")
    assert spool.replay(db) == 0 and len(spool.pending()) == 1  # still locked: kept
    other.execute("ROLLBACK")
    assert spool.replay(db) == 1 and not spool.pending()
    assert [r["text"] for r in db.query("SELECT text FROM messages")] == ["call me"]
    with pytest.raises(sqlite3.OperationalError):
        other.execute("BEGIN EXCLUSIVE")
        leave_message(db, None, "no spool", "", "", None, False)  # without a spool the error is raised
    other.execute("ROLLBACK")
    assert ClinicRecords(db, TZ, None).spool is None


def test_a_store_that_cannot_be_opened_after_a_call_keeps_the_messages_waiting(tmp_path, caplog):
    from appliance.service import ApplianceService

    path = tmp_path / "store.db"
    db, spool, other = refused_message(path)
    other.execute("ROLLBACK")
    db.conn.close()
    path.write_bytes(b"not a store" * 512)  # the store is broken now
    service = ApplianceService.__new__(ApplianceService)  # only what replaying the spool needs
    alerts: list = []
    service.database, service.spool, service.publish = path, spool, alerts.append
    with caplog.at_level(logging.ERROR):
        service._replay_spool()  # after a call: it must not raise
    assert len(spool.pending()) == 1 and "1 message(s) wait" in alerts[0].problem
    assert "the pending messages wait" in caplog.text
