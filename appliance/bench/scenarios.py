"""Scripted callers for `appliance bench conversations`: who calls, what they say to each kind
of question, what is on file before the call, and what the store must show afterwards.

Data only. Every scenario has its own people and its own caller number, so scenarios running
at once never touch each other's records. Days are weekdays (the next one after today), so a
run works on any day; the demo clinic opens Monday to Friday (`check_open` checks it).
Keep these out of unit-test fixtures: only the benchmark's own test imports this module.
"""

from __future__ import annotations

from dataclasses import replace

from appliance.bench.conversations import Existing, Expect, Person, Scenario
from appliance.lab.caller import CallerPlan, Task

MON, TUE, WED, THU, FRI = range(5)


def number(index: int) -> str:
    """A unique fictional caller number (555-01xx is reserved for fiction)."""
    return f"+1212555{100 + index:04d}"


def plan(*tasks: Task, **kwargs) -> CallerPlan:  # noqa: ANN003
    answers = {key: (value,) if isinstance(value, str) else tuple(value)
               for key, value in kwargs.pop("answers", {}).items()}
    return CallerPlan(tasks=tasks, answers=answers, **kwargs)


def book(opening: str, *rephrase: str) -> Task:
    return Task(opening, "book", rephrase or ("I'd like to make an appointment, please.",))


BYE = "Thanks, that's all. Bye."

