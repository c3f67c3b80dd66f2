"""A contact's history for the front desk: the calls from their numbers and the messages they
left. Stored caller IDs are raw (as the trunk sent them), so rows are preselected on the last
digits of the contact's numbers and then compared in E.164."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from appliance.crm.contacts import Contact, Contacts
from appliance.crm.messages import COLUMNS as MESSAGE_COLUMNS
from appliance.crm.messages import Message, message_from_row
from appliance.crm.timeutil import parse_iso

MATCH_DIGITS = 7
_SEPARATORS_REMOVED = "replace(replace(replace(replace(replace({}, ' ', ''), '-', ''), '.', ''), '(', ''), ')', '')"


@dataclass(frozen=True)
class ContactCall:
    """One call as the contact's history shows it; times are aware UTC datetimes."""

    id: int
    started_at: datetime
    ended_at: datetime | None
    direction: str
    caller_number: str
    caller_name: str
    outcome: str


class ContactHistory:
    """Calls and messages belonging to one contact, newest first."""

    def __init__(self, contacts: Contacts) -> None:
        self.contacts = contacts
        self.db = contacts.db

    def calls(self, contact: Contact, limit: int = 100) -> list[ContactCall]:
        """Calls whose caller ID is one of the contact's numbers."""
        if not contact.phones:
            return []
        where, params = _number_filter("caller_number", contact.phones)
        rows = self.db.execute(
            "SELECT id, started_at, ended_at, direction, caller_number, caller_name, outcome FROM calls "
            f"WHERE {where} ORDER BY started_at DESC LIMIT ?", [*params, limit]).fetchall()
        return [ContactCall(r[0], parse_iso(r[1]), parse_iso(r[2]) if r[2] else None, *r[3:])
                for r in rows if self._is_theirs(r[4], contact)]

    def messages(self, contact: Contact, limit: int = 100) -> list[Message]:
        """Messages filed under the contact, or left from one of their numbers."""
        where, params = _number_filter("caller_number", contact.phones)
        rows = self.db.execute(
            f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE contact_id = ? OR {where} "
            "ORDER BY created_at DESC, id DESC LIMIT ?", [contact.id, *params, limit]).fetchall()
        found = [message_from_row(r) for r in rows]
        return [m for m in found if m.contact_id == contact.id or self._is_theirs(m.caller_number, contact)]

    def _is_theirs(self, raw_number: str, contact: Contact) -> bool:
        return self.contacts.phone_or_none(raw_number) in contact.phones


def _number_filter(column: str, phones: Sequence[str]) -> tuple[str, list[str]]:
    """SQL keeping rows whose `column`, without separators, ends in the last digits of one of `phones`."""
    if not phones:
        return "0", []
    clause = " OR ".join(f"{_SEPARATORS_REMOVED.format(column)} LIKE ?" for _ in phones)
    return f"({clause})", [f"%{phone[-MATCH_DIGITS:]}" for phone in phones]
