"""`appliance reminders`: what the reminder calls would do (a dry run on a copy of the store),
a run now through the running service, and the latest results."""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlite_utils

from appliance.config import Config, load_config
from appliance.control.client import ControlError, ask_service
from appliance.control.protocol import socket_path
from appliance.crm.db import copy_store, open_store
from appliance.crm.reminders import Reminder, Reminders, result_words
from appliance.crm.timeutil import now_utc
from appliance.outbound.dialing import DialError, dial_uri

RUN_TIMEOUT_S = 3600.0  # a run calls one number after another


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `reminders` subcommands."""
    parser = sub.add_parser("reminders", help="appointment reminder calls: dry run, run now, latest results",
                            description=__doc__)
    cmds = parser.add_subparsers(dest="action", required=True)
    run = cmds.add_parser("run", help="call the due reminders now through the running service and print what "
                          "came of each (exit 1 when the service cannot be reached)")
    run.add_argument("--dry-run", action="store_true", help="only list what would be called, and when; the store "
                     "is not changed")
    run.add_argument("--hours", type=float, default=72.0, help="with --dry-run: how far ahead to list (default 72)")
    run.set_defaults(run=run_reminders)
    status = cmds.add_parser("status", help="the reminder calls of the last days and their results")
    status.add_argument("--days", type=float, default=7.0)
    status.set_defaults(run=run_status)


def run_reminders(args: argparse.Namespace) -> int:
    """A dry run, or a run by the service."""
    config = load_config(args.config)
    if args.dry_run:
        for line in dry_run(config, now_utc(), timedelta(hours=args.hours)):
            print(line)
        return 0
    try:
        results = ask_service(socket_path(config), "reminders_run", timeout=RUN_TIMEOUT_S)
    except ControlError as exc:
        print(f"PROBLEM: {exc}")
        return 1
    if not results:
        print("No reminder is due now.")
    for event in results:
        more = "" if event["final"] else " (will try again)"
        print(f"reminder {event['reminder_id']} (appointment {event['appointment_id']}): "
              f"{result_words(event['result'])}{more}")
    return 0


def dry_run(config: Config, now: datetime, ahead: timedelta) -> list[str]:
    """What a run would call from `now` on, planned on a copy of the store in memory."""
    store = open_store(config.paths.data / "appliance.db")
    try:
        copy = copy_store(store.conn, ":memory:")
    finally:
        store.conn.close()
    tz = ZoneInfo(config.clinic.timezone)
    reminders = Reminders(sqlite_utils.Database(copy), tz, config.reminders)
    reminders.plan(now)
    lines = [] if config.reminders.enabled else [
        "Reminder calls are off (reminders.enabled = false): the service calls nobody by itself; "
        "'appliance reminders run' would call these now:"]
    for reminder in reminders.upcoming(now, now + ahead):
        at = reminders.next_calling_time(max(reminder.next_attempt_at, now))
        why = reminders.skip_reason(reminder, at)
        when = "now" if at == now else f"from {at.astimezone(tz):%a %d %b %H:%M}"
        lines.append(_line(reminder, tz, f"not called: {result_words(why).removeprefix('not called: ')}" if why
                           else f"call {when} on {_uri(reminder, config)}"))
    return lines or [f"No reminder call in the next {ahead.total_seconds() / 3600:g} hours."]


def _uri(reminder: Reminder, config: Config) -> str:
    try:
        return dial_uri(reminder.phone, config.reminders, config.sip)
    except DialError as exc:
        return f"(cannot dial: {exc})"


def _line(reminder: Reminder, tz: ZoneInfo, what: str) -> str:
    visit = reminder.starts_at.astimezone(tz)
    return (f"{reminder.patient} ({reminder.phone or 'no number'}): {reminder.service} with {reminder.provider} "
            f"{visit:%a %d %b %H:%M}, {reminder.offset_min / 60:g} h before: {what}")


def run_status(args: argparse.Namespace) -> int:
    """The recent reminders, newest first."""
    config = load_config(args.config)
    tz = ZoneInfo(config.clinic.timezone)
    db = open_store(config.paths.data / "appliance.db")
    try:
        recent = Reminders(db, tz, config.reminders).recent(now_utc() - timedelta(days=args.days))
    finally:
        db.conn.close()
    for reminder in recent:
        result = result_words(reminder.result) or "not yet called"
        print(_line(reminder, tz, f"{result} ({reminder.attempts} call(s), {reminder.state})"))
    if not recent:
        print(f"No reminder calls in the last {args.days:g} days.")
    return 0
