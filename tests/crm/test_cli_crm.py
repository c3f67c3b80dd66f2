"""`appliance crm ...` and `appliance bench crm` as the IT person runs them."""

import json
from datetime import datetime

import icalendar

from appliance.cli import main
from tests.crm.conftest import TZ


def test_export_import_backup_restore_purge_outbox(clinic, tmp_path, capsys):
    c = clinic.contacts.add("Maria", phones=["5551234567"])
    clinic.appointments.book(c.id, clinic.patel, clinic.checkup, datetime(2026, 12, 7, 9, tzinfo=TZ), "phone_agent")
    db = ["crm", "--db", str(clinic.path)]
    assert main([*db, "export-ics", "-o", str(tmp_path / "all.ics")]) == 0
    assert len(icalendar.Calendar.from_ical((tmp_path / "all.ics").read_text()).walk("VEVENT")) == 1
    assert main([*db, "export-csv", "appointments"]) == 0
    assert "Dr. Patel" in capsys.readouterr().out
    (tmp_path / "in.csv").write_text("name,phone\nAnn,5550001111\n,5550002222\n")
    assert main([*db, "import-contacts", str(tmp_path / "in.csv")]) == 1
    out = capsys.readouterr().out
    assert "imported 1 contacts, rejected 1" in out and "line 3: a contact needs a name" in out
    assert main([*db, "backup", str(tmp_path / "b.db")]) == 0
    assert main([*db, "restore", str(tmp_path / "b.db")]) == 0
    assert main([*db, "purge"]) == 0
    assert main([*db, "outbox"]) == 0
    assert "pending 3, failing 0, delivered 0" in capsys.readouterr().out.splitlines()[-1]
    assert main([*db, "outbox", "--deliver"]) == 2


def test_bench_crm_prints_its_json_line(capsys):
    assert main(["bench", "crm", "--contacts", "2000", "--appointments", "20000", "--lookups", "200"]) == 0
    payload = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert payload["bench"] == "crm"
    assert payload["plain"]["caller_id_ms"]["p99"] < 50 and payload["encrypted"]["caller_id_ms"]["p99"] < 50
