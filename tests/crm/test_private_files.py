"""Patient data at rest: the store (with its -wal and -shm), recordings, exports and backups
are created with no permission for other users, even under a permissive umask."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from appliance.audio import stereo_wav
from appliance.cli import main
from appliance.crm.contacts import Contacts
from appliance.crm.db import open_store
from appliance.crm.maintenance import backup, restore
from appliance.keys.sealing import write_file
from appliance.private_files import OTHERS, restrict_umask


def others(path: Path) -> int:
    """The permission bits 'other' has on `path`."""
    return stat.S_IMODE(path.stat().st_mode) & OTHERS


@pytest.fixture(autouse=True)
def permissive_umask():
    """A shell's usual umask (022): everything created would be world-readable by default."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_a_fresh_store_and_its_wal_and_shm_are_private(tmp_path):
    path = tmp_path / "data" / "appliance.db"
    db = open_store(path)
    Contacts(db).add("Maria Lopez", phones=["5551234567"])
    files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
    assert all(f.exists() for f in files)
    assert [others(f) for f in [path.parent, *files]] == [0, 0, 0, 0]
    assert stat.S_IMODE(path.stat().st_mode) & 0o600 == 0o600  # the owner keeps read and write


def test_an_existing_world_readable_store_is_closed_to_others(tmp_path):
    path = tmp_path / "appliance.db"
    open_store(path).conn.close()
    for f in (path, Path(f"{path}-wal")):
        if f.exists():
            f.chmod(0o644)
    db = open_store(path)
    db.execute("INSERT INTO providers (name) VALUES ('Dr. Test')")  # a write: SQLite makes the -wal now if not before
    assert others(path) == 0 and others(Path(f"{path}-wal")) == 0


def test_a_recording_is_private(tmp_path):
    path = tmp_path / "recordings" / "call-1.wav"
    path.parent.mkdir()
    write_file(path, stereo_wav(b"\1\0" * 1600, b"\2\0" * 1600), None)
    assert path.stat().st_size > 6400 and others(path) == 0


def test_exports_and_backups_are_private(tmp_path, capsys):
    store = tmp_path / "appliance.db"
    Contacts(open_store(store)).add("Maria Lopez", phones=["5551234567"])
    csv_file, ics_file = tmp_path / "calls.csv", tmp_path / "all.ics"
    ics_file.write_text("an older export, world-readable\n")
    ics_file.chmod(0o644)
    assert main(["crm", "--db", str(store), "export-csv", "calls", "-o", str(csv_file)]) == 0
    assert main(["crm", "--db", str(store), "export-ics", "-o", str(ics_file)]) == 0
    assert main(["crm", "--db", str(store), "backup"]) == 0
    [made] = (tmp_path / "backups").glob("appliance-*.db")
    assert [others(f) for f in (csv_file, ics_file, made, made.parent)] == [0, 0, 0, 0]
    assert "BEGIN:VCALENDAR" in ics_file.read_text()

    copy = backup(open_store(store), tmp_path / "copy.db")
    copy.chmod(0o644)  # a backup carried over on a stick, say
    kept = restore(copy, store)
    assert others(store) == 0 and others(kept) == 0


def test_the_service_umask_keeps_others_out(tmp_path):
    old = restrict_umask()
    try:
        (tmp_path / "recordings").mkdir()
        (tmp_path / "recordings" / "any.wav").write_bytes(b"")
    finally:
        os.umask(old)
    assert old == 0o022
    assert others(tmp_path / "recordings") == 0 and others(tmp_path / "recordings" / "any.wav") == 0
