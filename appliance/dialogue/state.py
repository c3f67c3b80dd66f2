"""What the dialogue knows about one call so far, and the handover summary made from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from appliance.crm.appointments import Appointment
from appliance.crm.availability import Slot
from appliance.crm.contacts import Contact
from appliance.crm.schedule import Provider, Service
from appliance.dialogue.birthdate import BirthParts
from appliance.dialogue.when import When

WANTS = {"book": "book an appointment", "reschedule": "move an appointment", "cancel": "cancel an appointment",
         "confirm": "check an appointment", "message": "leave a message", "faq": "ask a question",
         "emergency": "get urgent help", "human": "speak to someone"}
APPOINTMENT_INTENTS = ("book", "reschedule", "cancel", "confirm")


class Step(StrEnum):
    """What the caller's next turn should answer."""

    INTENT = "intent"  # what they would like
    CONFIRM_INTENT = "confirm_intent"  # a yes to the language model's reading of it
    NAME = "name"
    DOB = "dob"  # date of birth
    SERVICE = "service"
    SERVICE_ONE = "service_one"  # a yes to one service asked about (the service not heard twice)
    WHEN = "when"  # the day and time
    CHOOSE = "choose"  # one of the slots offered
    CONFIRM = "confirm"  # a yes to the booking read back
    WHICH = "which"  # which of their appointments
    CONFIRM_CANCEL = "confirm_cancel"  # a yes to cancelling it
    MESSAGE = "message"  # a message for the front desk
    FOR_WHOM = "for_whom"  # a yes that the appointment is for the patient caller ID found
    SPELL = "spell"  # the spelling of a new patient's last name
    SPELL_FIRST = "spell_first"  # the spelling of a first name, when only the last name and date of birth matched
    SPELL_NAME = "spell_name"  # the last name spelled, when the name said was not understood
    CHECK_READING = "check_reading"  # a yes to the language model's reading of a name or date of birth
    CHECK_HEARD = "check_heard"  # a yes to a new patient's name as said, where the spelling was not alike it
    MESSAGE_NAME = "message_name"  # who is leaving the message
    MESSAGE_SPELL = "message_spell"  # the last name of a caller not on file who leaves a message, spelled
    CALLBACK = "callback"  # the number to call back
    CALLER_ID = "caller_id"  # a yes to calling back on the number calling, or another number
    ANOTHER = "another"  # the patient has this service booked already: another one, or move it?
    NAME_FIX = "name_fix"  # the right name, after a no to a new patient's name read back with the booking
    NAME_FIX_SPELL = "name_fix_spell"  # the right last name spelled, the name said again heard as before


# a word spelled, letter by letter
SPELLING = frozenset({Step.SPELL, Step.SPELL_FIRST, Step.SPELL_NAME, Step.NAME_FIX_SPELL, Step.MESSAGE_SPELL})
YES_OR_NO = frozenset({Step.CONFIRM, Step.CONFIRM_INTENT, Step.CONFIRM_CANCEL, Step.FOR_WHOM, Step.CHECK_READING,
                       Step.CHECK_HEARD, Step.CALLER_ID, Step.SERVICE_ONE})  # a yes or a no answers in full


