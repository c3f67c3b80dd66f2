"""Every sentence the agent says to a caller, in one place: fixed sentences, templates (filled
with `.format(...)`), and functions for the few sentences built with some logic. What staff
read (summaries, messages) is not here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime

from appliance.config import ClinicConfig
from appliance.config.clinic import discloses
from appliance.dialogue.consent import DECLINE_KEY
from appliance.dialogue.spoken import MONTHS, ordinal, say_date, say_moment, say_time

# --- the call's frame -------------------------------------------------------------------
DISCLOSURE = "You're speaking with the clinic's automated assistant."  # the default in the greeting
# ...where a law requires it (`ClinicConfig.disclosure_by_law`): it names AI and says how to reach a person
DISCLOSURE_REQUIRED = ("You're speaking with the clinic's automated assistant, an AI system. To reach a person at "
                       "any time, press 0 or ask to speak to someone.")
RECORDING_NOTICE = f"This call is recorded; to decline, say \"don't record\" or press {DECLINE_KEY}."
RECORDING_DECLINED = "All right, this call won't be recorded."
CARD_REFUSED = ("For your security, I can't take card or bank details over the phone. Our front desk will take "
                "care of payment with you in person.")
SSN_REFUSED = ("For your security, I can't take social security numbers over the phone. Our front desk will ask "
               "for anything they need in person.")
HOW_CAN_I_HELP = "How can I help you?"
CLOSED_NOW = " We're closed right now, but I can book appointments or take a message."
GOODBYE = "Thank you for calling {clinic}. Goodbye!"
WRONG_NUMBER = "No problem. This is {clinic}. Goodbye!"
ANYTHING_ELSE = "{done} Is there anything else I can help with?"
STILL_THERE = "Are you still there? How can I help you?"
SILENT_HANGUP = "I can't hear anything, so I'll end the call now. Please call again. Goodbye."
SILENT_TRANSFER = "I can't hear you, so let me put you through to the front desk."

# --- what the caller wants ----------------------------------------------------------------
ONE_MOMENT = "One moment."  # said at once when understanding a turn takes longer than voice.acknowledge_after_ms
DID_NOT_CATCH = "Sorry, I didn't catch that. Could you say it again?"
LINE_UNCLEAR = "Sorry, the line is a bit unclear. Could you say that again?"
WHAT_TO_DO = ("Sorry, I didn't understand. I can book, move or cancel an appointment, or answer questions "
              "about the clinic. What would you like to do?")
NOT_SURE = ("I'm not sure about that. I can take a message for the team, or help you with an appointment. "
            "What would you like to do?")
JUST_TO_CHECK = "Just to check, would you like to {wish}?"  # the language model's reading, before acting on it
MISREAD = "Sorry about that. What would you like to do?"
FAQ_CANNOT_HELP = "I'm sorry, I can't help with that. Can I take a message for the team?"

# --- who the caller is --------------------------------------------------------------------
ASK_NAME = "Sure. May I have your first and last name?"
ASK_NAME_FOR_SECURITY = "For your security, may I have your first and last name?"
ASK_DOB = "And what's your date of birth?"
DOB_AFTER_NAME = "Thank you, {first_name}. And what's your date of birth?"
NAME_AGAIN = "Sorry, could you tell me your first and last name?"
NAME_SPELL = "Sorry, I didn't catch your name. Could you spell your last name for me?"
NAME_FIX = "Sorry about that. What is the right name, please?"
NAME_FIX_SPELL = "I still have {name}. Could you spell the last name for me, letter by letter?"
NAME_SPELL_AFTER_NO = "Sorry about that. Could you spell your last name for me?"
DOB_AFTER_SPELLING = "Thank you. And what's your date of birth?"
# no example date: any full date is somebody's date of birth
DOB_AGAIN = "Sorry, could you tell me your date of birth: the day, the month and the year?"
FOR_WHOM = "Is this appointment for {first_name}?"
FOR_WHOM_AGAIN = "Sorry, I didn't catch that. Is the appointment for {first_name}?"
ASK_PATIENT_NAME = "No problem. May I have the patient's first and last name?"
SPELL_LAST_NAME = "Thank you. As you're new with us, could you spell your last name for me?"
IS_YOUR_NAME = "Just to check, is your name {name}?"
IS_PATIENTS_NAME = "Just to check, is the patient's name {name}?"
IS_YOUR_DOB = "Just to check, is your date of birth {date}?"
SPELL_LAST_NAME_TO_FIND = "Thank you. And could you spell your last name for me?"
NOT_UNDER_NAME = "I can't find an appointment under {name}. Could you spell your last name for me, so I can look again?"
SPELL_FIRST_NAME = "Thank you. And could you spell your first name for me?"
NO_MATCH = "Sorry, that doesn't match our records. Could you tell me your first and last name again?"

# --- appointments (`{appointment}`: 'a check-up with Dr. Patel Tuesday, December 8th, at 9 in the morning') ---
APPOINTMENT = "a {service} with {provider} {moment}"
SLOT = "{moment} with {provider}"
ASK_SERVICE = "What would you like to come in for: {services}?"
SERVICE_AGAIN = "Which would you like: {services}?"
IS_IT_SERVICE = "Is it for {service}?"  # 'a check-up'
IS_IT_SERVICE_AGAIN = "Sorry, is it for {service}? Please say yes or no."
ASK_WHEN = "What day and time would suit you?"
WHEN_AGAIN = "What day and time would suit you? For example, Tuesday afternoon."
WHEN_ELSE = "No problem. What day and time would suit you better?"
OFFER = "I have {slots} Which would you prefer?"
CHOICE_AGAIN = "Sorry, which time would you like? {slots}"
ONE_AT_A_TIME = "Sorry, let me take them one at a time."  # leads a read-back or a service asked about
HOW_ABOUT = "Then how about"
NOTHING_FREE = "I'm sorry, I have nothing free around then. Could another day or time work?"
NOT_THEIRS = "{service} appointments are not with {provider}."
NEAREST = "I don't have anything then. The nearest I have is"  # read-back leads
ONE_FREE = "I have"
ONLY_TIMES = "The only times I have then are"  # the times turned down, asked for again (a lead of its own)
ONLY_THESE = f"{ONLY_TIMES} {{slots}} Which would you prefer?"
ONLY_THAT = "The only time I have then is"
SO_THATS = "So that's"
SORRY_SO_THATS = "Sorry about that. So that's"
GO_AHEAD_AGAIN = "Sorry, shall I go ahead? Please say yes or no."
TAKEN = "Oh, I'm sorry, that time was just taken. {next_offer}"
BOOKED = "You're booked: {appointment}."
MOVED = "Done. Your appointment is now {appointment}."
NO_UPCOMING = "I can't find any upcoming appointment for you."
APPOINTMENTS = "You have {appointments}."
WHICH_APPOINTMENT = "Which appointment do you mean? {listed}"
WHICH_AGAIN = "Sorry, which one? {listed}"
YOU_HAVE = "You have {appointment}."
CANCEL_IT = "You have {appointment}. Shall I cancel it?"
CANCEL_AGAIN = "Shall I cancel it? Please say yes or no."
ALREADY_BOOKED = ("You already have a {service} booked with us. Shall I book another one, "
                  "or would you rather move the one you have?")
ANOTHER_AGAIN = "Sorry, shall I book another {service}, or move the one you have?"
KEEP_IT = "All right, I'll leave it as it is."
CANCELLED = "Done. Your appointment on {moment} is cancelled."
MOVE_IT = "You have {appointment}. When would you like to move it to?"

# --- staff: handovers, messages, emergencies, failures ---------------------------------------
ASK_MESSAGE = "Of course. What message would you like to leave?"
MESSAGE_PASSED = "Thank you, I've passed your message on. Someone will call you back{back}."
MESSAGE_WHO = "Thank you. And who should I say is calling?"
MESSAGE_SPELL = "Thank you. And could you spell your last name for me, so the team has it right?"
CALLBACK_CALLER_ID = "Shall we call you back on the number you're calling from, ending in {last_digits}?"
CALLBACK_ASK = "What number should we call you back on?"
CALLBACK_AGAIN = "Sorry, could you say the number again, digit by digit?"
NO_TRANSFER = ("I can't put you through to a person right now, but I can take a message and someone will call "
               "you back. What would you like me to tell them?")
NOBODY_ANSWERED = ("I'm sorry, nobody at the front desk can take your call right now. I can take a message and "
                   "someone will call you back. What would you like me to tell them?")
PUT_THROUGH = "Of course. Let me put you through to {who}, one moment please."
FAQ_PUT_THROUGH = "Of course, let me put you through to the front desk."
KEY_PUT_THROUGH = "Putting you through to the front desk."
FAQ_NOBODY_ANSWERED = "I'm sorry, nobody at the front desk could take your call just now. How else can I help?"
EMERGENCY = ("If this is a medical emergency, please hang up now and call {number}. I've flagged your call as "
             "urgent for our team.")
EMERGENCY_TRANSFER = " I'm putting you through to someone now."
EMERGENCY_CALLBACK = " If you'd like, tell me what's happening and someone will call you back."
STORE_DOWN = "I'm sorry, I can't reach our booking system right now, so nothing has been changed."
STORE_DOWN_CALLBACK = (f"{STORE_DOWN} I've asked the front desk to call you back. Is there anything you'd like "
                       "me to add to the message?")
STORE_DOWN_GOODBYE = f"{STORE_DOWN} Please call us again a little later. Goodbye."


def greeting(clinic: ClinicConfig, first_name: str | None = None, is_open: bool = True,
             recording: bool = False) -> str:
    """The first words on answer: the clinic's greeting, with the disclosure (unless the greeting
    makes it itself) and, when calls are recorded, the recording notice before its question
    ("How can I help you today?"), or at its end; by first name when caller ID finds the caller."""
    text = clinic.greeting.format(name=clinic.name)
    parts = re.split(r"(?<=[.!?])\s+", text.strip())
    ask = next((i for i, part in enumerate(parts) if part.endswith("?")), len(parts))
    said = disclosure(clinic) if not discloses(text) else ""
    before = ([f"Hello {first_name}!"] if first_name else []) + [said] + ([RECORDING_NOTICE] if recording else [])
    text = " ".join(part for part in parts[:ask] + before + parts[ask:] if part)
    return text if is_open else text + CLOSED_NOW


def disclosure(clinic: ClinicConfig) -> str:
    """Who the caller is speaking with: the clinic's wording, else the default; "" only where the
    clinic set it blank and its region allows that."""
    if clinic.disclosure:
        return clinic.disclosure.format(name=clinic.name)
    if clinic.disclosure == "" and not clinic.disclosure_kept:
        return ""
    return DISCLOSURE_REQUIRED if clinic.disclosure_by_law else DISCLOSURE


def aside(said: str, question: str) -> str:
    """An answer beside the conversation (a recording declined, card details refused), then
    what was asked, without a recording notice it held."""
    return f"{said} {' '.join(question.replace(RECORDING_NOTICE, '').split())}".strip()


def a(noun: str) -> str:
    """'a check-up', 'an extraction'."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def one_of(items: Sequence[str]) -> str:
    """'a, b or c'."""
    return f"{', '.join(items[:-1])} or {items[-1]}" if len(items) > 1 else items[0]


