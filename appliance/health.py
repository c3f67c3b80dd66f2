"""Health checks for `appliance doctor`: each returns a `Check` and never raises.

A check looks and reports; it changes nothing (except `--verify`, which records the checksums
it computed, as `appliance models verify` does).
"""

from __future__ import annotations

import shutil
import stat
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import sqlite_utils
from sqlcipher3 import dbapi2 as sqlite3

from appliance.calsync.connection import connection_problems
from appliance.calsync.worker import SyncStatus, sync_status
from appliance.config import Config
from appliance.config.calendar import CalendarConfig
from appliance.control.client import ControlError, fetch_status
from appliance.control.protocol import socket_path
from appliance.crm.db import connect
from appliance.crm.encryption import encryption_state
from appliance.crm.migrations import MIGRATIONS
from appliance.crm.timeutil import now_utc
from appliance.errors import ApplianceError, ModelError
from appliance.models.manifest import ModelEntry, Role
from appliance.models.store import ModelStore, Status

GIB = 1 << 30
CALENDAR_TIMEOUT_S = 5.0  # the live calendar test's wait for each answer
QUEUE_LATE = timedelta(minutes=1)  # the service writes a change within seconds
Level = Literal["ok", "warn", "fail"]
LEVELS: tuple[Level, ...] = ("ok", "warn", "fail")
ServiceAnswer = dict[str, Any] | str  # the service's status, or why it could not be asked


@dataclass(frozen=True)
class Check:
    """The outcome of one check: its name, ok / warn / fail, and what was found."""

    name: str
    status: Level
    detail: str


def worst(checks: list[Check]) -> Level:
    """The most serious status among `checks` ("ok" when there are none)."""
    return max((c.status for c in checks), key=LEVELS.index, default="ok")


def run_checks(config: Config, config_file: Path, timeout: float = 2.0, verify: bool = False) -> list[Check]:
    """Every check, in the order `appliance doctor` prints them."""
    answer = ask_service(config, timeout)
    return [
        check_service(answer),
        check_registration(answer),
        check_models(config, verify),
        check_database(config.paths.data / "appliance.db"),
        check_encryption(config.paths.data),
        check_calendar(config),
        check_disk(config.paths.data),
        check_timezone(config.clinic.timezone),
        check_audio(),
        check_config_file(config_file, config),
    ]


def ask_service(config: Config, timeout: float) -> ServiceAnswer:
    """The running service's `status` reply, or why it could not be had."""
    try:
        return fetch_status(socket_path(config), timeout)
    except ControlError as exc:
        return exc.args[0]
    except OSError as exc:  # the connection broke just as it was being closed
        return f"the service's connection failed: {exc}"


def check_service(answer: ServiceAnswer) -> Check:
    """Is the service running and answering on its control socket?"""
    if isinstance(answer, str):
        return Check("service", "fail", answer)
    return Check("service", "ok", f"running, {len(answer.get('calls', []))} call(s) in progress")


def check_registration(answer: ServiceAnswer) -> Check:
    """Is the SIP trunk registration up, as the service reports it?"""
    if isinstance(answer, str):
        return Check("registration", "fail", "unknown: the service is not running")
    reg = answer.get("registration", {})
    state = reg.get("state", "unknown")
    if state == "registered":
        return Check("registration", "ok", "registered to the trunk")
    if state == "not configured":
        return Check("registration", "warn", "not configured: only calls sent straight to this box are answered "
                     "(set [sip] register = true with registrar, user and password to register to a trunk)")
    why = " ".join(str(reg[key]) for key in ("code", "reason") if reg.get(key))
    retry = f", next try in {reg['retry_in_s']:.0f} s" if reg.get("retry_in_s") else ""
    return Check("registration", "fail", state + (f" ({why})" if why else "") + retry)


def _model_problem(entry: ModelEntry, status: Status, level: str) -> Check:
    """A missing or broken end-of-turn model only slows turns down: a warning."""
    if entry.role == Role.TURN and level == "fail":
        return Check(entry.name, "warn", f"{entry.name} {status} (calls go on: turns end on silence and "
                                         "the words alone)")
    return Check(entry.name, level, f"{entry.name} {status}")


