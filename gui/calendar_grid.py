"""The calendar's data and grid: one read of the store for the shown days (worker thread) and the
cells it becomes (pure). Opening hours and free times come from the crm layer."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from appliance.crm.appointments import Appointment
from appliance.crm.availability import free_slots, local_instant
from appliance.crm.reminders import result_words
from appliance.crm.schedule import Provider, Service
from gui.store_worker import Store

STEP_MIN = 15  # one grid row


@dataclass(frozen=True)
class Entry:
    """A booked appointment as the calendar shows it."""

    appointment: Appointment
    patient: str
    service: str
    reminder: str = ""  # the latest reminder call's result code, '' before any


@dataclass(frozen=True)
class Choices:
    """Active providers and services, and which providers offer which service."""

    providers: tuple[Provider, ...]
    services: tuple[Service, ...]
    offered_by: dict[int, tuple[int, ...]]  # service id -> provider ids

    def providers_for(self, service_id: int) -> list[Provider]:
        """The providers offering a service."""
        return [p for p in self.providers if p.id in self.offered_by.get(service_id, ())]

    def provider_name(self, provider_id: int) -> str:
        """A provider's name ("provider N" for one no longer active)."""
        return next((p.name for p in self.providers if p.id == provider_id), f"provider {provider_id}")

    def service_name(self, service_id: int) -> str:
        """A service's name ("service N" for one no longer active)."""
        return next((s.name for s in self.services if s.id == service_id), f"service {service_id}")


@dataclass(frozen=True)
class CalendarData:
    """The shown days of the shown providers: opening hours, free starts and booked appointments."""

    days: tuple[date, ...]
    shown: tuple[Provider, ...]
    choices: Choices
    hours: dict[tuple[date, int], tuple[tuple[str, str], ...]]  # (day, provider id) -> opening periods
    free_starts: frozenset[tuple[int, datetime]]  # (provider id, UTC start) where a visit can start
    entries: tuple[Entry, ...]

    def columns(self) -> list[tuple[date, Provider]]:
        """One grid column per day and provider."""
        return [(day, provider) for day in self.days for provider in self.shown]


def load_calendar(store: Store, days: tuple[date, ...], provider_id: int | None) -> CalendarData:
    """Read `days` for one provider (None: all) from the store; runs on the worker thread.

    A time is free when the provider's shortest service can still start there (`free_slots`)."""
    schedule = store.schedule
    services = tuple(schedule.services())
    choices = Choices(tuple(schedule.providers()), services,
                      {s.id: tuple(p.id for p in schedule.providers(s.id)) for s in services})
    shown = tuple(p for p in choices.providers if provider_id in (None, p.id))
    start = datetime.combine(days[0], time.min, store.tz)
    end = datetime.combine(days[-1] + timedelta(days=1), time.min, store.tz)
    free: set[tuple[int, datetime]] = set()
    for provider in shown:
        offered = [s for s in services if provider.id in choices.offered_by[s.id]]
        if offered:
            shortest = min(offered, key=lambda s: s.duration_min)
            free.update((provider.id, slot.starts_at.astimezone(UTC))
                        for slot in free_slots(store.db, store.tz, shortest.id, start, end, provider.id,
                                               now=datetime.now(UTC)))
    shown_ids = {p.id for p in shown}
    booked = [a for a in store.appointments.between(start, end, provider_id) if a.provider_id in shown_ids]
    reminders = reminder_results(store, [a.id for a in booked])
    entries = tuple(Entry(a, store.contacts.get(a.contact_id).name, schedule.service(a.service_id).name,
                          reminders.get(a.id, "")) for a in booked)
    hours = {(day, p.id): tuple(schedule.hours_on(day, p.id)) for day in days for p in shown}
    return CalendarData(days, shown, choices, hours, frozenset(free), entries)


def reminder_results(store: Store, appointment_ids: list[int]) -> dict[int, str]:
    """The latest reminder call's result code of each of these appointments that has one."""
    return dict(store.db.execute(
        "SELECT id, reminder_result FROM appointments WHERE id IN (SELECT value FROM json_each(?)) "
        "AND reminder_result != ''", [json.dumps(appointment_ids)]).fetchall())


