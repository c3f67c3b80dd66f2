"""Contacts (patients and other callers): lookup by caller ID on the call's hot path, or by
name and date of birth, and edits from the front desk."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

import sqlite_utils
from sqlcipher3 import dbapi2 as sqlite3

from appliance.crm.changes import audit, enqueue
from appliance.crm.db import transaction
from appliance.crm.phones import normalise_phone, try_normalise
from appliance.crm.timeutil import now_utc, utc_text
from appliance.errors import ApplianceError


class ContactError(ApplianceError):
    """A contact's data is not valid, or the contact does not exist."""

    code = "crm.contact"


@dataclass(frozen=True)
class Contact:
    """One person as the clinic knows them."""

    id: int
    name: str
    date_of_birth: str | None
    email: str
    notes: str
    phones: tuple[str, ...]
    reminder_calls: bool = True  # False: the patient asked not to get reminder calls


@dataclass(frozen=True)
class NewContact:
    """A contact not yet stored, its details checked: phones in E.164, an ISO date of birth."""

    name: str
    phones: tuple[str, ...]
    date_of_birth: str | None
    email: str
    notes: str


def name_key(name: str) -> str:
    """Lower case, no accents, single spaces: 'José  Müller' -> 'jose muller'."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9 ]", " ", plain.lower())).strip()


def check_dob(value: str | None) -> str | None:
    """An ISO date of birth in the past, or None."""
    if value in (None, ""):
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise ContactError(f"date of birth {value!r} is not a date like 1980-05-03") from None
    if parsed > date.today() or parsed.year < 1900:
        raise ContactError(f"date of birth {value} is not plausible")
    return parsed.isoformat()


class Contacts:
    """The contacts table and its phone numbers."""

    def __init__(self, db: sqlite_utils.Database, country_code: str = "1", trunk_prefix: str = "") -> None:
        self.db = db
        self.country_code = country_code
        self.trunk_prefix = trunk_prefix

    def phone(self, raw: str) -> str:
        """`raw` in E.164 (raises `PhoneError`)."""
        return normalise_phone(raw, self.country_code, self.trunk_prefix)

    def phone_or_none(self, raw: str) -> str | None:
        """`raw` in E.164, or None when it is not a number (anonymous, a SIP user name)."""
        return try_normalise(raw, self.country_code, self.trunk_prefix)

    def checked(self, name: str, phones: tuple[str, ...] | list[str] = (), date_of_birth: str | None = None,
                email: str = "", notes: str = "") -> NewContact:
        """A new contact's details checked, phones in E.164 (raises `ContactError` or `PhoneError`)."""
        if not name.strip():
            raise ContactError("a contact needs a name")
        dob = check_dob(date_of_birth)
        return NewContact(name.strip(), tuple(self.phone(p) for p in phones), dob, email.strip(), notes)

    def add(self, name: str, phones: tuple[str, ...] | list[str] = (), date_of_birth: str | None = None,
            email: str = "", notes: str = "", actor: str = "front_desk") -> Contact:
        """Create a contact; phones are stored in E.164."""
        new = self.checked(name, phones, date_of_birth, email, notes)
        with transaction(self.db) as conn:
            contact_id = self.insert(conn, new, actor)
        return self.get(contact_id)

    def insert(self, conn: sqlite3.Connection, new: NewContact, actor: str) -> int:
        """Write a checked contact inside the caller's transaction (audited and queued for the
        outside CRM); its id."""
        now = utc_text(now_utc())
        cur = conn.execute(
            "INSERT INTO contacts (name, name_key, date_of_birth, email, notes, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", (new.name, name_key(new.name), new.date_of_birth, new.email, new.notes,
                                             now, now))
        contact_id = cur.lastrowid
        conn.executemany("INSERT OR IGNORE INTO contact_phones (contact_id, phone) VALUES (?, ?)",
                         [(contact_id, n) for n in new.phones])
        audit(conn, actor, "create", "contact", contact_id, {"name": new.name})
        enqueue(conn, "contact.created", {"contact_id": contact_id, "name": new.name,
                                          "phones": list(new.phones), "date_of_birth": new.date_of_birth})
        return contact_id

    def update(self, contact_id: int, actor: str = "front_desk", **fields: object) -> Contact:
        """Change name, date_of_birth, email, notes, phones (a list) or reminder_calls (a bool)."""
        current = self.get(contact_id)
        allowed = {"name", "date_of_birth", "email", "notes", "phones", "reminder_calls"}
        unknown = set(fields) - allowed
        if unknown:
            raise ContactError(f"cannot change {sorted(unknown)}")
        name = str(fields.get("name", current.name)).strip()
        if not name:
            raise ContactError("a contact needs a name")
        dob = check_dob(fields["date_of_birth"]) if "date_of_birth" in fields else current.date_of_birth
        numbers = [self.phone(str(p)) for p in fields["phones"]] if "phones" in fields else None
        with transaction(self.db) as conn:
            conn.execute("UPDATE contacts SET name = ?, name_key = ?, date_of_birth = ?, email = ?, notes = ?, "
                         "reminder_calls = ?, updated_at = ? WHERE id = ?",
                         (name, name_key(name), dob, str(fields.get("email", current.email)),
                          str(fields.get("notes", current.notes)),
                          int(bool(fields.get("reminder_calls", current.reminder_calls))), utc_text(now_utc()),
                          contact_id))
            if numbers is not None:
                conn.execute("DELETE FROM contact_phones WHERE contact_id = ?", (contact_id,))
                conn.executemany("INSERT OR IGNORE INTO contact_phones (contact_id, phone) VALUES (?, ?)",
                                 [(contact_id, n) for n in numbers])
            audit(conn, actor, "update", "contact", contact_id, {k: v for k, v in fields.items()})
            enqueue(conn, "contact.updated", {"contact_id": contact_id, **{k: v for k, v in fields.items()}})
        return self.get(contact_id)

    def get(self, contact_id: int) -> Contact:
        """The contact with this id."""
        row = self.db.execute("SELECT id, name, date_of_birth, email, notes, reminder_calls FROM contacts WHERE id = ?",
                              [contact_id]).fetchone()
        if row is None:
            raise ContactError(f"no contact {contact_id}")
        return self._contact(row)

    def by_phone(self, raw: str) -> list[Contact]:
        """Contacts with this number (caller ID); none for a withheld or non-numeric ID."""
        number = self.phone_or_none(raw)
        if number is None:
            return []
        rows = self.db.execute(
            "SELECT c.id, c.name, c.date_of_birth, c.email, c.notes, c.reminder_calls FROM contact_phones p "
            "JOIN contacts c ON c.id = p.contact_id WHERE p.phone = ? ORDER BY c.id", [number]).fetchall()
        return [self._contact(r) for r in rows]

    def by_name_dob(self, name: str, date_of_birth: str) -> list[Contact]:
        """Contacts matching a spoken name and date of birth exactly (after normalising)."""
        dob = check_dob(date_of_birth)
        rows = self.db.execute(
            "SELECT id, name, date_of_birth, email, notes, reminder_calls FROM contacts "
            "WHERE name_key = ? AND date_of_birth = ?",
            [name_key(name), dob]).fetchall()
        return [self._contact(r) for r in rows]

    def by_dob(self, date_of_birth: str) -> list[Contact]:
        """Contacts born on this date."""
        rows = self.db.execute("SELECT id, name, date_of_birth, email, notes, reminder_calls FROM contacts "
                               "WHERE date_of_birth = ?", [check_dob(date_of_birth)]).fetchall()
        return [self._contact(r) for r in rows]

    def search(self, text: str, limit: int = 50) -> list[Contact]:
        """Contacts whose name contains `text`, or whose number contains its digits."""
        key, digits = name_key(text), re.sub(r"\D", "", text)
        rows = self.db.execute(
            "SELECT DISTINCT c.id, c.name, c.date_of_birth, c.email, c.notes, c.reminder_calls FROM contacts c "
            "LEFT JOIN contact_phones p ON p.contact_id = c.id "
            "WHERE c.name_key LIKE ? OR (? != '' AND p.phone LIKE ?) ORDER BY c.name_key LIMIT ?",
            [f"%{key}%", digits, f"%{digits}%", limit]).fetchall()
        return [self._contact(r) for r in rows]

    def _contact(self, row: tuple) -> Contact:
        phones = tuple(p for (p,) in self.db.execute(
            "SELECT phone FROM contact_phones WHERE contact_id = ? ORDER BY phone", [row[0]]).fetchall())
        return Contact(id=row[0], name=row[1], date_of_birth=row[2], email=row[3], notes=row[4], phones=phones,
                       reminder_calls=bool(row[5]))
