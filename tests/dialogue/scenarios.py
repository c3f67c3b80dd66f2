"""Caller scripts with the outcome each must reach. A scenario passes when the outcome check
holds and no booking was made without the caller's yes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from tests.dialogue.clinic import JOHN, MARIA, TZ


@dataclass
class Scenario:
    """One call: caller ID, what the caller says, and the expected result."""

    name: str
    caller: str
    lines: list[str]
    expect: str  # booked | cancelled | moved | message | transfer | hangup | answered | nothing
    check: Callable[[dict], bool] = field(default=lambda r: True)  # on the result dict
    needs_llm: bool = False  # only the LLM fallback can classify the first line


def at(day: int, hour: int, minute: int = 0) -> str:
    from appliance.crm.timeutil import utc_text

    return utc_text(datetime(2026, 12, day, hour, minute, tzinfo=TZ))


UNKNOWN = "+15550001111"
SCENARIOS = [
    # booking: known caller, new caller, spoken dates, corrections, choices
    Scenario("known caller books a check-up", MARIA,
             ["I'd like to book a check-up", "yes", "tomorrow morning", "the first one", "yes", "no thanks, bye"],
             "booked", lambda r: r["booked"][0]["starts_at"] == at(3, 8)),
    Scenario("known caller names day and time", MARIA,
             ["Can I book a cleaning on Monday at 2 pm?", "yes, for me", "another one, please", "2 pm please", "yes please", "that's all"],
             "booked", lambda r: r["booked"][0]["starts_at"] == at(7, 14)),
    Scenario("new patient gives name and birth date", UNKNOWN,
             ["I want to make an appointment", "My name is Peter Parker", "August tenth nineteen ninety", "P E T E R",
              "P A R K E R", "a filling", "Thursday afternoon", "the second one", "yes", "bye"],
             "booked", lambda r: r["new_contacts"] == ["Peter Parker"] and r["booked"][0]["starts_at"].startswith("2026-12-03")),
    Scenario("caller corrects the day", MARIA,
             ["book a check-up for Tuesday morning", "yes", "no, Wednesday", "the first", "yes", "goodbye"],
             "booked", lambda r: r["booked"][0]["starts_at"].startswith("2026-12-09")),
    Scenario("caller says no at read-back then picks another time", MARIA,
             ["I need a check-up tomorrow", "yes", "the first one", "no", "Friday afternoon", "the first one", "yes", "bye"],
             "booked", lambda r: r["booked"][0]["starts_at"].startswith("2026-12-04")),
    Scenario("any time after 4", MARIA,
             ["book me a check-up any time after 4 next week", "yes", "the first one", "yes", "bye"],
             "booked", lambda r: r["booked"][0]["starts_at"] == at(7, 16)),
    Scenario("the 3rd at half past two", MARIA,
             ["can I come in for a check-up on the third at half past two", "yes", "yes", "bye"],
             "booked", lambda r: r["booked"][0]["starts_at"] == at(3, 14, 30)),
    Scenario("provider preference", MARIA,
             ["I'd like a check-up with Dr. Okafor tomorrow afternoon", "yes", "the first one", "yes", "bye"],
             "booked", lambda r: r["booked"][0]["provider"] == "Dr. Okafor"),
    Scenario("service asked separately", MARIA,
             ["I want to book an appointment", "yes", "a cleaning please", "yes, another", "Monday morning", "the second one", "yes", "bye"],
             "booked", lambda r: r["booked"][0]["service"] == "cleaning"),
    Scenario("time picked by saying it", MARIA,
             ["book a check-up Friday", "yes", "11 am", "yes", "bye"],
             "booked", lambda r: r["booked"][0]["starts_at"] == at(4, 11)),
    Scenario("Saturday booking", JOHN,
             ["could I get a check-up this Saturday", "yes", "yes, book another", "the first one", "yes", "bye"],
             "booked", lambda r: r["booked"][0]["starts_at"] == at(5, 9)),
    Scenario("caller declines every offer: nothing booked", MARIA,
             ["book a check-up tomorrow", "yes", "no", "actually never mind, bye"],
             "nothing"),
    Scenario("caller hesitates at read-back: nothing booked", MARIA,
             ["book a check-up tomorrow morning", "yes", "the first one", "hmm let me think", "bye"],
             "nothing"),
    Scenario("fully booked day offers the nearest", MARIA,
             ["book a check-up on Sunday", "yes", "yes", "bye"],
             "booked", lambda r: r["booked"][0]["starts_at"].startswith("2026-12-07")),
    # existing appointments: verification first
    Scenario("known caller cancels after verifying", MARIA,
             ["I need to cancel my appointment", "Maria Lopez", "May third nineteen eighty", "yes", "bye"],
             "cancelled", lambda r: r["cancelled"] == [at(4, 9)]),
    Scenario("a name and date of birth that do not match twice go to staff", MARIA,
             ["cancel my appointment", "Maria Lopez", "January first 1990", "M A R I A", "Maria Lopez",
              "February second 1991"],
             "transfer", lambda r: "did not match" in r["summary"] and not r["cancelled"]),
    Scenario("unknown caller cancels by name and birth date", UNKNOWN,
             ["I can't make it to my appointment", "this is Maria Lopez", "the 3rd of May 1980", "yes", "bye"],
             "cancelled"),
    Scenario("caller keeps the appointment", MARIA,
             ["cancel my appointment", "it's Maria Lopez", "May 3rd 1980", "no", "bye"],
             "nothing"),
    Scenario("choose which of two appointments to cancel", JOHN,
             ["I want to cancel an appointment", "John Smith", "November 20th 1975", "the filling", "yes", "bye"],
             "cancelled", lambda r: r["cancelled"] == [at(10, 9)]),
    Scenario("reschedule to another day", MARIA,
             ["I'd like to reschedule my appointment", "Maria Lopez", "May 3rd 1980", "next Tuesday morning", "the first one",
              "yes", "bye"],
             "moved", lambda r: r["moved"][0].startswith("2026-12-08")),
    Scenario("confirm my appointment", JOHN,
             ["when is my appointment", "John Smith", "November 20th 1975", "the first one", "no that's all"],
             "nothing", lambda r: "check-up" in r["said"] or "Monday" in r["said"]),
    # questions, messages, handovers
    Scenario("opening hours", UNKNOWN, ["What are your opening hours?", "bye"], "hangup",
             lambda r: "Monday to Friday" in r["said"]),
    Scenario("parking then address", UNKNOWN, ["Is there parking?", "and where are you located", "bye"],
             "hangup", lambda r: "parking behind" in r["said"] and "Mill Street" in r["said"]),
    Scenario("insurance", MARIA, ["do you take my insurance", "bye"], "hangup",
             lambda r: "insurance plans" in r["said"]),
    Scenario("leave a message", UNKNOWN,
             ["I'd like to leave a message", "Please tell Dr. Patel my x-rays are ready to pick up", "Tom Baker",
              "B A K E R", "yes", "no, bye"],
             "message", lambda r: "x-rays" in r["messages"][0]),
    Scenario("callback request", MARIA, ["Could someone call me back about my bill?", "about my bill please", "bye"],
             "message"),
    Scenario("asks for a person", UNKNOWN, ["Can I talk to a real person please"], "transfer",
             lambda r: "asked for a person" in r["summary"] and "unknown caller" in r["summary"]),
    Scenario("known caller asks for a person mid-booking", MARIA,
             ["book a check-up tomorrow", "actually can I speak to someone at the front desk"], "transfer",
             lambda r: "Maria Lopez" in r["summary"] and "book an appointment" in r["summary"]),
    Scenario("not understood twice", UNKNOWN, ["blah blah purple", "flibber jabber", "wibble wobble"], "transfer",
             lambda r: "did not understand" in r["summary"]),
    Scenario("emergency", MARIA, ["My face is swollen and there's bleeding that won't stop, it's an emergency"],
             "transfer", lambda r: "911" in r["said"] and r["messages"] and "URGENT" in r["messages"][0]),
    Scenario("angry caller", UNKNOWN, ["This is ridiculous, I've been waiting for a call back for days"],
             "transfer", lambda r: "upset" in r["summary"]),
    Scenario("wrong number", UNKNOWN, ["Sorry, wrong number"], "hangup"),
    Scenario("goodbye straight away", UNKNOWN, ["no thanks bye"], "hangup"),
    Scenario("low audio confidence twice", UNKNOWN, ["~mumble~", "~mumble~"], "transfer",
             lambda r: "unclear" in r["summary"]),
    Scenario("spelled surname, numbers as words", UNKNOWN,
             ["I'd like to book a cleaning", "my name is Anna K O W A L S K I", "the fifth of June nineteen eighty five", "K O W A L S K I",
              "december the eleventh at ten thirty", "yes", "bye"],
             "booked", lambda r: r["new_contacts"] == ["Anna Kowalski"] and r["booked"][0]["starts_at"] == at(11, 10, 30)),
    # phrased without any of the rules' words: the LLM classifies, the code still decides
    Scenario("no keywords: wants to come in", MARIA,
             ["My tooth hurts when I drink cold water, could somebody have a look at it?", "a check-up", "yes",
              "tomorrow morning", "the first one", "yes", "bye"], "booked", needs_llm=True),
    Scenario("no keywords: a question the clinic cannot answer", UNKNOWN,
             ["I was wondering how much teeth whitening costs", "bye"], "nothing", needs_llm=True),
]
