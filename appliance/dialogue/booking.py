"""Booking, moving, cancelling and checking appointments: the service, the day and time, the
slots offered, the read-back (only a yes books) and the commit, and which appointment is meant.
The confirmation is spoken from what the store returned."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import datetime, timedelta

from appliance.crm.appointments import Appointment, SlotTakenError
from appliance.crm.availability import Slot
from appliance.crm.schedule import Service
from appliance.dialogue import wording
from appliance.dialogue.call import Call
from appliance.dialogue.escalation import Escalation
from appliance.dialogue.reply import Reply
from appliance.dialogue.spoken import ordinal_choice, parse_clock, words_to_digits
from appliance.dialogue.state import Step
from appliance.dialogue.understand import (
    TURNED_DOWN,
    adds_nothing,
    asked_for,
    firm_no,
    objection,
    pick_by_name,
    rule_intent,
    yes_or_no,
)
from appliance.dialogue.when import HORIZON_DAYS, When, parse_when

log = logging.getLogger(__name__)

# the times offered turned down: a no first (after fillers), or the day said to be bad ("Monday's not good")
REFUSES = re.compile(r"^\W*(?:(?:um|uh|oh|hmm|well|actually|sorry|so)\W+)*(?:no|nope|neither|none|not)\b|\bnot\b|"
                     r"n't (?:good|great|possible|ideal|going to)\b|\b(?:can't|cannot|couldn't) (?:make|come|do)\b|"
                     r"\b(?:bad|busy|out|impossible|no use|else|other)\b")
TASK_NAMED = re.compile(r"\b(?:cancel|call off|re-? ?schedul|move|confirm)", re.IGNORECASE)  # another task, said
# at "book another, or move the one you have?": moving it said, or the one they have named as
# asked ("No, I like the movie one I have" for "I'd like to move the one I have") and not kept
MOVE_IT = re.compile(r"\b(?:move|change|instead|rather)\b")
THE_ONE_I_HAVE = re.compile(r"\bones? (?:i|we)(?: have| already have|'ve got| have got)\b")
ANOTHER = re.compile(r"\b(?:another|new one|second|as well|too|also)\b")
# "the 2:30 one": no number after the time; "Miss Blackone" (for "o'clock one"): written onto a word
PICKED_ONE = re.compile(r"(?:\b|(?<=\w{3})(?<!some)(?<!any)(?<!every)(?<!postp))one\b(?=\W*(?:please)?\W*$)",
                        re.IGNORECASE)


def refuses(text: str) -> bool:
    """Whether `text`, naming the day offered again, turns its times down ("Monday's not good");
    not "Monday, the clock won't please" (a pick not heard)."""
    lowered = text.lower().replace("\u2019", "'")
    return REFUSES.search(lowered) is not None or TURNED_DOWN.search(lowered) is not None


class Booking:
    """The appointment side of one call, once the caller's identity is settled."""

    def __init__(self, call: Call, escalation: Escalation) -> None:
        self.call = call
        self.escalation = escalation
        self.records = call.records

    def start(self, text: str, intent: str) -> None:
        """Begin to book, move, cancel or check an appointment with what the caller's words already say."""
        s = self.call.state
        s.intent = intent
        s.not_understood = 0
        s.when = parse_when(text, self.call.local_now())
        self._pick_service(text)

    def next(self) -> Reply:
        """Ask for the next missing detail, or act."""
        s = self.call.state
        if s.intent == "book":
            if s.service is None:
                return self.call.ask(Step.SERVICE, wording.ASK_SERVICE.format(services=self._services_said()))
            if not s.another_checked and s.contact is not None and any(
                    a.service_id == s.service.id for a in self.records.upcoming(s.contact.id, self.call.now())):
                return self.call.ask(Step.ANOTHER, wording.ALREADY_BOOKED.format(service=s.service.name))
            if s.when is None:
                return self.call.ask(Step.WHEN, wording.ASK_WHEN)
            return self._offer()
        if s.target is None:
            s.candidates = self.records.upcoming(s.contact.id, self.call.now())
            if not s.candidates and s.registered:
                return self._look_again()
            if not s.candidates:
                return self.call.then_anything_else(wording.NO_UPCOMING, s.intent)
            if len(s.candidates) > 1:
                return self.call.ask(Step.WHICH, wording.WHICH_APPOINTMENT.format(listed=self._listed(s.candidates)))
            s.target = s.candidates[0]
        if s.intent == "confirm":
            return self.call.then_anything_else(wording.YOU_HAVE.format(appointment=self._describe(s.target)),
                                                "confirm")
        if s.intent == "cancel":
            return self.call.ask(Step.CONFIRM_CANCEL, wording.CANCEL_IT.format(appointment=self._describe(s.target)))
        s.service = self.records.schedule.service(s.target.service_id)
        if s.when is None:
            return self.call.ask(Step.WHEN, wording.MOVE_IT.format(appointment=self._describe(s.target)))
        return self._offer()

    def _look_again(self) -> Reply:
        """The patient registered on this call has no appointment to change: the caller is one on
        file, under a name misheard ("Walter Brut" for Brooks), who first seemed to book. Their
        last name, spelled again, looks them up once more (then, not found, a hand-over); the
        record made stays, for staff to see in the call's summary."""
        s = self.call.state
        log.info("%s: no appointment under the patient registered on this call: looked up again", self.call.key)
        name, s.misregistered = s.contact.name, s.contact.id
        s.contact, s.verified, s.registered, s.spelled = None, False, False, False
        s.not_understood = 0
        return self.call.ask(Step.SPELL, wording.NOT_UNDER_NAME.format(name=name))

    # --- the caller's answers, one method a step ------------------------------------------
    def take_service(self, text: str) -> Reply | None:
        """Which service (and perhaps when); a word spelled nearly like one ("a feeling") asks
        whether it is that one; asked again and still not heard, the services are asked one at a
        time, each a yes or no (what every voice is heard best on). None: another task was asked
        for (`other_task`)."""
        s = self.call.state
        if self.other_task(text):
            return None
        if not self._pick_service(text):
            services = self.records.services()
            near = pick_by_name(text, [v.name for v in services], nearly=True, inside=True)
            if near is not None:  # "a feeling": is it a filling?
                return self._ask_service(services[near], "")
            if s.not_understood:  # a new, plainer question: misses count from here
                s.not_understood = 0
                return self._ask_service(services[0], f"{wording.ONE_AT_A_TIME} ")
            return self.escalation.not_understood(wording.SERVICE_AGAIN.format(services=self._services_said()))
        return self._service_taken(text)

    def take_service_one(self, text: str) -> Reply | None:
        """A yes to the service asked about is that service, a no asks the next one, and a
        service named in a clause that does not turn it down is that one ("Not the check-up, the
        cleaning": a cleaning); not heard, the question is asked again; no to all, the caller is
        handed over (what they want is none of them). None: another task was asked for."""
        s = self.call.state
        if self.other_task(text):
            return None
        asked, answer = s.service_asked, yes_or_no(text)
        services = self.records.services()
        named = asked_for(text, [v.name for v in services], services=True)
        turned_down = pick_by_name(text, [asked.name], inside=True) is not None and answer is not True
        if named is not None and services[named].id != asked.id:
            s.service = services[named]
        elif answer is True or named is not None:
            s.service = asked
        elif answer is False or turned_down:  # "Not a check-up."
            later = services[[v.id for v in services].index(asked.id) + 1:]
            if not later:
                return self.escalation.hand_over("the caller wants none of the services offered")
            return self._ask_service(later[0], "")
        else:
            return self.escalation.not_understood(wording.IS_IT_SERVICE_AGAIN.format(service=wording.a(asked.name)))
        s.service_asked = None
        return self._service_taken(text)

    def _ask_service(self, service: Service, lead: str) -> Reply:
        self.call.state.service_asked = service
        return self.call.ask(Step.SERVICE_ONE, lead + wording.IS_IT_SERVICE.format(service=wording.a(service.name)))

    def _service_taken(self, text: str) -> Reply:
        """The service is known: ask what is still missing (the day may have come with it)."""
        s = self.call.state
        s.not_understood = 0
        if s.when is None:
            s.when = parse_when(text, self.call.local_now())
        return self.next()

    def take_another(self, text: str) -> Reply | None:
        """Another booking of the same service, or the one the patient has moved, cancelled or
        checked (a "reschedule" misheard as a booking is caught here); None: carry on."""
        s = self.call.state
        intent = rule_intent(text)
        lowered = text.lower()
        kept_or_another = ANOTHER.search(lowered) or re.search(r"\bkeep", lowered)
        if (MOVE_IT.search(lowered) or THE_ONE_I_HAVE.search(lowered) and not kept_or_another) and (
                intent != "cancel"):
            intent = "reschedule"
        elif re.search(r"\b(check|confirm|when is)\b", lowered) and intent != "cancel":
            intent = "confirm"
        if intent in ("reschedule", "cancel", "confirm"):
            s.intent, s.service, s.not_understood = intent, None, 0
            return None
        if yes_or_no(text) is True or ANOTHER.search(lowered):
            s.another_checked, s.not_understood = True, 0
            return None
        return self.escalation.not_understood(wording.ANOTHER_AGAIN.format(service=s.service.name))

    def take_when(self, text: str) -> Reply:
        """The day and time the caller would like."""
        when = parse_when(text, self.call.local_now())
        if when is None:
            return self.escalation.not_understood(wording.WHEN_AGAIN)
        return self._offer_around(when)

    def other_task(self, text: str) -> bool:
        """Asked what a booking is for, the caller asks, in words the rules read, to cancel, move
        or check an appointment ("I'd like to cancel my appointment", twice, after "take it off
        the books" was heard "take a doctor book"): that is the task now, and what was gathered
        for the booking is dropped. Only when the task is named ("cancel", "move", "reschedule",
        "confirm") and no service is: "A check-up, but I can't make it Mondays" books. (Asked for a
        day, "another day" or "I can't make it Monday" are no other task.)"""
        intent = rule_intent(text)
        if (intent not in ("cancel", "reschedule", "confirm") or intent == self.call.state.intent
                or not TASK_NAMED.search(text)
                or pick_by_name(text, [v.name for v in self.records.services()], inside=True) is not None):
            return False  # "A check-up, but I can't make it Mondays", "A cleaning. I had to cancel my last one."
        log.info("%s: the caller asked to %s instead", self.call.key, intent)
        self.call.state.next_task(intent)
        return True

    def take_choice(self, text: str) -> Reply:
        """One of the slots offered, or another day or time."""
        slot = self._chosen_slot(text)
        if slot is not None:
            return self._read_back(slot)
        correction = parse_when(text, self.call.local_now())
        s = self.call.state
        if (theirs := self._dentists_slots(text)) is not None:  # "Which one is with Dr. Okafor?"
            s.offered = theirs
            return self._read_back(theirs[0]) if len(theirs) == 1 else Reply.say(wording.with_dentist(
                s.provider.name, wording.OFFER.format(slots=self._slots_said(theirs))))
        if self._other_dentist(text, s.offered):  # "Is Dr. Okafor free then?": that dentist's times
            return self._offer_with_dentist(correction)
        wish = s.when.merged(correction) if correction is not None else None
        if wish is not None and wish != s.when and not (wish in s.wishes and PICKED_ONE.search(text)):
            return self._offer_around(correction)
        if refuses(text) if correction is not None else yes_or_no(text) is False:  # these times do not suit
            s.declined += [slot.starts_at for slot in s.offered]
            if correction is not None:  # the same wish again: saying them again won't help
                return self.escalation.not_understood(wording.WHEN_ELSE, Step.WHEN)
            return self.call.ask(Step.WHEN, wording.WHEN_ELSE)
        # not read, or the same wish, or one offered for before said as a pick ("... one, please"), with
        # nothing turned down: a pick not heard ("Monday, the clock won't"; "Tonight, Miss Blackone,
        # please" for "The 9 o'clock one, please" went back and forth between tonight and Friday)
        if s.not_understood and len(s.offered) > 1:  # asked again, still not read: each time as a yes or no
            return self._one_at_a_time()
        return self.escalation.not_understood(wording.CHOICE_AGAIN.format(slots=self._slots_said(s.offered)))

    def take_go_ahead(self, text: str) -> Reply:
        """A yes to the read-back books (or moves); a no or another time asks again."""
        s = self.call.state
        answer, said = yes_or_no(text), objection(text)  # after a yes, only what its "but" asks
        picked = said and s.offered and PICKED_ONE.search(said)  # "No, the second one": of those offered, no date
        index = ordinal_choice(words_to_digits(said), len(s.offered)) if picked else None
        if index is not None:
            return self._read_back(s.offered[index])
        correction = parse_when(said, self.call.local_now()) if said else None
        other_dentist = bool(said) and self._other_dentist(said, [s.chosen])
        same_wish = correction is not None and s.when is not None and s.when.merged(correction) == s.when
        turned_down = same_wish and answer is False and refuses(text)  # "No, that doesn't work. Monday at 2:30"
        if correction is not None and not turned_down:
            if other_dentist:
                return self._offer_with_dentist(correction)
            if same_wish:  # the same wish: read back again
                return self.escalation.not_understood(self._read_back(s.chosen).text)
            return self._offer_around(correction)
        if other_dentist:  # "No, with Dr. Okafor, please": that dentist's times for the same wish
            return self._offer_with_dentist(None)
        if answer is None or answer and said and not adds_nothing(said):  # "Yes, but not with Dr. Patel"
            return self.escalation.not_understood(wording.GO_AHEAD_AGAIN)
        if answer is False:
            s.declined.append(s.chosen.starts_at)
            later = s.offered[s.offered.index(s.chosen) + 1:] if s.one_by_one and s.chosen in s.offered else []
            if later:  # the times offered, one at a time: the next
                return self._read_back(later[0], wording.HOW_ABOUT)
            s.chosen = None
            if correction is not None:  # "No, that doesn't work. Monday at half past two": others then
                return self._offer_around(correction)
            return self.call.ask(Step.WHEN, wording.WHEN_ELSE)
        return self._commit()

    def read_back_again(self) -> Reply:
        """The slot chosen, read back once more (the name in it put right)."""
        return self._read_back(self.call.state.chosen, wording.SORRY_SO_THATS)

    def take_appointment(self, text: str) -> Reply:
        """Which of the caller's appointments they mean."""
        s = self.call.state
        picked = self._pick_appointment(text)
        if picked is None:
            return self.escalation.not_understood(wording.WHICH_AGAIN.format(listed=self._listed(s.candidates)))
        s.target = picked
        return self.next()

    def take_cancel_go_ahead(self, text: str) -> Reply:
        """A yes cancels the appointment; a no keeps it; neither, or only a "can't", asks again."""
        s = self.call.state
        answer = yes_or_no(text)
        if answer is None and rule_intent(text) == "cancel":  # "go on and cancel it"
            answer = True
        if answer is False and not firm_no(text):  # "rest can't soar please" (yes, cancel it please)
            answer = None
        if answer is None:
            return self.escalation.not_understood(wording.CANCEL_AGAIN)
        if answer is False:
            return self.call.then_anything_else(wording.KEEP_IT, "confirm")
        moment = self.call.say_moment(self.records.cancel(s.target).starts_at)
        s.done.append(f"cancelled the appointment of {moment}")
        s.outcome = "cancelled"
        return self.call.then_anything_else(wording.CANCELLED.format(moment=moment), "cancel")

    # --- offering and committing ----------------------------------------------------------
    def _offer_around(self, when: When) -> Reply:
        """Offer slots for the caller's wish, `when` correcting what was said before (a new wish
        the rules read: misses count again from here; the same again, or one offered for before,
        is no progress)."""
        s = self.call.state
        wish = s.when.merged(when) if s.when else when
        if wish != s.when and wish not in s.wishes:
            s.not_understood = 0
        s.when = wish
        return self._offer()

    def _offer_with_dentist(self, correction: When | None) -> Reply:
        """Offer the dentist the caller asked for, around the wish as corrected, if it was."""
        s = self.call.state
        reply = self._offer_around(correction) if correction is not None else self._offer()
        if reply.action is not None or s.step not in (Step.CHOOSE, Step.CONFIRM):
            return reply  # nothing free, or handed over: said as it is
        return replace(reply, text=wording.with_dentist(s.provider.name, reply.text))

    def _offer(self) -> Reply:
        """Up to three free slots that fit, none near a time the caller turned down; none: the
        times turned down, offered again as a miss (a no may have been misheard, and "nothing
        then" would not be true; turned down again, the caller is handed over); still none: the
        nearest within the horizon (to the time asked for, if one was, its day first: else the
        first); still none: ask again, as a miss (nothing free twice: the
        caller is handed over, not asked on and on). The same times offered a third time are read
        back one at a time (a pick not heard sent the caller round; once back is a caller's
        wish). A dentist asked for who does not do the service is said so, and dropped."""
        s = self.call.state
        s.one_by_one = False
        if s.when not in s.wishes:
            s.wishes.append(s.when)
        if s.provider is not None and s.provider.id not in {p.id for p in self.records.providers(s.service.id)}:
            lead = wording.NOT_THEIRS.format(service=s.service.name.capitalize(), provider=s.provider.name)
            s.provider = None
            reply = self._offer()
            return replace(reply, text=f"{lead} {reply.text}")
        provider = s.provider.id if s.provider else None
        earliest = self.call.now() + timedelta(minutes=self.call.clinic.lead_time_minutes)
        slots = self.records.find_slots(s.service.id, s.when, earliest, provider, avoid=s.declined)
        if not slots and s.declined and (again := self.records.find_slots(s.service.id, s.when, earliest, provider)):
            s.offered = again
            if len(again) == 1:
                return self.escalation.not_understood(self._read_back(again[0], wording.ONLY_THAT).text)
            return self.escalation.not_understood(wording.ONLY_THESE.format(slots=self._slots_said(again)), Step.CHOOSE)
        if not slots:  # the nearest to the time asked for, if one was; else the first
            wider = When(s.when.first, s.when.first + timedelta(days=HORIZON_DAYS), s.when.from_hour, s.when.to_hour)
            near = datetime.combine(s.when.first, s.when.exact, self.records.tz) if s.when.exact else None
            slots = self.records.find_slots(s.service.id, wider, earliest, provider, count=1, avoid=s.declined,
                                            near=near)
            if not slots:
                s.not_understood += 1
                if s.not_understood >= 2:
                    return self.escalation.hand_over("nothing was free around the times the caller asked for, twice")
                return self.call.ask(Step.WHEN, wording.NOTHING_FREE)
            return self._read_back(slots[0], wording.NEAREST)
        s.offered, s.step = slots, Step.CHOOSE
        if len(slots) == 1:
            return self._read_back(slots[0], wording.ONE_FREE)
        offer = [(slot.starts_at, slot.provider_id) for slot in slots]
        s.offers.append(offer)
        if s.offers.count(offer) >= 3:  # round in circles (a pick not heard): each time a yes or no now
            return self._one_at_a_time()
        return Reply.say(wording.OFFER.format(slots=self._slots_said(slots)))

    def _one_at_a_time(self) -> Reply:
        """The times offered, read back one at a time from the first, each a yes or no."""
        s = self.call.state
        s.one_by_one, s.not_understood = True, 0  # a new, plainer question: misses count from here
        return self._read_back(s.offered[0], f"{wording.ONE_AT_A_TIME} {wording.SO_THATS}")

    def _read_back(self, slot: Slot, lead: str = wording.SO_THATS) -> Reply:
        """Say exactly what will be booked; only a yes to this books it."""
        s = self.call.state
        s.chosen = slot
        service = None if s.intent == "reschedule" else s.service.name
        return self.call.ask(Step.CONFIRM, wording.read_back(lead, self.call.say_slot(slot), service, s.caller_name))

    def _commit(self) -> Reply:
        """Book (or move) the slot read back; taken meanwhile: offer again."""
        s = self.call.state
        try:
            if s.intent == "reschedule":
                done = self.records.reschedule(s.target, s.chosen)
                s.done.append(f"moved the appointment to {self.call.say_moment(done.starts_at)}")
                s.outcome = "rescheduled"
                return self.call.then_anything_else(wording.MOVED.format(appointment=self._describe(done)),
                                                    "reschedule")
            done = self.records.book(s.contact.id, s.chosen, f"{self.call.key}-{s.turns}")
        except SlotTakenError:
            s.offered = [o for o in s.offered if o != s.chosen]
            s.chosen = None
            again = self._offer()
            return Reply.say(wording.TAKEN.format(next_offer=again.text), again.action)
        s.done.append(f"booked {self.call.say_moment(done.starts_at)}")
        s.outcome = "booked"
        return self.call.then_anything_else(wording.BOOKED.format(appointment=self._describe(done)), "book")

    # --- reading the caller's choice ------------------------------------------------------
    def _pick_service(self, text: str) -> bool:
        """Note the service (and any provider) `text` names; whether a service was found."""
        s = self.call.state
        services = self.records.services()
        index = pick_by_name(text, [v.name for v in services], inside=True)
        if index is None and len(services) == 1:
            index = 0
        if index is not None:
            s.service = services[index]
        providers = self.records.providers()
        chosen = pick_by_name(text, [p.name for p in providers])
        if chosen is not None:
            s.provider = providers[chosen]
        return index is not None

    def _other_dentist(self, text: str, seen: list[Slot]) -> bool:
        """Whether `text` asks for a dentist of the service other than those of the slots `seen`
        (offered or read back; "not Dr. Patel, Dr. Okafor"); that one is noted as the caller's
        (misses count again from here)."""
        s = self.call.state
        others = [p for p in self.records.providers(s.service.id) if p.id not in {slot.provider_id for slot in seen}]
        index = asked_for(text, [p.name for p in others])
        if index is None:
            return False
        s.provider, s.chosen, s.not_understood = others[index], None, 0
        return True

    def _dentists_slots(self, text: str) -> list[Slot] | None:
        """The slots offered with the dentist `text` asks for, when the offer has others' too
        (the offer does not say whose each time is); None otherwise."""
        s = self.call.state
        offered_by = {slot.provider_id for slot in s.offered}
        if len(offered_by) < 2:
            return None
        mine = [p for p in self.records.providers(s.service.id) if p.id in offered_by]
        index = asked_for(text, [p.name for p in mine])
        if index is None:
            return None
        s.provider, s.one_by_one = mine[index], False
        return [slot for slot in s.offered if slot.provider_id == s.provider.id]

    def _chosen_slot(self, text: str) -> Slot | None:
        """The offered slot `text` picks: 'the first one', '11 am' (the only one at 11 of those on
        the day said, if one is: "the Tuesday 9 o'clock one"), or a yes to the only one; a time
        said while turning the offer down picks none ("No, that doesn't work for me, Tuesday
        around 9": 9 on another day). A minute past an offered time is "one" run into it ("the
        1231" for "the 12:30 one")."""
        offered = self.call.state.offered
        lowered = words_to_digits(text)
        index = ordinal_choice(lowered, len(offered))
        if index is not None:
            return offered[index]
        # "the two thirty one": a time, then "one" for the slot (not 2:31), unless no time is left ("at one")
        clock = parse_clock(words_to_digits(PICKED_ONE.sub("", text))) or parse_clock(lowered)
        # a time picks the one slot offered at it ("2:30" of three days at 2:30 picks none)
        if clock is not None and not TURNED_DOWN.search(lowered):
            said = parse_when(text, self.call.local_now())  # a day named picks among its slots: "the Tuesday 9 one"
            day = (said.first, said.last) if said is not None and said.named_day else None
            slots = [(slot, self.call.local(slot.starts_at)) for slot in offered]
            on_day = [(slot, local) for slot, local in slots if day is None or day[0] <= local.date() <= day[1]]
            exact = [slot for slot, local in on_day if (local.hour, local.minute) == (clock.hour, clock.minute)]
            hour = [slot for slot, local in on_day if local.hour == clock.hour]
            if not exact and clock.minute % 10 == 1:  # "the 1231" written for "the 12:30 one"
                exact = [slot for slot, local in on_day if (local.hour, local.minute) == (clock.hour, clock.minute - 1)]
            if len(exact) == 1:
                return exact[0]
            if not exact and clock.minute == 0 and len(hour) == 1 and len(offered) > 1:
                return hour[0]
        if len(offered) == 1 and yes_or_no(text) is True:
            return offered[0]
        return None

    def _pick_appointment(self, text: str) -> Appointment | None:
        """The caller's appointment `text` picks: by order, by day and time, or by service."""
        candidates = self.call.state.candidates
        index = ordinal_choice(words_to_digits(text), len(candidates))
        if index is not None:
            return candidates[index]
        when = parse_when(text, self.call.local_now())
        if when is not None:
            fitting = [a for a in candidates if when.allows(self.call.local(a.starts_at))]
            if len(fitting) == 1:
                return fitting[0]
        index = pick_by_name(text, [self._service_name(a) for a in candidates], nearly=True, inside=True)
        return candidates[index] if index is not None else None

    # --- saying it -------------------------------------------------------------------------
    def _services_said(self) -> str:
        return wording.one_of([v.name for v in self.records.services()])

    def _service_name(self, a: Appointment) -> str:
        return self.records.schedule.service(a.service_id).name

    def _slots_said(self, slots: list[Slot]) -> str:
        return wording.slots([self.call.local(v.starts_at) for v in slots], self.call.local_now().date())

    def _describe(self, a: Appointment) -> str:
        provider = next((p.name for p in self.records.providers() if p.id == a.provider_id), "us")
        return wording.APPOINTMENT.format(service=self._service_name(a), provider=provider,
                                         moment=self.call.say_moment(a.starts_at))

    def _listed(self, items: list[Appointment]) -> str:
        return wording.APPOINTMENTS.format(appointments="; ".join(self._describe(a) for a in items[:3]))

