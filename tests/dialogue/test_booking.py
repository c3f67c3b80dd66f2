"""The appointment flow on its own: slots offered, read back and booked only after a yes; a slot
taken meanwhile offered again; one of several appointments picked and cancelled."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlite_utils import Database

from appliance.crm.appointments import Appointments
from appliance.crm.availability import free_slots
from appliance.dialogue import wording
from appliance.dialogue.booking import Booking
from appliance.dialogue.escalation import Escalation
from appliance.dialogue.reply import Reply
from appliance.dialogue.spoken import ordinal_choice
from appliance.dialogue.state import Step
from appliance.dialogue.understand import asked_for, pick_by_name
from appliance.dialogue.when import When
from tests.dialogue.clinic import JOHN, MARIA, NOW, TZ, build_store, make_call


def verified(db: Database, caller: str) -> Booking:
    call = make_call(db, caller)
    call.state.contact = call.records.lookup_caller(caller)
    call.state.verified = True
    return Booking(call, Escalation(call, can_transfer=True, has_on_call=False))


def offering(db: Database, wish: str) -> Booking:
    """Slots offered to a verified patient for `wish`."""
    booking = verified(db, MARIA)
    booking.start(wish, "book")
    booking.next()
    return booking


def said(reply: Reply) -> str:
    return reply.text


def booked(db: Database) -> int:
    return db.execute("SELECT COUNT(*) FROM appointments WHERE status = 'booked'").fetchone()[0]


def test_slots_are_offered_read_back_and_booked_only_after_a_yes(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = verified(db, MARIA)
    s = booking.call.state
    booking.start("I'd like a check-up tomorrow morning", "book")
    assert said(booking.next()).startswith("I have tomorrow, Thursday, December 3rd, at 8 in the morning") and s.step == Step.CHOOSE
    read_back = said(booking.take_choice("the second one"))
    assert read_back.startswith("So that's tomorrow, Thursday, December 3rd, at 9 in the morning with Dr. ") and s.step == Step.CONFIRM
    before = booked(db)
    assert said(booking.take_go_ahead("yes")).startswith("You're booked: a check-up with Dr. ")
    assert booked(db) == before + 1 and s.outcome == "booked" and s.step == Step.INTENT


def test_a_time_not_free_is_answered_with_the_free_time_nearest_it(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = verified(db, MARIA)
    booking.start("I'd like a check-up tomorrow at 12", "book")
    read_back = said(booking.next())
    s = booking.call.state
    asked = NOW.replace(day=3, hour=12, minute=0)
    free = free_slots(db, TZ, s.service.id, asked.replace(hour=0), asked.replace(hour=23), now=NOW)
    assert asked not in {slot.starts_at for slot in free}
    nearest = min(abs(slot.starts_at - asked) for slot in free)
    assert read_back.startswith(wording.NEAREST) and abs(s.chosen.starts_at - asked) == nearest, read_back


def test_the_nearest_free_time_is_on_the_day_asked_first_then_at_the_time_of_day_asked(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    records = verified(db, MARIA).records
    service = records.services()[0].id
    asked = NOW.replace(hour=12, minute=0)  # today at noon; today is left out of the days searched
    days = When(NOW.date() + timedelta(days=1), NOW.date() + timedelta(days=7))
    [slot] = records.find_slots(service, days, NOW, count=1, near=asked)
    local = slot.starts_at.astimezone(TZ)
    tomorrow = [s.starts_at.astimezone(TZ) for s in free_slots(db, TZ, service, asked + timedelta(hours=12),
                                                                  asked + timedelta(hours=36), now=NOW)]
    assert local.date() == NOW.date() + timedelta(days=1)
    assert abs(local.hour * 60 + local.minute - 720) == min(abs(t.hour * 60 + t.minute - 720) for t in tomorrow)


def test_a_time_offered_on_several_days_picks_none_of_them(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = offering(db, "a check-up at half past two")
    times = {(slot.starts_at.hour, slot.starts_at.minute) for slot in booking.call.state.offered}
    assert len(booking.call.state.offered) > 1 and len(times) == 1  # one time, several days
    booking.take_choice("No, that doesn't work for me, around half past two.")
    assert booking.call.state.chosen is None and booking.call.state.step != Step.CONFIRM
    assert said(booking.take_choice("the second one")).startswith("So that's ")


def test_a_time_offered_on_several_days_is_picked_with_its_day(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = offering(db, "a check-up at half past two")
    second = booking.call.local(booking.call.state.offered[1].starts_at)
    assert said(booking.take_choice(f"The {second:%A} 2:30 one, please.")).startswith("So that's ")
    assert booking.call.state.chosen == booking.call.state.offered[1]


def test_a_time_said_while_turning_the_offer_down_picks_none_of_the_slots(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = offering(db, "a check-up tomorrow morning")
    first = booking.call.state.offered[0]
    local = booking.call.local(first.starts_at)
    at = f"{local.hour % 12 or 12} in the morning"
    booking.take_choice(f"No, those don't suit me, maybe Friday around {at}.")
    chosen = booking.call.state.chosen
    assert chosen is None or booking.call.local(chosen.starts_at).weekday() == 4  # Friday's, not the one offered


def test_times_turned_down_are_not_offered_again_for_the_same_wish(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = offering(db, "a check-up tomorrow morning")
    s = booking.call.state
    first = [slot.starts_at for slot in s.offered]
    assert said(booking.take_choice("No, that doesn't work for me, tomorrow morning.")) == wording.WHEN_ELSE
    booking.take_when("tomorrow morning, if you have anything")
    assert s.offered and all(abs(slot.starts_at - t).total_seconds() >= 3600 for slot in s.offered for t in first)
    assert all(slot.starts_at.hour < 12 for slot in s.offered)
    booking.take_choice("the first one")
    turned_down = s.chosen.starts_at
    booking.take_go_ahead("no")
    booking.take_when("tomorrow morning")
    proposed = [s.chosen] if s.step == Step.CONFIRM else s.offered
    assert proposed and turned_down not in [slot.starts_at for slot in proposed]


def test_a_new_wish_read_after_a_miss_counts_misses_again_so_an_unclear_pick_is_asked_again(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = offering(db, "a filling on Friday afternoon")
    s = booking.call.state
    booking.take_choice("No, that's no good, Friday afternoon.")  # the same wish again: a miss
    assert s.not_understood == 1 and s.step == Step.WHEN
    booking.take_when("Friday afternoon, anything at all")
    assert s.not_understood == 1  # still the same wish
    assert said(booking.take_choice("Thursday morning then")).startswith("I have") and s.not_understood == 0
    reply = booking.take_choice("Mumble the grumble, please.")
    assert reply.action is None and said(reply).startswith("Sorry")  # asked again, not handed over


def test_a_slot_taken_before_the_yes_is_not_claimed_and_another_is_offered(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = offering(db, "a check-up tomorrow morning")
    booking.take_choice("the first one")
    slot = booking.call.state.chosen
    john = booking.call.records.lookup_caller(JOHN)
    Appointments(db, TZ).book(john.id, slot.provider_id, slot.service_id, slot.starts_at, "front_desk")
    reply = said(booking.take_go_ahead("yes"))
    assert reply.startswith(wording.TAKEN.format(next_offer="")) and "booked" not in reply
    assert booking.call.state.outcome is None and booking.call.state.chosen != slot


def test_one_of_several_appointments_is_picked_and_kept_or_cancelled(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = verified(db, JOHN)
    booking.start("I need to cancel an appointment", "cancel")
    assert said(booking.next()).startswith("Which appointment do you mean? You have a check-up")
    assert said(booking.take_appointment("the filling")).endswith("Shall I cancel it?")
    assert said(booking.take_cancel_go_ahead("no")).startswith(wording.KEEP_IT)
    booking.start("cancel the filling", "cancel")
    booking.next()
    booking.take_appointment("the filling")
    assert said(booking.take_cancel_go_ahead("yes")).startswith("Done. Your appointment on Thursday")
    assert booking.call.state.outcome == "cancelled"


@pytest.mark.parametrize("said_, index", [("the first one", 0), ("the 2nd", 1), ("the later one", -1),
                                          ("whenever suits", None), ("the third one", None),
                                          ("Number 2, please.", 1), ("option 1 I guess", 0), ("number 3", None)])
def test_ordinal_choice(said_, index):
    assert ordinal_choice(said_.lower(), 2) == index


def test_a_slot_picked_by_its_number_is_read_back(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = offering(db, "a check-up tomorrow afternoon")
    second = booking.call.state.offered[1]
    assert said(booking.take_choice("Number two, please.")).startswith("So that's ")
    assert booking.call.state.chosen == second


def test_a_minute_past_a_time_offered_is_the_time_with_one_run_into_it(tmp_path):
    db, _ = build_store(tmp_path / "store.db")  # Whisper writes "the 12:30 one" as "the 1231"
    booking = offering(db, "a check-up tomorrow afternoon")
    second = booking.call.state.offered[1]
    local = booking.call.local(second.starts_at)
    hour = local.hour - 12 if local.hour > 12 else local.hour
    assert said(booking.take_choice(f"The {hour}{local.minute + 1:02d}, please.")).startswith("So that's ")
    assert booking.call.state.chosen == second


@pytest.mark.parametrize("answer, day", [("No, with Doctor Okafor please.", "tomorrow, Thursday, December 3rd"),
                                         ("Yes, but with Dr. Okafor please.", "tomorrow, Thursday, December 3rd"),
                                         ("No, not Dr. Patel, Dr. Okafor please.", "tomorrow, Thursday, December 3rd"),
                                         ("No, Dr. Okafor on Friday.", "Friday, December 4th")])
def test_another_dentist_asked_for_at_the_read_back_offers_their_times(answer, day, tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = offering(db, "a check-up tomorrow morning")
    before = booked(db)
    patel = said(booking.take_choice("the first one"))
    assert "with Dr. Patel" in patel
    offer = said(booking.take_go_ahead(answer))
    assert offer.startswith(f"With Dr. Okafor, I have {day}") and booking.call.state.step == Step.CHOOSE
    assert "with Dr. Okafor" in said(booking.take_choice("the first one"))
    assert booked(db) == before


def test_another_dentist_asked_for_among_the_times_offered_offers_theirs(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = offering(db, "a check-up tomorrow morning")
    assert {slot.provider_id for slot in booking.call.state.offered} == {1}
    assert said(booking.take_choice("Is Dr. Okafor free then?")).startswith("With Dr. Okafor, I have tomorrow")
    assert {slot.provider_id for slot in booking.call.state.offered} == {2}


def test_a_dentist_who_does_not_do_the_service_is_no_other_choice(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = verified(db, MARIA)
    booking.start("a cleaning tomorrow morning", "book")
    booking.call.state.another_checked = True  # another cleaning than the one she has
    booking.next()
    assert "with Dr. Patel" in said(booking.take_choice("the first one"))
    assert said(booking.take_go_ahead("No, with Doctor Okafor please.")) == wording.WHEN_ELSE


def test_a_yes_whose_but_asks_for_another_time_books_nothing_yet(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = offering(db, "a check-up tomorrow morning")
    before = booked(db)
    booking.take_choice("the first one")
    assert said(booking.take_go_ahead("Yes, but can you make it Friday morning?")).startswith("I have Friday")
    assert booked(db) == before


def test_a_dentist_asked_for_among_times_of_several_dentists_narrows_the_offer_to_theirs(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = offering(db, "a check-up Friday morning")
    s = booking.call.state
    s.offered = [replace(slot, provider_id=2 if i == 1 else 1) for i, slot in enumerate(s.offered)]
    assert said(booking.take_choice("Which one is with Dr. Okafor?")).startswith("So that's Friday")
    assert s.chosen.provider_id == 2 and s.not_understood == 0


@pytest.mark.parametrize("said_, index", [("Dr. Gomez, please", 0), ("Dr. Gómez", 0), ("I'll be asleep", None),
                                         ("Sam Lee", 1), ("Robert McAllen", None)])
def test_a_dentist_is_found_by_name(said_, index):
    assert pick_by_name(said_, ["Dr. Gómez", "Sam Lee", "Dr. Allen"]) == index


@pytest.mark.parametrize("said_, index", [("a recheck", 0), ("I'd like to get my teeth cleaned", 1),
                                         ("The one that was filled", 2), ("a clean bill of health", None)])
def test_a_service_is_found_by_name_in_a_word_or_as_a_verb(said_, index):
    assert pick_by_name(said_, ["check-up", "cleaning", "filling"], inside=True) == index


def test_a_choice_not_heard_twice_is_asked_one_time_at_a_time_as_a_yes_or_no(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = offering(db, "a check-up tomorrow morning")
    s, before = booking.call.state, booked(db)
    first, second = s.offered[0], s.offered[1]
    assert said(booking.take_choice("The A to class one, please.")).startswith("Sorry, which time would you like?")
    assert said(booking.take_choice("The A to clap one, please.")).startswith(
        f"{wording.ONE_AT_A_TIME} {wording.SO_THATS} tomorrow, Thursday, December 3rd, at 8 in the morning")
    assert s.chosen == first and s.step == Step.CONFIRM
    assert said(booking.take_go_ahead("No.")).startswith(f"{wording.HOW_ABOUT} tomorrow, Thursday, December 3rd, at 9")
    assert s.chosen == second and booked(db) == before
    assert said(booking.take_go_ahead("Yes, please.")).startswith("You're booked")
    assert booked(db) == before + 1


@pytest.mark.parametrize("one_at_a_time", [True, False])
def test_a_no_to_the_read_back_with_the_same_wish_said_again_turns_that_time_down(one_at_a_time, tmp_path):
    # "No, that doesn't work for me. Monday at half past two." read the same time back, twice,
    # until the caller was handed over
    db, _ = build_store(tmp_path / "store.db")
    booking = offering(db, "a check-up tomorrow morning")
    s = booking.call.state
    if one_at_a_time:
        booking.take_choice("The A to class one, please.")
        booking.take_choice("The A to clap one, please.")
    else:
        booking.take_choice("The first one, please.")
    refused = s.chosen
    reply = said(booking.take_go_ahead("No, that doesn't work for me. Tomorrow morning."))
    assert refused.starts_at in s.declined and s.chosen != refused and s.not_understood == 0
    if one_at_a_time:
        assert reply.startswith(f"{wording.HOW_ABOUT} tomorrow, Thursday, December 3rd, at 9")
    else:
        assert reply.startswith("I have tomorrow, Thursday, December 3rd, at 9 in the morning")
        assert s.step == Step.CHOOSE


def test_a_wish_said_again_at_the_read_back_without_a_firm_no_reads_the_time_back_again(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = offering(db, "a check-up tomorrow morning")
    booking.take_choice("The first one, please.")
    chosen = booking.call.state.chosen
    reply = said(booking.take_go_ahead("Wait, tomorrow morning?"))
    assert booking.call.state.chosen == chosen and not booking.call.state.declined and "So that's" in reply


@pytest.mark.parametrize("answer", ["Yes, but not with Dr. Patel.", "Yes, but can it be a cleaning instead?"])
def test_a_yes_whose_but_asks_for_what_is_not_done_is_asked_again(answer, tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = offering(db, "a check-up tomorrow morning")
    before = booked(db)
    booking.take_choice("the first one")
    assert said(booking.take_go_ahead(answer)) == wording.GO_AHEAD_AGAIN and booked(db) == before


def test_at_the_read_back_the_second_one_is_the_second_time_offered(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = offering(db, "a check-up tomorrow morning")
    second = booking.call.state.offered[1]
    booking.take_choice("the first one")
    assert said(booking.take_go_ahead("No, the second one.")).startswith("So that's tomorrow")
    assert booking.call.state.chosen == second


@pytest.mark.parametrize("said_, index", [("No, not Dr. Patel, Dr. Okafor please", 1), ("Anyone but Dr. Patel", None),
                                         ("I'd rather not have Dr. Patel", None), ("Dr. Patel is not good", None)])
def test_a_dentist_asked_for_is_one_not_turned_down(said_, index):
    assert asked_for(said_, ["Dr. Patel", "Dr. Okafor"]) == index


def test_a_service_not_heard_twice_is_asked_one_at_a_time(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = verified(db, MARIA)
    booking.start("I'd like to book an appointment", "book")
    s = booking.call.state
    assert said(booking.next()).startswith("What would you like to come in for")
    assert said(booking.take_service("I can't go up.")).startswith("Which would you like")
    assert said(booking.take_service("I can't come up.")) == f"{wording.ONE_AT_A_TIME} Is it for a check-up?"
    assert s.step == Step.SERVICE_ONE
    assert said(booking.take_service_one("No.")) == "Is it for a cleaning?"
    assert said(booking.take_service_one("No, it isn't.")) == "Is it for a filling?"
    assert said(booking.take_service_one("Yes, please.")) == wording.ASK_WHEN
    assert s.service.name == "filling" and s.service_asked is None and s.not_understood == 0


@pytest.mark.parametrize("one_at_a_time", [False, True])
def test_asked_what_a_booking_is_for_a_caller_who_asks_to_cancel_cancels(one_at_a_time, tmp_path):
    # "take it off the books" heard "take a doctor book" began a booking; asked what it was for,
    # the caller said "I'd like to cancel my appointment", twice, and was asked about services
    db, _ = build_store(tmp_path / "store.db")
    booking = asked_one_at_a_time(db, MARIA) if one_at_a_time else verified(db, MARIA)
    s = booking.call.state
    if not one_at_a_time:
        booking.start("Could you take a doctor book?", "book")
        booking.next()
    take = booking.take_service_one if one_at_a_time else booking.take_service
    assert take("I'd like to cancel my appointment.") is None
    assert s.intent == "cancel" and s.service is None and s.not_understood == 0
    assert said(booking.next()).endswith("Shall I cancel it?") and s.step == Step.CONFIRM_CANCEL


@pytest.mark.parametrize("answer", ["A check-up, but I can't make it in the mornings.",
                                    "A cleaning. I had to cancel my last one.", "I can't make it Mondays."])
def test_asked_what_a_booking_is_for_a_service_or_a_day_that_cannot_be_made_is_no_other_task(answer, tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = verified(db, MARIA)
    booking.start("I'd like to book an appointment", "book")
    booking.next()
    assert booking.take_service(answer) is not None and booking.call.state.intent == "book"


def test_asked_for_a_day_another_day_or_a_day_that_cannot_be_made_is_no_other_task(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = verified(db, MARIA)
    booking.start("I'd like a check-up", "book")
    booking.next()
    for answer in ("Another day, maybe Thursday.", "I can't make it Monday, Tuesday is fine."):
        booking.take_when(answer)
        assert booking.call.state.intent == "book"


def test_a_dentist_asked_for_who_does_not_do_the_service_is_said_so_and_the_others_times_offered(tmp_path):
    # "Dr. Okafor. I need to book a cleaning." (the dentist's name copied from the recogniser's
    # hint): only Dr. Patel does cleanings, and "nothing free" was said to every day asked for
    db, _ = build_store(tmp_path / "store.db")
    booking = verified(db, MARIA)
    booking.start("Dr. Okafor. I need to book a cleaning.", "book")
    assert booking.call.state.provider.name == "Dr. Okafor"
    offer = said(booking.take_when("Thursday morning."))
    assert offer.startswith("Cleaning appointments are not with Dr. Okafor. I have tomorrow, Thursday")
    s = booking.call.state
    assert s.provider is None and {o.provider_name for o in s.offered} == {"Dr. Patel"}


def test_nothing_free_twice_hands_over_rather_than_asking_on(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = verified(db, MARIA)
    booking.start("a check-up", "book")
    booking.next()
    assert said(booking.take_when("Tuesday, any time after 7 pm.")) == wording.NOTHING_FREE  # never open then
    handed = booking.take_when("Tuesday, any time after 7 pm.")
    assert handed.action is not None and handed.action.kind == "transfer"


def asked_one_at_a_time(db: Database, caller: str) -> Booking:
    """A booking whose service was not heard twice: the first service is asked about."""
    booking = verified(db, caller)
    booking.start("I'd like to book an appointment", "book")
    booking.next()
    booking.take_service("Mumble.")
    booking.take_service("Mumble.")
    return booking


@pytest.mark.parametrize("answer, service", [("No, a filling.", "filling"), ("Yes, a check-up.", "check-up"),
                                             ("Yeah, that's right.", "check-up")])
def test_a_service_asked_one_at_a_time_may_be_answered_with_its_name(answer, service, tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = asked_one_at_a_time(db, MARIA)
    booking.take_service_one(answer)
    assert booking.call.state.service.name == service


@pytest.mark.parametrize("answer, then", [("Not the check-up, the cleaning.", "cleaning"),
                                          ("Not a check-up.", "Is it for a cleaning?"),
                                          ("Mm-hmm.", "Sorry, is it for a check-up? Please say yes or no.")])
def test_a_service_turned_down_while_asked_one_at_a_time_is_not_booked(answer, then, tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = asked_one_at_a_time(db, JOHN)
    reply = booking.take_service_one(answer)
    s = booking.call.state
    assert (s.service.name if s.service else said(reply)) == then


def test_no_to_every_service_or_a_miss_while_asked_one_at_a_time_hands_over(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = asked_one_at_a_time(db, MARIA)
    assert said(booking.take_service_one("No, not a check-up.")) == "Is it for a cleaning?"
    assert said(booking.take_service_one("No.")) == "Is it for a filling?"
    assert booking.take_service_one("No.").action.kind in ("transfer", "message")
    booking = asked_one_at_a_time(db, MARIA)
    assert booking.take_service_one("Mumble.").action is None
    assert booking.take_service_one("Mumble.").action.kind in ("transfer", "message")


def test_a_noun_gets_its_article():
    assert (wording.a("check-up"), wording.a("extraction")) == ("a check-up", "an extraction")


def test_the_same_day_said_again_without_turning_the_times_down_is_a_pick_not_heard(tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = offering(db, "a check-up tomorrow morning")
    s = booking.call.state
    assert said(booking.take_choice("Tomorrow, the clock won't please.")).startswith("Sorry, which time")
    assert said(booking.take_choice("Tomorrow, the clock won't please.")).startswith(wording.ONE_AT_A_TIME)
    assert s.declined == [] and s.step == Step.CONFIRM


def test_a_wish_offered_for_before_said_among_other_times_is_a_pick_not_heard(tmp_path):
    # "Tonight, Miss Blackone, please" for "The 9 o'clock one, please", after the caller had gone
    # from tonight back to Friday: offering for tonight again went round in circles
    db, _ = build_store(tmp_path / "store.db")
    booking = offering(db, "a check-up tomorrow morning")
    s = booking.call.state
    assert said(booking.take_choice("Hmm, Friday afternoon then.")).startswith("I have Friday")
    friday = list(s.offered)
    assert said(booking.take_choice("Tomorrow morning, the clock one, please.")).startswith("Sorry, which time")
    assert said(booking.take_choice("Tomorrow morning, the clock one, please.")).startswith(
        f"{wording.ONE_AT_A_TIME} {wording.SO_THATS} Friday")
    assert s.offered == friday and s.chosen == friday[0] and s.declined == []
    again = offering(db, "a check-up tomorrow morning")  # "one" written onto the word before it
    again.take_choice("Hmm, Friday afternoon then.")
    assert said(again.take_choice("Tomorrow morning, Miss Blackone, please.")).startswith("Sorry, which time")
    back = offering(db, "a check-up tomorrow morning")  # not said as a pick: the caller goes back to it
    back.take_choice("Hmm, Friday afternoon then.")
    assert said(back.take_choice("Actually, tomorrow morning, please.")).startswith("I have tomorrow")


@pytest.mark.parametrize("answer", ["Tomorrow morning's no good.", "Tomorrow's not good.", "Not tomorrow morning.",
                                    "I can't make tomorrow morning.", "Um, no, not tomorrow.", "Tomorrow's bad for me.",
                                    "I'm busy tomorrow morning.", "Tomorrow won\u2019t work."])
def test_the_same_day_said_again_turning_the_times_down_asks_for_another_time(answer, tmp_path):
    db, _ = build_store(tmp_path / "store.db")
    booking = offering(db, "a check-up tomorrow morning")
    assert said(booking.take_choice(answer)) == wording.WHEN_ELSE
    assert len(booking.call.state.declined) == len(booking.call.state.offered)
