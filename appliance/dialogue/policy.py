"""The receptionist's policy: one `Dialogue` per call, implementing the call loop's `Policy`.

Every turn: safety first (emergency, a person asked for, an upset caller, poor audio twice),
then the step the agent is waiting on (a name, a date of birth, a service, a day, a choice, a
yes), else the caller's intent. Bookings are read back and made only after a yes, and the
confirmation is spoken from what the store returned.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Callable
from datetime import datetime

from appliance.config import ClinicConfig
from appliance.crm.appointments import Appointment, AppointmentError, SlotTakenError
from appliance.crm.availability import Slot
from appliance.crm.contacts import name_key
from appliance.dialogue.spoken import parse_clock, say_date, say_moment, say_time, words_to_digits
from appliance.dialogue.state import WANTS, CallState
from appliance.dialogue.tools import Tools
from appliance.dialogue.understand import (
    extract_dob, extract_name, llm_intent, pick_by_name, rule_intent, sounds_angry, yes_or_no,
)
from appliance.dialogue.when import HORIZON_DAYS, When, parse_when
from appliance.voice.policy import Action, FaqPolicy, Reply

log = logging.getLogger(__name__)
ORDINAL_CHOICE = {"first": 0, "1st": 0, "earlier": 0, "earliest": 0, "second": 1, "2nd": 1, "third": 2,
                  "3rd": 2, "last": -1, "later": -1, "latest": -1}


class Dialogue:
    """What the agent says and does on one call."""

    def __init__(self, clinic: ClinicConfig, tools: Tools, now: Callable[[], datetime], llm=None,  # noqa: ANN001
                 can_transfer: bool = True, on_call: bool = False, low_confidence: float = 0.2,
                 call_key: str = "call") -> None:
        self.clinic = clinic
        self.tools = tools
        self.now = now
        self.llm = llm
        self.can_transfer = can_transfer
        self.on_call = on_call  # an on-call number takes handovers outside opening hours
        self.low_confidence = low_confidence
        self.call_key = call_key
        self.faq = FaqPolicy(clinic)
        self.state = CallState(caller_number="")

    # --- the Policy interface ------------------------------------------------------------
    def greeting(self, caller_number: str) -> Reply:
        """Greet, by name when caller ID finds the caller."""
        self.state.caller_number = caller_number
        try:
            self.state.contact = self.tools.lookup_caller(caller_number)
        except Exception:  # noqa: BLE001 - a store problem must not stop the call being answered
            log.exception("caller lookup failed")
        text = self.clinic.greeting.format(name=self.clinic.name)
        if self.state.contact is not None:
            first = self.state.contact.name.split()[0]
            text = text.replace("How can I help", f"Hello {first}! How can I help")
        if not self.tools.clinic_open(self.now()):
            text += " We're closed right now, but I can book appointments or take a message."
        return Reply.say(text)

    def respond(self, text: str, confidence: float) -> Reply:
        """The reply to one caller turn."""
        s = self.state
        s.turns += 1
        if not text.strip():
            return self._not_understood("Sorry, I didn't catch that. Could you say it again?")
        s.last_caller_text = text
        if confidence < self.low_confidence:
            s.low_confidence += 1
            if s.low_confidence >= 2:
                return self._escalate("the line is too unclear to understand the caller")
            return Reply.say("Sorry, the line is a bit unclear. Could you say that again?")
        s.low_confidence = 0
        intent = rule_intent(text)
        if intent == "emergency":
            return self._emergency(text)
        if intent == "human":
            return self._escalate("the caller asked for a person")
        if sounds_angry(text):
            return self._escalate("the caller is upset")
        if intent == "goodbye" and (s.step != "message" or len(text.split()) <= 4):
            return Reply.say(f"Thank you for calling {self.clinic.name}. Goodbye!", Action("hangup", "goodbye"))
        try:
            return getattr(self, f"_step_{s.step}")(text, intent)
        except (sqlite3.Error, OSError) as exc:
            return self._store_failed(exc)
        except AppointmentError as exc:
            log.exception("a tool failed")
            return self._escalate(f"the booking system failed ({exc.__class__.__name__})")

    def silence(self, count: int, final: bool) -> Reply:
        """When the caller says nothing."""
        return self.faq.silence(count, final)

    def dtmf(self, digit: str) -> Reply | None:
        """0 reaches the front desk from anywhere."""
        return self._escalate("the caller pressed 0") if digit == "0" else None

    def bind_call(self, record_id: int) -> None:
        """Link what this dialogue writes to the call's record."""
        self.tools.call_record = record_id
        self.call_key = f"call{record_id}"

    def transfer_failed(self) -> Reply:
        """Nobody answered the handover: take a message instead."""
        self.state.step = "message"
        self.state.done.append("transfer failed")
        return Reply.say("I'm sorry, nobody at the front desk can take your call right now. I can take a "
                         "message and someone will call you back. What would you like me to tell them?")

    def handover(self, reason: str) -> str:
        """The front desk takes the call over: record it and return the summary for staff."""
        summary = self.state.summary(reason)
        try:
            self.tools.record_handover(reason, summary, "front desk", "desk")
        except Exception:  # noqa: BLE001 - the handover itself must still happen
            log.exception("could not record the handover")
        return summary

    def outcome(self) -> str | None:
        """What the call achieved: booked, rescheduled, cancelled, message, or None."""
        return self.state.outcome

    def close(self) -> None:
        """The call is over: close this dialogue's connection to the store now, not at the
        next garbage collection (a long run of calls would hold dozens of files open)."""
        self.tools.db.conn.close()

    # --- steps ---------------------------------------------------------------------------
    def _step_intent(self, text: str, intent: str | None) -> Reply:
        if intent is None:
            answer = self.faq.answer(text)
            if answer:
                return self._then_anything_else(answer, "faq")
            guess = llm_intent(self.llm, text) if self.llm is not None else "unknown"
            if guess in WANTS or guess in ("goodbye", "wrong_number"):
                # the model's reading is checked with the caller before anything happens
                self.state.step, self.state.pending = "confirm_intent", (guess, text)
                wish = WANTS.get(guess, "end the call")
                return Reply.say(f"Just to check, would you like to {wish}?")
            intent = guess
        return self._dispatch(text, intent)

    def _step_confirm_intent(self, text: str, intent: str | None) -> Reply:
        guess, original = self.state.pending
        self.state.step, self.state.pending = "intent", None
        if intent is not None:
            return self._dispatch(text, intent)
        answer = yes_or_no(text)
        if answer is True:
            return self._dispatch(original, guess)
        if answer is False:
            return Reply.say("Sorry about that. What would you like to do?")
        return self._not_understood("Sorry, I didn't understand. I can book, move or cancel an appointment, "
                                    "or answer questions about the clinic. What would you like to do?")

    def _dispatch(self, text: str, intent: str | None) -> Reply:
        if intent == "faq":
            answer = self.faq.answer(text)
            if answer:
                return self._then_anything_else(answer, "faq")
            return self._not_understood("I'm not sure about that. I can take a message for the team, or "
                                        "help you with an appointment. What would you like to do?")
        if intent in ("book", "reschedule", "cancel", "confirm"):
            self.state.intent = intent
            self.state.not_understood = 0
            self.state.when = parse_when(text, self._local_now())
            self._pick_service(text)
            return self._advance()
        if intent == "message":
            self.state.intent, self.state.step = "message", "message"
            return Reply.say("Of course. What message would you like to leave?")
        if intent == "emergency":  # the model's reading, confirmed by the caller
            return self._emergency(text)
        if intent == "human":
            return self._escalate("the caller asked for a person")
        if intent == "goodbye":
            return Reply.say(f"Thank you for calling {self.clinic.name}. Goodbye!", Action("hangup", "goodbye"))
        if intent == "wrong_number":
            return Reply.say(f"No problem. This is {self.clinic.name}. Goodbye!", Action("hangup", "wrong number"))
        return self._not_understood("Sorry, I didn't understand. I can book, move or cancel an appointment, "
                                    "or answer questions about the clinic. What would you like to do?")

    def _step_name(self, text: str, intent: str | None) -> Reply:
        name = extract_name(text)
        if name is None:
            return self._not_understood("Sorry, could you tell me your first and last name?")
        self.state.name, self.state.step = name, "dob"
        if extract_dob(text):
            return self._step_dob(text, intent)
        return Reply.say(f"Thank you, {name.split()[0]}. And what's your date of birth?")

    def _step_dob(self, text: str, intent: str | None) -> Reply:
        s = self.state
        dob = extract_dob(text, day_first=self.tools.contacts.country_code != "1")
        if dob is None:
            # no example date: any full date is somebody's date of birth (the demo patient's was this one)
            return self._not_understood("Sorry, could you tell me your date of birth: the day, the month and the year?")
        if s.contact is not None:
            if s.contact.date_of_birth != dob or name_key(s.name or "") != name_key(s.contact.name):
                log.info("%s: the name or date of birth given does not match contact %d", self.call_key,
                         s.contact.id)
                s.not_understood += 1
                if s.not_understood >= 2:
                    return self._escalate("the name or date of birth did not match the record")
                s.name, s.step = None, "name"
                return Reply.say("Sorry, that doesn't match our records. Could you tell me your first and last "
                                 "name again?")
            s.verified = True
        else:
            s.contact = self.tools.find_contact(s.name or "", dob)
            if s.contact is not None:
                s.verified = True
            elif s.intent == "book":
                s.contact = self.tools.new_contact(s.name or "", dob, s.caller_number)
                s.verified = True
                s.done.append(f"registered {s.contact.name} as a new patient")
            else:
                return self._escalate("no record was found under that name and date of birth")
        s.not_understood = 0
        return self._advance()

    def _step_service(self, text: str, intent: str | None) -> Reply:
        if not self._pick_service(text):
            return self._not_understood(f"Which would you like: {self._service_list()}?")
        if self.state.when is None:
            self.state.when = parse_when(text, self._local_now())
        return self._advance()

    def _step_when(self, text: str, intent: str | None) -> Reply:
        when = parse_when(text, self._local_now())
        if when is None:
            return self._not_understood("What day and time would suit you? For example, Tuesday afternoon.")
        self.state.when = self.state.when.merged(when) if self.state.when else when
        return self._offer()

    def _step_choose(self, text: str, intent: str | None) -> Reply:
        s = self.state
        slot = self._chosen_slot(text)
        if slot is not None:
            return self._read_back(slot)
        correction = parse_when(text, self._local_now())
        if correction is not None:
            s.when = s.when.merged(correction) if s.when else correction
            return self._offer()
        if yes_or_no(text) is False:
            s.step = "when"
            return Reply.say("No problem. What day and time would suit you better?")
        return self._not_understood("Sorry, which time would you like? " + self._offer_text(s.offered))

    def _step_confirm(self, text: str, intent: str | None) -> Reply:
        s = self.state
        answer = yes_or_no(text)
        correction = parse_when(text, self._local_now())
        if answer is not True and correction is not None:
            s.when = s.when.merged(correction) if s.when else correction
            return self._offer()
        if answer is None:
            return self._not_understood("Sorry, shall I go ahead? Please say yes or no.")
        if answer is False:
            s.step, s.chosen = "when", None
            return Reply.say("No problem. What day and time would suit you better?")
        return self._commit()

    def _step_which(self, text: str, intent: str | None) -> Reply:
        s = self.state
        picked = self._pick_appointment(text)
        if picked is None:
            return self._not_understood("Sorry, which one? " + self._appointments_text(s.candidates))
        s.target = picked
        return self._advance()

    def _step_confirm_cancel(self, text: str, intent: str | None) -> Reply:
        s = self.state
        answer = yes_or_no(text)
        if answer is None:
            return self._not_understood("Shall I cancel it? Please say yes or no.")
        if answer is False:
            return self._then_anything_else("All right, I'll leave it as it is.", "confirm")
        cancelled = self.tools.cancel(s.target)
        s.done.append(f"cancelled the appointment of {self._say_appointment(cancelled)}")
        s.outcome = "cancelled"
        return self._then_anything_else(f"Done. Your appointment on {self._say_appointment(cancelled)} "
                                        "is cancelled.", "cancel")

    def _step_message(self, text: str, intent: str | None) -> Reply:
        s = self.state
        name = s.contact.name if s.contact else (s.name or "")
        self.tools.take_message(text, s.caller_number, name, s.contact.id if s.contact else None, callback=True)
        s.done.append("took a message")
        s.outcome = s.outcome or "message"
        back = f" at {self._say_number()}" if any(c.isdigit() for c in s.caller_number) else ""
        return self._then_anything_else(
            f"Thank you, I've passed your message on. Someone will call you back{back}.", "message")

    # --- the flows ------------------------------------------------------------------------
    def _advance(self) -> Reply:
        """Ask for the next missing piece of the current intent, or act."""
        s = self.state
        if s.contact is None and s.name is None:
            s.step = "name"
            return Reply.say("Sure. May I have your first and last name?")
        if s.intent in ("cancel", "reschedule", "confirm") and not s.verified:
            # caller ID can be forged: whoever reads or changes an appointment gives name and birth date
            if s.name is None:
                s.step = "name"
                return Reply.say("For your security, may I have your first and last name?")
            s.step = "dob"
            return Reply.say("And what's your date of birth?")
        if s.contact is None:
            s.step = "dob"
            return Reply.say("And what's your date of birth?")
        if s.intent == "book":
            if s.service is None:
                s.step = "service"
                return Reply.say(f"What would you like to come in for: {self._service_list()}?")
            if s.when is None:
                s.step = "when"
                return Reply.say("What day and time would suit you?")
            return self._offer()
        if s.target is None:
            s.candidates = self.tools.upcoming(s.contact.id, self.now())
            if not s.candidates:
                return self._then_anything_else("I can't find any upcoming appointment for you.", s.intent)
            if len(s.candidates) > 1:
                s.step = "which"
                return Reply.say("Which appointment do you mean? " + self._appointments_text(s.candidates))
            s.target = s.candidates[0]
        if s.intent == "confirm":
            return self._then_anything_else(f"You have {self._describe(s.target)}.", "confirm")
        if s.intent == "cancel":
            s.step = "confirm_cancel"
            return Reply.say(f"You have {self._describe(s.target)}. Shall I cancel it?")
        s.service = self.tools.schedule.service(s.target.service_id)
        if s.when is None:
            s.step = "when"
            return Reply.say(f"You have {self._describe(s.target)}. When would you like to move it to?")
        return self._offer()

    def _offer(self) -> Reply:
        s = self.state
        provider = s.provider.id if s.provider else None
        slots = self.tools.find_slots(s.service.id, s.when, self.now(), provider)
        if not slots:
            wider = When(s.when.first, s.when.first.fromordinal(s.when.first.toordinal() + HORIZON_DAYS),
                         s.when.from_hour, s.when.to_hour)
            slots = self.tools.find_slots(s.service.id, wider, self.now(), provider, count=1)
            if not slots:
                s.step = "when"
                return Reply.say("I'm sorry, I have nothing free around then. Could another day or time work?")
            return self._read_back(slots[0], "I don't have anything then. The nearest I have is")
        s.offered, s.step = slots, "choose"
        if len(slots) == 1:
            return self._read_back(slots[0], "I have")
        return Reply.say(f"I have {self._offer_text(slots)} Which would you prefer?")

    def _read_back(self, slot: Slot, lead: str = "So that's") -> Reply:
        """Say exactly what will be booked; only a yes to this books it."""
        s = self.state
        s.chosen, s.step = slot, "confirm"
        what = "for your appointment" if s.intent == "reschedule" else f"for a {s.service.name}"
        return Reply.say(f"{lead} {self._say_slot(slot, with_provider=True)} {what}. Shall I go ahead?")

    def _commit(self) -> Reply:
        s = self.state
        try:
            if s.intent == "reschedule":
                done = self.tools.reschedule(s.target, s.chosen)
                s.done.append(f"moved the appointment to {self._say_appointment(done)}")
                s.outcome = "rescheduled"
                return self._then_anything_else(f"Done. Your appointment is now {self._describe(done)}.", "reschedule")
            done = self.tools.book(s.contact.id, s.chosen, f"{self.call_key}-{s.turns}")
        except SlotTakenError:
            s.offered = [o for o in s.offered if o != s.chosen]
            s.chosen = None
            return self._taken()
        s.done.append(f"booked {self._say_appointment(done)}")
        s.outcome = "booked"
        return self._then_anything_else(f"You're booked: {self._describe(done)}.", "book")

    def _taken(self) -> Reply:
        reply = self._offer()
        text = "".join(reply.pieces)
        return Reply.say(f"Oh, I'm sorry, that time was just taken. {text}", reply.action)

    def _then_anything_else(self, text: str, intent: str) -> Reply:
        s = self.state
        s.intent, s.step, s.target, s.chosen, s.offered, s.candidates, s.when = intent, "intent", None, None, [], [], None
        s.service = s.provider = None
        s.not_understood = 0
        return Reply.say(f"{text} Is there anything else I can help with?")

    def _store_failed(self, exc: Exception) -> Reply:
        """The store refused a read or write (locked, full, broken): nothing is claimed, the
        request becomes a callback message (kept in the spool if the store refuses that too)."""
        s = self.state
        log.error("the store failed while the caller wanted to %s: %s", s.intent or "talk", exc)
        wanted = f"Caller wanted to {s.intent or 'talk to us'}"
        if s.chosen is not None:
            wanted += f" ({self._say_slot(s.chosen, with_provider=True)})"
        name = s.contact.name if s.contact else (s.name or "")
        sorry = "I'm sorry, I can't reach our booking system right now, so nothing has been changed."
        try:
            self.tools.take_message(f"{wanted}, but the booking system failed ({exc.__class__.__name__}). "
                                    "Nothing was changed: please call back.", s.caller_number, name,
                                    s.contact.id if s.contact else None, callback=True)
        except Exception:  # noqa: BLE001 - still say the truth to the caller
            log.exception("could not leave the callback request either")
            s.done.append("the booking system failed")
            return Reply.say(f"{sorry} Please call us again a little later. Goodbye.", Action("hangup", "store failed"))
        s.done.append("the booking system failed: left a callback request")
        s.step, s.chosen = "message", None
        s.outcome = s.outcome or "message"
        return Reply.say(f"{sorry} I've asked the front desk to call you back. Is there anything you'd like me "
                         "to add to the message?")

    def _escalate(self, reason: str) -> Reply:
        s = self.state
        summary = s.summary(reason)
        is_open = self.tools.clinic_open(self.now())
        log.info("%s: handing over (%s)", self.call_key, reason)
        if not (self.can_transfer and is_open) and not (self.on_call and not is_open):
            s.step = "message"
            return Reply.say("I can't put you through to a person right now, but I can take a message and "
                             "someone will call you back. What would you like me to tell them?")
        target = "front desk" if is_open else "on-call"
        try:
            self.tools.record_handover(reason, summary, target, "transfer")
        except Exception:  # noqa: BLE001 - the handover itself must still happen
            log.exception("could not record the handover")
        who = "the front desk" if is_open else "our on-call colleague"
        return Reply.say(f"Of course. Let me put you through to {who}, one moment please.",
                         Action("transfer", reason, summary, after_hours=not is_open))

    def _emergency(self, text: str) -> Reply:
        s = self.state
        s.intent = "emergency"
        try:
            self.tools.take_message(f"URGENT: possible emergency. Caller said: {text}", s.caller_number,
                                    s.contact.name if s.contact else (s.name or ""),
                                    s.contact.id if s.contact else None, callback=True)
            s.done.append("flagged an emergency for the team")
        except Exception:  # noqa: BLE001
            log.exception("could not flag the emergency")
        advice = (f"If this is a medical emergency, please hang up now and call {self.clinic.emergency_number}. "
                  "I've flagged your call as urgent for our team.")
        is_open = self.tools.clinic_open(self.now())
        if (self.can_transfer and is_open) or (self.on_call and not is_open):
            return Reply.say(f"{advice} I'm putting you through to someone now.",
                             Action("transfer", "emergency", s.summary("possible emergency"), after_hours=not is_open))
        s.step = "message"
        return Reply.say(f"{advice} If you'd like, tell me what's happening and someone will call you back.")

    def _not_understood(self, prompt: str) -> Reply:
        s = self.state
        s.not_understood += 1
        if s.not_understood >= 2 and s.step in ("intent", "choose", "confirm", "service", "when", "dob", "name"):
            return self._escalate("the agent did not understand the caller twice")
        return Reply.say(prompt)

    # --- helpers -------------------------------------------------------------------------
    def _local_now(self) -> datetime:
        return self.now().astimezone(self.tools.tz)

    def _pick_service(self, text: str) -> bool:
        services = self.tools.services()
        index = pick_by_name(text.replace("checkup", "check-up"), [s.name for s in services])
        if index is None and len(services) == 1:
            index = 0
        if index is not None:
            self.state.service = services[index]
        providers = self.tools.providers()
        chosen = pick_by_name(text, [p.name for p in providers])
        if chosen is not None:
            self.state.provider = providers[chosen]
        return index is not None

    def _chosen_slot(self, text: str) -> Slot | None:
        offered = self.state.offered
        lowered = words_to_digits(text)
        for word, index in ORDINAL_CHOICE.items():
            if re.search(rf"\b{word}\b", lowered) and offered:
                return offered[index]
        clock = parse_clock(lowered)
        if clock is not None:
            for slot in offered:
                local = slot.starts_at.astimezone(self.tools.tz)
                if (local.hour, local.minute) == (clock.hour, clock.minute) or (
                        clock.minute == 0 and local.hour == clock.hour and len(offered) > 1
                        and sum(o.starts_at.hour == clock.hour for o in offered) == 1):
                    return slot
        if len(offered) == 1 and yes_or_no(text) is True:
            return offered[0]
        return None

    def _pick_appointment(self, text: str) -> Appointment | None:
        candidates = self.state.candidates
        lowered = words_to_digits(text)
        for word, index in ORDINAL_CHOICE.items():
            if re.search(rf"\b{word}\b", lowered):
                return candidates[index]
        when = parse_when(text, self._local_now())
        if when is not None:
            fitting = [a for a in candidates if when.allows(a.starts_at.astimezone(self.tools.tz))]
            if len(fitting) == 1:
                return fitting[0]
        services = {a.id: self.tools.schedule.service(a.service_id).name for a in candidates}
        index = pick_by_name(text, [services[a.id] for a in candidates])
        return candidates[index] if index is not None else None

    def _service_list(self) -> str:
        names = [s.name for s in self.tools.services()]
        return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]

    def _say_slot(self, slot: Slot, with_provider: bool = False) -> str:
        today = self._local_now().date()
        who = f" with {slot.provider_name}" if with_provider else ""
        return f"{say_moment(slot.starts_at.astimezone(self.tools.tz), today)}{who}"

    def _offer_text(self, slots: list[Slot]) -> str:
        today = self._local_now().date()
        local = [s.starts_at.astimezone(self.tools.tz) for s in slots]
        if len({m.date() for m in local}) == 1:
            times = [say_time(m) for m in local]
            return f"{say_date(local[0].date(), today)} at {', '.join(times[:-1])} or {times[-1]}."
        parts = [say_moment(m, today) for m in local]
        return f"{', '.join(parts[:-1])} or {parts[-1]}."

    def _say_appointment(self, a: Appointment) -> str:
        return say_moment(a.starts_at.astimezone(self.tools.tz), self._local_now().date())

    def _describe(self, a: Appointment) -> str:
        service = self.tools.schedule.service(a.service_id).name
        provider = next((p.name for p in self.tools.providers() if p.id == a.provider_id), "us")
        return f"a {service} with {provider} {self._say_appointment(a)}"

    def _appointments_text(self, items: list[Appointment]) -> str:
        described = [self._describe(a) for a in items[:3]]
        return "You have " + "; ".join(described) + "."

    def _say_number(self) -> str:
        digits = re.sub(r"\D", "", self.state.caller_number)
        return " ".join(digits[-10:]) if digits else "the number you called from"