def slots(moments: Sequence[datetime], today: date) -> str:
    """Slots offered (local start times), the day said once when they share it."""
    if len({m.date() for m in moments}) == 1:
        return f"{say_date(moments[0].date(), today)}, at {one_of([say_time(m) for m in moments])}."
    return f"{one_of([say_moment(m, today) for m in moments])}."


def with_dentist(provider: str, offer: str) -> str:
    """An offer once the caller asked for another dentist: 'With Dr. Okafor, I have ...'."""
    first, _, rest = offer.partition(" ")
    kept = first if first in ("I", "I'm") else first[:1].lower() + first[1:]
    return f"With {provider}, {kept} {rest}".strip()


def read_back(lead: str, slot: str, service: str | None, patient: str = "") -> str:
    """What exactly will be booked, and for whom (`service` None: the caller's appointment is moved)."""
    what = f"for {a(service)}" if service else "for your appointment"
    whom = f", for {patient}" if patient and service else ""
    return f"{lead} {slot} {what}{whom}. Shall I go ahead?"


def birth_part(month: int | None, day: int | None, year: int | None) -> str:
    """What was heard of a date of birth, and the part still wanted: 'I have August 8th. And the
    year you were born?'."""
    name = MONTHS[month - 1].capitalize() if month else ""
    if name and day:
        return f"I have {name} {ordinal(day)}. And the year you were born?"
    if name and year:
        return f"I have {name} {year}. And which day of {name} were you born?"
    if name:
        return f"I have {name}. And the day and year you were born?"
    return f"I have {year}. And the day and month you were born?"


def putting_through(is_open: bool) -> str:
    """A transfer to the front desk, or (clinic closed) to the on-call colleague."""
    return PUT_THROUGH.format(who="the front desk" if is_open else "our on-call colleague")


def emergency(number: str, transferring: bool) -> str:
    """Advice for a possible emergency, then a transfer or the offer of a call back."""
    return EMERGENCY.format(number=number) + (EMERGENCY_TRANSFER if transferring else EMERGENCY_CALLBACK)


def message_passed(number: str) -> str:
    """The message was left; the call back goes to `number` (its last ten digits, one by one)."""
    digits = re.sub(r"\D", "", number)
    return MESSAGE_PASSED.format(back=f" at {' '.join(digits[-10:])}" if digits else "")


def last_digits(number: str) -> str:
    """The last four digits of a number, one by one: '4 5 6 7'."""
    return " ".join(re.sub(r"\D", "", number)[-4:])
