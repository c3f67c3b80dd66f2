"""`appliance setup`: first-run set-up in a terminal - trunk, staff phone, clinic profile, the clinic's calendar,
a call to itself.

Interactive by default (the current values are the defaults); `--yes` takes the flags and the
current values without asking, for scripted installs. Nothing is written while a value is bad."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from functools import partial
from getpass import getpass
from pathlib import Path
from typing import Any

from appliance.calsync.server import RemoteCalendar
from appliance.config import Config, config_file_path
from appliance.config.calendar import CalendarConfig
from appliance.config.writer import Edits
from appliance.errors import ConfigError
from appliance.setup import (
    PROFILE_KEYS, CheckResult, calendar_edits, check_calendar, check_registration, check_settings, find_calendars,
    save_settings, self_test, store_providers, test_call, trunk_edits,
)

PROFILE_FLAGS = {"name": "clinic_name", "timezone": "timezone", "address": "address", "phone": "phone",
                 "hours": "hours"}
PROFILE_LABELS = {"name": "Clinic name", "timezone": "Time zone (like Europe/Berlin)",
                  "address": "Address, as callers hear it", "phone": "Phone number",
                  "hours": "Opening hours, as callers hear them"}


def register(sub: argparse._SubParsersAction) -> None:
    """Add `setup`."""
    parser = sub.add_parser("setup", help="first-run set-up: trunk, staff phone, clinic profile, calendar, a test call",
                            description=__doc__)
    parser.add_argument("--config", type=Path, default=argparse.SUPPRESS,
                        help="the config file to write (default: the one in force, else /etc/appliance/appliance.toml)")
    parser.add_argument("--registrar", help="the trunk's registrar, host or host:port ('' for no registration)")
    parser.add_argument("--user", help="the trunk's user name")
    parser.add_argument("--password", help="the trunk's password ('-' reads it from standard input)")
    parser.add_argument("--transport", help="udp, tcp or tls")
    parser.add_argument("--staff-uri", help="the staff phone callers are put through to, "
                        "like sip:frontdesk@pbx.clinic.local")
    parser.add_argument("--clinic-name", help="the clinic's name, as callers hear it")
    parser.add_argument("--timezone", help="like Europe/Berlin")
    parser.add_argument("--address", help="the clinic's address, as callers hear it")
    parser.add_argument("--phone", help="the clinic's phone number")
    parser.add_argument("--hours", help="the opening hours, as callers hear them")
    parser.add_argument("--calendar-url", help="the clinic's CalDAV server, like "
                        "https://cloud.example.org/remote.php/dav ('' for no calendar sync)")
    parser.add_argument("--calendar-user", help="the calendar account's user name")
    parser.add_argument("--calendar-password", help="the calendar account's password ('-' reads it from standard "
                        "input, after the trunk's)")
    parser.add_argument("--calendar-for", action="append", metavar="NAME=URL",
                        help="a dentist's calendar, like \"Dr. Patel=https://cloud.example.org/remote.php/dav/"
                        "calendars/clinic/patel/\" (repeat for each; 'appliance calendar list' shows the URLs)")
    parser.add_argument("--calendar-shared", metavar="URL", help="one calendar for everyone else; its staff events "
                        "block every dentist ('' for none)")
    parser.add_argument("--yes", action="store_true", help="ask nothing: use these values and keep the others")
    parser.add_argument("--skip-checks", action="store_true", help="neither register, ring the staff phone nor "
                        "test the calendar")
    parser.add_argument("--skip-self-test", action="store_true", help="do not call the appliance at the end")
    parser.set_defaults(run=run_setup)


def run_setup(args: argparse.Namespace) -> int:
    """Ask (or take from the flags), check, write, test; 0 when every check passed."""
    path = config_file_path(args.config)
    current = check_settings(path, {})
    if not current.ok:
        raise ConfigError(current.message)
    if args.password == "-":
        args.password = sys.stdin.readline().rstrip("\n")
    if args.calendar_password == "-":
        args.calendar_password = sys.stdin.readline().rstrip("\n")
    try:
        return (_unattended if args.yes else _interview)(path, current.config, args)
    except EOFError:
        print("\nSet-up stopped: nothing written.")
        return 1


def _flag_edits(config: Config, args: argparse.Namespace) -> Edits:
    """The edits the flags ask for; the current values fill the trunk's other details."""
    edits: Edits = {}
    if any(value is not None for value in (args.registrar, args.user, args.password, args.transport)):
        sip = config.sip
        edits["sip"] = trunk_edits(_given(args.registrar, sip.registrar), _given(args.user, sip.user),
                                   _given(args.transport, sip.transport), args.password or "")
    if args.staff_uri is not None:
        edits["transfer"] = {"staff_uri": args.staff_uri}
    clinic = {key: getattr(args, flag) for key, flag in PROFILE_FLAGS.items() if getattr(args, flag) is not None}
    if clinic:
        edits["clinic"] = clinic
    flags = (args.calendar_url, args.calendar_user, args.calendar_password, args.calendar_for, args.calendar_shared)
    if any(value is not None for value in flags):
        calendar = config.calendar
        chosen = dict(calendar.calendars) if args.calendar_for is None else _calendar_for(args.calendar_for)
        edits["calendar"] = calendar_edits(_given(args.calendar_url, calendar.url),
                                           _given(args.calendar_user, calendar.user), chosen,
                                           _given(args.calendar_shared, calendar.shared), args.calendar_password or "")
    return edits


