"""What the store knows of the calendar: the events seen there (the box's own, linked to their
appointment, and staff events with their busy blocks), each calendar's sync token and last error,
and the queue of appointments changed here since they were last written there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlite_utils
from sqlcipher3 import dbapi2 as sqlite3

from appliance.calsync.events import Busy
from appliance.crm.db import transaction
from appliance.crm.timeutil import now_utc, parse_utc, utc_text


@dataclass(frozen=True)
class KnownEvent:
    """An event the store has seen on the server (or written there)."""

    href: str
    calendar: str
    uid: str
    etag: str
    appointment_id: int | None
    changed_at: datetime


@dataclass(frozen=True)
class Queued:
    """An appointment changed here, and its newest queue entry."""

    appointment_id: int
    last_entry: int


@dataclass(frozen=True)
class SyncState:
    """One calendar's sync token, when it was last read (and last read whole), and the last error."""

    calendar: str
    token: str
    last_sync_at: datetime | None
    full_read_at: datetime | None
    last_error: str
    failing_since: datetime | None


@dataclass(frozen=True)
class Booking:
    """What an appointment's event says, and when it was last changed here."""

    id: int
    status: str
    starts_at: datetime
    ends_at: datetime
    version: int
    created_at: str
    changed_at: datetime
    provider_id: int
    provider: str
    service: str
    contact_id: int
    patient: str


EVENT_COLUMNS = "href, calendar, uid, etag, appointment_id, changed_at"
STATE_COLUMNS = "calendar, sync_token, last_sync_at, full_read_at, last_error, failing_since"


