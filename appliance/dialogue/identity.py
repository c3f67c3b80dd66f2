"""Who the caller is: their name and date of birth, matched against the record (caller ID alone
can be forged, and a family shares one phone), or registered as a new patient when they book,
with the last name spelled. A first name misheard beside the record's last name and exact date
of birth is spelled by the caller to pick the record. What the language model reads is checked
with the caller first."""

from __future__ import annotations

import logging
import re
from datetime import date

from appliance.crm.contacts import Contact
from appliance.crm.names import same_person_name
from appliance.dialogue import wording
from appliance.dialogue.birthdate import BirthParts, birth_parts, heard_alike, parse_date_of_birth
from appliance.dialogue.call import Call
from appliance.dialogue.escalation import Escalation
from appliance.dialogue.name_spelling import (
    best_spelling,
    corrected,
    first_name_fits,
    heard_instead,
    respelled,
    spelled_alike,
)
from appliance.dialogue.reading import Reader
from appliance.dialogue.reply import Reply
from appliance.dialogue.spelling import spelled_word
from appliance.dialogue.spoken import MONTHS, ordinal
from appliance.dialogue.state import Step
from appliance.dialogue.understand import extract_name, for_someone_else, full_name_in, yes_or_no

log = logging.getLogger(__name__)
LAST_NAME_SAID = re.compile(r"\b(?:sur ?name|last name|family name)\b(?:\s+is\b)?", re.IGNORECASE)
PRIVATE_INTENTS = ("cancel", "reschedule", "confirm")  # these read or change an existing appointment


