"""Getting the caller to a person: a transfer to the front desk (or, the clinic closed, to the
on-call colleague), an emergency, a caller not understood twice, and otherwise a message: taken
from the caller, or left for them when the store fails (nothing is claimed that did not happen)."""

from __future__ import annotations

import logging
import re

import phonenumbers

from appliance.dialogue import wording
from appliance.dialogue.call import Call
from appliance.dialogue.name_spelling import respelled
from appliance.dialogue.phone import area_code, parse_phone
from appliance.dialogue.reply import Action, Reply
from appliance.dialogue.spelling import spelled_word
from appliance.dialogue.state import Step
from appliance.dialogue.understand import extract_name, yes_or_no

log = logging.getLogger(__name__)
# letters said right after a name: ", that's M O O R E", "-K-O-W-A-L-S-K-I"
LETTERS_NEXT = re.compile(r"\W*(?:(?:that's|that is|it's|spelled|spelt)\W+)*[a-z]\b(?:\W+[a-z]\b)+", re.IGNORECASE)
# steps where a second misunderstanding hands the caller over (elsewhere the agent keeps asking)
GIVE_UP_AT = frozenset({Step.INTENT, Step.NAME, Step.DOB, Step.SERVICE, Step.SERVICE_ONE, Step.WHEN, Step.CHOOSE,
                        Step.CONFIRM, Step.WHICH, Step.CONFIRM_CANCEL, Step.FOR_WHOM, Step.SPELL_FIRST, Step.SPELL_NAME,
                        Step.ANOTHER, Step.CONFIRM_INTENT, Step.CHECK_READING, Step.NAME_FIX,
                        Step.NAME_FIX_SPELL})


