"""The note beside an encrypted backup: the id of its data key and the key sealed to the
clinic's recovery key. It opens nothing without the printed recovery key."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from appliance.keys.keyring import KeyFileError, Keyring, check_key_id
from appliance.keys.sealing import write_file


def note_path(backup: Path) -> Path:
    """Where the note of the backup `backup` is kept."""
    return backup.with_name(backup.name + ".key")


def write_note(backup: Path, keyring: Keyring) -> Path:
    """Write the note for a backup encrypted with the keyring's current key."""
    path = note_path(backup)
    sealed = base64.b64encode(keyring.sealed[keyring.current]).decode()
    note = json.dumps({"key_id": keyring.current, "sealed_key": sealed})
    try:
        if path.read_text() == note:
            return path
    except OSError:
        pass
    write_file(path, note.encode(), None)  # whole or not at all: a new file synced, then renamed
    return path


def read_note(backup: Path) -> tuple[str, bytes]:
    """The key id and sealed key the note of `backup` holds."""
    path = note_path(backup)
    try:
        note = json.loads(path.read_text())
        return check_key_id(note["key_id"]), base64.b64decode(note["sealed_key"], validate=True)
    except FileNotFoundError:
        raise KeyFileError(f"{backup} is encrypted and its key note {path.name} is missing: copy it from "
                           f"where the backup was kept (both files go together)") from None
    except (OSError, ValueError, KeyError) as exc:
        raise KeyFileError(f"the key note {path} is damaged ({exc})") from None
