"""Exports: iCalendar feeds (RFC 5545; one per provider and one for all) and CSV files of
appointments and calls; import of contacts from CSV with a report of the rejected rows."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

import sqlite_utils

from appliance.crm.contacts import ContactError, Contacts
from appliance.crm.event_uids import appointment_uid, store_identity
from appliance.crm.phones import PhoneError
from appliance.crm.timeutil import now_utc, parse_utc

PRODID = "-//Clinic voice appliance//Appointments//EN"


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


def ics_feed(db: sqlite_utils.Database, clinic_name: str, provider_id: int | None = None) -> str:
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
    for aid, start, end, status, version, updated, contact, provider, service, created in rows:
        lines += [
            "BEGIN:VEVENT", f"UID:{appointment_uid(store, aid, created)}", f"DTSTAMP:{stamp}",
            f"DTSTART:{_stamp(parse_utc(start))}", f"DTEND:{_stamp(parse_utc(end))}",
            f"SUMMARY:{_escape(f'{service}: {contact}')}", f"DESCRIPTION:{_escape(f'with {provider}')}",
            f"STATUS:{'CANCELLED' if status == 'cancelled' else 'CONFIRMED'}", f"SEQUENCE:{version - 1}",
            f"LAST-MODIFIED:{_stamp(parse_utc(updated))}", "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def appointments_csv(db: sqlite_utils.Database) -> str:
    """All appointments with contact, provider and service names, times in UTC."""
    return _csv(db, "SELECT a.id, a.starts_at, a.ends_at, a.status, a.source, c.name AS contact, "
                    "c.date_of_birth, p.name AS provider, s.name AS service, a.created_at, a.updated_at "
                    "FROM appointments a JOIN contacts c ON c.id = a.contact_id "
                    "JOIN providers p ON p.id = a.provider_id JOIN services s ON s.id = a.service_id "
                    "ORDER BY a.starts_at")


def calls_csv(db: sqlite_utils.Database) -> str:
    """All calls with their outcome and number of turns."""
    return _csv(db, "SELECT c.id, c.started_at, c.ended_at, c.direction, c.caller_number, c.caller_name, "
                    "c.outcome, c.end_reason, (SELECT COUNT(*) FROM turns t WHERE t.call_id = c.id) AS turns "
                    "FROM calls c ORDER BY c.started_at")


def _csv(db: sqlite_utils.Database, sql: str) -> str:
    cursor = db.execute(sql)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([d[0] for d in cursor.description])
    writer.writerows(cursor.fetchall())
    return out.getvalue()


@dataclass
class ImportReport:
    """What a contacts import did."""

    imported: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)


def import_contacts_csv(contacts: Contacts, text: str) -> ImportReport:
    """Rows of name, phone (several separated by ';'), date_of_birth, email, notes.

    Each good row is its own transaction; a bad row is reported by line and skipped.
    """
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text))
    missing = {"name"} - set(reader.fieldnames or [])
    if missing:
        report.rejected.append((1, "the header needs a 'name' column"))
        return report
    for line, row in enumerate(reader, start=2):
        phones = [p for p in (row.get("phone") or "").split(";") if p.strip()]
        try:
            contacts.add(row.get("name") or "", phones, row.get("date_of_birth") or None,
                         row.get("email") or "", row.get("notes") or "", actor="import")
        except (ContactError, PhoneError) as exc:
            report.rejected.append((line, str(exc)))
        else:
            report.imported += 1
    return report