def _calendar_for(given: list[str]) -> dict[str, str]:
    """{dentist: calendar URL} from `--calendar-for NAME=URL` flags (an empty URL: none)."""
    chosen = {}
    for item in given:
        name, equals, url = item.partition("=")
        if not equals or not name.strip():
            raise ConfigError(f"--calendar-for takes a dentist's name and a calendar URL, like "
                              f"\"Dr. Patel=https://cloud.example.org/...\", got {item!r}")
        if url.strip():
            chosen[name.strip()] = url.strip()
    return chosen


def _unattended(path: Path, config: Config, args: argparse.Namespace) -> int:
    edits = _flag_edits(config, args)
    checked = check_settings(path, edits)
    if not checked.ok:
        raise ConfigError(checked.message)
    results = []
    planned = checked.config
    if planned.sip.register and not args.skip_checks:
        results.append(_run(f"Registering with {planned.sip.registrar}", lambda: check_registration(planned.sip)))
    if planned.transfer.staff_uri and not args.skip_checks:
        results.append(_run(f"Calling {planned.transfer.staff_uri}",
                            lambda: test_call(planned.sip, planned.transfer.staff_uri)))
    if planned.calendar.url:
        _note_unknown_dentists(planned)
        if not args.skip_checks:
            results.append(_run(f"Checking the calendars at {planned.calendar.url}",
                                lambda: check_calendar(planned.calendar)))
    return _save_and_test(path, edits, args, results, ask=False)


def _note_unknown_dentists(planned: Config) -> None:
    """Say which chosen calendars belong to nobody in the store (synced once a dentist of that name is added)."""
    store = planned.paths.data / "appliance.db"
    dentists = store_providers(store)
    for who in planned.calendar.calendars:
        if store.exists() and who not in dentists:
            print(f"  Note: no dentist is named {who!r} in the store: that calendar is synced once one is added "
                  "by that name.")


def _interview(path: Path, config: Config, args: argparse.Namespace) -> int:
    print(f"Set-up of the appliance: the settings go to {path}, the passwords to secrets.toml beside it.\n"
          "Press Enter to keep the value in [brackets], type - to clear it.")
    edits: Edits = {"sip": _ask_trunk(path, config, args)}
    edits["transfer"] = {"staff_uri": _ask_staff(path, edits, _given(args.staff_uri, config.transfer.staff_uri),
                                                 args.skip_checks)}
    edits["clinic"] = _ask_profile(path, edits, {key: _given(getattr(args, flag), getattr(config.clinic, key))
                                                 for key, flag in PROFILE_FLAGS.items()})
    edits["calendar"] = _ask_calendar(path, edits, config, args)
    if not _yes(f"Write the settings to {path}?"):
        print("Nothing written.")
        return 1
    return _save_and_test(path, edits, args, [], ask=True)


def _ask_trunk(path: Path, config: Config, args: argparse.Namespace) -> dict[str, Any]:
    sip = config.sip
    registrar, user = _given(args.registrar, sip.registrar), _given(args.user, sip.user)
    transport, password = _given(args.transport, sip.transport), args.password or ""
    while True:
        print("\nSIP trunk (leave the registrar empty when the phone system sends calls straight to this box)")
        registrar = _ask("Registrar (host or host:port)", registrar)
        if registrar:
            user = _ask("User name", user)
            kept = "(set), Enter keeps it" if password or sip.password else "not set"
            password = getpass(f"  Password [{kept}]: ") or password
            transport = _ask("Transport (udp, tcp or tls)", transport)
        values = trunk_edits(registrar, user, transport, password)
        checked = check_settings(path, {"sip": values})
        if not checked.ok:
            print(f"  {checked.message}")
            continue
        if not registrar or args.skip_checks:
            return values
        result = _run(f"Registering with {registrar}", partial(check_registration, checked.config.sip))
        if result.ok or not _yes("Change the trunk details and try again?"):
            return values


def _ask_staff(path: Path, edits: Edits, uri: str, skip_checks: bool) -> str:
    while True:
        print("\nStaff phone (callers asking for a person are put through to it; empty: a message is taken)")
        uri = _ask("Staff phone (like sip:frontdesk@pbx.clinic.local)", uri)
        checked = check_settings(path, {**edits, "transfer": {"staff_uri": uri}})
        if not checked.ok:
            print(f"  {checked.message}")
            continue
        if not uri or skip_checks or not _yes("Ring it now for a test call?"):
            return uri
        result = _run(f"Calling {uri}", partial(test_call, checked.config.sip, uri))
        if result.ok or not _yes("Change the address and try again?"):
            return uri