def check_models(config: Config, verify: bool = False) -> Check:
    """Is the model each role uses installed and matching its sha256 (recorded, or hashed again)?"""
    try:
        store = ModelStore(config.paths.models)
        rows = []
        for role in Role:
            name = getattr(config.models, role.value)
            entry = store.manifest.get(name) if name else store.manifest.default(role)
            if entry.role != role:
                return Check("models", "fail", f"models.{role} names {entry.name}, a {entry.role} model")
            rows.append(store.verify(entry) if verify else store.status(entry))
    except (ModelError, OSError) as exc:
        return Check("models", "fail", str(exc))
    problems = {Status.MISSING: "fail", Status.CORRUPT: "fail", Status.UNVERIFIED: "warn"}
    found = [_model_problem(r.entry, r.status, problems[r.status]) for r in rows if r.status in problems]
    if not found:
        names = ", ".join(r.entry.name for r in rows)
        return Check("models", "ok", f"{names}: in place and {'verified just now' if verify else 'verified'}")
    level = worst(found)
    broken = any(r.status in (Status.MISSING, Status.CORRUPT) for r in rows)
    fix = "run 'appliance models install'" if broken else "run 'appliance doctor --verify'"
    return Check("models", level, "; ".join(c.detail for c in found) + f": {fix}")


def check_database(path: Path, timeout: float = 2.0) -> Check:
    """Does the store open, pass `PRAGMA quick_check`, have the latest schema and take writes?"""
    if not path.exists():
        return Check("database", "warn", f"{path} not created yet (the service creates it when it starts)")
    try:
        conn = connect(path, "rw", timeout)
    except ApplianceError as exc:
        return Check("database", "fail", str(exc))
    try:
        result = [row[0] for row in conn.execute("PRAGMA quick_check")]
        if result != ["ok"]:
            return Check("database", "fail", f"{path} is damaged: {'; '.join(result[:3])} "
                         "(restore a backup with 'appliance crm restore')")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("CREATE TABLE main.doctor_write_probe (x)")  # a real write, undone below
        conn.execute("ROLLBACK")
    except sqlite3.Error as exc:
        return Check("database", "fail", _store_error(path, exc, timeout))
    finally:
        conn.close()
    if version > len(MIGRATIONS):
        return Check("database", "fail", f"schema version {version} is newer than this software's "
                     f"{len(MIGRATIONS)}: it was written by a later release")
    if version < len(MIGRATIONS):
        return Check("database", "warn", f"schema version {version} of {len(MIGRATIONS)}: "
                     "the service applies the rest when it starts")
    return Check("database", "ok", f"{path}, schema version {version}, writable")


def check_encryption(data_dir: Path) -> Check:
    """Is patient data encrypted at rest: a key file, the store and the files kept beside it?"""
    try:
        state = encryption_state(data_dir)
    except ApplianceError as exc:
        return Check("encryption", "fail", str(exc))
    return Check("encryption", "ok" if state.complete else "warn", state.summary())


def _store_error(path: Path, exc: sqlite3.Error, timeout: float) -> str:
    """What a failed read or write of the store means, in words."""
    name = getattr(exc, "sqlite_errorname", "")
    if name in ("SQLITE_BUSY", "SQLITE_LOCKED"):
        return f"{path} is locked: another program held a write for over {timeout:g} s"
    if name.startswith("SQLITE_READONLY"):
        return f"{path} is read-only for this user: check the owner and mode of the file and its folder"
    if name in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
        return f"{path} is damaged ({exc}): restore a backup with 'appliance crm restore'"
    return f"{path}: {exc}"


def calendar_sync_state(path: Path, calendar: CalendarConfig, timeout: float = 2.0) -> SyncStatus:
    """The calendar sync's state as the store at `path` records it. Nothing is created or migrated:
    a store not made yet, or made before the calendar sync, has not synced."""
    if not calendar.enabled:
        return SyncStatus("off", 0, None, "")
    if not path.exists():
        return SyncStatus("waiting", 0, None, "")
    conn = connect(path, "rw", timeout)
    try:
        status = sync_status(sqlite_utils.Database(conn), calendar)
    except sqlite3.OperationalError as exc:
        if "no such table" not in str(exc):
            raise
        return SyncStatus("waiting", 0, None, "")
    finally:
        conn.close()
    return status


