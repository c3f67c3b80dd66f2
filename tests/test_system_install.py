"""The clinic-PC install (`install.sh --system`) into a throwaway root, from a clean checkout:
the layout and its permissions, a second run that changes nothing, the installed service
answering a real call, an upgrade that keeps a booking, and a broken upgrade rolled back."""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import stat
import subprocess
import time
import tomllib
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import tomli_w

from appliance.audio import level_dbfs, read_wav
from appliance.config import PROJECT_ROOT
from appliance.crm.appointments import Appointments
from appliance.crm.contacts import Contacts
from appliance.crm.db import StoreError, connect, is_plain_store, open_store
from appliance.crm.migrations import MIGRATIONS
from appliance.lab.demo import seed_demo_store
from appliance.lab.peer_client import PeerPhone
from appliance.sip.ports import free_port

pytestmark = pytest.mark.slow
USER = "appliance-ci"  # the service user the installer creates (removed again afterwards)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def install(checkout: Path, root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(checkout / "installer/install.sh"), "--system", "--root", str(root),
                           "--user", USER, "--models-dir", str(PROJECT_ROOT / "models")],
                          capture_output=True, text=True, timeout=1500)


def commit(checkout: Path, path: str, text: str, message: str) -> None:
    target = checkout / path
    target.write_text(target.read_text() + text)
    git(checkout, "-c", "user.name=test", "-c", "user.email=test@localhost", "commit", "-qam", message)


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("checkout") / "appliance"
    git(PROJECT_ROOT, "clone", "-q", str(PROJECT_ROOT), str(src))
    return src