# --- the grid (pure, on the GUI thread) ----------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    """One provider's 15 minutes on one day."""

    day: date
    provider_id: int
    hhmm: str
    starts_at: datetime | None  # None: that wall-clock time does not exist that day
    state: str  # free, open (in hours, but nothing fits), closed or booked
    entries: tuple[Entry, ...] = ()
    text: str = ""
    first: bool = False  # an appointment starts in this row

    def key(self) -> tuple[date, int, str]:
        """What identifies the cell across reloads."""
        return self.day, self.provider_id, self.hhmm


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _span(entry: Entry, tz: ZoneInfo) -> tuple[int, int]:
    """Local start and end of an appointment in minutes after midnight (end capped at midnight)."""
    local = entry.appointment.starts_at.astimezone(tz)
    start = local.hour * 60 + local.minute
    length = (entry.appointment.ends_at - entry.appointment.starts_at).total_seconds() / 60
    return start, min(start + int(length + 0.999), 24 * 60)


def time_rows(data: CalendarData, tz: ZoneInfo) -> list[str]:
    """The rows' local times: every 15 minutes from the first opening (or appointment) to the last."""
    marks = [_minutes(t) for periods in data.hours.values() for period in periods for t in period]
    marks += [m for entry in data.entries for m in _span(entry, tz)]
    if not marks:
        return []
    first, last = min(marks) // STEP_MIN * STEP_MIN, -(-max(marks) // STEP_MIN) * STEP_MIN
    return [f"{m // 60:02d}:{m % 60:02d}" for m in range(first, last, STEP_MIN)]


def reminder_text(result: str) -> str:
    """A reminder call's result as the calendar shows it: '✓ confirmed by phone', 'reminder: no answer'."""
    if not result:
        return ""
    return f"✓ {result_words(result)}" if result == "confirmed" else f"reminder: {result_words(result)}"


def entry_lines(entry: Entry, tz: ZoneInfo) -> tuple[str, str]:
    """The two lines an appointment shows: time and patient (☎ when the phone agent booked), service
    (and how the reminder call went)."""
    start, end = entry.appointment.starts_at.astimezone(tz), entry.appointment.ends_at.astimezone(tz)
    mark = "☎ " if entry.appointment.source == "phone_agent" else ""
    service = " — ".join(text for text in (entry.service, reminder_text(entry.reminder)) if text)
    return f"{start:%H:%M}–{end:%H:%M} {mark}{entry.patient}", service


def grid_cells(data: CalendarData, rows: list[str], tz: ZoneInfo) -> list[list[Cell]]:
    """cells[row][column]: closed, free or open from the store's hours and free starts, then the
    booked appointments laid over them."""
    columns = data.columns()
    cells = []
    for hhmm in rows:
        line = []
        for day, provider in columns:
            at = local_instant(day, hhmm, tz)
            periods = data.hours.get((day, provider.id), ())
            if at is None or not any(opens <= hhmm < closes for opens, closes in periods):
                state = "closed"
            else:
                state = "free" if (provider.id, at.astimezone(UTC)) in data.free_starts else "open"
            line.append(Cell(day, provider.id, hhmm, at, state))
        cells.append(line)
    column_of = {(day, provider.id): index for index, (day, provider) in enumerate(columns)}
    first_row = _minutes(rows[0]) if rows else 0
    for entry in data.entries:
        column = column_of.get((entry.appointment.starts_at.astimezone(tz).date(), entry.appointment.provider_id))
        if column is None:
            continue
        start, end = _span(entry, tz)
        top = (start - first_row) // STEP_MIN
        bottom = max(top + 1, -(-(end - first_row) // STEP_MIN))
        lines = entry_lines(entry, tz)
        texts = [" · ".join(lines)] if bottom - top == 1 else list(lines)
        for offset, row in enumerate(range(top, min(bottom, len(rows)))):
            cell = cells[row][column]
            text = " / ".join(t for t in (cell.text, texts[offset] if offset < len(texts) else "") if t)
            cells[row][column] = replace(cell, state="booked", entries=(*cell.entries, entry), text=text,
                                         first=cell.first or offset == 0)
    return cells