class Identity:
    """The name and date-of-birth check of one call. Each method returns what to say next, or
    None once the caller is known well enough for what they want (the dialogue carries on)."""

    def __init__(self, call: Call, escalation: Escalation, reader: Reader) -> None:
        self.call = call
        self.escalation = escalation
        self.reader = reader

    def question(self) -> Reply | None:
        """Ask for whom the booking is, or the name or date of birth still needed, or None."""
        s = self.call.state
        if s.contact is not None and s.intent == "book" and not s.verified and not s.for_whom_checked:
            return self.call.ask(Step.FOR_WHOM, wording.FOR_WHOM.format(first_name=s.contact.name.split()[0]))
        if s.contact is None and s.name is None:
            return self.call.ask(Step.NAME, wording.ASK_NAME)
        if s.intent in PRIVATE_INTENTS and not s.verified:
            if s.name is None:
                return self.call.ask(Step.NAME, wording.ASK_NAME_FOR_SECURITY)
            return self.call.ask(Step.DOB, wording.ASK_DOB)
        if s.contact is None:
            return self.call.ask(Step.DOB, wording.ASK_DOB)
        return None

    def volunteered(self, text: str) -> Reply | None:
        """The caller's full name given with the request on a phone with no record ("Hi, this is
        Robert Chen, born June 5th, 1982, and I'd like a check-up") is taken as the answer to
        the name question, with the date of birth said with it: asked again, it is heard worse
        ("Robert Ken"). Only after "this is" or "my name is" (`full_name_in`)."""
        s = self.call.state
        if s.contact is not None or s.name is not None or for_someone_else(text):
            return None
        name = full_name_in(text, introduced=True)
        return self._use_name(name, text) if name is not None else None

    def take_for_whom(self, text: str) -> Reply | None:
        """A yes keeps the caller-ID patient; a no (or another name) asks who the patient is."""
        s = self.call.state
        first = s.contact.name.split()[0]
        answer = yes_or_no(text)
        if for_someone_else(text):
            answer = False
        elif answer is None and re.search(rf"\b{re.escape(first.lower())}\b", text.lower()):
            answer = True
        if answer is None:
            return self.escalation.not_understood(wording.FOR_WHOM_AGAIN.format(first_name=first))
        s.for_whom_checked = True
        s.not_understood = 0
        if answer:
            return None
        self.someone_else()
        named = full_name_in(text)  # "No, it's for me, Lucy Brennan."
        if named is not None:
            self.call.state.step = Step.NAME
            return self.take_name(named)
        return self.call.ask(Step.NAME, wording.ASK_PATIENT_NAME)

    def someone_else(self) -> None:
        """The appointment is for another person than the one known so far: ask who."""
        s = self.call.state
        s.contact, s.name, s.verified, s.spelled, s.for_whom_checked = None, None, False, False, True
        s.registered = False
        s.near, s.first_spelled, s.last_name_only, s.first_heard, s.name_said = [], False, False, "", ""

    def take_name(self, text: str) -> Reply | None:
        """The caller's name (and their date of birth, when they said both at once); a spelled
        last name replaces the heard one. What the rules cannot read, the model may, checked."""
        name = said = extract_name(text)
        spelled = spelled_word(text)
        if name is not None and spelled is not None and len(name.split()) >= 2:
            name = respelled(name, spelled)
        if name is None:
            if self.call.state.not_understood:  # a reading now could only be checked as the second miss
                return self.escalation.not_understood(wording.NAME_AGAIN)
            read = self.reader.name(text, wording.ASK_NAME)
            if read is not None and spelled is not None:
                read = respelled(read, spelled)
            if read is not None:
                return self._check_reading(Step.NAME, read, wording.IS_YOUR_NAME.format(name=read))
            # said again, it would be heard the same: spelled
            return self.escalation.not_understood(wording.NAME_SPELL, Step.SPELL_NAME)
        self.call.state.spelled = spelled is not None
        return self._use_name(name, text, said)

    def take_name_spelling(self, text: str) -> Reply | None:
        """The last name spelled, the name said not understood: the first name is spelled once
        the date of birth is known. A name said instead is taken as a name."""
        s = self.call.state
        spelled = spelled_word(text, asked=True)
        if spelled is None:
            s.step = Step.NAME
            return self.take_name(text)
        s.name, s.last_name_only, s.spelled = best_spelling("", spelled, first=False), True, True
        s.near, s.first_spelled, s.step, s.not_understood = [], False, Step.DOB, 0
        return Reply.say(wording.DOB_AFTER_SPELLING)

    def take_date_of_birth(self, text: str, unsure: bool = False) -> Reply | None:
        """The caller's date of birth, read by rules, else by the model and checked. Only part
        of it heard ("the Einstein O'Member, 1964"): the rest is asked for, once and without a
        miss ("I have 1964. And the day and month you were born?"), and the whole, once heard,
        checked. Letters spell the name just given (callers spell an unusual name unasked, often
        after a pause that ends their turn: "It's Grace Whitfield. | W H I T F I E L D."); the
        date of birth is then asked again, no miss counted. `unsure`: the recogniser's reading
        was not its likeliest (the likeliest with a date of birth in): the date is checked."""
        s = self.call.state
        spelled = spelled_word(text)
        if spelled is not None and s.name and not s.last_name_only:
            s.name, s.spelled = respelled(s.name, spelled), True
        today = self.call.local_now().date()
        born = parse_date_of_birth(text, self.day_first(), today)
        if born is None and spelled is not None and s.spelled:
            return Reply.say(wording.DOB_AFTER_SPELLING)
        if born is None:
            before = s.birth_parts
            heard = birth_parts(text, today, day_asked=before.month is not None and before.day is None)
            s.birth_parts = heard.merged(before)  # what is said now wins: "Sorry, 1954."
            pieced = s.birth_parts.born(today)  # the rest of a date heard in part: no miss (it was heard)
            if s.birth_parts.complete:
                s.birth_parts = BirthParts()
            born = pieced or self.reader.date_of_birth(text, wording.ASK_DOB, today)
            if born is not None:  # pieced together, or the model's reading: checked
                s.birth_parts = BirthParts()
                return self._check_reading(Step.DOB, born.isoformat(), wording.IS_YOUR_DOB.format(date=said(born)),
                                           miss=pieced is None)
            if before == BirthParts() and s.birth_parts != BirthParts():  # the rest asked for, once, no miss
                return Reply.say(wording.birth_part(s.birth_parts.month, s.birth_parts.day, s.birth_parts.year))
            return self.escalation.not_understood(wording.DOB_AGAIN)
        s.birth_parts = BirthParts()
        if unsure:
            return self._check_reading(Step.DOB, born.isoformat(), wording.IS_YOUR_DOB.format(date=said(born)),
                                       miss=False)
        return self._use_date_of_birth(born.isoformat())

    def take_spelling(self, text: str) -> Reply | None:
        """A new patient's last name, spelled; not understood twice, the heard one is kept."""
        s = self.call.state
        both = both_spelled(text)
        question = wording.SPELL_LAST_NAME if s.intent == "book" else wording.SPELL_LAST_NAME_TO_FIND
        spelled, again = self._spelling(both[1] if both else text, question)
        if again is not None:
            return again
        if both is not None:
            s.name = respelled(s.name or "", spelled_word(both[0], asked=True), first=True)
        if spelled is not None:
            s.name = respelled(s.name or "", spelled)
        s.spelled = True
        return self._use_date_of_birth(s.date_of_birth or "")

    def take_first_name_spelling(self, text: str) -> Reply | None:
        """The first name spelled (letters only: words are no spelling) picks the record whose
        last name and date of birth matched; none fits: the caller is not that patient (a
        mismatch, or someone new, whose first name it corrects). Unreadable twice: none fits."""
        s = self.call.state
        both = both_spelled(text)
        spelled, again = self._spelling(both[0] if both else text, wording.SPELL_FIRST_NAME)
        if again is not None:
            return again
        if both is not None and s.name and not s.last_name_only:
            s.name, s.spelled = respelled(s.name, spelled_word(both[1], asked=True)), True
        s.first_spelled = True
        heard = "" if s.last_name_only else (s.name or "").split(" ")[0]  # a refused reading picks no record
        if spelled is not None and s.name and s.last_name_only:
            s.name = f"{best_spelling(s.first_heard, spelled, first=True)} {s.name}"
        elif spelled is not None and s.name:
            s.name = respelled(s.name, spelled, first=True)
        s.last_name_only = False
        own = s.contact if s.contact is not None and s.contact.date_of_birth == s.date_of_birth else None
        found = [c for c in s.near if spelled is not None and first_name_fits(  # own: caller ID's, its birthday
            spelled, heard, c.name.split()[0], own is not None and c.id == own.id)]
        if len(found) == 1:
            s.contact, s.name, s.verified, s.not_understood = found[0], found[0].name, True, 0
            return None
        if s.contact is not None:
            return self._mismatch(s.contact)
        return self._use_date_of_birth(s.date_of_birth or "")

    def _spelling(self, text: str, question: str) -> tuple[str | None, Reply | None]:
        """The word spelled in `text`; none: `question` again the first time (the second, None
        and the caller goes on without it)."""
        spelled = spelled_word(text, asked=True)
        if spelled is None:
            self.call.state.not_understood += 1
            if self.call.state.not_understood < 2:
                return None, Reply.say(question)
        return spelled, None

    def take_reading_yes(self, text: str) -> Reply | None:
        """A yes to the model's reading uses it; a no with a date of birth in it is read as one,
        and a no to a name is `_name_after_no`; otherwise the question is asked again."""
        s = self.call.state
        step, value = s.reading
        s.reading = None
        answer = yes_or_no(text)
        if answer is True:
            s.not_understood = 0
            return self._use_name(value, "", "") if step == Step.NAME else self._use_date_of_birth(value)
        s.step = step
        if answer is False and step == Step.NAME:
            s.first_heard = value.split()[0] if len(value.split()) >= 2 else ""
            return self._name_after_no(text)
        if answer is False and re.search(r"\d|\w+\W+\w+\W+\w+", text):  # "no, 7972", "no, it's the 7th of..."
            return self.take_date_of_birth(text)
        again = wording.NAME_AGAIN if step == Step.NAME else wording.DOB_AGAIN
        return self.escalation.not_understood(again)

    def _name_after_no(self, text: str) -> Reply | None:
        """A no to the model's reading of the name: a name the rules read is taken, letters are
        the last name spelled, and anything else is asked spelled, not read by the model again
        (it would hear the same words). The no was understood: no second miss is counted."""
        if extract_name(text) is not None:
            return self.take_name(text)
        if spelled_word(text, asked=True) is not None:
            return self.take_name_spelling(text)
        return self.call.ask(Step.SPELL_NAME, wording.NAME_SPELL_AFTER_NO)

    def take_heard_yes(self, text: str) -> Reply | None:
        """Asked whether their name is as heard (a new patient's spelling was like no word heard
        for a part): a yes, or that name said back, takes it; a no with the name said again weighs
        it with the spelling (`corrected`); else the spelling stands, once the question was asked
        twice. Then the patient is registered: the question was answered, no miss is counted."""
        s = self.call.state
        as_heard = heard_instead(s.name_said, s.name or "") or s.name or ""
        answer, said = yes_or_no(text), extract_name(text) or full_name_in(text)
        if answer is None and said is not None and same_person_name(said, as_heard):
            answer = True  # "Imran Khan."
        if answer is None and said is None and not s.not_understood:
            s.not_understood = 1
            return Reply.say(self._name_check(as_heard))
        if answer is True:
            s.name = as_heard
        elif answer is False and said is not None:  # "No, it's Priya Raman."
            s.name = corrected(said, s.name or "")
        s.name_said, s.not_understood = "", 0
        return self._use_date_of_birth(s.date_of_birth or "")

    def _name_check(self, name: str) -> str:
        """Whether the name to register is `name`: the caller's own, or the patient's they book for."""
        form = wording.IS_PATIENTS_NAME if self.call.state.for_whom_checked else wording.IS_YOUR_NAME
        return form.format(name=name)

    # --- using what was read ------------------------------------------------------------
    def _use_name(self, name: str, text: str, said: str | None = None) -> Reply | None:
        """Take `name`; `said`: the words heard, before letters spelled with them ("": none to
        check, the caller confirmed the name)."""
        s = self.call.state
        if s.name is not None and name != s.name:  # a corrected name is checked afresh (not after a mismatch)
            s.near, s.first_spelled = [], False
        s.last_name_only, s.name_said = False, name if said is None else said
        s.name, s.step, s.not_understood = name, Step.DOB, 0  # understood: misses count again from here
        s.birth_parts = BirthParts()
        if text and parse_date_of_birth(text, self.day_first(), self.call.local_now().date()):
            return self.take_date_of_birth(text)
        return Reply.say(wording.DOB_AFTER_NAME.format(first_name=name.split()[0]))

    def _use_date_of_birth(self, dob: str) -> Reply | None:
        """Check the date of birth against the record caller ID found (only that one: a caller
        on a patient's phone acts for that patient), else find the caller's record by it. Not
        found: the caller spells their first name, which picks a record whose last name and date
        of birth match (on the patient's own phone, the record whose date of birth matches or
        was heard alike, however the name was heard); the question comes whether or not there
        is one, so it tells nothing. On the own phone, a last name spelled alike the record's
        (the name said not understood) with its exact date of birth is enough. Still not found,
        a caller who wants to change an appointment spells the last name (the name heard may be
        wrong: "Walter Brut" for Brooks) and is looked up again, then handed over; a new patient
        who books spells their last name too, then is registered."""
        s = self.call.state
        s.date_of_birth = dob
        name = s.name or ""
        if s.contact is not None and not matches(s.contact, name, dob):
            if s.last_name_only and own_last_name(s.contact, name, dob):
                s.name = s.contact.name  # the last name spelled, not understood said: the record's own
            elif s.first_spelled:
                return self._mismatch(s.contact)
            else:
                # the record's own date of birth on its own phone (or a day heard alike: "June 3rd"
                # for the 30th): the spelled first name decides, however the name was heard
                return self._spell_first_name([s.contact] if heard_alike(dob, s.contact.date_of_birth) else [])
        if s.contact is None:
            s.contact = self.call.records.find_contact(name, dob, s.misregistered)
            if s.contact is None and not s.first_spelled:
                return self._spell_first_name(self.call.records.near_contacts(name, dob))
            if s.contact is None:
                if s.intent != "book" and not s.spelled:  # the last name misheard? spelled, it is looked up again
                    s.not_understood = 0
                    return self.call.ask(Step.SPELL, wording.SPELL_LAST_NAME_TO_FIND)
                if s.intent != "book":
                    return self.escalation.hand_over("no record was found under that name and date of birth")
                if not s.spelled:
                    s.not_understood = 0
                    return self.call.ask(Step.SPELL, wording.SPELL_LAST_NAME)
                if heard := heard_instead(s.name_said, name):  # the letters or the words misheard
                    s.not_understood = 0
                    return self.call.ask(Step.CHECK_HEARD, self._name_check(heard))
                s.contact = self.call.records.new_contact(s.name or "", dob, s.caller_number)
                s.registered = True
                s.done.append(f"registered {s.contact.name} as a new patient")
        s.verified = True
        s.not_understood = 0
        return None

    def _spell_first_name(self, near: list[Contact]) -> Reply:
        """Ask for the first name, spelled: to choose among the records `near` (only their last
        name and date of birth matched), or for a new patient's record (none)."""
        self.call.state.near, self.call.state.not_understood = near, 0
        return self.call.ask(Step.SPELL_FIRST, wording.SPELL_FIRST_NAME)

    def _check_reading(self, step: Step, value: str, question: str, miss: bool = True) -> Reply:
        """Ask the caller whether the model read them right (a miss until they say yes; not
        `miss`: a reading of the rules, pieced together)."""
        self.call.state.reading = (step, value)
        if not miss:
            return self.call.ask(Step.CHECK_READING, question)
        return self.escalation.not_understood(question, Step.CHECK_READING)

    def _mismatch(self, contact: Contact) -> Reply:
        """Ask for the name again; at the second mismatch, hand over."""
        s = self.call.state
        log.info("%s: the name or date of birth given does not match contact %d", self.call.key, contact.id)
        s.mismatches += 1
        if s.mismatches >= 2:
            return self.escalation.hand_over("the name or date of birth did not match the record")
        s.name = None
        return self.call.ask(Step.NAME, wording.NO_MATCH)

    def day_first(self) -> bool:
        """Dates are said day first (outside North America)."""
        return self.call.records.contacts.country_code != "1"


