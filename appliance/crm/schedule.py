"""Providers, services, opening hours and closures: what the calendar is made of."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlite_utils

from appliance.crm.changes import audit
from appliance.crm.db import transaction
from appliance.errors import ApplianceError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ScheduleError(ApplianceError):
    """A provider, service, opening time or closure is not valid."""

    code = "crm.schedule"


@dataclass(frozen=True)
class Provider:
    """Someone patients book with."""

    id: int
    name: str
    role: str


@dataclass(frozen=True)
class Service:
    """Something patients book, with its length."""

    id: int
    name: str
    duration_min: int


def check_hhmm(value: str) -> str:
    """'8:00' -> '08:00'; refuses what is not a time of day."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ScheduleError(f"{value!r} is not a time like 08:30")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


class Schedule:
    """Read and edit the clinic's providers, services, hours and closures."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def add_provider(self, name: str, role: str = "dentist", actor: str = "front_desk") -> Provider:
        """A new provider."""
        with transaction(self.db) as conn:
            pid = conn.execute("INSERT INTO providers (name, role) VALUES (?, ?)", (name, role)).lastrowid
            audit(conn, actor, "create", "provider", pid, {"name": name})
        return Provider(pid, name, role)

    def add_service(self, name: str, duration_min: int, providers: list[int] | None = None,
                    actor: str = "front_desk") -> Service:
        """A new service, offered by `providers` (all providers when None)."""
        if not 5 <= duration_min <= 480:
            raise ScheduleError(f"a service lasts 5 to 480 minutes, not {duration_min}")
        with transaction(self.db) as conn:
            sid = conn.execute("INSERT INTO services (name, duration_min) VALUES (?, ?)",
                               (name, duration_min)).lastrowid
            ids = providers if providers is not None else [r[0] for r in conn.execute("SELECT id FROM providers")]
            conn.executemany("INSERT INTO provider_services (provider_id, service_id) VALUES (?, ?)",
                             [(p, sid) for p in ids])
            audit(conn, actor, "create", "service", sid, {"name": name, "duration_min": duration_min})
        return Service(sid, name, duration_min)

    def set_hours(self, weekday: int | str, opens: str, closes: str, provider_id: int | None = None,
                  actor: str = "front_desk") -> None:
        """Add an opening period on a weekday (0 = Monday); several periods make a split day."""
        day = WEEKDAYS.index(weekday.lower()) if isinstance(weekday, str) else weekday
        opens, closes = check_hhmm(opens), check_hhmm(closes)
        if closes <= opens:
            raise ScheduleError(f"closing time {closes} must be after opening time {opens}")
        with transaction(self.db) as conn:
            conn.execute("INSERT INTO opening_hours (weekday, opens, closes, provider_id) VALUES (?, ?, ?, ?)",
                         (day, opens, closes, provider_id))
            audit(conn, actor, "create", "opening_hours", provider_id, {"weekday": day, "opens": opens,
                                                                         "closes": closes})

    def add_closure(self, starts_on: date, ends_on: date, reason: str = "", provider_id: int | None = None,
                    actor: str = "front_desk") -> None:
        """Closed (the whole clinic, or one provider) from `starts_on` to `ends_on` inclusive."""
        if ends_on < starts_on:
            raise ScheduleError("a closure cannot end before it starts")
        with transaction(self.db) as conn:
            cid = conn.execute("INSERT INTO closures (starts_on, ends_on, reason, provider_id) VALUES (?, ?, ?, ?)",
                               (starts_on.isoformat(), ends_on.isoformat(), reason, provider_id)).lastrowid
            audit(conn, actor, "create", "closure", cid, {"from": starts_on, "to": ends_on, "reason": reason})

    def providers(self, service_id: int | None = None) -> list[Provider]:
        """Active providers, of one service when given."""
        if service_id is None:
            rows = self.db.execute("SELECT id, name, role FROM providers WHERE active ORDER BY id").fetchall()
        else:
            rows = self.db.execute(
                "SELECT p.id, p.name, p.role FROM providers p JOIN provider_services ps ON ps.provider_id = p.id "
                "WHERE p.active AND ps.service_id = ? ORDER BY p.id", [service_id]).fetchall()
        return [Provider(*r) for r in rows]

    def services(self) -> list[Service]:
        """Active services."""
        return [Service(*r) for r in self.db.execute(
            "SELECT id, name, duration_min FROM services WHERE active ORDER BY id").fetchall()]

    def service(self, service_id: int) -> Service:
        """One service."""
        row = self.db.execute("SELECT id, name, duration_min FROM services WHERE id = ?", [service_id]).fetchone()
        if row is None:
            raise ScheduleError(f"no service {service_id}")
        return Service(*row)

    def open_at(self, moment: datetime, tz: ZoneInfo) -> bool:
        """Whether the clinic's own opening hours (in `tz`) include `moment`; a closure day is closed."""
        local = moment.astimezone(tz)
        hhmm = f"{local:%H:%M}"
        return any(opens <= hhmm < closes for opens, closes in self.hours_on(local.date(), None))

    def hours_on(self, day: date, provider_id: int | None) -> list[tuple[str, str]]:
        """Opening periods of `provider_id` on `day` (None: the clinic itself): its own hours if
        it has any, else the clinic's; none on a closure day."""
        closed = self.db.execute(
            "SELECT 1 FROM closures WHERE starts_on <= ? AND ends_on >= ? AND "
            "(provider_id IS NULL OR provider_id = ?) LIMIT 1", [day.isoformat(), day.isoformat(), provider_id]
        ).fetchone()
        if closed:
            return []
        own = self.db.execute("SELECT opens, closes FROM opening_hours WHERE weekday = ? AND provider_id = ? "
                              "ORDER BY opens", [day.weekday(), provider_id]).fetchall()
        has_own = self.db.execute("SELECT 1 FROM opening_hours WHERE provider_id = ? LIMIT 1", [provider_id]).fetchone()
        if has_own:
            return [tuple(r) for r in own]
        return [tuple(r) for r in self.db.execute(
            "SELECT opens, closes FROM opening_hours WHERE weekday = ? AND provider_id IS NULL ORDER BY opens",
            [day.weekday()]).fetchall()]

    def weekly_hours(self, provider_id: int | None = None) -> dict[int, list[tuple[str, str]]]:
        """The opening periods entered for `provider_id` (None: the clinic) by weekday, 0 = Monday;
        a weekday without periods is absent. No fallback to the clinic's hours, closures not applied."""
        rows = self.db.execute("SELECT weekday, opens, closes FROM opening_hours WHERE provider_id IS ? "
                               "ORDER BY weekday, opens", [provider_id]).fetchall()
        week: dict[int, list[tuple[str, str]]] = {}
        for weekday, opens, closes in rows:
            week.setdefault(weekday, []).append((opens, closes))
        return week

    def replace_hours(self, weekday: int | str, periods: list[tuple[str, str]], provider_id: int | None = None,
                      actor: str = "front_desk") -> None:
        """A weekday's opening periods become `periods` (none: closed that weekday), all or nothing."""
        day = WEEKDAYS.index(weekday.lower()) if isinstance(weekday, str) else weekday
        checked = [(check_hhmm(opens), check_hhmm(closes)) for opens, closes in periods]
        for opens, closes in checked:
            if closes <= opens:
                raise ScheduleError(f"closing time {closes} must be after opening time {opens}")
        with transaction(self.db) as conn:
            conn.execute("DELETE FROM opening_hours WHERE weekday = ? AND provider_id IS ?", (day, provider_id))
            conn.executemany("INSERT INTO opening_hours (weekday, opens, closes, provider_id) VALUES (?, ?, ?, ?)",
                             [(day, opens, closes, provider_id) for opens, closes in checked])
            audit(conn, actor, "replace", "opening_hours", provider_id, {"weekday": day, "periods": checked})
