"""The receptionist's policy: one `Dialogue` per call, implementing the call loop's `Policy`.

Every turn: what must not be taken by voice first (card details, a social security number:
refused, and never passed on), and a caller declining the recording; then safety (emergency, a
person asked for, an upset caller, poor audio twice), then the step the agent is waiting on,
through one table from `Step` to its handler: what the caller wants (`Step.INTENT`), who they
are (identity), the appointment (booking) or a message (escalation). Bookings are read back and
made only after a yes.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import re
from collections.abc import Callable
from datetime import date, datetime

from sqlcipher3 import dbapi2 as sqlite3

from appliance.config import ClinicConfig
from appliance.crm.appointments import AppointmentError
from appliance.dialogue import wording
from appliance.dialogue.birthdate import BirthParts, DateOfBirthAsked
from appliance.dialogue.booking import Booking
from appliance.dialogue.call import Call
from appliance.dialogue.card import call_card
from appliance.dialogue.consent import DECLINE_KEY, declines_recording
from appliance.dialogue.escalation import Escalation
from appliance.dialogue.faq import FaqPolicy
from appliance.dialogue.hints import ClinicWords
from appliance.dialogue.identity import Identity
from appliance.dialogue.keyed import KeyedDate
from appliance.dialogue.name_fix import NameFix
from appliance.dialogue.name_spelling import NameSpelling
from appliance.dialogue.reading import Reader
from appliance.dialogue.records import ClinicRecords
from appliance.dialogue.reply import Action, Reply
from appliance.dialogue.sensitive import screen
from appliance.dialogue.state import APPOINTMENT_INTENTS, WANTS, CallState, Step
from appliance.dialogue.understand import for_someone_else, only_closing, rule_intent, sounds_angry, yes_or_no
from appliance.dialogue.unfinished import sounds_answered, sounds_unfinished
from appliance.models.protocols import LlmEngine

log = logging.getLogger(__name__)
Handler = Callable[[str], Reply]  # the reply to the caller's words at one step
MAX_TURNS = 40  # a call still going after this many caller turns is going round in circles
NOT_BOOKING = r"\b(check|confirm|cancel|move|change|reschedul\w*)\b"  # an answer wanting another thing than a booking


class Dialogue:
    """What the agent says and does on one call."""

    def __init__(self, clinic: ClinicConfig, records: ClinicRecords, now: Callable[[], datetime],
                 llm: LlmEngine | None = None, can_transfer: bool = True, has_on_call: bool = False,
                 low_confidence: float = 0.2, call_key: str = "call", on_silence: str = "hangup",
                 recording: bool = False) -> None:
        self.records = records
        self.recorded = recording  # the call's audio is kept: calls are recorded and the caller has not declined
        self.reader = Reader(llm)  # reads what the rules cannot, checked with the caller; never acts
        self.low_confidence = low_confidence
        self.faq = FaqPolicy(clinic, on_silence)
        self.call = Call(clinic, records, now, call_key)
        self.escalation = Escalation(self.call, can_transfer, has_on_call)
        self.identity = Identity(self.call, self.escalation, self.reader)
        self.booking = Booking(self.call, self.escalation)
        self.name_fix = NameFix(self.call, self.escalation)
        self.keyed = KeyedDate()  # a date of birth keyed in
        self.keys_at_first = False  # told at the first date-of-birth question (else once one was not heard)
        self.steps: dict[Step, Handler] = {
            Step.INTENT: self._take_intent,
            Step.CONFIRM_INTENT: self._take_intent_yes,
            Step.NAME: self._then_advance(self.identity.take_name),
            Step.DOB: self._then_advance(self.identity.take_date_of_birth),
            Step.SERVICE: self._then_advance(self.booking.take_service),
            Step.SERVICE_ONE: self._then_advance(self.booking.take_service_one),
            Step.WHEN: self.booking.take_when,
            Step.CHOOSE: self.booking.take_choice,
            Step.CONFIRM: self._take_go_ahead,
            Step.WHICH: self.booking.take_appointment,
            Step.CONFIRM_CANCEL: self.booking.take_cancel_go_ahead,
            Step.MESSAGE: self.escalation.take_message,
            Step.MESSAGE_NAME: self.escalation.take_message_name,
            Step.MESSAGE_SPELL: self.escalation.take_message_spelling,
            Step.CALLBACK: self.escalation.take_callback,
            Step.CALLER_ID: self.escalation.take_callback,
            Step.FOR_WHOM: self._then_advance(self.identity.take_for_whom),
            Step.SPELL: self._then_advance(self.identity.take_spelling),
            Step.SPELL_FIRST: self._then_advance(self.identity.take_first_name_spelling),
            Step.SPELL_NAME: self._then_advance(self.identity.take_name_spelling),
            Step.ANOTHER: self._then_advance(self.booking.take_another),
            Step.CHECK_READING: self._then_advance(self.identity.take_reading_yes),
            Step.CHECK_HEARD: self._then_advance(self.identity.take_heard_yes),
            Step.NAME_FIX: self._take_name_fix,
            Step.NAME_FIX_SPELL: self._take_name_fix,
        }
        self.words = ClinicWords(self.call.clinic.name)  # for the recogniser's hint (filled on greeting)
        # the call as it was before the answer to the last turn, and the store's changes then (`take_back`)
        self._before: tuple[CallState, bool, int] | None = None

    # --- the Policy interface ------------------------------------------------------------
    def greeting(self, caller_number: str) -> Reply:
        """Greet, by name when caller ID finds the caller."""
        s = self.call.state
        s.caller_number = caller_number
        try:
            s.contact = self.records.lookup_caller(caller_number)
        except Exception:  # a store problem must not stop the call being answered
            log.exception("caller lookup failed")
        first = s.contact.name.split()[0] if s.contact is not None else None
        try:
            self.words = ClinicWords(self.call.clinic.name, [v.name for v in self.records.services()],
                                     [p.name for p in self.records.providers()])
        except Exception:  # the hint is a help, not a need
            log.exception("could not read the clinic's services for the recogniser's hint")
        text = wording.greeting(self.call.clinic, first, self.call.clinic_open(), self.recorded)
        return self._said(Reply(text, notice=wording.RECORDING_NOTICE if self.recorded else ""))

    def hint(self) -> str:
        """What the caller's next turn is likely to hold, for the recogniser (see `hints`)."""
        return self.words.hint(self.call.state.step)

    def spelled(self) -> NameSpelling | None:
        """The name part the caller was asked to spell, with the words heard for the name (the
        part asked first; none for the name the caller refused); None when nothing is spelled."""
        s = self.call.state
        return NameSpelling.asked(s.step, "" if s.step == Step.NAME_FIX_SPELL else s.heard_name())

    def expected(self) -> DateOfBirthAsked | None:
        """A date of birth, when one is asked for whole (not the rest of one heard in part)."""
        s = self.call.state
        if s.step != Step.DOB or s.birth_parts != BirthParts():
            return None
        return DateOfBirthAsked(self.identity.day_first(), self.call.local_now().date())

    def unfinished(self, text: str) -> bool:
        """`text`, the caller's answer so far, sounds like it goes on (see `unfinished`)."""
        return sounds_unfinished(text, *self._reading_context())

    def answered(self, text: str) -> bool:
        """`text` answers the question asked in full (see `unfinished`)."""
        return sounds_answered(text, *self._reading_context())

    def _reading_context(self) -> tuple[Step, str, bool, date, str]:
        """What a pause's words are read against: the step, the phone region, the date order,
        today, and the name being spelled as it was heard."""
        s, spelling = self.call.state, self.spelled()
        heard = spelling.heard[0] if spelling and spelling.heard else ""
        if s.step == Step.SPELL_FIRST and s.last_name_only and not s.first_heard:
            heard = ""  # only the last name is known: no first name was heard
        return s.step, self.escalation.region(), self.identity.day_first(), self.call.local_now().date(), heard

    def prepare(self, text: str, stale: Callable[[], bool]) -> None:
        """At a pause of the caller's: when `text` is a request only the language model can read,
        read it now (the reading is remembered), so the turn's answer does not wait for it; it
        stops once `stale()` is true (the caller went on)."""
        s = self.call.state
        if (s.step == Step.INTENT and rule_intent(text) is None and self.faq.answer(text) is None
                and not self._declines_more(text) and not screen(text).refused):
            self.reader.intent(text, s.last_question, s.known(), stale)

    def respond(self, text: str, confidence: float, alternative: bool = False) -> Reply:
        """The reply to one caller turn (`alternative`: read as a date of birth by a less
        likely reading of the recogniser's, so checked with the caller)."""
        def go_on(words: str) -> Reply:
            return self._said(self._respond(words, confidence, alternative))
        self._before = (copy.deepcopy(self.call.state), self.recorded, self.records.changes)
        return self.beside(text, go_on, self.again()) or go_on(text)

    def take_back(self) -> bool:
        """Forget the answer to the caller's last turn: they went on with that turn, and it is
        answered whole instead. False when that answer changed the store (a booking, a new
        patient, a message, a handover), or another decision came after it: it stands."""
        before, self._before = self._before, None
        if before is None or before[2] != self.records.changes:
            return False
        self.call.state, self.recorded = before[0], before[1]
        return True

    def beside(self, text: str, respond: Callable[[str], Reply], again: str) -> Reply | None:
        """When `text` gives what must not be taken by voice, or declines the recording: the answer
        to that, then `respond` to what else the turn asks (a message goes on without the
        numbers), or else `again`, the question the caller was asked; otherwise None."""
        screened = screen(text)
        words = declines_recording(screened.text) if self.recorded else None
        if not screened.refused and words is None:
            return None
        said, rest = [], screened.text
        if words is not None:
            said.append(self.decline_recording("").text)
            rest = f"{rest[:words.start()]} {rest[words.end():]}"
        if screened.refused:
            log.info("%s: the caller gave %s details, refused and not kept", self.call.key, screened.refused)
            said.append(wording.CARD_REFUSED if screened.refused == "card" else wording.SSN_REFUSED)
        declined = words is not None
        # a message is taken without the numbers; a decline's request ("..., I'd like to book") is answered
        answered = self.call.state.step == Step.MESSAGE if screened.refused else rule_intent(rest) not in (
            None, "goodbye")
        if answered:
            reply = respond(rest)
            return Reply(" ".join([*said, reply.text]), reply.action, declines_recording=declined)
        return Reply(wording.aside(" ".join(said), again), declines_recording=declined)

    def decline_recording(self, again: str) -> Reply:
        """The caller declined the recording: none of the call's audio is kept; `again` is asked."""
        log.info("%s: the caller declined the recording", self.call.key)
        self.recorded = False
        return Reply(wording.aside(wording.RECORDING_DECLINED, again), declines_recording=True)

    def again(self) -> str:
        """The question the caller was last asked, to ask again after an answer beside it."""
        s = self.call.state
        if s.step != Step.INTENT:
            return s.last_question
        return wording.ANYTHING_ELSE.format(done="").strip() if s.offered_more else wording.HOW_CAN_I_HELP

    def _said(self, reply: Reply) -> Reply:
        s = self.call.state
        if s.step == Step.DOB and reply.action is None and (self.keys_at_first or s.not_understood or s.mismatches):
            reply = dataclasses.replace(reply, text=self.keyed.offered(reply.text, self.identity.day_first()))
        s.last_question = reply.text
        return reply

    def _respond(self, text: str, confidence: float, alternative: bool = False) -> Reply:
        s = self.call.state
        s.turns += 1
        if s.turns == MAX_TURNS + 1:  # once: a message can still be left afterwards
            return self.escalation.hand_over(f"the call went on for {MAX_TURNS} turns without getting anywhere")
        if not text.strip():
            return self.escalation.not_understood(wording.DID_NOT_CATCH)
        s.last_caller_text = text
        if confidence < self.low_confidence and (s.step == Step.MESSAGE_SPELL or s.step in (
                Step.SPELL, Step.SPELL_FIRST) and s.name and s.contact is None):
            text = ""  # unclear letters spell nothing: a new patient is asked again; a message's name stands
        elif confidence < self.low_confidence:
            s.low_confidence += 1
            if s.low_confidence == 2 and s.step == Step.NAME:  # heard unclearly twice: spelled, not said again
                return self.call.ask(Step.SPELL_NAME, wording.NAME_SPELL)
            if s.low_confidence >= 2:
                return self.escalation.hand_over("the line is too unclear to understand the caller")
            return Reply.say(wording.LINE_UNCLEAR)
        s.low_confidence = 0
        intent = rule_intent(text)
        taking_message = s.step in (Step.MESSAGE, Step.MESSAGE_NAME, Step.MESSAGE_SPELL, Step.CALLBACK, Step.CALLER_ID)
        number_asked = s.step in (Step.CALLBACK, Step.CALLER_ID)  # "no, that's the wrong number": the callback's
        if intent == "emergency" and not (taking_message and s.intent == "emergency") or intent == "human" or (
                intent == "wrong_number" and not number_asked):
            return self._act_on(text, intent)
        if sounds_angry(text):
            return self.escalation.hand_over("the caller is upset")
        # a yes or no in a goodbye ("perfect, thanks, bye") is the step's first; while a message is
        # taken, a goodbye with any other words ("tell them thanks, bye") is part of it
        declines = s.step == Step.MESSAGE_SPELL and not re.search(r"\bbye\b|\bgoodbye\b", text.lower())
        if intent == "goodbye" and not declines and (s.step == Step.INTENT or (  # "no thanks": not spelled
                only_closing(text) if taking_message else yes_or_no(text) is None)):
            return self._act_on(text, intent)
        if s.step == Step.MESSAGE and s.intent is None and s.not_understood >= 2 and intent == "faq" and (
                text.rstrip().endswith("?") and (answer := self._answer(text))):
            return answer  # not understood twice, then asked again as the message: answered
        try:
            if alternative and s.step == Step.DOB:
                return self._then_advance(lambda words: self.identity.take_date_of_birth(words, unsure=True))(text)
            return self.steps[s.step](text)
        except (sqlite3.Error, OSError) as exc:
            return self.escalation.store_failed(exc)
        except AppointmentError as exc:
            log.exception("the booking system failed")
            return self.escalation.hand_over(f"the booking system failed ({exc.__class__.__name__})")

    def begin(self, intent: str, text: str = "") -> Reply:
        """Start what the caller is already known to want (a reminder call's cancel or change,
        its front desk or message), as if they had asked for it in `text`."""
        self._before = None
        return self._said(self._act_on(text, intent))

    def silence(self, count: int, final: bool) -> Reply:
        """When the caller says nothing: reprompt, then (final) hang up or transfer."""
        self._before = None
        return self._said(self.faq.silence(count, final))

    def takes_digits(self) -> bool:
        """Keys spell a date of birth where one is asked (`keyed`); elsewhere they are single
        choices (0 for the front desk)."""
        return self.call.state.step == Step.DOB

    def dtmf(self, digit: str) -> Reply | None:
        """Where a date of birth is asked, eight keys are one, answered as if said; elsewhere 0
        reaches the front desk and the recording notice's key declines the recording."""
        self._before = None
        if self.takes_digits() and digit.isdigit():
            keyed = self.keyed.key(digit)
            return self.respond(keyed, 1.0) if keyed is not None else None
        self.keyed.forget()
        if digit == DECLINE_KEY and self.recorded:
            return self.decline_recording(self.again())
        return self.escalation.hand_over("the caller pressed 0") if digit == "0" else None

    def bind_call(self, record_id: int) -> None:
        """Link what this dialogue writes to the call's record."""
        self.records.call_record = record_id
        self.call.key = f"call{record_id}"

    def transfer_failed(self) -> Reply:
        """Nobody answered the handover: take a message instead."""
        self._before = None
        return self._said(self.escalation.transfer_failed())

    def handover(self, reason: str) -> str:
        """The front desk takes the call over: record it and return the summary for staff."""
        self._before = None
        return self.escalation.desk_took_over(reason)

    def card(self) -> dict[str, str]:
        """What the front desk's live card shows of the call so far (see `card`)."""
        return call_card(self.call.state, self.call.local)

    def outcome(self) -> str | None:
        """What the call achieved: booked, rescheduled, cancelled, message (also one taken and
        still waiting for its name or number: `close` writes it), or None."""
        s = self.call.state
        return s.outcome or ("message" if s.message is not None else None)

    def close(self) -> None:
        """The call is over: write a message still waiting for its name or number, then close
        this dialogue's connection to the store now, not at the next garbage collection (a
        long run of calls would hold dozens of files open)."""
        try:
            self.escalation.flush_message()
        except Exception:  # noqa: BLE001 - logged; the connection is still closed
            log.exception("could not write the message of a call that ended")
        self.records.close()

    # --- what the caller wants -------------------------------------------------------------
    def _take_intent(self, text: str) -> Reply:
        """By rules; else a question the clinic answers; a no to "anything else?" ends the call;
        else the model's reading, checked with the caller (not understood until they say yes)."""
        s = self.call.state
        intent = rule_intent(text)
        if intent is None:
            answer = self._answer(text)
            if answer is not None:
                return answer
            if self._declines_more(text):
                return self._act_on(text, "goodbye")
            guess = self.reader.intent(text, s.last_question, s.known())
            if guess in WANTS or guess in ("goodbye", "wrong_number"):
                wish = WANTS.get(guess, "end the call")
                s.pending = (guess, text)
                return self.escalation.not_understood(wording.JUST_TO_CHECK.format(wish=wish), Step.CONFIRM_INTENT)
            intent = guess
        return self._act_on(text, intent)

    # --- the booking read back -------------------------------------------------------------
    def _take_go_ahead(self, text: str) -> Reply:
        """A no to the new patient's name read back puts the name right (`NameFix`); else a yes
        or no to the booking itself."""
        if self.name_fix.refused(text):
            return self._take_name_fix(text)
        return self.booking.take_go_ahead(text)

    def _take_name_fix(self, text: str) -> Reply:
        """The right name: the booking read back with it, or the name asked for."""
        return self.name_fix.take(text) or self.booking.read_back_again()

    def _declines_more(self, text: str) -> bool:
        """A no to "Is there anything else?"."""
        return self.call.state.offered_more and yes_or_no(text) is False

    def _take_intent_yes(self, text: str) -> Reply:
        """A yes to the model's reading acts on the caller's first words; an answer with content
        is a yes and its content is used; a new request is taken as such ("No, do you have
        parking?" to a message offered is a question)."""
        s = self.call.state
        guess, original = s.pending
        s.step, s.pending = Step.INTENT, None
        intent, answer = rule_intent(text), yes_or_no(text)
        if guess == "message" and intent in ("message", "faq") and answer is not False:  # "yes, ask about the price"
            s.intent = "message"
            return self.escalation.take_message(f"{original} {text}")
        if intent is not None:
            return self._act_on(text, intent)
        if answer is None and guess == "book" and re.search(NOT_BOOKING, text.lower()):  # "I want to check my ..."
            return self.escalation.not_understood(wording.WHAT_TO_DO)
        if answer is None and len(text.split()) >= 3:
            s.not_understood = 0
            if guess == "message":
                s.intent = "message"
                return self.escalation.take_message(text)
            return self._act_on(f"{original} {text}", guess)
        if answer is True:
            s.not_understood = 0
            return self._act_on(original, guess)
        if answer is False:
            return self.escalation.not_understood(wording.MISREAD) if s.not_understood >= 2 else Reply.say(
                wording.MISREAD)
        return self.escalation.not_understood(wording.WHAT_TO_DO)

    def _act_on(self, text: str, intent: str) -> Reply:
        """Start what the caller asked for."""
        if intent in APPOINTMENT_INTENTS:
            if intent == "book" and self.call.state.contact is not None and for_someone_else(text):
                self.identity.someone_else()
            self.booking.start(text, intent)
            return self.identity.volunteered(text) or self._advance()
        if intent == "faq":  # understood; not in the clinic's profile: a message is offered
            answer = self._answer(text)
            if answer is not None:
                return answer
            self.call.state.pending = ("message", text)
            return self.call.ask(Step.CONFIRM_INTENT, wording.NOT_SURE)
        if intent == "message":
            return self.escalation.ask_for_message()
        if intent == "emergency":
            return self.escalation.emergency(text)
        if intent == "human":
            return self.escalation.hand_over("the caller asked for a person")
        if intent == "goodbye":
            return Reply.say(wording.GOODBYE.format(clinic=self.call.clinic.name), Action("hangup", "goodbye"))
        if intent == "wrong_number":
            self.call.state.message = None  # words taken as a message from a wrong number are none
            return Reply.say(wording.WRONG_NUMBER.format(clinic=self.call.clinic.name),
                             Action("hangup", "wrong number"))
        return self.escalation.not_understood(wording.WHAT_TO_DO)

    def _answer(self, text: str) -> Reply | None:
        """The clinic's answer to a common question, or None."""
        answer = self.faq.answer(text)
        return self.call.then_anything_else(answer, "faq") if answer else None

    # --- who the caller is, then the appointment ---------------------------------------------
    def _advance(self) -> Reply:
        """Ask for what identity still needs, else carry on with the appointment."""
        return self.identity.question() or self.booking.next()

    def _then_advance(self, take: Callable[[str], Reply | None]) -> Handler:
        """An identity step (name, date of birth, for whom, spelling, a reading's yes), or a
        booking's step that may turn to another task: its question again, or, once answered or
        turned, what comes next."""
        return lambda text: take(text) or self._advance()
