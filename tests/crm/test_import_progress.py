"""Long crm work with progress and a way to stop: the contacts import (all of its good rows or
none), the exports' progress, and an export saved whole or not at all."""

from __future__ import annotations

import os
import stat
from datetime import datetime

import pytest

from appliance.crm.exports import appointments_csv, ics_feed, import_contacts_csv, save_export
from appliance.errors import Cancelled
from tests.crm.conftest import TZ

ROWS = ("name,phone,date_of_birth\n"
        "Ann Lee,5550001111,1970-01-31\n"
        ",5550002222,\n"
        "Bob Stone,5550003333,\n"
        "Cleo Park,5550004444,\n")


def recorder(stop_at: str | None = None):
    """A progress callback that records each report and raises `Cancelled` at the first whose
    words start with `stop_at`."""
    seen = []

    def progress(done: int, total: int, what: str) -> None:
        seen.append((done, total, what))
        if stop_at is not None and what.startswith(stop_at):
            raise Cancelled("stopped")
    return seen, progress


def written(clinic) -> tuple[int, int, int]:
    """Contacts, audit entries and outbox events in the store."""
    return tuple(clinic.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                 for table in ("contacts", "audit_log", "outbox"))


def test_the_import_reports_checking_then_saving(clinic):
    seen, progress = recorder()
    report = import_contacts_csv(clinic.contacts, ROWS, progress)
    assert (report.imported, report.rejected[0][0]) == (3, 3)
    # four rows checked (the first half), then the three good ones saved (the second half)
    assert [done for done, _, _ in seen] == [0, 1, 2, 3, 4, 5, 6, 8]
    assert {total for _, total, _ in seen} == {8}
    assert seen[1][2] == "checking row 1 of 4" and seen[-1][2] == "saving contact 3 of 3"
    assert clinic.contacts.by_phone("5550004444")[0].name == "Cleo Park"


@pytest.mark.parametrize("stop_at", ["checking row 2", "saving contact 1", "saving contact 3"])
def test_a_stop_keeps_none_of_the_rows(clinic, stop_at):
    before = written(clinic)
    _, progress = recorder(stop_at)
    with pytest.raises(Cancelled):
        import_contacts_csv(clinic.contacts, ROWS, progress)
    assert written(clinic) == before, "no contact, no audit entry, no outbox event"
    assert clinic.contacts.add("After", ["5550009999"]).name == "After", "the store takes writes again"


def test_a_refused_header_reads_no_row_and_says_so(clinic):
    report = import_contacts_csv(clinic.contacts, "who,phone\nAnn,5550001111\n")
    assert report.header_refused and report.imported == 0
    assert not import_contacts_csv(clinic.contacts, ROWS).header_refused


def test_only_bad_rows_or_none_still_end_the_progress(clinic):
    seen, progress = recorder()
    report = import_contacts_csv(clinic.contacts, "name,phone\n,5550001111\n", progress)
    assert (report.imported, len(report.rejected)) == (0, 1) and seen[-1][:2] == (2, 2)
    assert import_contacts_csv(clinic.contacts, "name,phone\n").imported == 0


def book_two(clinic) -> None:
    maria = clinic.contacts.add("Maria", phones=["5551234567"])
    for hour in (9, 10):
        clinic.appointments.book(maria.id, clinic.patel, clinic.checkup, datetime(2026, 12, 7, hour, tzinfo=TZ),
                                 "phone_agent")


@pytest.mark.parametrize("render", [lambda db, p: ics_feed(db, "Clinic", None, p), appointments_csv])
def test_exports_report_each_appointment(clinic, render):
    book_two(clinic)
    seen, progress = recorder()
    text = render(clinic.db, progress)
    assert [(done, total) for done, total, _ in seen] == [(0, 2), (1, 2), (2, 2)]
    assert seen[-1][2] == "appointment 2 of 2" and text.count("Maria") == 2


def test_an_export_is_saved_whole_for_no_other_user(tmp_path):
    seen, progress = recorder()
    text = "x" * 200_000
    assert save_export(tmp_path / "all.csv", text, progress) == tmp_path / "all.csv"
    assert (tmp_path / "all.csv").read_text() == text and os.listdir(tmp_path) == ["all.csv"]
    assert not stat.S_IMODE((tmp_path / "all.csv").stat().st_mode) & 0o007
    assert [done for done, _, _ in seen] == [0, 65536, 131072, 196608, 200000]


def test_a_stopped_export_leaves_no_file_and_keeps_an_older_one(tmp_path):
    (tmp_path / "all.csv").write_text("older\n")
    _, progress = recorder("writing")
    with pytest.raises(Cancelled):
        save_export(tmp_path / "all.csv", "new\n", progress)
    assert os.listdir(tmp_path) == ["all.csv"] and (tmp_path / "all.csv").read_text() == "older\n"


def test_an_export_into_a_missing_folder_fails_and_leaves_nothing(tmp_path):
    with pytest.raises(FileNotFoundError):
        save_export(tmp_path / "gone" / "all.csv", "x\n")
    assert os.listdir(tmp_path) == []
