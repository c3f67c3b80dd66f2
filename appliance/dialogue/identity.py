"""Who the caller is: their name and date of birth, matched against the record (caller ID alone
can be forged), or registered as a new patient when they book."""

from __future__ import annotations

import logging

from appliance.crm.contacts import Contact, name_key
from appliance.dialogue import wording
from appliance.dialogue.call import Call
from appliance.dialogue.escalation import Escalation
from appliance.dialogue.reply import Reply
from appliance.dialogue.state import Step
from appliance.dialogue.understand import extract_dob, extract_name

log = logging.getLogger(__name__)
PRIVATE_INTENTS = ("cancel", "reschedule", "confirm")  # these read or change an existing appointment


class Identity:
    """The name and date-of-birth check of one call. Each method returns what to say next, or
    None once the caller is known well enough for what they want (the dialogue carries on)."""

    def __init__(self, call: Call, escalation: Escalation) -> None:
        self.call = call
        self.escalation = escalation

    def question(self) -> Reply | None:
        """Ask for the name or date of birth still needed, or None."""
        s = self.call.state
        if s.contact is None and s.name is None:
            return self.call.ask(Step.NAME, wording.ASK_NAME)
        if s.intent in PRIVATE_INTENTS and not s.verified:
            if s.name is None:
                return self.call.ask(Step.NAME, wording.ASK_NAME_FOR_SECURITY)
            return self.call.ask(Step.DOB, wording.ASK_DOB)
        if s.contact is None:
            return self.call.ask(Step.DOB, wording.ASK_DOB)
        return None

    def take_name(self, text: str) -> Reply | None:
        """The caller's name (and their date of birth, when they said both at once)."""
        name = extract_name(text)
        if name is None:
            return self.escalation.not_understood(wording.NAME_AGAIN)
        s = self.call.state
        s.name, s.step = name, Step.DOB
        if extract_dob(text):
            return self.take_date_of_birth(text)
        return Reply.say(wording.DOB_AFTER_NAME.format(first_name=name.split()[0]))

    def take_date_of_birth(self, text: str) -> Reply | None:
        """The caller's date of birth: checked against the record caller ID found, else used
        to find theirs (a new patient who books is registered)."""
        s = self.call.state
        dob = extract_dob(text, day_first=self.call.records.contacts.country_code != "1")
        if dob is None:
            return self.escalation.not_understood(wording.DOB_AGAIN)
        if s.contact is not None:
            if not matches(s.contact, s.name or "", dob):
                return self._mismatch(s.contact)
        else:
            s.contact = self.call.records.find_contact(s.name or "", dob)
            if s.contact is None:
                if s.intent != "book":
                    return self.escalation.hand_over("no record was found under that name and date of birth")
                s.contact = self.call.records.new_contact(s.name or "", dob, s.caller_number)
                s.done.append(f"registered {s.contact.name} as a new patient")
        s.verified = True
        s.not_understood = 0
        return None

    def _mismatch(self, contact: Contact) -> Reply:
        """Ask for the name again; at the second mismatch, hand over."""
        s = self.call.state
        log.info("%s: the name or date of birth given does not match contact %d", self.call.key, contact.id)
        s.not_understood += 1
        if s.not_understood >= 2:
            return self.escalation.hand_over("the name or date of birth did not match the record")
        s.name = None
        return self.call.ask(Step.NAME, wording.NO_MATCH)


def matches(contact: Contact, name: str, date_of_birth: str) -> bool:
    """Whether `name` and `date_of_birth` are both the record's."""
    return contact.date_of_birth == date_of_birth and name_key(name) == name_key(contact.name)