def check_calendar(config: Config, timeout_s: float = CALENDAR_TIMEOUT_S) -> Check:
    """Is the calendar sync keeping up (as the store records it), and does the server answer now?"""
    calendar = config.calendar
    if not calendar.enabled:
        unchosen = ": a server is set but no calendar is chosen ('appliance setup')" if calendar.url else ""
        return Check("calendar", "ok", f"sync off{unchosen}")
    try:
        status = calendar_sync_state(config.paths.data / "appliance.db", calendar)
    except (sqlite3.Error, ApplianceError) as exc:
        return Check("calendar", "fail", f"cannot read the sync's state from the store: {exc}")
    live = connection_problems(replace(calendar, timeout_s=max(1.0, min(calendar.timeout_s, timeout_s))))
    found = status.words().removeprefix("calendar sync: ")
    problems = [found] if status.state == "failing" else []
    if live and live != [status.last_error]:
        problems.append(f"connection test: {'; '.join(live)}")
    if problems:
        return Check("calendar", "fail", "; ".join(problems))
    if status.state == "waiting":
        return Check("calendar", "warn", f"{found} (the running service syncs every {calendar.poll_s:g} s); "
                     "the server answers")
    waited = now_utc() - status.oldest_pending if status.oldest_pending else timedelta()
    if waited > QUEUE_LATE:
        return Check("calendar", "warn", f"{status.pending} change(s) wait to be written to the calendar, the oldest "
                     f"for {_duration(waited)} (is the service running?)")
    return Check("calendar", "ok", f"{found}; the server and {len(calendar.calendar_urls())} calendar(s) answer")


def _duration(delta: timedelta) -> str:
    minutes = delta.total_seconds() / 60
    return f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.0f} h" if minutes < 48 * 60 \
        else f"{minutes / 1440:.0f} days"


def check_disk(folder: Path, fail_below: int = GIB, warn_below: int = 5 * GIB) -> Check:
    """Is there room left on the file system that holds `folder` (the data folder)?"""
    existing = next((p for p in (folder, *folder.parents) if p.exists()), folder)
    try:
        usage = shutil.disk_usage(existing)
    except OSError as exc:
        return Check("disk space", "fail", f"cannot read the free space of {existing}: {exc.strerror}")
    detail = f"{usage.free / GIB:.1f} GiB free of {usage.total / GIB:.0f} GiB at {existing}"
    if usage.free < fail_below:
        return Check("disk space", "fail", f"{detail} (below {fail_below / GIB:g} GiB)")
    if usage.free < warn_below:
        return Check("disk space", "warn", f"{detail} (below {warn_below / GIB:g} GiB)")
    return Check("disk space", "ok", detail)


def check_timezone(timezone: str) -> Check:
    """Does the system clock's UTC offset match the clinic's time zone right now?"""
    try:
        clinic_now = datetime.now(ZoneInfo(timezone))
    except (ValueError, LookupError) as exc:
        return Check("time zone", "fail", f"clinic.timezone {timezone!r} is not usable: {exc}")
    clinic_offset = clinic_now.utcoffset()
    system_offset = clinic_now.astimezone().utcoffset()
    detail = (f"clinic {timezone}, {clinic_now:%Y-%m-%d %H:%M} ({_offset(clinic_offset)}); "
              f"system clock {_offset(system_offset)}")
    if clinic_offset != system_offset:
        return Check("time zone", "warn", f"{detail}: other programs on this box show times that differ "
                     "from the bookings'")
    return Check("time zone", "ok", detail)


def _offset(delta: timedelta | None) -> str:
    minutes = int((delta or timedelta()).total_seconds() // 60)
    return f"UTC{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def check_audio() -> Check:
    """Calls are SIP audio: sound devices serve only test calls (`appliance talk`); count them if the library can."""
    unused = "only for test calls (calls are SIP audio)"
    try:
        import sounddevice

        count = len(sounddevice.query_devices())
    except Exception:  # noqa: BLE001 - no PortAudio, no sound card, no server: all fine on a headless box
        return Check("audio", "ok", unused)
    return Check("audio", "ok", f"{unused}; {count} sound device(s) present" if count else unused)


def check_config_file(path: Path, config: Config) -> Check:
    """Is the config file readable, and not readable by every user when it holds secrets?"""
    if not path.exists():
        return Check("config file", "ok", f"none at {path}: built-in defaults in force")
    try:
        path.read_bytes()
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError as exc:
        return Check("config file", "fail", f"cannot read {path}: {exc.strerror}")
    secrets = [key for key, value in (("sip.password", config.sip.password),
                                      ("crm.webhook_secret", config.crm.webhook_secret),
                                      ("calendar.password", config.calendar.password)) if value]
    if secrets and mode & stat.S_IROTH:
        return Check("config file", "warn", f"{path} holds {' and '.join(secrets)} but every user can read it "
                     f"(mode {mode:04o}): chmod 640 {path}")
    return Check("config file", "ok", f"{path}, mode {mode:04o}" + (", secrets private" if secrets else ""))
