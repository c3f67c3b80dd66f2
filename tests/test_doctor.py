"""`appliance doctor`: each health check on real files, a real store and a real control socket."""

from __future__ import annotations

import re

import json
import os
import shutil
from sqlcipher3 import dbapi2 as sqlite3
import subprocess
import sys
import time
import types
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from appliance.cli import main
from appliance.config import (
    PROJECT_ROOT,
    Config,
    ModelsConfig,
    PathsConfig,
    load_config,
)
from appliance.calsync.server import CalendarServer
from appliance.calsync.sync import CalendarSync
from appliance.config.calendar import CalendarConfig
from appliance.crm.db import open_store
from appliance.crm.schedule import Schedule
from appliance.health import (
    Check,
    ask_service,
    check_audio,
    check_calendar,
    check_config_file,
    check_database,
    check_disk,
    check_models,
    check_registration,
    check_service,
    check_timezone,
)
from appliance.keys.keyring import create_keyring
from appliance.sip.events import RegistrationEvent, RegistrationState
from tests.calsync.conftest import radicale  # noqa: F401 - a real CalDAV server for the calendar check
from tests.control_service import ServiceOnLoop

MODELS = PROJECT_ROOT / "models"
NAMES = ["service", "registration", "models", "database", "encryption", "calendar", "disk space", "time zone", "audio",
         "config file"]


@pytest.fixture()
def config(tmp_path):
    return replace(Config(), paths=PathsConfig(data=tmp_path, models=MODELS))


@pytest.fixture()
def conf_file(tmp_path):
    path = tmp_path / "appliance.toml"
    path.write_text(f'[paths]\ndata = "{tmp_path}"\nmodels = "{MODELS}"\n')
    return path


@pytest.fixture()
def served(tmp_path):
    service = ServiceOnLoop(tmp_path)
    yield service
    service.close()


@pytest.fixture()
def system_tz(monkeypatch):
    def set_tz(name):
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield set_tz
    monkeypatch.undo()
    time.tzset()


def test_no_service_fails_the_service_and_registration_checks_and_exits_2(config, conf_file, capsys):
    answer = ask_service(config, 0.3)
    service = check_service(answer)
    assert service.status == "fail" and "not reachable" in service.detail
    assert check_registration(answer).status == "fail" and "unknown" in check_registration(answer).detail
    assert main(["--config", str(conf_file), "doctor", "--timeout", "0.3"]) == 2
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:2] == ["FAIL", "service"] and out[-1].startswith("10 checks:") and "2 fail" in out[-1]
    assert all(line[18:20] == "  " and line[20] != " " for line in out[:-1])  # details in one column


def test_running_service_is_ok_and_an_unconfigured_trunk_is_a_warning(config, served):
    answer = ask_service(config, 5)
    assert check_service(answer).status == "ok" and "0 call(s)" in check_service(answer).detail
    registration = check_registration(answer)
    assert registration.status == "warn" and "register = true" in registration.detail


def test_a_failed_registration_fails_with_its_code(config, served):
    served.publish(RegistrationEvent(state=RegistrationState.FAILED, code=403, reason="Forbidden"))
    registration = check_registration(ask_service(config, 5))
    assert registration.status == "fail" and registration.detail == "failed (403 Forbidden)"


@pytest.fixture()
def keyed(tmp_path):
    """The data key in the data folder, as the installer makes it."""
    return create_keyring(tmp_path)[0]