SCENARIOS: list[Scenario] = [
    # --- new callers booking -------------------------------------------------------------------
    Scenario(
        "new-checkup-tuesday-morning", "a new patient books a check-up on a Tuesday morning", number(1),
        plan(book("Hi there, I was hoping to get an appointment with one of your dentists.",
                  "I want to book a visit, please."),
             answers={"name": "My name's Daniel Foster.", "spell": "F O S T E R.",
                      "dob": "March fourteenth, nineteen eighty five.", "service": "Just a regular check-up.",
                      "when": "Tuesday morning, if you have anything."},
             first_name="Daniel", want_weekday=TUE, want_part="morning"),
        Expect("booked", "Daniel Foster", "1985-03-14", "check-up", TUE, "morning")),
    Scenario(
        "new-cleaning-half-past-two", "a new patient books a cleaning at half past two", number(2),
        plan(book("Hello, I'm due for a cleaning and I'd like to set one up."),
             answers={"name": "It's Priya Raman.", "spell": "R A M A N.",
                      "dob": "The third of May, 1975.", "service": "A cleaning, please.",
                      "when": "Wednesday, around half past two."},
             first_name="Priya", want_weekday=WED, want_part="afternoon", choice="match"),
        Expect("booked", "Priya Raman", "1975-05-03", "cleaning", WED, "afternoon")),
    Scenario(
        "new-filling-nine-thirty", "a new patient books a filling at nine thirty, date of birth in digits",
        number(3),
        plan(book("Hi, one of my fillings fell out last week and I need it redone.",
                  "I need an appointment to get a filling replaced."),
             answers={"name": "Grace Whitfield.", "spell": "W H I T F I E L D.", "dob": "Oh seven, twelve, sixty nine.",
                      "service": "A filling.", "when": "Monday at nine thirty."},
             first_name="Grace", want_weekday=MON, want_part="morning", choice="match"),
        Expect("booked", "Grace Whitfield", "1969-07-12", "filling", MON, "morning")),
    Scenario(
        "new-khan-spelled", "a new patient spells a short last name, books after four", number(4),
        plan(book("Good afternoon. I'd like to come in for a check-up, please."),
             answers={"name": ("Imran Khan.", "Imran Khan. That's K H A N."), "spell": "K H A N.",
                      "dob": "Seven nine seventy two.", "service": "A check-up.",
                      "when": "Thursday, any time after four."},
             first_name="Imran", want_weekday=THU, want_part="afternoon", choice="match"),
        Expect("booked", "Imran Khan", "1972-07-09", "check-up", THU, "afternoon")),
    Scenario(
        "new-siobhan-oneill", "an Irish name said and spelled out, around ten in the morning", number(5),
        plan(book("Hiya, I'd like to book in for a scale and polish, a cleaning I mean."),
             answers={"name": ("It's Siobhan O'Neill.", "Siobhan O'Neill. S I O B H A N, O N E I L L."),
                      "spell": "S I O B H A N. And the surname is O, apostrophe, N E I L L.",
                      "dob": "January first, nineteen eighty.", "service": "A cleaning.",
                      "when": "Friday, around ten in the morning."},
             first_name="Siobhan", want_weekday=FRI, want_part="morning", choice="match"),
        Expect("booked", "Siobhan O'Neill", "1980-01-01", "cleaning", FRI, "morning")),
    Scenario(
        "new-nguyen", "a Vietnamese last name spelled, Monday afternoon", number(6),
        plan(book("Hi, can I make an appointment for a check-up?"),
             answers={"name": ("Thanh Nguyen.", "Thanh Nguyen, N G U Y E N."), "spell": "N G U Y E N.",
                      "dob": "The twenty second of August, 1991.", "service": "A check-up, please.",
                      "when": "Monday afternoon works for me."},
             first_name="Thanh", want_weekday=MON, want_part="afternoon"),
        Expect("booked", "Thanh Nguyen", "1991-08-22", "check-up", MON, "afternoon")),
    Scenario(
        "new-all-at-once", "a new patient gives everything in the first breath", number(7),
        plan(book("Hi, this is Robert Chen, born June fifth 1982, and I'd like a check-up next Wednesday morning."),
             answers={"name": "Robert Chen.", "spell": "C H E N.", "dob": "June fifth, 1982.",
                      "service": "A check-up.", "when": "Wednesday morning."},
             first_name="Robert", want_weekday=WED, want_part="morning"),
        Expect("booked", "Robert Chen", "1982-06-05", "check-up", WED, "morning")),
    Scenario(
        "new-correction-friday", "a new patient corrects the day: no, I meant Friday", number(8),
        plan(book("Hello! I need to book a cleaning."),
             answers={"name": "Megan Holloway.", "spell": "H O L L O W A Y.", "dob": "October 30th, 1988.",
                      "service": "Cleaning.", "when": ("Thursday morning.", "Friday morning, please.")},
             first_name="Megan", want_weekday=THU, want_part="morning",
             correction="Oh sorry, no, I meant Friday. Friday morning.", correction_weekday=FRI),
        Expect("booked", "Megan Holloway", "1988-10-30", "cleaning", FRI, "morning")),
    Scenario(
        "new-filling-after-four", "a filling next week, after four", number(9),
        plan(book("Could I get in for a filling sometime next week?"),
             answers={"name": "Sure, Peter Lindqvist.", "spell": "L I N D Q V I S T.",
                      "dob": "February 2nd, 1970.", "service": "The filling.",
                      "when": "Tuesday, after four would be best."},
             first_name="Peter", want_weekday=TUE, want_part="afternoon", choice="match"),
        Expect("booked", "Peter Lindqvist", "1970-02-02", "filling", TUE, "afternoon")),
    Scenario(
        "new-two-in-the-afternoon", "a new patient, 'two in the afternoon'", number(10),
        plan(book("Yeah hi, I haven't been to a dentist in ages and I'd like a check-up."),
             answers={"name": "Carlos Mendez.", "spell": "M E N D E Z.", "dob": "December 12, 1995.",
                      "service": "Check-up.", "when": "Thursday at two in the afternoon."},
             first_name="Carlos", want_weekday=THU, want_part="afternoon", choice="match"),
        Expect("booked", "Carlos Mendez", "1995-12-12", "check-up", THU, "afternoon")),
    # --- known callers (caller ID on file) -------------------------------------------------------
    Scenario(
        "known-checkup", "a patient on file books a check-up from their own phone", number(11),
        plan(book("Hi, it's Helen. I'd like to book my six month check-up."),
             answers={"name": "Helen Park.", "spell": "P A R K.", "dob": "April 9th, 1978.",
                      "service": "A check-up.", "when": "Wednesday afternoon."},
             first_name="Helen", want_weekday=WED, want_part="afternoon"),
        Expect("booked", "Helen Park", "1978-04-09", "check-up", WED, "afternoon"),
        on_file=(Person("Helen Park", "1978-04-09", number(11)),)),
    Scenario(
        "known-cleaning-morning", "a patient on file books a cleaning in the morning", number(12),
        plan(book("Morning! I'd like to get my teeth cleaned, please."),
             answers={"name": "George Abbott.", "spell": "A B B O T T.", "dob": "Eleventh of November, 1959.",
                      "service": "A cleaning.", "when": "Monday morning, early if possible."},
             first_name="George", want_weekday=MON, want_part="morning"),
        Expect("booked", "George Abbott", "1959-11-11", "cleaning", MON, "morning"),
        on_file=(Person("George Abbott", "1959-11-11", number(12)),)),
    Scenario(
        "known-filling-time", "a patient on file books a filling at a given time", number(13),
        plan(book("Hi, Dr. Okafor said I need a filling, so I'm calling to book that."),
             answers={"name": "Nadia Petrova.", "spell": "P E T R O V A.", "dob": "May 21st, 1984.",
                      "service": "A filling.", "when": "Friday at eleven."},
             first_name="Nadia", want_weekday=FRI, want_part="morning", choice="match"),
        Expect("booked", "Nadia Petrova", "1984-05-21", "filling", FRI, "morning"),
        on_file=(Person("Nadia Petrova", "1984-05-21", number(13)),)),
    Scenario(
        "family-daughter-books", "a daughter books for herself from her father's number on file", number(14),
        plan(book("Hi, this is actually his daughter, Emma. I'd like to book a check-up for myself.",
                  "The appointment is for me, Emma Davies, not my dad."),
             answers={"name": "Emma Davies.", "spell": "D A V I E S.", "dob": "September 3rd, 2001.",
                      "service": "A check-up.", "when": "Tuesday afternoon."},
             first_name="Emma", want_weekday=TUE, want_part="afternoon"),
        Expect("booked", "Emma Davies", "2001-09-03", "check-up", TUE, "afternoon"),
        on_file=(Person("Mark Davies", "1965-02-17", number(14)),)),
    Scenario(
        "family-wife-books", "a wife books a cleaning for herself on her husband's number", number(15),
        plan(book("Hello, I'm calling from my husband's phone, but the appointment is for me. A cleaning.",
                  "It's for me, Lucy Brennan. I need a cleaning."),
             answers={"name": "Lucy Brennan.", "spell": "B R E N N A N.", "dob": "The fifteenth of July, 1967.",
                      "service": "A cleaning.", "when": "Thursday morning."},
             first_name="Lucy", want_weekday=THU, want_part="morning"),
        Expect("booked", "Lucy Brennan", "1967-07-15", "cleaning", THU, "morning"),
        on_file=(Person("Sean Brennan", "1966-03-08", number(15)),)),
    # --- cancel --------------------------------------------------------------------------------------
    Scenario(
        "cancel-known", "a patient on file cancels their only appointment", number(16),
        plan(Task("Hi, I need to cancel my appointment.", "cancel", ("I can't come, please cancel my visit.",)),
             answers={"name": "Olivia Grant.", "spell": "G R A N T.", "dob": "April second, 1990.",
                      "cancel": "Yes, cancel it please."},
             first_name="Olivia"),
        Expect("cancelled", "Olivia Grant"),
        on_file=(Person("Olivia Grant", "1990-04-02", number(16)),), existing=(Existing("check-up", TUE, 10),)),
    Scenario(
        "cancel-other-phone", "a patient calls from a number not on file to cancel", number(17),
        plan(Task("Hello, I won't be able to make my appointment, could you take it off the books?", "cancel",
                  ("I'd like to cancel my appointment.",)),
             answers={"name": "Walter Brooks.", "spell": "B R O O K S.", "dob": "The ninth of November, 1964.",
                      "cancel": "Yes please."},
             first_name="Walter"),
        Expect("cancelled", "Walter Brooks"),
        on_file=(Person("Walter Brooks", "1964-11-09", "+12125550900"),), existing=(Existing("cleaning", WED, 14),)),
    Scenario(
        "cancel-with-reason", "a patient explains why, then cancels", number(18),
        plan(Task("Something came up at work so I can't make it next week. Could you cancel it for me?", "cancel",
                  ("Please cancel my appointment.",)),
             answers={"name": "Fiona Marsh.", "spell": "M A R S H.", "dob": "The 1st of March, 1983.",
                      "cancel": "Yeah, go ahead and cancel."},
             first_name="Fiona"),
        Expect("cancelled", "Fiona Marsh"),
        on_file=(Person("Fiona Marsh", "1983-03-01", number(18)),), existing=(Existing("filling", THU, 9),)),
    Scenario(
        "cancel-one-of-two", "a patient with two appointments cancels the cleaning", number(19),
        plan(Task("I'd like to cancel my cleaning, please.", "cancel", ("Can you cancel my cleaning appointment?",)),
             answers={"name": "Victor Hale.", "spell": "H A L E.", "dob": "August 8th, 1977.",
                      "which": "The cleaning.", "cancel": "Yes, cancel that one."},
             first_name="Victor"),
        Expect("cancelled", "Victor Hale", target=1),
        on_file=(Person("Victor Hale", "1977-08-08", number(19)),),
        existing=(Existing("check-up", MON, 9), Existing("cleaning", FRI, 15))),
    # --- reschedule ----------------------------------------------------------------------------------
    Scenario(
        "move-to-friday-morning", "a patient on file moves an appointment to Friday morning", number(20),
        plan(Task("Hi, I need to change the day of my appointment.", "reschedule",
                  ("I'd like to move my appointment to a different day.",)),
             answers={"name": "Ruth Adler.", "spell": "A D L E R.", "dob": "June 30th, 1962.",
                      "when": "Friday morning would be better."},
             first_name="Ruth", want_weekday=FRI, want_part="morning"),
        Expect("moved", "Ruth Adler", weekday=FRI, part="morning"),
        on_file=(Person("Ruth Adler", "1962-06-30", number(20)),), existing=(Existing("check-up", TUE, 11),)),
    Scenario(
        "move-half-past-two", "push a check-up to Monday at half past two", number(21),
        plan(Task("Could we push my check-up back a bit? I have a conflict.", "reschedule",
                  ("I need to reschedule my check-up.",)),
             answers={"name": "Samuel Okoro.", "spell": "O K O R O.", "dob": "The 4th of July, 1980.",
                      "when": "Monday at half past two."},
             first_name="Samuel", want_weekday=MON, want_part="afternoon", choice="match"),
        Expect("moved", "Samuel Okoro", weekday=MON, part="afternoon"),
        on_file=(Person("Samuel Okoro", "1980-07-04", number(21)),), existing=(Existing("check-up", WED, 9),)),
    Scenario(
        "move-correction", "rescheduling with a correction: no, I meant Thursday", number(22),
        plan(Task("I'd like to reschedule my cleaning.", "reschedule", ("Can I move my cleaning to another day?",)),
             answers={"name": "Hannah Kowal.", "spell": "K O W A L.", "dob": "January 19th, 1993.",
                      "when": ("Wednesday afternoon.", "Thursday afternoon, please.")},
             first_name="Hannah", want_weekday=WED, want_part="afternoon",
             correction="No wait, I meant Thursday afternoon, sorry.", correction_weekday=THU),
        Expect("moved", "Hannah Kowal", weekday=THU, part="afternoon"),
        on_file=(Person("Hannah Kowal", "1993-01-19", number(22)),), existing=(Existing("cleaning", MON, 10),)),
    Scenario(
        "move-other-phone", "a patient on a work phone moves a filling to Tuesday morning", number(23),
        plan(Task("Hi, I'm calling from work. I need to move my filling appointment.", "reschedule",
                  ("Can I change the time of my filling?",)),
             answers={"name": "Derek Lam.", "spell": "L A M.", "dob": "March 3rd, 1986.",
                      "when": "Tuesday, around nine in the morning."},
             first_name="Derek", want_weekday=TUE, want_part="morning", choice="match"),
        Expect("moved", "Derek Lam", weekday=TUE, part="morning"),
        on_file=(Person("Derek Lam", "1986-03-03", "+12125550901"),), existing=(Existing("filling", FRI, 13),)),
    # --- confirm -------------------------------------------------------------------------------------
    Scenario(
        "confirm-known", "a patient on file asks when the next appointment is", number(24),
        plan(Task("Could you remind me when my next appointment is?", "confirm",
                  ("I forgot the time of my appointment, can you check it?",)),
             answers={"name": "Irene Walsh.", "spell": "W A L S H.", "dob": "October 10th, 1955."},
             first_name="Irene"),
        Expect("unchanged", "Irene Walsh"),
        on_file=(Person("Irene Walsh", "1955-10-10", number(24)),), existing=(Existing("check-up", THU, 15),)),
    Scenario(
        "confirm-other-phone", "a patient double-checks an appointment from another phone", number(25),
        plan(Task("Hi, I just want to double check what time I'm coming in.", "confirm",
                  ("Can you confirm my appointment time?",)),
             answers={"name": "Ahmed Saleh.", "spell": "S A L E H.", "dob": "The 25th of December, 1979."},
             first_name="Ahmed"),
        Expect("unchanged", "Ahmed Saleh"),
        on_file=(Person("Ahmed Saleh", "1979-12-25", "+12125550902"),), existing=(Existing("cleaning", TUE, 16),)),
    Scenario(
        "confirm-still-booked", "am I still booked in for next week?", number(26),
        plan(Task("Am I still booked in for next week?", "confirm", ("I want to check my appointment.",)),
             answers={"name": "Paula Reyes.", "spell": "R E Y E S.", "dob": "February 14th, 1991."},
             first_name="Paula"),
        Expect("unchanged", "Paula Reyes"),
        on_file=(Person("Paula Reyes", "1991-02-14", number(26)),), existing=(Existing("filling", WED, 10),)),
    # --- questions -----------------------------------------------------------------------------------
    Scenario(
        "faq-hours", "opening hours", number(27),
        plan(Task("What time do you guys open in the morning?", "faq", ("When are you open?",)), goodbye=BYE),
        Expect("nothing")),
    Scenario(
        "faq-address", "the address", number(28),
        plan(Task("Where exactly are you located?", "faq", ("What's your address?",)),
             goodbye="Great, thanks. Bye bye."),
        Expect("nothing")),
    Scenario(
        "faq-parking", "parking", number(29),
        plan(Task("Is there somewhere to park near you?", "faq", ("Do you have parking?",)), goodbye=BYE),
        Expect("nothing")),
    Scenario(
        "faq-insurance", "insurance", number(30),
        plan(Task("Do you take dental insurance?", "faq", ("Which insurance do you accept?",)), goodbye=BYE),
        Expect("nothing")),
    Scenario(
        "faq-two-questions", "hours, then parking", number(31),
        plan(Task("What are your hours on weekdays?", "faq", ("When are you open?",)),
             Task("And where can I leave my car?", "faq", ("Is there parking?",)), goodbye="Perfect, thank you. Bye."),
        Expect("nothing")),
    Scenario(
        "faq-saturday-then-bye", "are you open on Saturdays, then goodbye", number(32),
        plan(Task("Are you open on Saturdays?", "faq", ("What are your weekend hours?",)),
             goodbye="OK, that's all I needed. Thanks, bye."),
        Expect("nothing")),
    # --- messages ------------------------------------------------------------------------------------
    Scenario(
        "message-grouped-number", "a message with a callback number said in groups", number(33),
        plan(Task("Could I leave a message for Dr. Patel?", "message", ("I'd like to leave a message, please.",)),
             answers={"message": "Yes, this is Tom Baker. Please ask her to call me back on five five five, "
                                 "one two three, four five six seven.",
                      "number": "Five five five, one two three, four five six seven.",
                      "who": "Tom Baker.", "name": "Tom Baker."},
             callback_is_caller_id=False),
        Expect("message", "Tom Baker", callback="5551234567")),
    Scenario(
        "message-calling-from", "a message; call back on the number I'm calling from", number(34),
        plan(Task("Hi, I'd like to leave a message for the office.", "message", ("Can I leave a message?",)),
             answers={"message": "It's Anna Kowalski. I have a question about my bill. You can call me back on the "
                                 "number I'm calling from.",
                      "number": "The number I'm calling from is fine.", "who": "Anna Kowalski.",
                      "name": "Anna Kowalski."}),
        Expect("message", "Anna Kowalski", callback="caller")),
    Scenario(
        "message-offered-content-answer", "asked 'can I take a message?', answers with name and number",
        number(35),
        plan(Task("How much would a crown cost me?", "faq", ("What do you charge for a crown?",)),
             answers={"message": "It's Gary Moore, five five five, nine eight seven six. Call me about the price.",
                      "number": "Five five five, nine eight seven six.", "who": "Gary Moore.", "name": "Gary Moore."},
             callback_is_caller_id=False),
        Expect("message", "Gary Moore", callback="5559876")),
    Scenario(
        "message-manager", "a message for the office manager with a full number", number(36),
        plan(Task("Please have the office manager give me a call.", "message", ("I want to leave a message.",)),
             answers={"message": "My name is Rachel Stein and my number is two one two, five five five, "
                                 "zero one nine eight. It's about a refund.",
                      "number": "Two one two, five five five, zero one nine eight.", "who": "Rachel Stein.",
                      "name": "Rachel Stein."},
             callback_is_caller_id=False),
        Expect("message", "Rachel Stein", callback="2125550198")),
    Scenario(
        "message-records", "a message about dental records, callback on this phone", number(37),
        plan(Task("I need to leave a message about getting my X-rays sent to a new dentist.", "message",
                  ("Can I leave a message for someone?",)),
             answers={"message": "This is Brian Kelly. I need my X-rays sent to my new dentist. "
                                 "Please call me back on this number.",
                      "number": "This number is fine.", "who": "Brian Kelly.", "name": "Brian Kelly."}),
        Expect("message", "Brian Kelly", callback="caller")),
    # --- a person -------------------------------------------------------------------------------------
    Scenario(
        "person-real-person", "asks for a real person", number(38),
        plan(Task("Can I speak to a real person, please?", "human", ("I want to talk to someone at the desk.",)),
             answers={"message": "It's Kevin Ward. Please call me back on the number I'm calling from.",
                      "who": "Kevin Ward.", "name": "Kevin Ward."}),
        Expect("handover", "Kevin Ward", callback="caller", reason=("person", "asked", "human", "staff"))),
    Scenario(
        "person-doctor", "asks to talk to a dentist directly", number(39),
        plan(Task("I need to talk to Dr. Okafor directly, it's personal.", "human",
                  ("Could you put me through to someone?",)),
             answers={"message": "This is Jenna Ortiz, please have Dr. Okafor call me back on this number.",
                      "who": "Jenna Ortiz.", "name": "Jenna Ortiz."}),
        Expect("handover", "Jenna Ortiz", callback="caller", reason=("person", "asked", "human", "staff"))),
    Scenario(
        "person-front-desk", "asks for the front desk", number(40),
        plan(Task("Let me talk to somebody at the front desk.", "human", ("Is there a receptionist I can speak to?",)),
             answers={"message": "It's Owen Price. Have them call me back at this number, please.",
                      "who": "Owen Price.", "name": "Owen Price."}),
        Expect("handover", "Owen Price", callback="caller", reason=("person", "asked", "human", "staff"))),
    # --- emergencies ---------------------------------------------------------------------------------
    Scenario(
        "emergency-swelling", "swollen face and pain", number(41),
        plan(Task("My face is really swollen on one side and the pain is terrible.", "emergency",
                  ("My jaw is swelling up and it hurts a lot.",)),
             answers={"message": "I'm Laura Simms. Please call me back as soon as you can.", "who": "Laura Simms.",
                      "name": "Laura Simms."}),
        Expect("emergency", "Laura Simms")),
    Scenario(
        "emergency-bleeding", "bleeding that won't stop after an extraction", number(42),
        plan(Task("I had a tooth pulled this morning and it won't stop bleeding.", "emergency",
                  ("My gum is still bleeding a lot after the extraction.",)),
             answers={"message": "It's Martin Cole, please call me back right away.", "who": "Martin Cole.",
                      "name": "Martin Cole."}),
        Expect("emergency", "Martin Cole")),
    Scenario(
        "emergency-knocked-out", "a child's tooth knocked out", number(43),
        plan(Task("My son fell off his bike and knocked out his front tooth! What do I do?", "emergency",
                  ("His tooth came right out, it's an emergency.",)),
             answers={"message": "This is Sandra Yu, please call me back now.", "who": "Sandra Yu.",
                      "name": "Sandra Yu."}),
        Expect("emergency", "Sandra Yu")),
    Scenario(
        "emergency-breathing", "swelling and trouble breathing", number(44),
        plan(Task("My throat and jaw are swollen and I can't breathe properly.", "emergency",
                  ("I'm having trouble breathing, my mouth is swollen.",)),
             answers={"message": "Dennis Ford. Call me back.", "who": "Dennis Ford.", "name": "Dennis Ford."}),
        Expect("emergency", "Dennis Ford")),
    # --- nothing to do -------------------------------------------------------------------------------
    Scenario(
        "goodbye-right-away", "the caller changes their mind and says goodbye", number(45),
        plan(Task("Oh, actually, never mind. Thanks, that's all, bye.", "goodbye"), goodbye="Bye."),
        Expect("nothing")),
    Scenario(
        "wrong-number-pizza", "a wrong number", number(46),
        plan(Task("Hi, is this Mario's Pizza?", "wrong_number",
                  ("Sorry, I was trying to order a pizza. I must have the wrong number.",)),
             goodbye="Sorry about that, bye."),
        Expect("nothing")),
    Scenario(
        "wrong-number-vet", "a wrong number looking for a vet", number(47),
        plan(Task("Hello, is this the animal hospital? I'm calling about my dog.", "wrong_number",
                  ("Oh, I think I dialed the wrong number.",)),
             goodbye="Oops, wrong number. Bye."),
        Expect("nothing")),
]


def _with_truth(scenario: Scenario) -> Scenario:
    """The caller knows its own name and date of birth (to check the agent's readings of them)."""
    person = next((p for p in scenario.on_file if p.name == scenario.expect.name), None)
    name = scenario.expect.name or (person.name if person else "")
    dob = scenario.expect.dob or (person.dob if person else "")
    return replace(scenario, plan=replace(scenario.plan, name=name, dob=dob))


SCENARIOS = [_with_truth(s) for s in SCENARIOS]


def by_name(names: list[str] | None = None, limit: int | None = None) -> list[Scenario]:
    """The scenarios named (all by default), the first `limit` of them."""
    chosen = SCENARIOS
    if names:
        known = {s.name: s for s in SCENARIOS}
        missing = [n for n in names if n not in known]
        if missing:
            raise KeyError(f"unknown scenarios: {', '.join(missing)}")
        chosen = [known[n] for n in names]
    return chosen[:limit] if limit else list(chosen)