class Ledger:
    """The calendar tables of one store."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def event(self, href: str) -> KnownEvent | None:
        """The event at `href`, if known."""
        row = self.db.execute(f"SELECT {EVENT_COLUMNS} FROM calendar_events WHERE href = ?", [href]).fetchone()
        return _known(row) if row else None

    def event_of(self, appointment_id: int) -> KnownEvent | None:
        """The box's event for an appointment, if it has one."""
        row = self.db.execute(f"SELECT {EVENT_COLUMNS} FROM calendar_events WHERE appointment_id = ?",
                              [appointment_id]).fetchone()
        return _known(row) if row else None

    def booking(self, appointment_id: int) -> Booking | None:
        """The appointment as its event shows it; None when there is no such appointment."""
        row = self.db.execute(
            "SELECT a.id, a.status, a.starts_at, a.ends_at, a.version, a.created_at, a.updated_at, a.provider_id, "
            "p.name, s.name, "
            "a.contact_id, c.name FROM appointments a JOIN providers p ON p.id = a.provider_id "
            "JOIN services s ON s.id = a.service_id JOIN contacts c ON c.id = a.contact_id WHERE a.id = ?",
            [appointment_id]).fetchone()
        if row is None:
            return None
        return Booking(row[0], row[1], parse_utc(row[2]), parse_utc(row[3]), row[4], row[5], parse_utc(row[6]),
                       *row[7:])

    def overlapping(self, provider_ids: list[int | None], starts_at: datetime, ends_at: datetime) -> list[int]:
        """Booked appointments of these providers (None: any) overlapping [starts_at, ends_at)."""
        anyone = None in provider_ids
        ids = [p for p in provider_ids if p is not None]
        marks = ",".join("?" * len(ids)) or "NULL"
        return [r[0] for r in self.db.execute(
            f"SELECT id FROM appointments WHERE status = 'booked' AND (? OR provider_id IN ({marks})) "
            "AND starts_at < ? AND ends_at > ? ORDER BY starts_at",
            [anyone, *ids, utc_text(ends_at), utc_text(starts_at)])]

    def etags(self, calendar: str) -> dict[str, str]:
        """href -> ETag of every event known in `calendar`."""
        return dict(self.db.execute("SELECT href, etag FROM calendar_events WHERE calendar = ?", [calendar]).fetchall())

    def queued(self) -> list[Queued]:
        """Appointments waiting to be written to the calendar, in the order they first changed."""
        return [Queued(*r) for r in self.db.execute(
            "SELECT appointment_id, MAX(id) FROM calendar_queue GROUP BY appointment_id ORDER BY MIN(id)")]

    def pending(self, appointment_id: int | None = None) -> int:
        """How many appointments (or queue entries of one) wait to be written."""
        if appointment_id is None:
            return self.db.execute("SELECT COUNT(DISTINCT appointment_id) FROM calendar_queue").fetchone()[0]
        return self.db.execute("SELECT COUNT(*) FROM calendar_queue WHERE appointment_id = ?",
                               [appointment_id]).fetchone()[0]

    def last_entry(self) -> int:
        """The newest queue entry's number (0: none yet); it grows with every change made here."""
        return self.db.execute("SELECT COALESCE(MAX(id), 0) FROM calendar_queue").fetchone()[0]

    def oldest_pending(self) -> datetime | None:
        """When the oldest change still waiting to be written was made; None when none waits."""
        oldest = self.db.execute("SELECT MIN(queued_at) FROM calendar_queue").fetchone()[0]
        return parse_utc(oldest) if oldest else None

    def state(self, calendar: str) -> SyncState | None:
        """The sync state of one calendar; None before its first sync."""
        row = self.db.execute(f"SELECT {STATE_COLUMNS} FROM calendar_sync WHERE calendar = ?", [calendar]).fetchone()
        return _state(row) if row else None

    def states(self) -> list[SyncState]:
        """Every calendar's sync state."""
        return [_state(r) for r in self.db.execute(
            f"SELECT {STATE_COLUMNS} FROM calendar_sync ORDER BY calendar")]

    def synced(self, calendar: str, token: str, whole: bool) -> None:
        """A read of `calendar` (`whole`: of every event in it) ended well with `token`."""
        now = utc_text(now_utc())
        with transaction(self.db) as conn:
            conn.execute("INSERT INTO calendar_sync (calendar, sync_token, last_sync_at, full_read_at) "
                         "VALUES (?, ?, ?, ?) ON CONFLICT (calendar) DO UPDATE SET sync_token = excluded.sync_token, "
                         "last_sync_at = excluded.last_sync_at, last_error = '', failing_since = NULL, "
                         "full_read_at = COALESCE(excluded.full_read_at, calendar_sync.full_read_at)",
                         (calendar, token, now, now if whole else None))

    def failed(self, calendar: str, error: str) -> None:
        """Work on `calendar` failed with `error` (plain words); the first failure's time is kept."""
        with transaction(self.db) as conn:
            conn.execute("INSERT INTO calendar_sync (calendar, last_error, failing_since) VALUES (?, ?, ?) "
                         "ON CONFLICT (calendar) DO UPDATE SET last_error = excluded.last_error, "
                         "failing_since = COALESCE(calendar_sync.failing_since, excluded.failing_since)",
                         (calendar, error, utc_text(now_utc())))

    def recovered(self, calendar: str) -> None:
        """Work on `calendar` succeeded: the last error is cleared."""
        with transaction(self.db) as conn:
            conn.execute("UPDATE calendar_sync SET last_error = '', failing_since = NULL WHERE calendar = ?",
                         (calendar,))

    def forget_calendars_except(self, calendars: list[str]) -> None:
        """Drop events, blocks and sync state of calendars no longer configured."""
        marks = ",".join("?" * len(calendars))
        with transaction(self.db) as conn:
            conn.execute(f"DELETE FROM calendar_events WHERE calendar NOT IN ({marks})", calendars)
            conn.execute(f"DELETE FROM calendar_sync WHERE calendar NOT IN ({marks})", calendars)

    def prune(self, before: datetime) -> None:
        """Forget staff blocks that ended before `before`, and queue entries of appointments that
        ended then and were never written (changes made while the sync was off)."""
        with transaction(self.db) as conn:
            conn.execute("DELETE FROM calendar_blocks WHERE ends_at < ?", (utc_text(before),))
            conn.execute("DELETE FROM calendar_queue WHERE appointment_id IN (SELECT id FROM appointments "
                         "WHERE ends_at < ?) AND appointment_id NOT IN "
                         "(SELECT appointment_id FROM calendar_events WHERE appointment_id IS NOT NULL)",
                         (utc_text(before),))

    def queue_upcoming(self, provider_ids: list[int], since: datetime) -> int:
        """Queue the booked appointments of `provider_ids` ending after `since` that have no event."""
        marks = ",".join("?" * len(provider_ids))
        with transaction(self.db) as conn:
            return conn.execute(
                "INSERT INTO calendar_queue (appointment_id, queued_at) SELECT a.id, ? FROM appointments a "
                f"WHERE a.status = 'booked' AND a.ends_at > ? AND a.provider_id IN ({marks}) AND NOT EXISTS "
                "(SELECT 1 FROM calendar_events e WHERE e.appointment_id = a.id) ORDER BY a.starts_at",
                [utc_text(now_utc()), utc_text(since), *provider_ids]).rowcount


