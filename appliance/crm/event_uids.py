"""The stable UID an appointment has in every calendar the box writes (the ICS feed, CalDAV).

The UID carries the store's random identity and the appointment's creation time beside its id,
so neither another box's appointment 7 nor a later one that reuses the number 7 after a restore
of an older backup is ever taken for this one."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlite_utils

DOMAIN = "clinic-appliance"
_UID = re.compile(rf"appointment-(\d+)-(\d{{8}}T\d{{6}})@([0-9a-f]+)\.{DOMAIN}")


@dataclass(frozen=True)
class UidParts:
    """What a UID of this store names: the appointment's id and its creation stamp."""

    appointment_id: int
    created: str


def store_identity(db: sqlite_utils.Database) -> str:
    """This store's identity, created with its schema."""
    return db.execute("SELECT id FROM store_identity").fetchone()[0]


def appointment_uid(store: str, appointment_id: int, created_at: str) -> str:
    """'appointment-12-20261126T150102@8a217fd98f93.clinic-appliance' (`created_at` as stored)."""
    return f"appointment-{appointment_id}-{_stamp(created_at)}@{store}.{DOMAIN}"


def uid_of(db: sqlite_utils.Database, appointment_id: int) -> str:
    """The UID of one appointment of this store."""
    created = db.execute("SELECT created_at FROM appointments WHERE id = ?", [appointment_id]).fetchone()[0]
    return appointment_uid(store_identity(db), appointment_id, created)


def uid_parts(uid: str, store: str) -> UidParts | None:
    """The appointment a UID of this store names; None for anyone else's UID."""
    match = _UID.fullmatch(uid)
    return UidParts(int(match.group(1)), match.group(2)) if match and match.group(3) == store else None


def names_appointment(parts: UidParts, appointment_id: int, created_at: str) -> bool:
    """Whether the UID's parts are this appointment (same id and the same creation time)."""
    return parts.appointment_id == appointment_id and parts.created == _stamp(created_at)


def _stamp(created_at: str) -> str:
    """'2026-11-26T15:01:02Z' -> '20261126T150102'."""
    return re.sub(r"[-:Z]", "", created_at)[:15]
