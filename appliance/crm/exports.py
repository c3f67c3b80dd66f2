"""Exports: iCalendar feeds (RFC 5545; one per provider and one for all) and CSV files of
appointments and calls, saved whole or not at all; import of contacts from CSV with a report of
the rejected rows.

Long work takes a `progress(done, total, what)` callback; it may raise (the window raises
`Cancelled` when asked to stop) and then nothing of the work is kept."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import sqlite_utils

from appliance.crm.contacts import ContactError, Contacts, NewContact
from appliance.crm.db import transaction
from appliance.crm.event_uids import appointment_uid, store_identity
from appliance.crm.phones import PhoneError
from appliance.crm.timeutil import now_utc, parse_utc
from appliance.private_files import create_private

PRODID = "-//Clinic voice appliance//Appointments//EN"
SAVE_CHUNK = 64 * 1024
HEADER_LINE = 1  # the line a refused header is reported on

Progress = Callable[[int, int, str], None]  # done, total, what is being done; raising stops the work


def no_progress(done: int, total: int, what: str) -> None:
    """A `Progress` that reports nowhere."""


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts, start, limit = [], 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # never split a UTF-8 sequence
            end -= 1
        parts.append(data[start:end].decode("utf-8"))
        start, limit = end, 74
    return "\r\n ".join(parts)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def ics_feed(db: sqlite_utils.Database, clinic_name: str, provider_id: int | None = None,
             progress: Progress = no_progress) -> str:
    """Booked and cancelled appointments as an iCalendar feed (times in UTC)."""
    rows = db.execute(
        "SELECT a.id, a.starts_at, a.ends_at, a.status, a.version, a.updated_at, c.name, p.name, s.name, a.created_at "
        "FROM appointments a JOIN contacts c ON c.id = a.contact_id JOIN providers p ON p.id = a.provider_id "
        "JOIN services s ON s.id = a.service_id WHERE (? IS NULL OR a.provider_id = ?) ORDER BY a.starts_at",
        [provider_id, provider_id]).fetchall()
    name = clinic_name + (f" - {rows[0][7]}" if provider_id and rows else "")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             f"X-WR-CALNAME:{_escape(name)}"]
    stamp, store = _stamp(now_utc()), store_identity(db)
    progress(0, len(rows), "reading appointments")
    for done, (aid, start, end, status, version, updated, contact, provider, service, created) in enumerate(rows, 1):
        lines += [
            "BEGIN:VEVENT", f"UID:{appointment_uid(store, aid, created)}", f"DTSTAMP:{stamp}",
            f"DTSTART:{_stamp(parse_utc(start))}", f"DTEND:{_stamp(parse_utc(end))}",
            f"SUMMARY:{_escape(f'{service}: {contact}')}", f"DESCRIPTION:{_escape(f'with {provider}')}",
            f"STATUS:{'CANCELLED' if status == 'cancelled' else 'CONFIRMED'}", f"SEQUENCE:{version - 1}",
            f"LAST-MODIFIED:{_stamp(parse_utc(updated))}", "END:VEVENT",
        ]
        progress(done, len(rows), f"appointment {done} of {len(rows)}")
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def appointments_csv(db: sqlite_utils.Database, progress: Progress = no_progress) -> str:
    """All appointments with contact, provider and service names, times in UTC."""
    return _csv(db, "SELECT a.id, a.starts_at, a.ends_at, a.status, a.source, c.name AS contact, "
                    "c.date_of_birth, p.name AS provider, s.name AS service, a.created_at, a.updated_at "
                    "FROM appointments a JOIN contacts c ON c.id = a.contact_id "
                    "JOIN providers p ON p.id = a.provider_id JOIN services s ON s.id = a.service_id "
                    "ORDER BY a.starts_at", progress, "appointment")


def calls_csv(db: sqlite_utils.Database) -> str:
    """All calls with their outcome and number of turns."""
    return _csv(db, "SELECT c.id, c.started_at, c.ended_at, c.direction, c.caller_number, c.caller_name, "
                    "c.outcome, c.end_reason, (SELECT COUNT(*) FROM turns t WHERE t.call_id = c.id) AS turns "
                    "FROM calls c ORDER BY c.started_at", no_progress, "call")


def _csv(db: sqlite_utils.Database, sql: str, progress: Progress, noun: str) -> str:
    cursor = db.execute(sql)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([d[0] for d in cursor.description])
    rows = cursor.fetchall()
    progress(0, len(rows), f"reading {noun}s")
    for done, row in enumerate(rows, 1):
        writer.writerow(row)
        progress(done, len(rows), f"{noun} {done} of {len(rows)}")
    return out.getvalue()


def save_export(path: Path, text: str, progress: Progress = no_progress) -> Path:
    """Write an export for no other user, whole or not at all: into a hidden `.partial` beside
    `path`, synced, then renamed over it; on a failure or a stop the partial file is removed."""
    data = text.encode("utf-8")
    tmp = path.with_name(f".{path.name}.partial")
    try:
        create_private(tmp)
        with open(tmp, "wb") as out:
            progress(0, len(data), f"writing {path.name}")
            for start in range(0, len(data), SAVE_CHUNK):
                out.write(data[start:start + SAVE_CHUNK])
                done = min(start + SAVE_CHUNK, len(data))
                progress(done, len(data), f"writing {path.name}")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


@dataclass
class ImportReport:
    """What a contacts import did."""

    imported: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)

    @property
    def header_refused(self) -> bool:
        """Whether the header was refused, so that no row was read."""
        return any(line == HEADER_LINE for line, _ in self.rejected)


def import_contacts_csv(contacts: Contacts, text: str, progress: Progress = no_progress) -> ImportReport:
    """Rows of name, phone (several separated by ';'), date_of_birth, email, notes.

    Every row is checked first; a bad row is reported by line and left out. The good rows are then
    written in one transaction: all of them or, on a failure or a stop (`progress` raising), none.
    A header without a 'name' column is reported as line 1 and no row is read.
    """
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text))
    if "name" not in (reader.fieldnames or []):
        report.rejected.append((HEADER_LINE, "the header needs a 'name' column"))
        return report
    rows = list(enumerate(reader, start=HEADER_LINE + 1))
    total = 2 * len(rows)  # checking, then saving
    progress(0, total, "checking rows")
    good: list[NewContact] = []
    for done, (line, row) in enumerate(rows, 1):
        phones = [p for p in (row.get("phone") or "").split(";") if p.strip()]
        try:
            good.append(contacts.checked(row.get("name") or "", phones, row.get("date_of_birth") or None,
                                         row.get("email") or "", row.get("notes") or ""))
        except (ContactError, PhoneError) as exc:
            report.rejected.append((line, str(exc)))
        progress(done, total, f"checking row {done} of {len(rows)}")
    if not good:
        progress(total, total, "no row to save")
        return report
    with transaction(contacts.db) as conn:
        for done, new in enumerate(good, 1):
            contacts.insert(conn, new, actor="import")
            progress(len(rows) + done * len(rows) // len(good), total, f"saving contact {done} of {len(good)}")
    report.imported = len(good)
    return report