def matches(contact: Contact, name: str, date_of_birth: str) -> bool:
    """Whether `date_of_birth` is the record's and `name` is its name, as said or nearly (the
    date of birth exactly)."""
    return contact.date_of_birth == date_of_birth and same_person_name(name, contact.name)


def own_last_name(contact: Contact, spelled: str, date_of_birth: str) -> bool:
    """Whether a caller on the patient's own phone who spelled only a last name (`spelled`, the
    name said not understood) is that patient: its last name spelled alike and its date of
    birth exact. A family shares a phone and a last name, not a date of birth."""
    last = "".join(contact.name.split()[1:])
    return bool(last) and contact.date_of_birth == date_of_birth and spelled_alike(spelled, last)


def said(born: date) -> str:
    """'July 9th, 1972'."""
    return f"{MONTHS[born.month - 1].capitalize()} {ordinal(born.day)}, {born.year}"


def both_spelled(text: str) -> tuple[str, str] | None:
    """Both names spelled in one answer ("S I O B H A N, and the surname is O apostrophe N E I L L"):
    the words before the last name is said to come and those after, each with a spelling; else None."""
    said = LAST_NAME_SAID.search(text)
    if said is None:
        return None
    before, after = text[:said.start()], text[said.end():]
    return (before, after) if spelled_word(before, asked=True) and spelled_word(after, asked=True) else None
