"""Encryption at rest on real files: the store through SQLCipher, sealed recordings and spool,
a plain store encrypted in place without losing a row, backups restored on a new box with the
recovery key, key rotation (interrupted, then finished), and damage or a wrong key refused."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime

import pytest

from appliance.cli import main
from appliance.crm.appointments import Appointments
from appliance.crm.calls import CallLog
from appliance.crm.contacts import Contacts
from appliance.crm.db import StoreError, connect, is_plain_store, open_store
from appliance.crm.encryption import encrypt_if_keyed, encryption_state, rotate_key, row_counts
from appliance.crm.maintenance import backup, restore
from appliance.crm.messages import Messages
from appliance.crm.schedule import Schedule
from appliance.crm.spool import Spool
from appliance.health import check_encryption
from appliance.keys.key_note import note_path
from appliance.keys.keyring import KeyFileError, create_keyring, load_keyring, save_keyring
from appliance.keys.recovery import RecoveryKeyError, parse_recovery_key
from appliance.keys.sealing import SealError, is_sealed_file, read_file, write_file
from tests.crm.conftest import TZ


def fill(db) -> None:
    """A little of everything a clinic's store holds."""
    schedule = Schedule(db)
    patel = schedule.add_provider("Dr. Patel").id
    checkup = schedule.add_service("check-up", 30).id
    for day in range(5):
        schedule.set_hours(day, "08:00", "17:00")
    contacts = Contacts(db, country_code="1")
    for i in range(40):
        c = contacts.add(f"Patient {i}", phones=[f"+1555{i:07d}"], date_of_birth="1980-01-01")
        Appointments(db, TZ).book(c.id, patel, checkup, datetime(2026, 12, 7 + i // 16, 8, tzinfo=TZ)
                                  .replace(hour=8 + (i % 16) // 2, minute=30 * (i % 2)), "phone_agent")
    call = CallLog(db).start("+15550000001", "Patient 1")
    Messages(db).add("Please call me back about my crown", "+15550000001", "Patient 1", None, True, call_id=call)


def sqlite_cli_tables(path) -> subprocess.CompletedProcess:
    """What the stock `sqlite3` shell (a thief's first try) says about the file."""
    return subprocess.run([shutil.which("sqlite3") or "sqlite3", str(path), ".tables"], capture_output=True, text=True)


@pytest.fixture()
def keyed(tmp_path):
    """A data folder with a key file; returns (folder, keyring, recovery text)."""
    keyring, recovery = create_keyring(tmp_path)
    return tmp_path, keyring, recovery


def test_a_new_store_on_a_box_with_a_key_is_unreadable_without_it(keyed):
    data, _, _ = keyed
    fill(open_store(data / "appliance.db"))
    assert not is_plain_store(data / "appliance.db")
    if shutil.which("sqlite3"):
        shell = sqlite_cli_tables(data / "appliance.db")
        assert shell.returncode != 0 and "not a database" in shell.stderr
    copy = data.parent / "stolen"
    copy.mkdir()
    shutil.copy(data / "appliance.db", copy / "appliance.db")
    with pytest.raises(StoreError, match="no data key"):
        open_store(copy / "appliance.db")
    assert b"Patient 1" not in (data / "appliance.db").read_bytes()
    second = open_store(data / "appliance.db")  # another program of the box (the window) with the key file
    assert second.execute("SELECT count(*) FROM contacts").fetchone()[0] == 40


def test_a_plain_store_is_encrypted_in_place_without_losing_a_row(tmp_path):
    path = tmp_path / "appliance.db"
    db = open_store(path)
    fill(db)
    before = row_counts(db.conn)
    db.conn.close()
    path.chmod(0o660)  # the front desk's group writes the store
    keyring, _ = create_keyring(tmp_path)
    encrypt_if_keyed(path)
    assert not is_plain_store(path) and not (tmp_path / "appliance.db.encrypting").exists()
    assert path.stat().st_mode & 0o777 == 0o660
    after = open_store(path)
    assert row_counts(after.conn) == before and sum(before.values()) > 80
    assert after.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    [kept] = (tmp_path / "backups").glob("appliance-before-encryption-*.db")
    assert not is_plain_store(kept) and note_path(kept).exists()
    assert row_counts(connect(kept, "ro", keyring=keyring)) == before


def test_encryption_waits_while_another_program_has_the_store_open(tmp_path):
    path = tmp_path / "appliance.db"
    fill(open_store(path))
    window = open_store(path)  # the front desk's window, still open
    window.execute("SELECT count(*) FROM contacts").fetchone()
    create_keyring(tmp_path)
    encrypt_if_keyed(path)  # logged and left for later: the service still starts
    assert is_plain_store(path)
    assert window.execute("SELECT count(*) FROM contacts").fetchone()[0] == 40
    assert "still plain" in check_encryption(tmp_path).detail
    window.conn.close()
    encrypt_if_keyed(path)
    assert not is_plain_store(path) and check_encryption(tmp_path).status == "ok"


def test_a_backup_opens_on_a_new_box_with_the_recovery_key_only(keyed, tmp_path_factory):
    data, _, recovery = keyed
    db = open_store(data / "appliance.db")
    fill(db)
    saved = backup(db, tmp_path_factory.mktemp("usb") / "appliance.db")
    assert not is_plain_store(saved) and note_path(saved).exists()
    new_box = tmp_path_factory.mktemp("new-box")
    create_keyring(new_box)  # the new box was installed with its own key
    with pytest.raises(KeyFileError, match="recovery key"):
        restore(saved, new_box / "appliance.db")
    _, other_recovery = create_keyring(tmp_path_factory.mktemp("other"))
    with pytest.raises(RecoveryKeyError, match="does not open"):
        restore(saved, new_box / "appliance.db", other_recovery)
    restore(saved, new_box / "appliance.db", recovery.lower().replace("-", " "))
    restored = open_store(new_box / "appliance.db")
    assert restored.execute("SELECT count(*) FROM appointments").fetchone()[0] == 40


def test_a_mistyped_recovery_key_is_refused_and_a_misread_letter_forgiven(keyed):
    _, _, recovery = keyed
    parse_recovery_key(recovery.replace("O", "0"))
    typo = recovery[:10] + ("A" if recovery[10] != "A" else "B") + recovery[11:]
    with pytest.raises(RecoveryKeyError, match="mistyped"):
        parse_recovery_key(typo)
    with pytest.raises(RecoveryKeyError, match="starts with"):
        parse_recovery_key("hello")


def test_recordings_and_the_spool_are_sealed_and_tampering_is_refused(keyed):
    data, keyring, _ = keyed
    wav = data / "recordings" / "call-1.wav"
    wav.parent.mkdir()
    write_file(wav, b"RIFF....WAVEfmt caller audio", keyring)
    assert is_sealed_file(wav) and b"caller audio" not in wav.read_bytes()
    assert read_file(wav, keyring) == b"RIFF....WAVEfmt caller audio"
    damaged = bytearray(wav.read_bytes())
    damaged[-3] ^= 1
    wav.write_bytes(bytes(damaged))
    with pytest.raises(SealError, match="damaged"):
        read_file(wav, keyring)
    spool = Spool.beside(data / "appliance.db")
    spool.add("message", {"text": "Maria Lopez, 555 1234, about her crown"})
    assert "Maria" not in spool.path.read_text()
    assert spool.pending()[0]["text"].startswith("Maria Lopez")


def test_a_spool_line_that_cannot_be_opened_is_kept_not_dropped(keyed, tmp_path_factory):
    data, _, _ = keyed
    message = {"text": "Call me", "caller_number": "+15550000001", "caller_name": "Maria", "callback": True}
    spool = Spool.beside(data / "appliance.db")
    spool.add("message", message)
    foreign_keyring, _ = create_keyring(tmp_path_factory.mktemp("foreign"))
    Spool(spool.path, foreign_keyring).add("message", {**message, "text": "sealed with another key"})
    db = open_store(data / "appliance.db")
    assert spool.replay(db) == 1
    assert db.execute("SELECT text FROM messages").fetchall() == [("Call me",)]
    [left] = spool.path.read_text().splitlines()
    assert Spool(spool.path, foreign_keyring).pending()[0]["text"] == "sealed with another key", left


def test_rotation_moves_everything_to_a_new_key_and_forgets_the_old(keyed):
    data, old, recovery = keyed
    db = open_store(data / "appliance.db")
    fill(db)
    before = row_counts(db.conn)
    saved = backup(db, data / "backups" / "nightly.db")
    db.conn.close()
    (data / "recordings").mkdir()
    write_file(data / "recordings" / "call-1.wav", b"audio", old)
    Spool.beside(data / "appliance.db").add("message", {"text": "pending"})
    half = old.start_rotation()  # a rotation cut off after its first step
    save_keyring(data, half)
    new, counts = rotate_key(data)
    assert new.current == half.current and list(load_keyring(data).keys) == [new.current]
    assert counts == {"backups": 1, "recordings": 1, "spool": 1, "failed": 0}
    assert row_counts(open_store(data / "appliance.db").conn) == before
    with pytest.raises(StoreError, match="another key"):
        connect(data / "appliance.db", keyring=old.only_current())
    assert read_file(data / "recordings" / "call-1.wav", new) == b"audio"
    with pytest.raises(SealError, match="does not have"):
        read_file(data / "recordings" / "call-1.wav", old.only_current())
    assert Spool.beside(data / "appliance.db").pending()[0]["text"] == "pending"
    assert row_counts(connect(saved, "ro", keyring=new)) == before
    restore(saved, data / "appliance.db", recovery)  # its note follows the new key


def test_doctor_and_status_say_whether_encryption_is_on(tmp_path, capsys):
    assert check_encryption(tmp_path).status == "warn" and "off" in check_encryption(tmp_path).detail
    config = tmp_path / "appliance.toml"
    config.write_text(f'[paths]\ndata = "{tmp_path / "data"}"\n')
    assert main(["--config", str(config), "keys", "init"]) == 0
    printed = capsys.readouterr().out
    recovery = next(word for word in printed.split() if word.startswith("RK1-"))
    parse_recovery_key(recovery)
    assert main(["--config", str(config), "keys", "status"]) == 0
    assert "on (data key" in capsys.readouterr().out
    state = encryption_state(tmp_path / "data")
    assert state.key_id and not state.plain_files
    assert main(["--config", str(config), "keys", "init"]) == 2  # a second key would orphan the first
    assert "exists already" in capsys.readouterr().err


def test_a_migration_cut_off_before_the_rename_leaves_the_plain_store_whole(tmp_path, monkeypatch):
    path = tmp_path / "appliance.db"
    fill(open_store(path))
    before = row_counts(open_store(path).conn)
    create_keyring(tmp_path)

    def power_cut(src, dst):
        raise KeyboardInterrupt("power cut")
    monkeypatch.setattr("appliance.crm.encryption.os.replace", power_cut)
    with pytest.raises(KeyboardInterrupt):
        encrypt_if_keyed(path)
    assert is_plain_store(path) and row_counts(open_store(path).conn) == before
    monkeypatch.undo()
    encrypt_if_keyed(path)  # the next start finishes it
    assert not is_plain_store(path) and row_counts(open_store(path).conn) == before
    assert not (tmp_path / "appliance.db.encrypting").exists()


def test_a_damaged_backup_is_reported_and_never_stops_the_rest(tmp_path, caplog):
    path = tmp_path / "appliance.db"
    fill(open_store(path))
    (tmp_path / "backups").mkdir()
    (tmp_path / "backups" / "torn.db").write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    (tmp_path / "recordings").mkdir()
    (tmp_path / "recordings" / "call-1.wav").write_bytes(b"RIFF plain audio")
    create_keyring(tmp_path)
    encrypt_if_keyed(path)
    assert not is_plain_store(path) and is_sealed_file(tmp_path / "recordings" / "call-1.wav")
    assert "torn.db could not be brought to the current data key" in caplog.text
    with pytest.raises(StoreError, match="old key is kept"):
        rotate_key(tmp_path)
    assert len(load_keyring(tmp_path).keys) == 2  # nothing sealed with the old key is orphaned
    (tmp_path / "backups" / "torn.db").unlink()
    rotate_key(tmp_path)  # finishes the rotation it started
    assert len(load_keyring(tmp_path).keys) == 1
    assert read_file(tmp_path / "recordings" / "call-1.wav", load_keyring(tmp_path)) == b"RIFF plain audio"


def test_a_restore_can_be_undone_and_a_restored_key_is_rotated_away(keyed, tmp_path_factory):
    data, _, recovery = keyed
    db = open_store(data / "appliance.db")
    fill(db)
    old_box_backup = backup(db, tmp_path_factory.mktemp("usb") / "old.db")
    db.conn.close()
    new_box = tmp_path_factory.mktemp("new-box")
    own, _ = create_keyring(new_box)
    Contacts(open_store(new_box / "appliance.db")).add("Only on the new box")
    restore(old_box_backup, new_box / "appliance.db", lambda: recovery)
    kept = new_box / "appliance.db.before-restore"
    restore(kept, new_box / "appliance.db")  # back as it was: no key note, this box's own key
    assert [r[0] for r in connect(new_box / "appliance.db").execute("SELECT name FROM contacts")] == [
        "Only on the new box"]
    rotated, _ = rotate_key(new_box)
    assert rotated.current not in (own.current, load_keyring(data).current)
    with pytest.raises(StoreError, match="no such file"):
        restore(new_box / "typo.db", new_box / "appliance.db")
