"""The clinic's own calendar in set-up: the [calendar] edits, the calendars the account has, the
dentists in the store to give one each, and the connection check in the IT person's words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlite_utils
from sqlcipher3 import dbapi2 as sqlite3

from appliance.calsync.connection import connection_problems, discover
from appliance.calsync.server import CalendarUnavailable, RemoteCalendar
from appliance.config.calendar import CalendarConfig
from appliance.crm.db import connect
from appliance.crm.schedule import Schedule
from appliance.errors import ApplianceError
from appliance.setup.result import CheckResult


def calendar_edits(url: str, user: str, calendars: dict[str, str], shared: str, password: str = "") -> dict[str, Any]:
    """The [calendar] edits: the server, whose calendar is which; the password only when one was typed."""
    values: dict[str, Any] = {"url": url, "user": user, "calendars": dict(calendars), "shared": shared}
    if password:
        values["password"] = password
    return values


def find_calendars(config: CalendarConfig) -> tuple[CheckResult, list[RemoteCalendar]]:
    """The account's calendars, or why there are none to choose from."""
    if not config.url:
        return CheckResult(False, "fill in the calendar server first"), []
    try:
        found = discover(config)
    except CalendarUnavailable as exc:
        return CheckResult(False, exc.args[0]), []
    if not found:
        return CheckResult(False, "the account has no calendars: make one on the calendar server first"), []
    return CheckResult(True, f"{len(found)} calendar(s) found"), found


def check_calendar(config: CalendarConfig) -> CheckResult:
    """Does the server take the user name and password, and can every chosen calendar be read?"""
    problems = connection_problems(config)
    if len(problems) == 1:
        return CheckResult(False, problems[0])
    if problems:
        return CheckResult(False, f"{len(problems)} problems", "\n".join(problems))
    count = len(config.calendar_urls())
    return CheckResult(True, f"the server took the user name and password; {count} calendar(s) can be read")


def store_providers(path: Path) -> list[str]:
    """The names of the dentists in the store at `path`; none when it does not exist yet (nothing is created)."""
    if not path.exists():
        return []
    try:
        conn = connect(path, "ro", 2.0)
    except ApplianceError:
        return []
    try:
        return [p.name for p in Schedule(sqlite_utils.Database(conn)).providers()]
    except sqlite3.Error:  # an old or damaged store: the doctor says which
        return []
    finally:
        conn.close()