def test_exit_codes_follow_the_worst_check(keyed, served, conf_file, system_tz, capsys):
    system_tz("UTC")  # the clinic's default time zone
    assert main(["--config", str(conf_file), "doctor"]) == 1
    out = capsys.readouterr().out
    assert "WARN  registration" in out and out.count("OK  ") == 9  # only the trunk is "not configured"
    served.publish(RegistrationEvent(state=RegistrationState.REGISTERED))
    assert main(["--config", str(conf_file), "doctor", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "ok" and [c["name"] for c in report["checks"]] == NAMES
    assert {c["status"] for c in report["checks"]} == {"ok"}


def test_json_output_parses_and_carries_the_overall_status(conf_file, capsys):
    assert main(["--config", str(conf_file), "doctor", "--json", "--timeout", "0.3"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "fail" and [c["name"] for c in report["checks"]] == NAMES
    assert all(set(c) == {"name", "status", "detail"} for c in report["checks"])


def test_database_missing_fresh_old_locked_and_corrupt(tmp_path):
    path = tmp_path / "appliance.db"
    assert check_database(path).status == "warn"
    open_store(path).conn.close()
    fresh = check_database(path)
    assert fresh.status == "ok" and "writable" in fresh.detail
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version=1")
    assert check_database(path).status == "warn"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    locked = check_database(path, timeout=0.2)
    holder.execute("ROLLBACK")
    holder.close()
    assert locked.status == "fail" and "locked: another program held a write" in locked.detail
    path.write_bytes(b"this is not a database, it is garbage" * 300)
    corrupt = check_database(path)
    assert corrupt.status == "fail" and "damaged" in corrupt.detail and "Traceback" not in corrupt.detail


def test_a_read_only_database_is_reported_not_raised(tmp_path):
    path = tmp_path / "appliance.db"
    open_store(path).conn.close()
    path.chmod(0o444)
    immutable = os.geteuid() == 0  # root writes through any mode: make the file immutable instead
    if immutable and not (shutil.which("chattr") and subprocess.run(["chattr", "+i", str(path)]).returncode == 0):
        pytest.skip("running as root where chattr +i is not available")
    try:
        result = check_database(path)
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    assert result.status == "fail" and "read-only for this user" in result.detail


def test_disk_space_thresholds(tmp_path):
    free = shutil.disk_usage(tmp_path).free
    assert check_disk(tmp_path, fail_below=0, warn_below=0).status == "ok"
    assert check_disk(tmp_path, fail_below=0, warn_below=free * 2).status == "warn"
    assert check_disk(tmp_path / "not" / "yet", fail_below=free * 2, warn_below=free * 4).status == "fail"


def test_config_file_with_a_secret_must_not_be_world_readable(tmp_path):
    path = tmp_path / "appliance.toml"
    path.write_text('[sip]\npassword = "s3cret"\n')
    config = load_config(path)
    path.chmod(0o644)
    loose = check_config_file(path, config)
    assert loose.status == "warn" and "sip.password" in loose.detail and "0644" in loose.detail
    assert "s3cret" not in loose.detail
    path.chmod(0o600)
    assert check_config_file(path, config).status == "ok"
    path.write_text("[clinic]\n")
    path.chmod(0o644)
    assert check_config_file(path, load_config(path)).status == "ok"
    assert check_config_file(tmp_path / "none.toml", Config()).status == "ok"


def test_models_check_finds_the_installed_defaults(config):
    models = check_models(config)
    assert models.status == "ok"
    for name in ("whisper-base", "piper-en_US-joe-medium", "silero-vad-v5", "qwen2.5-coder-1.5b-instruct-q4km"):
        assert name in models.detail


def test_models_unverified_verified_missing_and_corrupt(tmp_path):
    folder = tmp_path / "models"
    (folder / "llm").mkdir(parents=True)
    (folder / "vad").mkdir()
    shutil.copy(MODELS / "manifest.toml", folder)
    shutil.copy(MODELS / "vad/silero_vad_v5.onnx", folder / "vad")
    (folder / "tts").symlink_to(MODELS / "tts")
    (folder / "turn").symlink_to(MODELS / "turn")
    llm = folder / "llm/smollm2-135m-instruct-q4_1.gguf"
    llm.symlink_to(MODELS / "llm/smollm2-135m-instruct-q4_1.gguf")
    chosen = ModelsConfig(stt="pocketsphinx-en-us", llm="smollm2-135m-instruct-q4_1")
    config = replace(Config(), models=chosen, paths=PathsConfig(data=tmp_path, models=folder))
    unverified = check_models(config)
    assert unverified.status == "warn" and "smollm2-135m-instruct-q4_1 unverified" in unverified.detail
    assert check_models(config, verify=True).detail.endswith("in place and verified just now")
    recorded = check_models(config)  # the hashes were recorded, so they are trusted now
    assert recorded.status == "ok" and "pocketsphinx-en-us" in recorded.detail
    llm.unlink()
    llm.write_bytes(b"not the model")
    assert check_models(config, verify=True).status == "fail" and "corrupt" in check_models(config).detail
    llm.unlink()
    missing = check_models(config)
    assert missing.status == "fail" and "missing" in missing.detail and "models install" in missing.detail
    wrong = check_models(replace(config, models=ModelsConfig(stt="silero-vad-v5")))
    assert wrong.status == "fail" and "a vad model" in wrong.detail
    assert check_models(replace(config, models=ModelsConfig(llm="nope"))).status == "fail"


def test_a_missing_end_of_turn_model_is_a_warning_with_its_fix(tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copy(MODELS / "manifest.toml", folder)
    for role in ("llm", "tts", "vad"):
        (folder / role).symlink_to(MODELS / role)
    config = replace(Config(), models=ModelsConfig(stt="pocketsphinx-en-us", llm="smollm2-135m-instruct-q4_1"),
                     paths=PathsConfig(data=tmp_path, models=folder))
    without = check_models(config)  # calls go on: turns end on silence and the words alone
    assert without.status == "warn" and "smart-turn-v3.2 missing" in without.detail
    assert without.detail.endswith("run 'appliance models install'")


def test_time_zone_warns_when_the_system_clock_differs_from_the_clinic(system_tz):
    system_tz("UTC")
    same = check_timezone("UTC")
    assert same.status == "ok" and "system clock UTC+00:00" in same.detail
    system_tz("Asia/Kolkata")
    differs = check_timezone("UTC")
    assert differs.status == "warn" and "UTC+05:30" in differs.detail
    assert check_timezone("Asia/Kolkata").status == "ok"
    assert check_timezone("Mars/Olympus").status == "fail"


def test_audio_is_never_a_failure(monkeypatch):
    assert check_audio().status == "ok"
    monkeypatch.setitem(sys.modules, "sounddevice", types.SimpleNamespace(query_devices=lambda: ["in", "out"]))
    assert check_audio().detail == "only for test calls (calls are SIP audio); 2 sound device(s) present"

    def no_portaudio():
        raise OSError("PortAudio library not found")

    monkeypatch.setitem(sys.modules, "sounddevice", types.SimpleNamespace(query_devices=no_portaudio))
    assert check_audio().detail == "only for test calls (calls are SIP audio)"


def test_calendar_check_off_waiting_ok_late_and_failing(config, radicale):  # noqa: F811 - the fixture
    assert check_calendar(config).detail == "sync off"
    patel = radicale.make_calendar("Dr. Patel")
    calendar = CalendarConfig(url=radicale.url, user=radicale.user, password=radicale.password,
                              calendars={"Dr. Patel": patel})
    config = replace(config, calendar=calendar)
    waiting = check_calendar(config)  # no store yet: the service creates it and syncs
    assert waiting.status == "warn" and waiting.detail.startswith("not synced yet") and "the server answers" in \
        waiting.detail
    path = config.paths.data / "appliance.db"
    db = open_store(path)
    Schedule(db).add_provider("Dr. Patel")
    assert not CalendarSync(db, calendar, CalendarServer(calendar), ZoneInfo("UTC")).run_once().error
    ok = check_calendar(config)
    assert ok.status == "ok" and ok.detail.startswith("ok, last read ") and "the server and 1 calendar(s) answer" \
        in ok.detail
    with sqlite3.connect(path) as conn:  # a change the service has not written for three hours
        conn.execute("INSERT INTO calendar_queue (appointment_id, queued_at) VALUES (1, ?)",
                     [(datetime.now(UTC) - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")])
    late = check_calendar(config)
    assert late.status == "warn" and late.detail == ("1 change(s) wait to be written to the calendar, the oldest "
                                                     "for 3 h (is the service running?)")
    refused = check_calendar(replace(config, calendar=replace(calendar, password="wrong")))
    assert refused == Check("calendar", "fail", "connection test: the calendar server refused the user name or "
                                                "password")
    CalendarSync(db, calendar, CalendarServer(replace(calendar, password="wrong")), ZoneInfo("UTC")).run_once()
    failing = check_calendar(replace(config, calendar=replace(calendar, password="wrong")))
    assert failing.status == "fail" and re.fullmatch(r"failing since \d\d:\d\d UTC: the calendar server refused the "
                                                     r"user name or password", failing.detail)
    gone = check_calendar(replace(config, calendar=replace(calendar, calendars={"Dr. Patel": patel + "x/"})))
    assert gone.status == "fail" and "Dr. Patel's calendar: the calendar server has no calendar at" in gone.detail
