"""The policy of a reminder call the box places: who is calling and when the visit is, then
confirm, cancel, change or the front desk, by voice or keypad (1 / 2 / 3 / 0).

Before the caller is known, nothing beyond the clinic, the day and the time is said (not the
patient's name, not the treatment); like a call answered, it discloses the automated assistant
and, when calls are recorded, gives the recording notice. A cancel or a change goes on as the receptionist's own
dialogue, with its identity check and store rules, aimed at the reminded appointment. A mailbox
hears the minimum necessary and the number to call back.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from appliance.dialogue import wording
from appliance.dialogue.birthdate import DateOfBirthAsked
from appliance.dialogue.card import FIELDS, short_time
from appliance.dialogue.consent import DECLINE_KEY
from appliance.dialogue.name_spelling import NameSpelling
from appliance.dialogue.phone import spoken_digits
from appliance.dialogue.policy import Dialogue
from appliance.dialogue.reply import NO_INPUT, Action, Reply
from appliance.dialogue.state import YES_OR_NO, Step
from appliance.dialogue.understand import NO, rule_intent, yes_or_no

log = logging.getLogger(__name__)
KEYS = {"2": "cancel", "3": "reschedule", "0": "human"}  # 1 confirms at once
KEY_ANSWERS = {"1": "yes", "2": "no"}  # at a yes-or-no question of the dialogue that follows
CONFIRMING = r"\b(confirm\w*|i'll be there|i will be there|we'll be there|see you( then)?|that's fine|fine|" \
             r"sounds good|perfect|great|okay|ok|sure|yes|yeah|yep|correct|i'll come|i will come|i'll make it)\b"
OPTING_OUT = r"\b(stop calling|don't call|do not call|no more (calls|reminders)|remove (me|my number)|" \
             r"take me off|unsubscribe|opt out)\b"
HEDGES = r"\b(not|never|maybe|perhaps|wait|hold on|might|unless)\b|n't\b"  # no confirmation
WHO = r"\b(who( is|'s) (this|calling|that)|who are you|what is this( about)?|sorry,? who)\b"
REPEAT = r"\b(repeat|say (that|it) again|pardon|what was that|come again|didn't (catch|hear))\b"

HELLO = "Hello, this is {clinic}."
REMINDER = "I'm calling with a reminder: you have an appointment {moment}."
OPTIONS = ("To confirm it, say yes or press 1. To cancel it, press 2. To change it, press 3. "
           "To speak to the front desk, press 0.")
CONFIRMED = "Thank you, your appointment {moment} is confirmed. We look forward to seeing you. Goodbye!"
CANCEL_OR_CHANGE = "No problem. Would you like to cancel it, or change it to another time?"
SORRY_OPTIONS = "Sorry, I didn't understand. " + OPTIONS
WRONG_PERSON = "I'm sorry to have bothered you. Goodbye!"
OPTED_OUT = ("Understood, we won't call you with reminders again. Your appointment is still booked. "
             "Goodbye!")
VOICEMAIL = ("Hello, this is the automated assistant of {clinic} with a reminder of an appointment {moment}. "
             "If you need to change it, please call us{back}. Thank you, goodbye!")


@dataclass(frozen=True)
class ReminderCall:
    """What a reminder call is about."""

    appointment_id: int
    contact_id: int
    starts_at: datetime


class ReminderDialogue:
    """What the agent says and does on one reminder call (the call loop's `Policy`)."""

    def __init__(self, dialogue: Dialogue, reminder: ReminderCall) -> None:
        self.dialogue = dialogue
        self.reminder = reminder
        self.call = dialogue.call
        self.delegated = False  # a cancel, change or hand-over goes on in the receptionist's dialogue
        self.result: str | None = None  # confirmed | voicemail | wrong_number | opted_out_by_phone
        self.misses = 0
        dialogue.keys_at_first = True  # a date of birth asked on a reminder call says it can be keyed in

    # --- what the call says first --------------------------------------------------------
    def greeting(self, caller_number: str) -> Reply:
        """The person who answered hears who calls and when the visit is, and the options; who
        they are is not taken for known (nothing of the patient's is said until they are checked)."""
        self.call.state.caller_number = caller_number
        recorded = self.dialogue.recorded
        notice = wording.RECORDING_NOTICE if recorded else ""
        reply = self._said(" ".join(part for part in (self._intro(), notice, OPTIONS) if part))
        return Reply(reply.text, notice=notice)

    def voicemail(self) -> Reply:
        """The message left on a mailbox: the clinic, the day and time, the number to call back."""
        clinic = self.call.clinic
        back = f" on {spoken_digits(clinic.phone, self.dialogue.escalation.region())}" if clinic.phone else ""
        self.result = "voicemail"
        return self._said(VOICEMAIL.format(clinic=clinic.name, moment=self._moment(), back=back),
                          Action("hangup", "voicemail"))

    # --- the answers ---------------------------------------------------------------------
    def respond(self, text: str, confidence: float, alternative: bool = False) -> Reply:
        """Confirm, cancel, change, the front desk, or an opt-out; a cancel or change goes on
        in the receptionist's dialogue."""
        if self.delegated:
            return self._aimed(self.dialogue.respond(text, confidence, alternative))
        beside = self.dialogue.beside(text, lambda rest: self.respond(rest, confidence), OPTIONS)
        if beside is not None:
            return beside
        lowered = text.lower().replace("\u2019", "'")
        intent = rule_intent(text)
        if re.search(OPTING_OUT, lowered):
            return self._opt_out()
        if intent in ("emergency", "human", "cancel", "reschedule", "message"):
            return self._hand_to_dialogue(intent, text, confidence)
        if intent == "wrong_number" or re.search(r"\bno one (here|by that name)\b|\bnobody (here )?by that", lowered):
            self.result = "wrong_number"
            return self._said(WRONG_PERSON, Action("hangup", "wrong number"))
        if re.search(WHO, lowered) or re.search(REPEAT, lowered):
            return self._said(f"{self._intro()} {OPTIONS}")
        answer = yes_or_no(text)
        if answer is False:
            return self._said(CANCEL_OR_CHANGE)
        hedged = re.search(NO, lowered) or re.search(HEDGES, lowered)  # "I'm not sure", "that's not great"
        if not hedged and (answer is True or re.search(CONFIRMING, lowered)):
            return self._confirm()
        if intent == "goodbye":
            return self._said("Goodbye!", Action("hangup", "goodbye"))
        self.misses += 1
        if self.misses >= 2:
            return self._hand_to_dialogue("human", text, confidence, "the reminder call was not understood twice")
        return self._said(SORRY_OPTIONS)

    def take_back(self) -> bool:
        """A reminder call's answers stand (a confirmation is written as it is said): a caller
        going on with a turn is heard as a turn of its own."""
        return False

    def dtmf(self, digit: str) -> Reply | None:
        """1 confirms, 2 cancels, 3 changes, 0 reaches the front desk; later, eight digits give a
        date of birth, 1 and 2 answer a yes or no, and 0 still reaches the front desk; the
        recording notice's key declines the recording."""
        if digit == DECLINE_KEY and self.dialogue.recorded and not self.takes_digits():
            return self.dialogue.decline_recording(self.dialogue.again() if self.delegated else OPTIONS)
        if not self.delegated:
            if digit == "1":
                return self._confirm()
            if digit in KEYS:
                return self._hand_to_dialogue(KEYS[digit], "", 1.0)
            return None
        s = self.call.state
        if self.dialogue.takes_digits() or digit == "0":  # a date of birth keyed in, or the front desk
            reply = self.dialogue.dtmf(digit)
            return self._aimed(reply) if reply is not None else None
        if digit in KEY_ANSWERS and (s.step in YES_OR_NO or s.step == Step.ANOTHER):
            return self._aimed(self.dialogue.respond(KEY_ANSWERS[digit], 1.0))
        return None

    def takes_digits(self) -> bool:
        """A date of birth may be keyed in (in the dialogue the call was handed to)."""
        return self.delegated and self.dialogue.takes_digits()

    def silence(self, count: int, final: bool) -> Reply:
        """Options again, then the call ends (a reminder never transfers a silent line)."""
        if self.delegated:
            return self.dialogue.silence(count, final)
        if final:
            return self._said("I can't hear anything, so I'll end the call now. Goodbye.", Action("hangup", NO_INPUT))
        return self._said(f"Are you still there? {OPTIONS}")

    # --- the rest of the call loop's interface ---------------------------------------------
    def hint(self) -> str:
        """Words the answer is likely to hold."""
        return self.dialogue.hint() if self.delegated else "Yes, I'll be there. Cancel. Change it. Front desk."

    def spelled(self) -> NameSpelling | None:
        """The name part being spelled (only once the dialogue took over)."""
        return self.dialogue.spelled() if self.delegated else None

    def expected(self) -> DateOfBirthAsked | None:
        """The kind of answer asked for (only once the dialogue took over)."""
        return self.dialogue.expected() if self.delegated else None

    def unfinished(self, text: str) -> bool:
        """The answer so far sounds like it goes on."""
        return self.dialogue.unfinished(text) if self.delegated else False

    def answered(self, text: str) -> bool:
        """The dialogue's reading once it took over; before, none is sure to be whole."""
        return self.dialogue.answered(text) if self.delegated else False

    def prepare(self, text: str, stale: Callable[[], bool]) -> None:
        """Nothing to read ahead before the dialogue takes over."""
        if self.delegated:
            self.dialogue.prepare(text, stale)

    def transfer_failed(self) -> Reply:
        """Nobody at the desk answered: the dialogue offers a message."""
        return self.dialogue.transfer_failed()

    def bind_call(self, record_id: int) -> None:
        """Link what the call writes to its record."""
        self.dialogue.bind_call(record_id)

    def handover(self, reason: str) -> str:
        """The summary for staff, with the reminder in it."""
        return f"Reminder call for the appointment {self._moment()}. {self.dialogue.handover(reason)}"

    def card(self) -> dict[str, str]:
        """The receptionist dialogue's card, with what the call is about and its result so far."""
        card = self.dialogue.card()
        card["wants"] = card.get("wants") or "answer a reminder call"
        card["appointment"] = f"{short_time(self.call.local(self.reminder.starts_at))} (reminder)"
        if self.result:
            card["done"] = "; ".join(part for part in (card.get("done"), self.result.replace("_", " ")) if part)
        card["summary"] = f"Reminder call for the appointment {self._moment()}. {card['summary']}"
        return {key: card[key] for key in FIELDS if key in card}

    def outcome(self) -> str | None:
        """confirmed, voicemail, wrong_number, opted_out_by_phone; else what the dialogue did
        (cancelled, rescheduled, message), or change_requested when a change was asked and not made."""
        done = self.dialogue.outcome()
        if done:
            return done
        if self.result:
            return self.result
        return "change_requested" if self.call.state.intent in ("reschedule", "cancel") else None

    def close(self) -> None:
        """The call is over."""
        self.dialogue.close()

    # --- helpers -------------------------------------------------------------------------
    def _intro(self) -> str:
        """Who calls (the clinic, its automated assistant) and when the visit is."""
        clinic = self.call.clinic
        said = (HELLO.format(clinic=clinic.name), wording.disclosure(clinic), REMINDER.format(moment=self._moment()))
        return " ".join(part for part in said if part)

    def _moment(self) -> str:
        return self.call.say_moment(self.reminder.starts_at)

    def _confirm(self) -> Reply:
        self.result = "confirmed"
        return self._said(CONFIRMED.format(moment=self._moment()), Action("hangup", "confirmed"))

    def _opt_out(self) -> Reply:
        try:
            self.dialogue.records.contacts.update(self.reminder.contact_id, actor="phone_agent", reminder_calls=False)
        except Exception:  # noqa: BLE001 - the front desk is told instead
            log.exception("the opt-out could not be stored")
            self.call.leave_callback("The patient asked on a reminder call not to get reminder calls any more.")
        self.result = "opted_out_by_phone"
        return self._said(OPTED_OUT, Action("hangup", "opted out"))

    def _hand_to_dialogue(self, intent: str, text: str, confidence: float, reason: str = "") -> Reply:
        """The receptionist's dialogue goes on: a cancel or change of this appointment (after the
        identity check), the front desk, an emergency or a message."""
        self.delegated = True
        if reason:
            return self.dialogue.escalation.hand_over(reason)
        if intent in ("cancel", "reschedule"):
            s = self.call.state
            try:  # the person is checked against the reminded patient's record (their phone was called)
                s.contact = self.dialogue.records.contacts.get(self.reminder.contact_id)
                appointment = self.dialogue.records.appointments.get(self.reminder.appointment_id)
            except Exception:  # noqa: BLE001 - the dialogue asks who and which instead
                log.exception("the reminded patient or appointment could not be read")
                appointment = None
            if appointment is not None and appointment.status == "booked":
                s.target = appointment
            return self._aimed(self.dialogue.begin(intent, text))
        return self.dialogue.respond(text, confidence) if text else self.dialogue.begin(intent, text)

    def _aimed(self, reply: Reply) -> Reply:
        """The reminded appointment is acted on only for the reminded patient (someone else on the
        line gets their own list)."""
        s = self.call.state
        if s.target is not None and s.contact is not None and s.target.contact_id != s.contact.id:
            s.target = None
        return reply

    def _said(self, text: str, action: Action | None = None) -> Reply:
        self.call.state.last_question = text
        return Reply.say(text, action)