def link(conn: sqlite3.Connection, href: str, calendar: str, uid: str, etag: str, appointment_id: int,
         changed_at: datetime) -> None:
    """The appointment's event is `href` with `etag`, last changed at `changed_at` (inside a transaction)."""
    conn.execute("DELETE FROM calendar_events WHERE appointment_id = ? AND href != ?", (appointment_id, href))
    conn.execute("DELETE FROM calendar_blocks WHERE href = ?", (href,))
    conn.execute("INSERT INTO calendar_events (href, calendar, uid, etag, appointment_id, changed_at) "
                 "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (href) DO UPDATE SET calendar = excluded.calendar, "
                 "uid = excluded.uid, etag = excluded.etag, appointment_id = excluded.appointment_id, "
                 "changed_at = excluded.changed_at",
                 (href, calendar, uid, etag, appointment_id, utc_text(changed_at)))


def unlink(conn: sqlite3.Connection, appointment_id: int) -> None:
    """The appointment has no event any more (inside a transaction)."""
    conn.execute("DELETE FROM calendar_events WHERE appointment_id = ?", (appointment_id,))


def dequeue(conn: sqlite3.Connection, appointment_id: int, up_to: int | None = None) -> None:
    """The appointment's queue entries (up to entry `up_to`) are done (inside a transaction)."""
    conn.execute("DELETE FROM calendar_queue WHERE appointment_id = ? AND (? IS NULL OR id <= ?)",
                 (appointment_id, up_to, up_to))


def requeue(conn: sqlite3.Connection, appointment_id: int) -> None:
    """Write the appointment to the calendar again (inside a transaction)."""
    conn.execute("INSERT INTO calendar_queue (appointment_id, queued_at) VALUES (?, ?)",
                 (appointment_id, utc_text(now_utc())))


def store_blocks(conn: sqlite3.Connection, href: str, calendar: str, uid: str, etag: str, changed_at: datetime,
                 providers: list[int | None], busy: tuple[Busy, ...]) -> None:
    """A staff event and its busy periods, one block per provider its calendar belongs to."""
    forget_event(conn, href)
    conn.execute("INSERT INTO calendar_events (href, calendar, uid, etag, changed_at) VALUES (?, ?, ?, ?, ?)",
                 (href, calendar, uid, etag, utc_text(changed_at)))
    conn.executemany("INSERT INTO calendar_blocks (href, provider_id, starts_at, ends_at, summary) "
                     "VALUES (?, ?, ?, ?, ?)",
                     [(href, provider, utc_text(b.starts_at), utc_text(b.ends_at), b.summary[:200])
                      for b in busy if b.ends_at > b.starts_at for provider in providers])


def forget_event(conn: sqlite3.Connection, href: str) -> None:
    """The event at `href` is gone (its blocks with it)."""
    conn.execute("DELETE FROM calendar_blocks WHERE href = ?", (href,))
    conn.execute("DELETE FROM calendar_events WHERE href = ?", (href,))


def _state(row: tuple) -> SyncState:
    return SyncState(row[0], row[1], _moment(row[2]), _moment(row[3]), row[4], _moment(row[5]))


def _known(row: tuple) -> KnownEvent:
    return KnownEvent(*row[:5], parse_utc(row[5]))


def _moment(text: str | None) -> datetime | None:
    return parse_utc(text) if text else None
