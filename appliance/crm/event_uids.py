"""The stable UID an appointment has in every calendar the box writes (the ICS feed, CalDAV).

The UID carries the store's random identity, so a restored or second box never takes another
store's appointment 7 for its own."""

from __future__ import annotations

import re

import sqlite_utils

DOMAIN = "clinic-appliance"
_UID = re.compile(rf"appointment-(\d+)@([0-9a-f]+)\.{DOMAIN}")


def store_identity(db: sqlite_utils.Database) -> str:
    """This store's identity, created with its schema."""
    return db.execute("SELECT id FROM store_identity").fetchone()[0]


def appointment_uid(store: str, appointment_id: int) -> str:
    """'appointment-12@8a217fd98f93.clinic-appliance'."""
    return f"appointment-{appointment_id}@{store}.{DOMAIN}"


def appointment_of(uid: str, store: str) -> int | None:
    """The appointment id a UID of this store names; None for anyone else's UID."""
    match = _UID.fullmatch(uid)
    return int(match.group(1)) if match and match.group(2) == store else None