@dataclass
class CallState:
    """Slots filled so far, what the agent is waiting for, and what it has done."""

    caller_number: str
    contact: Contact | None = None
    verified: bool = False
    intent: str | None = None
    step: Step = Step.INTENT
    name: str | None = None
    last_name_only: bool = False  # `name` is a last name spelled; the first name comes spelled later
    first_heard: str = ""  # the first word of a name reading the caller said no to (it may still be right)
    name_said: str = ""  # the name as said, before its spelling (checked with a new patient when unlike it)
    date_of_birth: str | None = None  # as the caller gave it (ISO)
    birth_parts: BirthParts = field(default_factory=BirthParts)  # of a date of birth not heard whole
    service: Service | None = None
    service_asked: Service | None = None  # the service asked about one at a time
    provider: Provider | None = None
    when: When | None = None
    wishes: list[When] = field(default_factory=list)  # the days and times times were offered for, in this task
    offered: list[Slot] = field(default_factory=list)
    offers: list[list[tuple[datetime, int]]] = field(default_factory=list)  # each offer's (time, dentist), this task
    declined: list[datetime] = field(default_factory=list)  # times offered that the caller turned down
    chosen: Slot | None = None
    one_by_one: bool = False  # the times offered are read back one at a time (a choice not heard twice,
    # or the same times offered a third time)
    target: Appointment | None = None
    candidates: list[Appointment] = field(default_factory=list)
    pending: tuple[str, str] | None = None  # (intent the LLM read, the caller's words) awaiting a yes
    reading: tuple[Step, str] | None = None  # (step, value the LLM read) awaiting a yes
    for_whom_checked: bool = False  # the caller said whether the booking is for the caller-ID patient
    spelled: bool = False  # a new patient's last name was spelled
    registered: bool = False  # `contact` is a new patient registered on this call
    misregistered: int | None = None  # a record registered on this call, then found not to be the caller's
    first_spelled: bool = False  # the first name was spelled (a new patient's, or to choose a record)
    near: list[Contact] = field(default_factory=list)  # records the spelled first name chooses from
    message: str | None = None  # a message taken, not yet written (its name and number still asked)
    callback_number: str | None = None  # the number the caller gave for a call back
    message_name: str | None = None  # who left the message, when not known otherwise
    message_spelled: bool = False  # the message's last name was spelled (asked, or said with the name)
    not_understood: int = 0
    mismatches: int = 0  # names and dates of birth that did not match the record
    another_checked: bool = False  # the caller said a second booking of the same service is wanted
    low_confidence: int = 0
    done: list[str] = field(default_factory=list)
    outcome: str | None = None  # booked | rescheduled | cancelled | message: the call's result
    last_caller_text: str = ""
    last_question: str = ""  # what the agent said last
    offered_more: bool = False  # the agent just asked "anything else?"
    turns: int = 0

    @property
    def caller_name(self) -> str:
        """The caller's name: the record's, else the one they gave, else empty."""
        return self.contact.name if self.contact is not None else (self.name or self.message_name or "")

    @property
    def contact_id(self) -> int | None:
        """The caller's record, when known."""
        return self.contact.id if self.contact is not None else None

    def next_task(self, intent: str) -> None:
        """One task is over: forget its details, keep who the caller is and what was done."""
        self.intent, self.step, self.target, self.chosen, self.when = intent, Step.INTENT, None, None, None
        self.offered, self.declined, self.candidates, self.wishes, self.offers = [], [], [], [], []
        self.one_by_one, self.birth_parts = False, BirthParts()
        self.service = self.provider = self.service_asked = None
        self.not_understood = 0
        self.offered_more = True

    def who(self) -> str:
        """The caller as staff should hear it."""
        if self.contact is not None:
            return f"{self.contact.name} ({self.caller_number or 'number withheld'})"
        if self.name:
            return f"{self.name}, not on file ({self.caller_number or 'number withheld'})"
        return f"unknown caller ({self.caller_number or 'number withheld'})"

    def known(self) -> str:
        """What the call has established, in a line (for the language model's reading)."""
        done = "; ".join(self.done) if self.done else "nothing yet"
        return f"caller: {self.who()}; done: {done}"

    def heard_name(self) -> str:
        """The name as heard so far: before a last name spelled alone, the first word of a
        reading the caller refused ("Grace With Field": Grace may be right)."""
        if self.last_name_only and self.first_heard and self.name:
            return f"{self.first_heard} {self.name}"
        return self.name or (self.message_name if self.step == Step.MESSAGE_SPELL else "") or ""

    def summary(self, reason: str) -> str:
        """Who, verified or not, what they want, what was already done, and why we hand over (no
        reason: the summary staff would get if the call were handed over now)."""
        verified = "identity verified" if self.verified else "identity not verified"
        wants = f"Wants to {WANTS[self.intent]}" if self.intent in WANTS else "Not yet clear what they want"
        done = "; ".join(self.done) if self.done else "nothing yet"
        said = f' Last said: "{self.last_caller_text[:120]}".' if self.last_caller_text else ""
        why = f" Handover: {reason}." if reason else ""
        return f"{self.who()}, {verified}. {wants}. Done: {done}.{why}{said}"
