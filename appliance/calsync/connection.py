"""Set-up's view of the calendar server: which calendars the account has, and what is wrong with
the configured ones, in words the clinic's IT person can act on."""

from __future__ import annotations

from appliance.calsync.server import CalendarServer, CalendarUnavailable, RemoteCalendar
from appliance.config.calendar import CalendarConfig


def discover(config: CalendarConfig) -> list[RemoteCalendar]:
    """The account's calendars (`CalendarUnavailable` says why there are none)."""
    return CalendarServer(config).calendars()


def connection_problems(config: CalendarConfig) -> list[str]:
    """Empty when the server takes the user and password and every configured calendar is readable."""
    if not config.url:
        return ["no calendar server is set (calendar.url)"]
    server = CalendarServer(config)
    try:
        found = {c.url.rstrip("/") for c in server.calendars()}
    except CalendarUnavailable as exc:
        return [exc.args[0]]
    named = config.chosen()
    problems = []
    for who, url in named:
        if url.rstrip("/") in found:
            continue
        try:
            server.check(url)
        except CalendarUnavailable as exc:
            problems.append(f"{who}'s calendar: {exc.args[0]}")
    if not named:
        problems.append("no calendar is chosen for any dentist (calendar.calendars or calendar.shared)")
    return problems