@pytest.fixture(scope="module")
def root(checkout, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("root")
    try:
        done = install(checkout, root)
        assert done.returncode == 0, done.stdout + done.stderr
        (root.parent / "install-output.txt").write_text(done.stdout)
        yield root
    finally:
        subprocess.run(["userdel", USER], capture_output=True)
        subprocess.run(["groupdel", USER], capture_output=True)


def tree(root: Path) -> dict[str, float]:
    """Every file and link of the installed system (not the store) with its modification time."""
    skip = (root / "var/lib/appliance", root / "var/log/appliance")
    return {str(p): p.lstat().st_mtime for p in root.rglob("*")
            if not any(p.is_relative_to(s) for s in skip) and "__pycache__" not in p.parts}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_layout_service_desktop_entry_and_permissions(root):
    etc, data = root / "etc/appliance", root / "var/lib/appliance"
    assert mode(etc / "appliance.toml") == 0o640 and mode(etc / "secrets.toml") == 0o600
    account = pwd.getpwnam(USER)
    assert account.pw_shell == "/usr/sbin/nologin" and account.pw_dir == str(data)
    group = grp.getgrnam(USER).gr_gid
    assert (etc / "appliance.toml").stat().st_uid == 0 and (etc / "appliance.toml").stat().st_gid == group
    assert (etc / "secrets.toml").stat().st_uid == account.pw_uid and data.stat().st_uid == account.pw_uid
    store = data / "appliance.db"  # created by the install's migration, writable by the front desk's group
    assert store.stat().st_uid == account.pw_uid and mode(store) == 0o660
    assert mode(data) & 0o7777 == 0o2770 and (data / "backups").is_dir() and (data / "recordings").is_dir()
    key = data / "keys/data.key"  # readable by the service and the front desk's group, nobody else
    assert key.stat().st_uid == account.pw_uid and key.stat().st_gid == group and mode(key) == 0o640
    assert mode(data / "keys") == 0o2750 and not is_plain_store(store)
    printed = (root.parent / "install-output.txt").read_text()
    assert printed.count("RK1-") == 1, "the recovery key is printed once, at install"
    current = root / "opt/appliance/current"
    assert current.is_symlink() and (current / "venv/bin/appliance").exists()
    unit = (root / "etc/systemd/system/appliance.service").read_text()
    assert f"ExecStart={root}/opt/appliance/current/venv/bin/appliance --config {etc}/appliance.toml run" in unit
    assert "Restart=on-failure" in unit and "WantedBy=multi-user.target" in unit and f"User={USER}" in unit
    desktop = (root / "usr/share/applications/appliance-desk.desktop").read_text()
    assert "Exec=" in desktop and "appliance-desk --config" in desktop and "Icon=appliance-desk" in desktop
    assert (root / "usr/share/icons/hicolor/scalable/apps/appliance-desk.svg").exists()
    assert "copytruncate" in (root / "etc/logrotate.d/appliance").read_text()
    assert os.readlink(root / "usr/local/bin/appliance") == f"{root}/opt/appliance/current/venv/bin/appliance"
    listed = subprocess.run([str(current / "venv/bin/appliance"), "--config", str(etc / "appliance.toml"),
                             "models", "list"], capture_output=True, text=True, check=True).stdout
    assert "whisper-tiny.en" in listed and "verified" in listed


def test_a_second_run_changes_nothing(root, checkout):
    before = tree(root)
    again = install(checkout, root)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "already current" in again.stdout and "wrote" not in again.stdout
    assert tree(root) == before


def test_the_installed_service_answers_a_call(root, tmp_path):
    config = root / "etc/appliance/appliance.toml"
    port = free_port()
    settings = tomllib.loads(config.read_text())
    settings["sip"] = {"register": False, "bind_address": "127.0.0.1", "port": port, "rtp_port": free_port(),
                       "allow_any_source": True}
    config.write_text(tomli_w.dumps(settings))
    log = tmp_path / "service.log"
    with log.open("w") as sink:
        service = subprocess.Popen([str(root / "opt/appliance/current/venv/bin/appliance"), "--config", str(config),
                                    "run"], stderr=sink)
    try:
        deadline = time.monotonic() + 180
        while "answering calls" not in log.read_text():
            assert service.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        phone = PeerPhone("--codecs", "PCMU", record_dir=tmp_path)
        try:
            phone.send(cmd="call", uri=f"sip:agent@127.0.0.1:{port}")
            phone.wait("answered", timeout=15)
            time.sleep(5)
            phone.send(cmd="hangup")
            ended = phone.wait("ended", timeout=15)
        finally:
            phone.stop()
        assert level_dbfs(read_wav(Path(ended["received"]))) > -45, "the caller heard the greeting"
    finally:
        service.send_signal(signal.SIGTERM)
        assert service.wait(60) == 0
    calls = connect(root / "var/lib/appliance/appliance.db").execute("SELECT COUNT(*) FROM calls")
    assert calls.fetchone()[0] == 1


def test_a_copy_of_the_installed_store_is_unreadable_without_the_key(root, tmp_path):
    store = root / "var/lib/appliance/appliance.db"
    stolen = tmp_path / "appliance.db"
    shutil.copy(store, stolen)
    shell = subprocess.run(["sqlite3", str(stolen), ".tables"], capture_output=True, text=True)
    assert shell.returncode != 0 and "not a database" in shell.stderr
    with pytest.raises(StoreError, match="no data key"):
        connect(stolen, "ro")
    window = connect(store, "ro")  # the front desk's window: the key file beside the store
    assert window.execute("SELECT COUNT(*) FROM calls").fetchone()[0] >= 1
    doctor = subprocess.run([str(root / "opt/appliance/current/venv/bin/appliance"), "--config",
                             str(root / "etc/appliance/appliance.toml"), "doctor"], capture_output=True, text=True)
    assert "encryption" in doctor.stdout and "on (data key" in doctor.stdout, doctor.stdout


def test_upgrade_keeps_a_booking_and_a_broken_upgrade_is_rolled_back(root, checkout):
    store = root / "var/lib/appliance/appliance.db"
    db = open_store(store)
    seed_demo_store(db)
    tz = ZoneInfo("America/New_York")
    monday = datetime.now(tz).date() + timedelta(days=7 - datetime.now(tz).weekday())
    patient = Contacts(db).search("Maria Lopez")[0]
    booked = Appointments(db, tz).book(patient.id, 1, 1, datetime.combine(monday, datetime.min.time(), tz)
                                       + timedelta(hours=9), "front_desk")
    db.conn.close()
    first = os.readlink(root / "opt/appliance/current")

    commit(checkout, "README.md", "\n", "a newer release")
    upgraded = install(checkout, root)
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    second = os.readlink(root / "opt/appliance/current")
    assert second != first and (root / "opt/appliance" / first).exists()  # the one before is kept
    assert list((root / "var/lib/appliance/backups").glob("before-*.db"))
    row = connect(store).execute("SELECT status FROM appointments WHERE id = ?", (booked.id,)).fetchone()
    assert row == ("booked",)

    commit(checkout, "appliance/crm/migrations.py", '\nMIGRATIONS.append(["CREATE TABLE broken ("])\n',
           "a release whose migration fails")
    broken = install(checkout, root)
    assert broken.returncode != 0 and "rolled back" in broken.stderr
    assert os.readlink(root / "opt/appliance/current") == second
    conn = connect(store)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)  # the broken one rolled back
    assert conn.execute("SELECT status FROM appointments WHERE id = ?", (booked.id,)).fetchone() == ("booked",)


def test_uninstall_keeps_the_store_unless_purged(root, checkout):
    uninstall = [str(checkout / "installer/uninstall.sh"), "--root", str(root), "--user", USER]
    kept = subprocess.run(["bash", *uninstall], capture_output=True, text=True)
    assert kept.returncode == 0, kept.stderr
    assert not (root / "opt/appliance").exists() and not (root / "etc/systemd/system/appliance.service").exists()
    assert (root / "var/lib/appliance/appliance.db").exists() and (root / "etc/appliance/appliance.toml").exists()
    purged = subprocess.run(["bash", *uninstall, "--purge"], capture_output=True, text=True)
    assert purged.returncode == 0, purged.stderr
    assert not (root / "var/lib/appliance").exists() and not (root / "etc/appliance").exists()
