"""One sync pass: read every calendar's changes, apply the deletions once all are read (an event
dragged from one dentist's calendar to another is a move, not a cancellation), then write the
appointments changed here, in the order they changed.

The written rule for a change on both sides at once (an ETag that moved under us, a staff event
over a booking): the earlier committed change wins, by the store's commit time against the
event's LAST-MODIFIED (the time it was seen instead, when that stamp did not move or is absent);
the other becomes a message for the front desk, never a silent overwrite and never a double
booking. A cancellation made here is the exception: it always stands, since the patient was told.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlite_utils
from sqlcipher3 import dbapi2 as sqlite3

from appliance.calsync.events import BoxEvent, CalendarObject, EventError, read_object, write_event
from appliance.calsync.ledger import (
    Booking, KnownEvent, Ledger, Queued, dequeue, forget_event, link, requeue, store_blocks, unlink,
)
from appliance.calsync.server import CalendarServer, CalendarUnavailable, EditConflict, EventRefused
from appliance.config.calendar import CalendarConfig
from appliance.crm.availability import MAX_SERVICE
from appliance.crm.appointments import Appointment, AppointmentError, Appointments, StaleAppointmentError
from appliance.crm.db import transaction
from appliance.crm.event_uids import appointment_uid, names_appointment, store_identity, uid_parts
from appliance.crm.messages import leave_message
from appliance.crm.names import initials
from appliance.crm.schedule import Schedule
from appliance.crm.timeutil import now_utc

log = logging.getLogger(__name__)
ACTOR = "calendar"
LOOK_BACK = timedelta(days=1)  # staff events that ended before this are not kept
FULL_READ_EVERY = timedelta(days=1)  # repeating events are expanded again this often


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
        """Read every calendar, then write the queue to those that could be read; what failed is
        recorded for status (and in the report), never raised."""
        report = SyncReport()
        urls = self.config.calendar_urls()
        self.ledger.forget_calendars_except(urls)
        read: list[tuple[str, str, bool, list[str]]] = []  # calendar, token, whole, deleted hrefs
        unread: set[str] = set()
        for url in urls:
            try:
                read.append((url, *self.pull(url, report)))
            except CalendarUnavailable as exc:
                self._failed(report, url, exc.args[0], unread)
            except Exception as exc:  # noqa: BLE001 - one bad event or calendar must not stop the others
                log.exception("reading calendar %s failed", url)
                self._failed(report, url, f"reading the calendar failed ({exc})", unread)
        if unread:  # a deletion may be half of a drag into a calendar not read: wait for all
            read = [r for r in read if not r[3]]
        for url, token, whole, deleted in read:
            for href in deleted:
                report.conflicts += self._remote_deleted(href)
            self.ledger.synced(url, token, whole)
        self.push(report, skip=unread)
        return report

    def _failed(self, report: SyncReport, url: str, error: str, unread: set[str]) -> None:
        report.error = error
        unread.add(url)
        self.ledger.failed(url, error)

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
    def pull(self, url: str, report: SyncReport) -> tuple[str, bool, list[str]]:
        """Apply `url`'s new and changed events since its sync token (the whole calendar once a day,
        so repeating events are expanded afresh); its new token, whether it was read whole, and the
        hrefs gone from it, for `run_once` to apply once every calendar is read."""
        state = self.ledger.state(url)
        now = now_utc()
        first = state is None or state.last_sync_at is None
        again = not first and (state.full_read_at is None or now - state.full_read_at > FULL_READ_EVERY)
        if first or again:
            self.ledger.prune(now - LOOK_BACK)
        known = self.ledger.etags(url)
        changes = self.server.changes(url, "" if again or first else state.token, {} if again else known)
        floor = None if first else state.last_sync_at  # a new event reached the server after the last read
        for href, etag, text in changes.changed:
            seen = self.ledger.event(href)
            unchanged = seen is not None and bool(etag) and seen.etag == etag
            if unchanged and (seen.appointment_id or not again):
                continue  # our own write, or unchanged
            report.read += 1
            try:
                event = self._read(text, now)
            except EventError as exc:
                log.warning("calendar event %s skipped: %s", href, exc)
                continue
            report.conflicts += self._remote_event(url, href, etag, event, seen, first, unchanged, floor)
        gone = set(changes.deleted) | (set(known) - changes.listed if changes.listed is not None else set())
        if first:
            providers = [p.id for p in self.schedule.providers() if self.calendar_for(p.name) == url]
            if providers:
                self.ledger.queue_upcoming(providers, now)
        return changes.token, changes.listed is not None, sorted(gone)

    def _remote_event(self, url: str, href: str, etag: str, event: CalendarObject, seen: KnownEvent | None,
                      first: bool, quiet: bool, floor: datetime | None) -> int:
        """One new or changed event: the box's own (by its UID), or a staff event (`quiet`: an unchanged
        one read again to expand its repeats, whose clashes were told when it changed; `floor`: the
        earliest a new event can have reached the server)."""
        changed_at = _changed_at(event, seen, floor)
        parts = uid_parts(event.uid, self.store)
        booking = self.ledger.booking(parts.appointment_id) if parts else None
        if booking is not None and names_appointment(parts, booking.id, booking.created_at):
            return self._remote_booking(url, href, etag, event, booking, changed_at)
        if parts is not None:  # ours, for an appointment this store does not have (a restored backup)
            with transaction(self.db) as conn:
                store_blocks(conn, href, url, event.uid, etag, changed_at, self.providers_of(url), event.busy)
                if quiet:
                    return 0
                leave_message(conn, f"Calendar: an appointment this box booked ({_summary(event, self.tz)}) is in "
                                    "the calendar but not in the store (restored from an older backup?). Its time "
                                    "stays blocked: book it again here, or delete it in the calendar.",
                              "", "", None, False, actor=ACTOR)
            return 1
        return self._remote_block(url, href, etag, event, changed_at, first, quiet)

    def _remote_block(self, url: str, href: str, etag: str, event: CalendarObject, changed_at: datetime,
                      first: bool, quiet: bool = False) -> int:
        """A staff event: its busy time blocks booking here; a booking under it is the conflict rule's
        (on the first sync, which imports what the calendar already had, every booking stands)."""
        providers = self.providers_of(url)
        with transaction(self.db) as conn:
            store_blocks(conn, href, url, event.uid, etag, changed_at, providers, event.busy)
        if quiet:
            return 0
        clashes = {aid for busy in event.busy for aid in self.ledger.overlapping(providers, busy.starts_at,
                                                                                  busy.ends_at)}
        what = f"'{event.busy[0].summary or 'busy'}'" if event.busy else "an event"
        for appointment_id in sorted(clashes):
            booking = self.ledger.booking(appointment_id)
            if first or booking.changed_at <= changed_at:
                self._note(booking, f"{booking.provider}'s calendar has {what} over this appointment, which was "
                                    "booked first: the appointment stands; please move one of them.")
                continue
            try:
                self._cancel(booking, f"{booking.provider}'s calendar had {what} at this time before it was "
                                      "booked: the appointment is cancelled; please call the patient to book again.")
            except StaleAppointmentError:  # changed here this moment: it counts as booked now, so it stands
                self._note(booking, f"{booking.provider}'s calendar has {what} over this appointment, which changed "
                                    "here meanwhile: the appointment stands; please move one of them.")
        return len(clashes)

    def _remote_booking(self, url: str, href: str, etag: str, event: CalendarObject, booking: Booking,
                        remote_at: datetime, again: bool = True) -> int:
        """The box's own event changed there; apply it, unless a change here came first."""
        aid = booking.id
        gone = event.cancelled or event.starts_at is None
        provider = self._provider_in(url, booking)
        if not gone and not timedelta(minutes=5) <= event.ends_at - event.starts_at <= MAX_SERVICE:
            return self._put_back(url, href, etag, event, booking, remote_at,
                                  "the calendar gave it a length the clinic does not book")
        same = not gone and (event.starts_at, event.ends_at, provider) == (booking.starts_at, booking.ends_at,
                                                                           booking.provider_id)
        if booking.status != "booked" or same:
            with transaction(self.db) as conn:  # nothing to apply: only remember its ETag
                link(conn, href, url, event.uid, etag, aid, remote_at)
                if booking.status == "cancelled":
                    requeue(conn, aid)  # a cancelled appointment's event comes off again
            return 0
        pending = self.ledger.pending(aid) > 0
        if pending and booking.changed_at <= remote_at:
            with transaction(self.db) as conn:  # ours came first: written over theirs on the next push
                link(conn, href, url, event.uid, etag, aid, remote_at)
                self._message(conn, booking, f"The calendar's change to this appointment ({_change(event, self.tz)}) "
                                             "came after the change made here and was not applied.")
            return 1
        lost = " The change made here a moment later was undone; please tell the patient." if pending else ""
        try:
            if gone:
                self._cancel(booking, f"It was cancelled in {booking.provider}'s calendar.{lost}",
                             keep=(href, url, event.uid, etag, remote_at))
            else:
                self._move(booking, event, provider, (href, url, event.uid, etag, remote_at), lost)
        except StaleAppointmentError:  # changed here this moment: decide again with that change
            fresh = self.ledger.booking(aid)
            if not again or fresh is None:
                raise
            return self._remote_booking(url, href, etag, event, fresh, remote_at, again=False)
        except AppointmentError as exc:  # the new time is taken here: ours stands and goes back there
            return self._put_back(url, href, etag, event, booking, remote_at, exc.args[0])
        return int(pending)

    def _move(self, booking: Booking, event: CalendarObject, provider: int, keep: tuple, lost: str) -> None:
        def also(conn: sqlite3.Connection, moved: Appointment) -> None:
            link(conn, *keep[:4], booking.id, keep[4])
            dequeue(conn, booking.id)  # safe: the version check saw no change here since the read
            if lost:
                self._message(conn, booking, lost.strip())
        self.appointments.reschedule(booking.id, event.starts_at, provider_id=provider, ends_at=event.ends_at,
                                     expected_version=booking.version, within_hours=False, actor=ACTOR, also=also)

    def _put_back(self, url: str, href: str, etag: str, event: CalendarObject, booking: Booking,
                  remote_at: datetime, why: str) -> int:
        """Refuse a calendar change to the box's event: the appointment stays and is written back."""
        with transaction(self.db) as conn:
            link(conn, href, url, event.uid, etag, booking.id, remote_at)
            requeue(conn, booking.id)
            self._message(conn, booking, f"The calendar changed this appointment ({_change(event, self.tz)}), but "
                                         f"{why}. It stays as it was, and the calendar shows it so again.")
        return 1

    def _provider_in(self, url: str, booking: Booking) -> int:
        """Whose appointment the box's event in `url` is: that calendar's one dentist, else as booked."""
        own = [p for p in self.providers_of(url) if p is not None]
        return own[0] if len(own) == 1 else booking.provider_id

    def _remote_deleted(self, href: str) -> int:
        """An event is gone from the calendar: a staff block frees its time; the box's own cancels
        its appointment, unless it changed here since (then it is written there again)."""
        known = self.ledger.event(href)
        booking = self.ledger.booking(known.appointment_id) if known and known.appointment_id else None
        if known is None or booking is None or booking.status != "booked":
            with transaction(self.db) as conn:
                forget_event(conn, href)
            return 0
        if not self.ledger.pending(booking.id):
            try:
                self._cancel(booking, f"It was deleted from {booking.provider}'s calendar, so it is cancelled here "
                                      "too; tell the patient if they do not know.", forget=href)
                return 0
            except StaleAppointmentError:
                pass  # changed here this moment: kept, as below
        with transaction(self.db) as conn:
            unlink(conn, booking.id)
            requeue(conn, booking.id)
            self._message(conn, booking, "It was deleted from the calendar after it changed here: it is kept and "
                                         "written to the calendar again.")
        return 1

    def _cancel(self, booking: Booking, why: str, forget: str | None = None, keep: tuple | None = None) -> None:
        """Cancel an appointment because of the calendar (unless it changed here since it was read:
        `StaleAppointmentError`), with a message saying why."""
        def also(conn: sqlite3.Connection, cancelled: Appointment) -> None:
            if forget is not None:
                forget_event(conn, forget)
            if keep is not None:
                link(conn, *keep[:4], booking.id, keep[4])
                dequeue(conn, booking.id)
            self._message(conn, booking, why)
        self.appointments.cancel(booking.id, expected_version=booking.version, reason=why, actor=ACTOR, also=also)

    def _note(self, booking: Booking, why: str) -> None:
        with transaction(self.db) as conn:
            self._message(conn, booking, why)

    def _message(self, conn: sqlite3.Connection, booking: Booking, why: str) -> None:
        text = (f"Calendar: {booking.patient}'s {booking.service} with {booking.provider} on "
                f"{_when(booking.starts_at, self.tz)}. {why}")
        leave_message(conn, text, "", booking.patient, booking.contact_id, False, actor=ACTOR)

    # writing the calendar
    def push(self, report: SyncReport, skip: set[str] | None = None) -> None:
        """Write each queued appointment's current state, in the order they changed, leaving those of
        the calendars in `skip` (not read this pass) to wait; stop at the first unreachable server
        (the rest wait, in order). An event the server refuses for good is left to the front desk as
        a message, and the rest go on."""
        for queued in self.ledger.queued():
            booking = self.ledger.booking(queued.appointment_id)
            known = self.ledger.event_of(queued.appointment_id)
            target = self.calendar_for(booking.provider) if booking else None
            if {target, known.calendar if known else None} & (skip or set()):
                continue
            try:
                try:
                    self._push_one(queued, booking, known, target)
                    report.written += 1
                except EditConflict:
                    report.conflicts += self._resolve_push_conflict(known, booking)
            except EventRefused as exc:
                self._refused(queued, booking, exc.args[0])
                report.conflicts += 1
            except CalendarUnavailable as exc:
                report.error = exc.args[0]
                self.ledger.failed(target or (known.calendar if known else ""), report.error)
                return

    def _push_one(self, queued: Queued, booking: Booking | None, known: KnownEvent | None, target: str | None) -> None:
        """Write one appointment: its event put; deleted when it is cancelled, gone from the store or its
        dentist has no calendar any more; a past one never written stays unwritten."""
        current = booking is not None and booking.status == "booked" and target is not None
        if current and (known is not None or booking.ends_at > now_utc() - LOOK_BACK):
            self._put(booking, known, target, queued.last_entry)
            return
        withdrawn = booking is None or booking.status == "cancelled" or target is None
        if known is not None and withdrawn:
            self._delete(known, booking)
        with transaction(self.db) as conn:
            if withdrawn:
                unlink(conn, queued.appointment_id)
            dequeue(conn, queued.appointment_id, queued.last_entry)

    def _put(self, booking: Booking, known: KnownEvent | None, target: str, last_entry: int) -> None:
        if known is not None and known.calendar != target:  # moved to a provider with another calendar
            self._delete(known, booking, moved=True)
            with transaction(self.db) as conn:  # gone there: never read back as a deletion by staff
                unlink(conn, booking.id)
            known = None
        uid = appointment_uid(self.store, booking.id, booking.created_at)
        href = known.href if known else event_href(target, uid)
        text = write_event(self._box_event(booking, uid))
        try:
            etag = self.server.put(href, text, known.etag if known else "")
        except EditConflict:
            if known is not None:
                raise
            found = self.server.get(href)  # this very appointment's file, left from a lost reply
            if found is not None and not found[1]:
                raise EventRefused("the calendar server gives no ETag for an event already there") from None
            try:
                etag = self.server.put(href, text, found[1] if found else "")
            except EditConflict:
                raise EventRefused("the event kept changing on the calendar server while it was written") from None
        with transaction(self.db) as conn:  # its LAST-MODIFIED, as written: a client that keeps it is seen so
            link(conn, href, target, uid, etag, booking.id, booking.changed_at)
            dequeue(conn, booking.id, last_entry)
        self.ledger.recovered(target)

    def _delete(self, known: KnownEvent, booking: Booking | None, moved: bool = False) -> None:
        try:
            self.server.delete(known.href, known.etag)
        except EditConflict:  # changed there meanwhile: the change made here stands all the same
            self.server.delete(known.href, "")
            if booking is not None:
                done = "move to another dentist" if moved else "cancellation"
                self._note(booking, f"The calendar had changed its event since it was last read; the {done} "
                                    "made here stands and the old event was removed.")

    def _refused(self, queued: Queued, booking: Booking | None, why: str) -> None:
        """The server will never take this write: tell the front desk and go on with the queue."""
        log.error("calendar refused appointment %s: %s", queued.appointment_id, why)
        with transaction(self.db) as conn:
            dequeue(conn, queued.appointment_id, queued.last_entry)
            if booking is not None:
                self._message(conn, booking, f"The calendar could not be brought up to date with it: {why}. "
                                             "Please make the change there by hand.")

    def _resolve_push_conflict(self, known: KnownEvent | None, booking: Booking | None) -> int:
        """Our write met a newer event there: read it and apply the rule as for a read change."""
        if known is None or booking is None:
            return 0  # written again on the next pass
        found = self.server.get(known.href)
        if found is None:
            return self._remote_deleted(known.href)
        text, etag = found
        now = now_utc()
        try:
            event = self._read(text, now)
        except EventError:  # unreadable there: ours replaces it on the next push
            with transaction(self.db) as conn:
                link(conn, known.href, known.calendar, known.uid, etag, booking.id, now)
            return 1
        return self._remote_booking(known.calendar, known.href, etag, event, booking, _changed_at(event, known))

    def _read(self, text: str, now: datetime) -> CalendarObject:
        """A calendar object, with its busy time from a day back to the horizon ahead."""
        return read_object(text, self.tz, now - LOOK_BACK, now + timedelta(days=self.config.horizon_days))

    def _box_event(self, booking: Booking, uid: str) -> BoxEvent:
        who = {"initials": initials(booking.patient), "name": booking.patient, "none": ""}[self.config.patient_detail]
        summary = f"{booking.service} - {who}" if who else booking.service
        return BoxEvent(uid, booking.starts_at, booking.ends_at, summary,
                        f"{booking.service} with {booking.provider}, booked through the clinic's phone appliance.",
                        booking.version - 1, booking.changed_at)


