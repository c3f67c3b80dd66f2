"""`appliance calendar`: the clinic's own CalDAV calendar - the account's calendars, a connection
test, one sync pass now, and how the sync stands."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from zoneinfo import ZoneInfo

from sqlcipher3 import dbapi2 as sqlite3

from appliance.calsync.server import CalendarServer
from appliance.calsync.sync import CalendarSync
from appliance.config import Config, load_config
from appliance.config.calendar import CalendarConfig
from appliance.control.client import ControlError, fetch_status
from appliance.control.protocol import socket_path
from appliance.crm.db import open_store
from appliance.errors import ApplianceError
from appliance.health import calendar_sync_state
from appliance.setup.calendar import check_calendar, find_calendars

SERVICE_TIMEOUT_S = 2.0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `calendar` subcommands."""
    parser = sub.add_parser("calendar", help="the clinic's CalDAV calendar: list, test, sync now, status",
                            description=__doc__)
    cmds = parser.add_subparsers(dest="action", required=True)
    listed = cmds.add_parser("list", help="the calendars the account has, with their URLs")
    listed.set_defaults(run=run_list)
    tested = cmds.add_parser("test", help="check the server, the user name and password and each chosen calendar; "
                             "exit 1 on a problem")
    tested.set_defaults(run=run_test)
    for command in (listed, tested):
        command.add_argument("--url", help="the calendar server (default: calendar.url)")
        command.add_argument("--user", help="the user name (default: calendar.user)")
        command.add_argument("--password", help="the password (default: the one in secrets.toml; "
                             "'-' reads it from standard input)")
    cmds.add_parser("sync", help="one sync pass now: read the calendars, write the waiting appointments; exit 1 "
                    "on an error (stop the service first: it syncs by itself, and two passes at once can "
                    "leave the front desk the same message twice)").set_defaults(run=run_sync)
    cmds.add_parser("status", help="how the sync stands, as the store records it, and the appointments waiting "
                    "to be written; exit 1 when it is failing").set_defaults(run=run_status)


def _account(args: argparse.Namespace) -> CalendarConfig:
    """The configured account, with the command line's server, user and password instead when given."""
    calendar = load_config(args.config).calendar
    if args.password == "-":
        args.password = sys.stdin.readline().rstrip("\n")
    given = {key: value for key in ("url", "user", "password") if (value := getattr(args, key)) is not None}
    return replace(calendar, **given)


def run_list(args: argparse.Namespace) -> int:
    """Print each calendar's name and URL, and whose it is in the settings."""
    calendar = _account(args)
    if not calendar.url:
        print("PROBLEM: no calendar server is set: give --url, or run 'appliance setup'", file=sys.stderr)
        return 1
    result, found = find_calendars(calendar)
    if not result.ok:
        print(f"PROBLEM: {result.message}", file=sys.stderr)
        return 1
    owners: dict[str, list[str]] = {}
    for who, url in calendar.chosen():
        owners.setdefault(url.rstrip("/"), []).append(who)
    width = max(len(c.name) for c in found)
    for remote in found:
        whose = owners.get(remote.url.rstrip("/"))
        print(f"{remote.name:{width}}  {remote.url}" + (f"  ({', '.join(whose)})" if whose else ""))
    return 0


def run_test(args: argparse.Namespace) -> int:
    """Print "ok" lines or each problem in plain words; exit 0 or 1."""
    calendar = _account(args)
    result = check_calendar(calendar)
    if not result.ok:
        for problem in (result.detail or result.message).splitlines():
            print(f"PROBLEM: {problem}")
        return 1
    print(f"ok: the calendar server at {calendar.url} took the user name and password")
    for who, url in calendar.chosen():
        print(f"ok: {who}'s calendar can be read: {url}")
    return 0


def run_sync(args: argparse.Namespace) -> int:
    """One pass against the store; print what it read, wrote and left for the front desk."""
    config = load_config(args.config)
    if not config.calendar.enabled:
        print("calendar sync is off: set the calendar server and choose the calendars ('appliance setup')",
              file=sys.stderr)
        return 1
    running = _service_syncing(config)
    if running:
        print(f"PROBLEM: {running}", file=sys.stderr)
        return 1
    db = open_store(config.paths.data / "appliance.db")
    sync = CalendarSync(db, config.calendar, CalendarServer(config.calendar), ZoneInfo(config.clinic.timezone))
    report = sync.run_once()
    left = " (each left as a message for the front desk)" if report.conflicts else ""
    print(f"read {report.read} changed event(s), wrote {report.written} appointment(s), "
          f"{report.conflicts} conflict(s){left}")
    if report.error:
        print(f"PROBLEM: {report.error}")
        return 1
    return 0


def _service_syncing(config: Config) -> str:
    """Why a pass must not run now (the service is running its own sync), or ''."""
    path = socket_path(config)
    if not path.exists():
        return ""
    try:
        status = fetch_status(path, SERVICE_TIMEOUT_S)
    except (ControlError, OSError):
        return ""
    if status["calendar"]["state"] == "off":
        return ""
    return ("the service is running and syncs the calendar by itself (each call's start reads it at once); "
            "two passes at once can leave the front desk the same message twice: stop the service first")


def run_status(args: argparse.Namespace) -> int:
    """The sync's state and the number of appointments waiting to be written; exit 1 when failing."""
    config = load_config(args.config)
    try:
        status = calendar_sync_state(config.paths.data / "appliance.db", config.calendar)
    except (sqlite3.Error, ApplianceError) as exc:
        print(f"error: cannot read the sync's state from the store: {exc}", file=sys.stderr)
        return 2
    print(status.words())
    if status.state == "off":
        return 0
    oldest = status.oldest_pending
    waiting = f", the oldest since {oldest:%Y-%m-%d %H:%M:%S} UTC" if oldest else ""
    print(f"{status.pending} appointment change(s) wait to be written{waiting}")
    return 1 if status.state == "failing" else 0
