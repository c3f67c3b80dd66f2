"""The note beside an encrypted backup: the id of its data key and the key sealed to the
clinic's recovery key. It opens nothing without the printed recovery key."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from appliance.keys.keyring import KeyFileError, Keyring
from appliance.private_files import write_private


def note_path(backup: Path) -> Path:
    """Where the note of the backup `backup` is kept."""
    return backup.with_name(backup.name + ".key")


def write_note(backup: Path, keyring: Keyring) -> Path:
    """Write the note for a backup encrypted with the keyring's current key."""
    path = note_path(backup)
    write_private(path, json.dumps({"key_id": keyring.current,
                                    "sealed_key": base64.b64encode(keyring.sealed[keyring.current]).decode()}))
    return path


def read_note(backup: Path) -> tuple[str, bytes]:
    """The key id and sealed key the note of `backup` holds."""
    path = note_path(backup)
    try:
        note = json.loads(path.read_text())
        return note["key_id"], base64.b64decode(note["sealed_key"], validate=True)
    except FileNotFoundError:
        raise KeyFileError(f"{backup} is encrypted and its key note {path.name} is missing: copy it from "
                           f"where the backup was kept (both files go together)") from None
    except (OSError, ValueError, KeyError) as exc:
        raise KeyFileError(f"the key note {path} is damaged ({exc})") from None
