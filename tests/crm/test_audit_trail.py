"""The audit trail on a real SQLite file: reads written beside the changes, a range of days read
back in clinic time, and the export as CSV and JSON lines, from the command line too."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from datetime import date

import pytest

from appliance.cli import main
from appliance.crm.audit_trail import (
    AuditRangeError,
    desk_actor,
    entries,
    export_text,
    record_read,
)
from tests.crm.conftest import TZ


def stamp(db, at: str) -> None:
    """Back-date the newest audit entry (as if it had been written at `at`, UTC)."""
    db.execute("UPDATE audit_log SET at = ? WHERE id = (SELECT MAX(id) FROM audit_log)", [at])
    db.conn.commit()


@pytest.fixture()
def trail(clinic):
    """Three reads around midnight in New York on 2 and 3 March 2026, a change on 4 March."""
    maria = clinic.contacts.add("Maria Lopez", ["+15551234567"], "1980-05-03")
    db = clinic.db
    record_read(db, "desk:anna", "view", "contact", maria.id)
    stamp(db, "2026-03-02T04:59:59Z")  # 1 March, 23:59:59 in New York
    record_read(db, "desk:anna", "view", "call", 7)
    stamp(db, "2026-03-02T05:00:00Z")  # 2 March, midnight in New York
    record_read(db, "desk:ben", "search", "contact", None, {"shown": [maria.id]})
    stamp(db, "2026-03-04T04:59:59Z")  # 3 March, 23:59:59
    clinic.contacts.update(maria.id, actor="desk:ben", email="maria@example.org")
    stamp(db, "2026-03-04T05:00:00Z")  # 4 March
    return clinic, maria


def test_a_read_is_one_audit_row_naming_the_record_and_nothing_of_it(clinic):
    maria = clinic.contacts.add("Maria Lopez", ["+15551234567"], "1980-05-03")
    record_read(clinic.db, "desk:anna", "view", "contact", maria.id)
    row = clinic.db.execute("SELECT actor, action, entity, entity_id, detail_json FROM audit_log "
                            "ORDER BY id DESC LIMIT 1").fetchone()
    assert row == ("desk:anna", "view", "contact", maria.id, "{}")


def test_the_desk_actor_is_the_process_account_whatever_the_environment_says(monkeypatch):
    import pwd

    real = desk_actor()
    monkeypatch.setenv("USER", "someone-else")
    monkeypatch.setenv("LOGNAME", "someone-else")
    assert desk_actor() == real == f"desk:{pwd.getpwuid(os.getuid()).pw_name}"


def test_a_range_of_days_is_whole_days_in_clinic_time(trail):
    clinic, maria = trail
    found = entries(clinic.db, date(2026, 3, 2), date(2026, 3, 3), TZ)
    assert [(e.actor, e.action, e.entity, e.entity_id) for e in found] == [
        ("desk:anna", "view", "call", 7), ("desk:ben", "search", "contact", None)]
    assert found[0].at_utc == "2026-03-02T05:00:00Z" and found[0].at_local == "2026-03-02T00:00:00-05:00"
    assert found[1].detail == {"shown": [maria.id]}


def test_a_range_that_ends_before_it_starts_is_refused(clinic):
    with pytest.raises(AuditRangeError, match="ends"):
        entries(clinic.db, date(2026, 3, 3), date(2026, 3, 2), TZ)


def test_export_as_csv_and_as_json_lines(trail):
    clinic, maria = trail
    found = entries(clinic.db, date(2026, 3, 1), date(2026, 3, 4), TZ)
    rows = list(csv.DictReader(io.StringIO(export_text(found, "csv"))))
    assert [r["action"] for r in rows] == ["view", "view", "search", "update"]
    assert rows[0] == {"at_local": "2026-03-01T23:59:59-05:00", "at_utc": "2026-03-02T04:59:59Z",
                       "actor": "desk:anna", "action": "view", "entity": "contact", "entity_id": str(maria.id),
                       "detail": "{}"}
    assert rows[3]["actor"] == "desk:ben" and json.loads(rows[3]["detail"]) == {"email": "maria@example.org"}
    lines = [json.loads(line) for line in export_text(found, "jsonl").splitlines()]
    assert lines[2] == {"at_local": "2026-03-03T23:59:59-05:00", "at_utc": "2026-03-04T04:59:59Z",
                        "actor": "desk:ben", "action": "search", "entity": "contact", "entity_id": None,
                        "detail": {"shown": [maria.id]}}


@pytest.fixture()
def conf(trail, tmp_path):
    clinic, _ = trail
    path = tmp_path / "appliance.toml"
    path.write_text(f'[paths]\ndata = "{tmp_path / "data"}"\n[clinic]\ntimezone = "America/New_York"\n')
    return path, clinic.path


def test_the_command_writes_a_private_file(conf, tmp_path, capsys):
    path, db = conf
    out = tmp_path / "audit.jsonl"
    assert main(["--config", str(path), "audit", "--db", str(db), "export", "--from", "2026-03-02",
                       "--to", "2026-03-03", "--format", "jsonl", "--out", str(out)]) == 0
    assert [json.loads(line)["actor"] for line in out.read_text().splitlines()] == ["desk:anna", "desk:ben"]
    assert stat.S_IMODE(out.stat().st_mode) & 0o007 == 0  # no other users
    assert "2 audit entries from 2026-03-02 to 2026-03-03" in capsys.readouterr().err


def test_the_command_prints_csv_by_default(conf, capsys):
    path, db = conf
    assert main(["--config", str(path), "audit", "--db", str(db), "export", "--from", "2026-03-04",
                       "--to", "2026-03-04"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "at_local,at_utc,actor,action,entity,entity_id,detail" and len(out) == 2


@pytest.mark.parametrize(("first", "words"), [
    ("2026-13-01", "argument --from: '2026-13-01' is not a date: write it as YYYY-MM-DD, for example 2026-03-01"),
    ("March 1", "argument --from: 'March 1' is not a date"),
])
def test_a_day_that_is_not_a_date_is_refused_in_plain_words(conf, capsys, first, words):
    path, db = conf
    with pytest.raises(SystemExit) as stopped:
        main(["--config", str(path), "audit", "--db", str(db), "export", "--from", first, "--to", "2026-03-02"])
    assert stopped.value.code == 2 and words in capsys.readouterr().err


def test_a_range_backwards_is_refused_in_plain_words(conf, capsys):
    path, db = conf
    assert main(["--config", str(path), "audit", "--db", str(db), "export", "--from", "2026-03-05",
                       "--to", "2026-03-02"]) == 2
    assert "error: the range ends (2026-03-02) before it starts (2026-03-05)" in capsys.readouterr().err