def event_href(calendar: str, uid: str) -> str:
    """Where the box writes the event with `uid` in `calendar`: its UID, made a file name."""
    return f"{calendar.rstrip('/')}/{uid.replace('@', '-at-')}.ics"


def _changed_at(event: CalendarObject, seen: KnownEvent | None, floor: datetime | None = None) -> datetime:
    """When the event changed there: its LAST-MODIFIED, unless absent or no later than what was
    seen before (a client that edits without moving the stamp), then now, when it is seen; and a
    new event no earlier than `floor` (an old stamp carried in by an import or an offline phone)."""
    stamp = event.changed_at
    if stamp is None or (seen is not None and stamp <= seen.changed_at):
        return now_utc()
    return max(stamp, floor) if seen is None and floor is not None else stamp


def _when(moment: datetime | None, tz: ZoneInfo) -> str:
    return f"{moment.astimezone(tz):%a %d %b %H:%M}" if moment else "no time"


def _change(event: CalendarObject, tz: ZoneInfo) -> str:
    return "cancelled there" if event.cancelled else f"moved to {_when(event.starts_at, tz)}"


def _summary(event: CalendarObject, tz: ZoneInfo) -> str:
    return f"{event.busy[0].summary or 'no title'}, {_when(event.starts_at, tz)}" if event.busy else event.uid
