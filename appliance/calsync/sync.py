"""One sync pass: read each calendar's changes, then write the appointments changed here.

The written rule for a change on both sides at once (an ETag that moved under us, a staff event
over a booking): the earlier committed change wins, by the store's commit time against the
event's LAST-MODIFIED (or, without one, the time we saw it); the other becomes a message for the
front desk, never a silent overwrite and never a double booking. A patient's cancellation is the
exception: it always stands, since the patient was told.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlite_utils

from appliance.calsync.events import (
    BoxEvent,
    CalendarObject,
    EventError,
    read_object,
    write_event,
)
from appliance.calsync.ledger import (
    Booking,
    KnownEvent,
    Ledger,
    dequeue,
    forget_event,
    link,
    requeue,
    store_blocks,
    unlink,
)
from appliance.calsync.server import CalendarServer, CalendarUnavailable, EditConflict
from appliance.config.calendar import CalendarConfig
from appliance.crm.appointments import Appointment, AppointmentError, Appointments
from appliance.crm.db import transaction
from appliance.crm.event_uids import appointment_of, appointment_uid, store_identity
from appliance.crm.messages import leave_message
from appliance.crm.names import initials
from appliance.crm.schedule import Schedule
from appliance.crm.timeutil import now_utc

log = logging.getLogger(__name__)
ACTOR = "calendar"
LOOK_BACK = timedelta(days=1)  # staff events that ended before this are not read


@dataclass
class SyncReport:
    """What one pass did."""

    read: int = 0
    written: int = 0
    conflicts: int = 0
    error: str = ""


class CalendarSync:
    """Syncs one store with the configured calendars; not thread-safe (one worker runs it)."""

    def __init__(self, db: sqlite_utils.Database, config: CalendarConfig, server: CalendarServer,
                 tz: ZoneInfo) -> None:
        self.db = db
        self.config = config
        self.server = server
        self.tz = tz
        self.ledger = Ledger(db)
        self.appointments = Appointments(db, tz)
        self.schedule = Schedule(db)
        self.store = store_identity(db)

    def run_once(self) -> SyncReport:
        """Pull every calendar, then push the queue; errors are recorded, never raised."""
        report = SyncReport()
        self.ledger.forget_calendars_except(self.config.calendar_urls())
        for url in self.config.calendar_urls():
            try:
                report.read += self.pull(url, report)
            except CalendarUnavailable as exc:
                report.error = exc.args[0]
                self.ledger.failed(url, report.error)
        if not report.error:
            self.push(report)
        return report

    # which calendar holds what
    def calendar_for(self, provider: str) -> str | None:
        """The calendar a provider's appointments go to; None: not synced."""
        return self.config.calendars.get(provider) or self.config.shared or None

    def providers_of(self, url: str) -> list[int | None]:
        """Whose time a staff event in `url` blocks: its providers, or everyone (None) for the shared one."""
        if url == self.config.shared:
            return [None]
        return [p.id for p in self.schedule.providers() if self.config.calendars.get(p.name) == url]

    # reading the calendar
    def pull(self, url: str, report: SyncReport) -> int:
        """Apply `url`'s changes since its sync token; the number of changed events read."""
        state = self.ledger.state(url)
        first = state is None or state.last_sync_at is None
        changes = self.server.changes(url, state.token if state else "")
        now = now_utc()
        seen: set[str] = set()
        read = 0
        for href, etag, text in changes.changed:
            seen.add(href)
            known = self.ledger.event(href)
            if known is not None and etag and known.etag == etag:
                continue  # our own write, or unchanged
            read += 1
            try:
                event = read_object(text, self.tz, now - LOOK_BACK, now + timedelta(days=self.config.horizon_days))
            except EventError as exc:
                log.warning("calendar event %s skipped: %s", href, exc)
                continue
            appointment_id = appointment_of(event.uid, self.store)
            if appointment_id is not None and self.ledger.booking(appointment_id) is not None:
                report.conflicts += self._remote_booking(url, href, etag, event, appointment_id)
            elif appointment_id is not None:  # ours, but its appointment is gone from the store: remove it
                with transaction(self.db) as conn:
                    link(conn, href, url, event.uid, etag, appointment_id, 0, event.changed_at or now)
                    requeue(conn, appointment_id)
            else:
                report.conflicts += self._remote_block(url, href, etag, event, first)
        gone = set(changes.deleted) | (self.ledger.hrefs(url) - seen if changes.complete else set())
        for href in sorted(gone):
            report.conflicts += self._remote_deleted(href)
        self.ledger.synced(url, changes.token)
        if first:
            providers = [p.id for p in self.schedule.providers() if self.calendar_for(p.name) == url]
            if providers:
                self.ledger.queue_upcoming(providers, now)
        return read

    def _remote_block(self, url: str, href: str, etag: str, event: CalendarObject, first: bool) -> int:
        """A staff event: its busy time blocks booking here; a booking under it is the conflict rule's
        (on the first sync, which imports what the calendar already had, every booking stands)."""
        changed_at = event.changed_at or now_utc()
        providers = self.providers_of(url)
        with transaction(self.db) as conn:
            store_blocks(conn, href, url, event.uid, etag, changed_at, providers, event.busy)
        clashes = {aid for busy in event.busy for aid in self.ledger.overlapping(providers, busy.starts_at,
                                                                                  busy.ends_at)}
        for appointment_id in sorted(clashes):
            booking = self.ledger.booking(appointment_id)
            what = f"'{event.busy[0].summary or 'busy'}'"
            if first or booking.changed_at <= changed_at:
                self._note(booking, f"{booking.provider}'s calendar has {what} over this appointment, which was "
                                    "booked first: the appointment stands; please move one of them.")
            else:
                self._cancel(booking, f"{booking.provider}'s calendar had {what} at this time before it was booked: "
                                      "the appointment is cancelled; please call the patient to book again.",
                             href=None)
        return len(clashes)

    def _remote_booking(self, url: str, href: str, etag: str, event: CalendarObject, appointment_id: int) -> int:
        """The box's own event changed there; apply it, unless a change here came first."""
        booking = self.ledger.booking(appointment_id)
        remote_at = event.changed_at or now_utc()
        gone = event.cancelled or event.starts_at is None
        pending = self.ledger.pending(appointment_id) > 0
        if booking.status != "booked" or (not gone and (event.starts_at, event.ends_at) == (booking.starts_at,
                                                                                            booking.ends_at)):
            with transaction(self.db) as conn:  # nothing to apply: only remember its ETag
                link(conn, href, url, event.uid, etag, appointment_id, booking.version, remote_at)
                if booking.status != "booked":
                    requeue(conn, appointment_id)  # a cancelled appointment's event comes off again
            return 0
        if pending and booking.changed_at <= remote_at:
            with transaction(self.db) as conn:  # ours came first: written over theirs on the next push
                link(conn, href, url, event.uid, etag, appointment_id, booking.version, remote_at)
                self._message(conn, booking, f"The calendar's change to this appointment ({_change(event, self.tz)}) "
                                             "came after the change made here and was not applied.")
            return 1
        lost = " The change made here a moment later was undone; please tell the patient." if pending else ""
        if gone:
            self._cancel(booking, f"It was cancelled in {booking.provider}'s calendar.{lost}", href=None,
                         keep=(href, url, event.uid, etag, remote_at))
            return int(pending)
        def also(conn: sqlite3.Connection, moved: Appointment) -> None:
            link(conn, href, url, event.uid, etag, appointment_id, moved.version, remote_at)
            dequeue(conn, appointment_id)
            if lost:
                self._message(conn, booking, lost.strip())
        try:
            self.appointments.reschedule(appointment_id, event.starts_at, ends_at=event.ends_at, within_hours=False,
                                         actor=ACTOR, also=also)
        except AppointmentError as exc:  # the new time is taken here: ours stands and goes back there
            with transaction(self.db) as conn:
                link(conn, href, url, event.uid, etag, appointment_id, booking.version, remote_at)
                requeue(conn, appointment_id)
                self._message(conn, booking, f"The calendar moved this appointment to "
                                             f"{_when(event.starts_at, self.tz)}, but {exc.args[0]}. It stays where "
                                             "it was, and the calendar shows it there again.")
            return 1
        return int(pending)

    def _remote_deleted(self, href: str) -> int:
        """An event is gone from the calendar: a staff block frees its time; the box's own cancels
        its appointment, unless it changed here since (then it is written there again)."""
        known = self.ledger.event(href)
        booking = self.ledger.booking(known.appointment_id) if known and known.appointment_id else None
        if known is None or booking is None or booking.status != "booked":
            with transaction(self.db) as conn:
                forget_event(conn, href)
            return 0
        if self.ledger.pending(booking.id):
            with transaction(self.db) as conn:
                unlink(conn, booking.id)
                self._message(conn, booking, "It was deleted from the calendar after it changed here: it is kept and "
                                             "written to the calendar again.")
            return 1
        self._cancel(booking, f"It was deleted from {booking.provider}'s calendar, so it is cancelled here too; "
                              "tell the patient if they do not know.", href=href)
        return 0

    def _cancel(self, booking: Booking, why: str, href: str | None,
                keep: tuple[str, str, str, str, datetime] | None = None) -> None:
        """Cancel an appointment because of the calendar, with a message saying why."""
        def also(conn: sqlite3.Connection, cancelled: Appointment) -> None:
            if href is not None:
                forget_event(conn, href)
            if keep is not None:
                link(conn, *keep[:4], booking.id, booking.version + 1, keep[4])
                dequeue(conn, booking.id)
            self._message(conn, booking, why)
        self.appointments.cancel(booking.id, reason=why, actor=ACTOR, also=also)

    def _note(self, booking: Booking, why: str) -> None:
        with transaction(self.db) as conn:
            self._message(conn, booking, why)

    def _message(self, conn: sqlite3.Connection, booking: Booking, why: str) -> None:
        text = (f"Calendar: {booking.patient}'s {booking.service} with {booking.provider} on "
                f"{_when(booking.starts_at, self.tz)}. {why}")
        leave_message(conn, text, "", booking.patient, booking.contact_id, False, actor=ACTOR)

    # writing the calendar
    def push(self, report: SyncReport) -> None:
        """Write each queued appointment's current state, in the order they changed; stop at the first
        unreachable server (the rest wait, in order)."""
        for queued in self.ledger.queued():
            booking = self.ledger.booking(queued.appointment_id)
            known = self.ledger.event_of(queued.appointment_id)
            target = self.calendar_for(booking.provider) if booking else None
            try:
                if booking is not None and booking.status == "booked" and target is not None:
                    self._put(booking, known, target, queued.last_entry)
                else:
                    if known is not None and (booking is None or booking.status == "cancelled" or target is None):
                        self._delete(known)
                    with transaction(self.db) as conn:
                        if booking is None or booking.status == "cancelled" or target is None:
                            unlink(conn, queued.appointment_id)
                        dequeue(conn, queued.appointment_id, queued.last_entry)
                report.written += 1
            except EditConflict:
                report.conflicts += self._resolve_push_conflict(known, booking)
            except CalendarUnavailable as exc:
                report.error = exc.args[0]
                self.ledger.failed(target or (known.calendar if known else ""), report.error)
                return

    def _put(self, booking: Booking, known: KnownEvent | None, target: str, last_entry: int) -> None:
        if known is not None and known.calendar != target:  # moved to a provider with another calendar
            self._delete(known)
            known = None
        uid = appointment_uid(self.store, booking.id)
        href = known.href if known else f"{target.rstrip('/')}/appointment-{booking.id}-{self.store}.ics"
        text = write_event(self._box_event(booking, uid))
        try:
            etag = self.server.put(href, text, known.etag if known else "")
        except EditConflict:
            if known is not None:
                raise
            found = self.server.get(href)  # our own file, left from before (a restore, a lost reply)
            etag = self.server.put(href, text, found[1] if found else "")
        with transaction(self.db) as conn:
            link(conn, href, target, uid, etag, booking.id, booking.version, now_utc())
            dequeue(conn, booking.id, last_entry)
        self.ledger.recovered(target)

    def _delete(self, known: KnownEvent) -> None:
        try:
            self.server.delete(known.href, known.etag)
        except EditConflict:  # changed there meanwhile: the cancellation stands all the same
            self.server.delete(known.href, "")

    def _resolve_push_conflict(self, known: KnownEvent | None, booking: Booking) -> int:
        """Our write met a newer event there: read it and apply the rule as for a pulled change."""
        if known is None:  # an event with our name appeared: take it over on the next push
            return 0
        found = self.server.get(known.href)
        if found is None:
            return self._remote_deleted(known.href)
        text, etag = found
        now = now_utc()
        event = read_object(text, self.tz, now - LOOK_BACK, now + timedelta(days=self.config.horizon_days))
        return self._remote_booking(known.calendar, known.href, etag, event, booking.id)

    def _box_event(self, booking: Booking, uid: str) -> BoxEvent:
        who = {"initials": initials(booking.patient), "name": booking.patient, "none": ""}[self.config.patient_detail]
        summary = f"{booking.service} - {who}" if who else booking.service
        return BoxEvent(uid, booking.starts_at, booking.ends_at, summary,
                        f"{booking.service} with {booking.provider}, booked through the clinic's phone appliance.",
                        booking.version - 1, booking.changed_at)


def _when(moment: datetime | None, tz: ZoneInfo) -> str:
    return f"{moment.astimezone(tz):%a %d %b %H:%M}" if moment else "no time"


def _change(event: CalendarObject, tz: ZoneInfo) -> str:
    return "cancelled there" if event.cancelled else f"moved to {_when(event.starts_at, tz)}"