class Escalation:
    """Handovers, emergencies and messages for one call."""

    def __init__(self, call: Call, can_transfer: bool, has_on_call: bool) -> None:
        self.call = call
        self.can_transfer = can_transfer  # the front desk takes transfers in opening hours
        self.has_on_call = has_on_call  # an on-call number takes handovers outside opening hours

    def hand_over(self, reason: str) -> Reply:
        """Transfer the caller to a person when someone can take the call, else take a message."""
        s = self.call.state
        summary = s.summary(reason)
        is_open = self.call.clinic_open()
        log.info("%s: handing over (%s)", self.call.key, reason)
        if not self._reachable(is_open):
            return self.call.ask(Step.MESSAGE, wording.NO_TRANSFER)
        self._record(reason, summary, "front desk" if is_open else "on-call", "transfer")
        return Reply.say(wording.putting_through(is_open),
                         Action("transfer", reason, summary, after_hours=not is_open))

    def emergency(self, text: str) -> Reply:
        """Advise calling the emergency number, flag the call as urgent and put the caller
        through (or offer a call back)."""
        s = self.call.state
        s.intent = "emergency"
        try:
            self.call.leave_callback(f"URGENT: possible emergency. Caller said: {text}")
            s.done.append("flagged an emergency for the team")
        except Exception:  # the caller still hears the advice
            log.exception("could not flag the emergency")
        is_open = self.call.clinic_open()
        if self._reachable(is_open):
            return Reply.say(wording.emergency(self.call.clinic.emergency_number, transferring=True),
                             Action("transfer", "emergency", s.summary("possible emergency"), after_hours=not is_open))
        return self.call.ask(Step.MESSAGE, wording.emergency(self.call.clinic.emergency_number, transferring=False))

    def not_understood(self, prompt: str, step: Step | None = None) -> Reply:
        """Ask again with `prompt` (waiting for the answer to `step`, when given); at a second
        miss on a step that needs an answer (a third anywhere), hand over instead."""
        s = self.call.state
        s.not_understood += 1
        if s.not_understood >= 2 and s.step in GIVE_UP_AT or s.not_understood >= 3:
            return self.hand_over("the agent did not understand the caller twice")
        s.step = step or s.step
        return Reply.say(prompt)

    def store_failed(self, exc: Exception) -> Reply:
        """The store refused a read or write (locked, full, broken): nothing is claimed, the
        request becomes a callback message (kept in the spool if the store refuses that too)."""
        s = self.call.state
        log.error("the store failed while the caller wanted to %s: %s", s.intent or "talk", exc)
        wanted = f"Caller wanted to {s.intent or 'talk to us'}"
        if s.chosen is not None:
            wanted += f" ({self.call.say_slot(s.chosen)})"
        try:
            self.call.leave_callback(f"{wanted}, but the booking system failed ({exc.__class__.__name__}). "
                                     "Nothing was changed: please call back.")
        except Exception:  # still say the truth to the caller
            log.exception("could not leave the callback request either")
            s.done.append("the booking system failed")
            return Reply.say(wording.STORE_DOWN_GOODBYE, Action("hangup", "store failed"))
        s.done.append("the booking system failed: left a callback request")
        s.chosen = None
        s.outcome = s.outcome or "message"
        return self.call.ask(Step.MESSAGE, wording.STORE_DOWN_CALLBACK)

    def transfer_failed(self) -> Reply:
        """Nobody answered the transfer: take a message instead."""
        self.call.state.done.append("transfer failed")
        return self.call.ask(Step.MESSAGE, wording.NOBODY_ANSWERED)

    def desk_took_over(self, reason: str) -> str:
        """The front desk took the call over: record it and return the summary for staff."""
        summary = self.call.state.summary(reason)
        self._record(reason, summary, "front desk", "desk")
        return summary

    def ask_for_message(self) -> Reply:
        """The caller would like to leave a message."""
        self.call.state.intent = "message"
        return self.call.ask(Step.MESSAGE, wording.ASK_MESSAGE)

    def take_message(self, text: str) -> Reply:
        """The caller's message; then who they are and the number to call back, unless known."""
        s = self.call.state
        s.message = text
        if not s.caller_name:
            s.message_name = extract_name(text) if re.search(r"\b(my name|this is|it's|it is|i'm|i am)\b",
                                                             text.lower()) else None
            self._spelled_with_name(text)
        s.callback_number = s.callback_number or parse_phone(text, self.region())  # a date is no local number
        return self._message_next()

    def take_message_name(self, text: str) -> Reply:
        """Who is leaving the message (asked once: a message is never held back for it)."""
        s = self.call.state
        s.message_name = extract_name(text) or " ".join(text.split()[:4]).strip(" .,")
        self._spelled_with_name(text)
        return self._message_next()

    def _spelled_with_name(self, text: str) -> None:
        """Letters said right after the message's name ("Gary Moore, M O O R E") spell its last
        name: the spelling is not asked for (letters elsewhere, "after 5 p.m.", spell nothing)."""
        s = self.call.state
        if not s.message_name:
            return
        last = s.message_name.split()[-1].lower()
        at = text.lower().rfind(last)
        letters = LETTERS_NEXT.match(text[at + len(last):]) if at >= 0 else None
        spelled = spelled_word(letters[0]) if letters else None
        if spelled is not None:
            s.message_name, s.message_spelled = respelled(s.message_name, spelled), True

    def take_message_spelling(self, text: str) -> Reply:
        """The last name of a caller not on file, spelled for the message (a number said with it
        is kept); letters not heard, the name as heard stands (a message is never held back for it)."""
        s = self.call.state
        s.callback_number = s.callback_number or parse_phone(text, self.region())
        spelled = spelled_word(text, asked=True)
        if spelled is not None and s.name:
            s.name = respelled(s.name, spelled)
        elif spelled is not None:
            s.message_name = respelled(s.message_name or "", spelled)
        return self._message_next()

    def take_callback(self, text: str) -> Reply:
        """The number to call back: one said, or a yes to the caller ID; asked at most twice."""
        s, region = self.call.state, self.region()
        number, assumed = parse_phone(text, region), ""
        if number is None and (area := self.local_area()):  # said without its area code?
            number = parse_phone(text, region, area=area)
            assumed = area if number is not None else ""
        if number is None and yes_or_no(text) is True and s.caller_number:
            number = s.caller_number
        if number is None:
            s.not_understood += 1
            if s.not_understood < 2:
                if s.step == Step.CALLER_ID and yes_or_no(text) is None:  # neither a yes nor a number
                    return self._offer_caller_id()
                return self.call.ask(Step.CALLBACK, wording.CALLBACK_AGAIN if yes_or_no(text) is None
                                     else wording.CALLBACK_ASK)
            s.callback_number = s.caller_number  # still unreadable: the caller ID, and the words, go to staff
            s.message = f"{s.message} (the caller's number was not understood: \"{text}\")"
            return self._message_next(read_back=False)  # not "at" a number the caller may have refused
        if assumed and s.message and number != s.caller_number:
            s.message = f"{s.message} (the area code of the callback number was not said: {assumed} assumed)"
        s.callback_number = number
        return self._message_next()

    def flush_message(self) -> None:
        """The call ended with a message taken but not yet written: write it with what is known."""
        s = self.call.state
        if s.message is not None:
            self._leave_message()

    def region(self) -> str:
        """The clinic's phone region ('US') for reading numbers said without a country code."""
        return phonenumbers.region_code_for_country_code(int(self.call.records.contacts.country_code or "1"))

    def local_area(self) -> str:
        """The area code of a number said without one: the clinic's own, else the caller's."""
        return area_code(self.call.clinic.phone, self.region()) or area_code(self.call.state.caller_number,
                                                                              self.region())

    def _message_next(self, read_back: bool = True) -> Reply:
        s = self.call.state
        if not s.caller_name and s.step != Step.MESSAGE_NAME:
            return self.call.ask(Step.MESSAGE_NAME, wording.MESSAGE_WHO)
        if (s.contact is None and not s.for_whom_checked and s.caller_name and not (s.spelled or s.message_spelled)
                and s.intent != "emergency"):  # not a caller on file (by caller ID, or booking for another)
            s.message_spelled = True  # staff call back a caller not on file by the name they left: spelled, once
            return self.call.ask(Step.MESSAGE_SPELL, wording.MESSAGE_SPELL)
        if s.callback_number is None and s.contact is not None and s.caller_number:
            s.callback_number = s.caller_number  # caller ID found the caller's record: call them there
        if s.callback_number is None and s.step not in (Step.CALLBACK, Step.CALLER_ID):
            s.not_understood = 0
            if s.caller_number and parse_phone(s.caller_number, self.region()):
                return self._offer_caller_id()
            return self.call.ask(Step.CALLBACK, wording.CALLBACK_ASK)
        number = self._leave_message()
        return self.call.then_anything_else(wording.message_passed(number if read_back else ""), "message")

    def _offer_caller_id(self) -> Reply:
        return self.call.ask(Step.CALLER_ID, wording.CALLBACK_CALLER_ID.format(
            last_digits=wording.last_digits(self.call.state.caller_number)))

    def _leave_message(self) -> str:
        """Write the message taken, with a request to call back; the number it goes to."""
        s = self.call.state
        number = s.callback_number or s.caller_number
        text, s.message = s.message or "", None
        self.call.leave_callback(text, number)
        s.done.append("took a message")
        s.outcome = s.outcome or "message"
        return number

    def _reachable(self, is_open: bool) -> bool:
        """Whether a person can take a transfer now: the front desk when open, else the on-call number."""
        return self.can_transfer if is_open else self.has_on_call

    def _record(self, reason: str, summary: str, target: str, mode: str) -> None:
        try:
            self.call.records.record_handover(reason, summary, target, mode)
        except Exception:  # the handover itself must still happen
            log.exception("could not record the handover")