def _ask_profile(path: Path, edits: Edits, values: dict[str, str]) -> dict[str, str]:
    while True:
        print("\nClinic profile (what callers hear)")
        for key in PROFILE_KEYS:
            values[key] = _ask(PROFILE_LABELS[key], values[key])
        checked = check_settings(path, {**edits, "clinic": values})
        if checked.ok:
            return values
        print(f"  {checked.message}")


def _ask_calendar(path: Path, edits: Edits, config: Config, args: argparse.Namespace) -> dict[str, Any]:
    calendar = config.calendar
    url, user = _given(args.calendar_url, calendar.url), _given(args.calendar_user, calendar.user)
    password = args.calendar_password or ""
    chosen = dict(calendar.calendars) if args.calendar_for is None else _calendar_for(args.calendar_for)
    shared = _given(args.calendar_shared, calendar.shared)
    dentists = store_providers(config.paths.data / "appliance.db")
    while True:
        print("\nThe clinic's calendar (bookings are written to it, staff's own events block that time; "
              "leave the server empty for none)")
        url = _ask("CalDAV server (like https://cloud.example.org/remote.php/dav)", url)
        if url:
            user = _ask("User name", user)
            kept = "(set), Enter keeps it" if password or calendar.password else "not set"
            password = getpass(f"  Password [{kept}]: ") or password
        values = calendar_edits(url, user, chosen, shared, password)
        checked = check_settings(path, {**edits, "calendar": values})
        if not checked.ok:
            print(f"  {checked.message}")
            continue
        if not url:
            return values
        found: list[RemoteCalendar] = []
        result = _run(f"Finding the calendars at {url}", partial(_find, checked.config.calendar, found))
        if not result.ok:
            if _yes("Change the calendar details and try again?"):
                continue
            return values
        width = max(len(remote.name) for remote in found)
        for number, remote in enumerate(found, 1):
            print(f"    {number}. {remote.name:{width}}  {remote.url}")
        if not dentists:
            print("  No dentists in the store yet: add them in the front-desk window, then run set-up again "
                  "to give each their calendar.")
        before, chosen = chosen, {who: where for who, where in chosen.items() if who not in dentists}
        for who in dentists:
            if where := _choose(f"{who}'s calendar (its number, - for none)", found, before.get(who, "")):
                chosen[who] = where
        shared = _choose("Shared calendar for everyone else; its events block every dentist (its number, - for none)",
                         found, shared)
        values = calendar_edits(url, user, chosen, shared, password)
        checked = check_settings(path, {**edits, "calendar": values})
        if not checked.ok:
            print(f"  {checked.message}")
            continue
        if args.skip_checks:
            return values
        result = _run("Checking the chosen calendars", partial(check_calendar, checked.config.calendar))
        if result.ok or not _yes("Change the calendar details and try again?"):
            return values


def _find(calendar: CalendarConfig, found: list[RemoteCalendar]) -> CheckResult:
    """Find the account's calendars into `found`."""
    result, calendars = find_calendars(calendar)
    found.extend(calendars)
    return result


def _choose(label: str, found: list[RemoteCalendar], current: str) -> str:
    """A calendar's URL by its number in `found` (or typed out), '' for none; `current` is the default."""
    default = next((str(n) for n, remote in enumerate(found, 1) if remote.url.rstrip("/") == current.rstrip("/")),
                   current) if current else ""
    while True:
        answer = _ask(label, default)
        if not answer:
            return ""
        if answer.isdigit() and 1 <= int(answer) <= len(found):
            return found[int(answer) - 1].url
        if answer.startswith(("http://", "https://")):
            return answer
        print(f"  Type a number from 1 to {len(found)}, a calendar's URL, or - for none.")


def _save_and_test(path: Path, edits: Edits, args: argparse.Namespace, results: list[CheckResult],
                   ask: bool) -> int:
    saved = _run("Saving", lambda: save_settings(path, edits))
    if not saved.ok:
        return 2
    if not args.skip_self_test and (not ask or _yes("Call the appliance now to test it (loads the models first)?")):
        results.append(_run("Calling the appliance on this box (loading the models first)",
                            lambda: self_test(saved.config)))
    return 0 if all(result.ok for result in results) else 1


def _run(doing: str, check: Callable[[], CheckResult]) -> CheckResult:
    """Say what is being done, do it, say how it went (with the detail of a problem or a transcript)."""
    print(f"  {doing}...", end=" ", flush=True)
    result = check()
    print(f"{'ok' if result.ok else 'PROBLEM'}: {result.message}")
    if (result.detail and not result.ok) or "\n" in result.detail:
        print("\n".join(f"    {line}" for line in result.detail.splitlines()))
    return result


def _given(flag: str | None, current: str) -> str:
    return current if flag is None else flag


def _ask(label: str, default: str) -> str:
    answer = input(f"  {label}{f' [{default}]' if default else ''}: ").strip()
    return "" if answer == "-" else answer or default


def _yes(question: str) -> bool:
    return input(f"  {question} [Y/n] ").strip().lower() in ("", "y", "yes")
