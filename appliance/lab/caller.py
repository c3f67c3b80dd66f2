"""A listening caller: it reads what the agent just said, decides what kind of question that
was (by keywords, robust to rewording) and answers from its persona's lines, in whatever order
the agent asks. Pure logic: no audio, no SIP (`scripted_call.converse` and the conversation
benchmark carry its lines to the agent)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from appliance.crm.contacts import name_key
from appliance.crm.names import same_person_name
from appliance.dialogue.reading import asking

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SERVICE_WORDS = ("check-up", "checkup", "check up", "cleaning", "filling", "whitening", "extraction",
                 "consultation", "hygienist")
ANOTHER_ANSWERS = {"reschedule": "No, I'd like to move the one I have.",
                   "cancel": "No, I want to cancel the one I have.",
                   "confirm": "No, I just want to check the one I have."}
MAX_TURNS = 24  # a caller hangs up after this many lines, whatever happens
READ_BACK_NAME = re.compile(r", for ([^,.?]+)\.\s+Shall I go ahead\?")  # whom the read-back books for
DAY_NAMED = r"\b(?:%s|tomorrow|today)\b" % "|".join(WEEKDAYS)  # noqa: UP031
LAST_NAME_SAID = re.compile(r"\bsurname\b|\blast name\b", re.IGNORECASE)
KEYS_OFFERED = re.compile(r"\bkey (?:it|them|your date of birth) in\b", re.IGNORECASE)  # "...key it in as eight digits"


class Keys(str):
    """Keys pressed on the phone's keypad (digits), not words said."""


class Ask(StrEnum):
    """The kind of thing the agent's words ask the caller for."""

    GREETING = "greeting"  # how can I help / what would you like to do: say the request
    NAME = "name"
    SPELL = "spell"  # the last name, spelled
    SPELL_FIRST = "spell_first"  # the first name, spelled
    DOB = "dob"
    SERVICE = "service"
    SERVICE_CHECK = "service_check"  # yes/no: "is it for a check-up?"
    WHEN = "when"
    CHOICE = "choice"  # one of the times offered
    READBACK = "readback"  # yes/no: book or move exactly this?
    CANCEL = "cancel"  # yes/no: cancel it?
    INTENT_CHECK = "intent_check"  # yes/no: "just to check, would you like to ...?"
    FOR_WHOM = "for_whom"  # yes/no: "is this (appointment) for <First>?"
    DID_YOU_SAY = "did_you_say"  # yes/no: "did you say ...?"
    NUMBER_CONFIRM = "number_confirm"  # yes/no: call you back on the number you're calling from?
    NUMBER = "number"  # a callback number
    MESSAGE = "message"  # the message (also the answer to "can I take a message?")
    WHO = "who"  # who should I say is calling
    WHICH = "which"  # which of your appointments
    ANOTHER = "another"  # you already have one booked: another, or move it?
    ANYTHING_ELSE = "anything_else"
    REPEAT = "repeat"  # didn't catch that / say it again
    END = "end"  # goodbye, or being put through: nothing to answer
    UNKNOWN = "unknown"


def _has(text: str, *patterns: str) -> bool:
    return any(re.search(p, text) for p in patterns)


def classify(agent_text: str) -> Ask:
    """What the agent's words ask for (keyword rules on the asking sentence, some context from the rest)."""
    whole = agent_text.lower().replace("\u2019", "'")
    q = asking(whole)
    asks = "?" in whole
    if not asks and _has(whole, r"\bgoodbye\b", r"\bbye\b", r"put you through", r"putting you through",
                         r"one moment"):
        return Ask.END
    if _has(q, r"anything else", r"something else", r"help you with anything", r"other questions?"):
        return Ask.ANYTHING_ELSE
    if _has(whole, r"already have") and _has(q, r"\banother\b"):
        return Ask.ANOTHER
    if _has(q, r"\bspell"):
        return Ask.SPELL_FIRST if _has(q, r"first name") else Ask.SPELL
    if _has(q, r"date of birth", r"\bbirthday", r"\bborn\b", r"\bbirth date") and not _has(
            q, r"\bis your (date of birth|birthday)\b"):
        return Ask.DOB
    if _has(q, r"^(sorry, )?is it (for )?an? ") and services_in(q):
        return Ask.SERVICE_CHECK
    if _has(q, r"who (should|shall|do) i say", r"who('s| is) calling", r"who am i speaking", r"who is this",
            r"who (should|shall) i tell"):
        return Ask.WHO
    if _has(q, r"\bdid you say\b", r"\bdid i hear\b", r"\bi heard\b", r"\bdid you mean\b", r"\bis your name\b",
            r"\bis your (date of birth|birthday)\b", r"\bwas that\b", r"\bis the patient's name\b"):
        return Ask.DID_YOU_SAY
    if _has(q, r"just to check", r"did you want to", r"are you (calling|looking) to"):
        return Ask.INTENT_CHECK
    if _has(q, r"\b(is|are) (this|that|it|the)( appointment| booking| visit| call)? for\b", r"\bfor yourself\b",
            r"\bspeaking with\b", r"\bam i speaking to\b"):
        return Ask.FOR_WHOM
    if _has(q, r"\bnumber\b", r"call you back on", r"reach you") and _has(
            q, r"calling from", r"this number", r"number you('re| are)", r"number we have", r"on file") and _has(
            q, r"^(shall|should|can|could|is|do|would|may|will)\b"):
        return Ask.NUMBER_CONFIRM
    if _has(q, r"\bnumber\b", r"call you back on", r"reach you", r"phone"):
        return Ask.NUMBER
    if _has(q, r"\bmessage\b", r"tell them", r"what's happening", r"what is happening", r"add to", r"pass on"):
        return Ask.MESSAGE
    if _has(q, r"\bname\b"):
        return Ask.NAME
    if _has(q, r"\bcancel"):
        return Ask.CANCEL
    if _has(q, r"go ahead", r"shall i (book|move|reschedule|make|confirm|put)", r"should i (book|move)",
            r"is that (right|correct|ok|okay|all right)", r"does that (work|sound)", r"say yes or no",
            r"want me to (book|move)", r"would that (work|suit)", r"is that what you"):
        return Ask.READBACK
    if _has(q, r"^(would|do) you (like|want) to\b"):
        return Ask.INTENT_CHECK
    if _has(q, r"which appointment", r"which one do you mean", r"which of (them|those|your)") or (
            _has(q, r"which one") and _has(whole, r"you have")):
        return Ask.WHICH
    if _has(q, r"which (time|slot|one)", r"prefer", r"which works", r"which suits", r"which would suit",
            r"any of (those|these)") and not _has(q, r"come in for"):
        if not any(word in q for word in SERVICE_WORDS):
            return Ask.CHOICE
    if _has(q, r"come in for", r"what service", r"which service", r"kind of (appointment|visit)",
            r"type of (appointment|visit)", r"what is it for", r"what's it for", r"reason for") or (
            sum(word in q for word in SERVICE_WORDS) >= 2):
        return Ask.SERVICE
    if _has(q, r"what day", r"which day", r"\bwhen\b", r"day and time", r"what time", r"move it to",
            r"another (day|time)", r"suit you", r"works? (best|for you)", r"what date"):
        return Ask.WHEN
    if _has(q, r"how (can|may) i help", r"what can i do for you", r"what would you like", r"how can i assist",
            r"still there", r"how else can i help", r"what do you need", r"what are you calling about"):
        return Ask.GREETING
    if _has(whole, r"didn't catch", r"did not catch", r"say (that|it) again", r"repeat that", r"unclear",
            r"couldn't hear", r"didn't hear", r"didn't understand"):
        return Ask.REPEAT
    if not asks:
        return Ask.END if _has(whole, r"\bgoodbye\b") else Ask.UNKNOWN
    return Ask.UNKNOWN


def services_in(text: str) -> set[str]:
    """The services `text` names ("a check up", "checkup" and "check-up" alike)."""
    t = re.sub(r"\bcheck ?up\b", "check-up", text.lower())
    return {word for word in SERVICE_WORDS if word in t}


@dataclass(frozen=True)
class Task:
    """One thing the caller wants, as the caller first says it and in other words."""

    opening: str
    intent: str  # book | reschedule | cancel | confirm | message | faq | human | emergency | goodbye | wrong_number
    rephrase: tuple[str, ...] = ()


@dataclass(frozen=True)
class CallerPlan:
    """What a caller says: its tasks in order, and its answers by `Ask` kind (successive answers
    to the same question in order, the last one repeated)."""

    tasks: tuple[Task, ...]
    answers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    first_name: str = ""  # whom the caller books for ("Is this for <First>?")
    want_weekday: int | None = None  # 0 = Monday
    want_part: str | None = None  # morning | afternoon
    choice: str = "first"  # first | match (the offered time in `want_part`) | a literal line
    correction: str = ""  # said once at the first offer or read-back ("no, I meant Friday")
    correction_weekday: int | None = None  # the weekday wanted after the correction
    callback_is_caller_id: bool = True  # "call you back on the number you're calling from?"
    name: str = ""  # the caller's (or patient's) full name, to check a reading of it
    dob: str = ""  # their date of birth, ISO, to check a reading of it
    yes: str = "Yes, that's right."
    goodbye: str = "Thanks, that's all. Bye."

    def answer(self, ask: Ask, index: int) -> str | None:
        lines = self.answers.get(ask.value, ())
        return lines[min(index, len(lines) - 1)] if lines else None

    def spelled_first_name(self) -> str:
        """'R U T H.'"""
        return " ".join(self.name.split()[0].upper()) + "."

    def spelled_last_name(self) -> str:
        """'K O W A L S K I.' (what a caller with no spelling of their own says)."""
        return " ".join(re.sub(r"[^A-Za-z]", "", self.name.split()[-1]).upper()) + "."

    def static_lines(self) -> list[str]:
        """Every line known before the call (to synthesize ahead)."""
        lines = [t.opening for t in self.tasks] + [r for t in self.tasks for r in t.rephrase]
        lines += [line for values in self.answers.values() for line in values]
        lines += [self.yes, self.goodbye, "No.", "Yes.", "The first one, please."]
        if self.name:
            lines += [self.spelled_first_name(), self.spelled_last_name()]
        if self.correction:
            lines.append(self.correction)
        if self.choice not in ("first", "match"):
            lines.append(self.choice)
        return list(dict.fromkeys(lines))


@dataclass
class Turn:
    """One exchange as the caller saw it."""

    agent: str
    ask: Ask
    said: str | None


class Caller:
    """Answers the agent turn by turn from a `CallerPlan`; `respond` returns None to hang up."""

    def __init__(self, plan: CallerPlan, today: date) -> None:
        self.plan = plan
        self.today = today
        self.task = 0  # index of the current task
        self.opened = False  # whether the current task's opening was said
        self.asked: dict[Ask, int] = {}
        self.retries = 0
        self.cancelling: tuple[int, int | None] | None = None  # (task, weekday) of the appointment agreed to cancel
        self.objections = 0
        self.corrected = False
        self.name_fixes = 0  # names read back wrong that the caller put right
        self.want_weekday = plan.want_weekday
        self.last = ""
        self.said_goodbye = False
        self.turns: list[Turn] = []

    @property
    def current(self) -> Task | None:
        return self.plan.tasks[self.task] if self.task < len(self.plan.tasks) else None

    def respond(self, agent_text: str) -> str | None:
        """The caller's next line after the agent said `agent_text`, or None: hang up."""
        ask = classify(agent_text)
        line = None if self.said_goodbye or len(self.turns) >= MAX_TURNS else self._line(ask, agent_text)
        self.turns.append(Turn(agent_text, ask, line))
        if line is not None:
            self.last = line
        return line

    # --- deciding ---------------------------------------------------------------------------
    def _line(self, ask: Ask, text: str) -> str | None:
        plan = self.plan
        count = self.asked.get(ask, 0)
        self.asked[ask] = count + 1
        if ask is Ask.END:
            return None
        if ask in YES_NO and self.turns and self.turns[-1].ask is ask and (
                "yes or no" in text.lower() or asking(text).lower().startswith("sorry")):
            # the same yes/no question again: the answer was not understood; plainer words, twice at most
            if self.retries >= 2:
                return self._goodbye()
            self.retries += 1
            said = (self.turns[-1].said or "").lower()
            if said.startswith(("yes", "yeah", "yep", "sure")) or ask is Ask.CANCEL:
                return "Yes." if self.retries == 1 else "Yes, please."
            if said.startswith("no"):
                return "No."
        if ask is Ask.GREETING:
            offered = self.opened and re.search(r"\bmessage\b", text.lower()) and plan.answer(Ask.MESSAGE, 0)
            return offered or self._request()
        if ask is Ask.ANYTHING_ELSE:
            self.task += 1
            self.opened, self.retries = False, 0
            return self._request()
        if ask is Ask.REPEAT:
            return self._again(self.last or self._request())
        if ask is Ask.CHOICE:
            return self._choose(text)
        if ask is Ask.READBACK:
            return self._read_back(text)
        if ask is Ask.CANCEL:
            return self._cancel(text, count)
        if ask is Ask.INTENT_CHECK:
            return self._intent_check(text)
        if ask is Ask.FOR_WHOM:
            return self._for_whom(text)
        if ask is Ask.DID_YOU_SAY:
            return self._did_you_say(text)
        if ask is Ask.SERVICE_CHECK:
            latest = plan.answer(Ask.SERVICE, max(self.asked.get(Ask.SERVICE, 0) - 1, 0))  # the one said last
            wanted = services_in(latest or (self.current.opening if self.current else ""))
            return plan.yes if services_in(asking(text)) & wanted else "No."
        if ask is Ask.NUMBER_CONFIRM:
            if plan.callback_is_caller_id:
                return plan.answer(Ask.NUMBER_CONFIRM, count) or "Yes, this number is fine."
            number = plan.answer(Ask.NUMBER, 0)
            return f"No, please use {number}" if number else "No."
        if ask is Ask.ANOTHER and self.current is not None:
            return ANOTHER_ANSWERS.get(self.current.intent, "Another one, please.")
        if ask is Ask.DOB and plan.dob and KEYS_OFFERED.search(text):  # told it can be keyed in: a caller does
            return self._keyed_date_of_birth(text)
        if ask is Ask.SPELL_FIRST and plan.name:
            return plan.spelled_first_name() if count < 2 else self._unknown()
        if ask is Ask.SPELL and plan.name and plan.answer(ask, 0) is None:
            return plan.spelled_last_name() if count < 2 else self._unknown()
        if ask is Ask.WHO:
            return plan.answer(Ask.WHO, count) or plan.answer(Ask.NAME, 0) or self._unknown()
        if ask is Ask.WHEN and plan.correction:
            return self._when()
        known = plan.answer(ask, count)
        if known is not None:
            if ask is Ask.SPELL and count >= 2:
                return self._unknown()
            return known
        if ask is Ask.NUMBER and plan.callback_is_caller_id:
            return "The number I'm calling from is fine."
        if ask is Ask.MESSAGE and self.current is not None and self.current.intent in ("message", "human"):
            return self.current.opening
        return self._unknown()

    def _keyed_date_of_birth(self, text: str) -> Keys:
        """The date of birth as the keys the agent asked for: month, day and year (MMDDYYYY), or
        day first when it said so."""
        year, month, day = self.plan.dob.split("-")
        return Keys(f"{day}{month}{year}" if re.search(r"day, month", text.lower()) else f"{month}{day}{year}")

    def _request(self) -> str | None:
        """The current task's request: its opening, then (asked again) other words; none left: goodbye."""
        task = self.current
        if task is None:
            return self._goodbye()
        if not self.opened:
            self.opened = True
            return task.opening
        return self._unknown()

    def _unknown(self) -> str | None:
        """Say the current request in other words, at most twice; then goodbye."""
        task = self.current
        if task is None or self.retries >= 2:
            return self._goodbye()
        self.retries += 1
        options = task.rephrase or (task.opening,)
        return options[min(self.retries - 1, len(options) - 1)]

    def _again(self, line: str) -> str | None:
        """Say it again (a plain yes in plainer words, as people do when not heard)."""
        if self.retries >= 2:
            return self._goodbye()
        self.retries += 1
        if line.lower().startswith(("yes", "yeah", "yep", "sure")) and not re.search(r"\d", line):
            return "Yes." if self.retries == 1 else "Yes, please."
        return line

    def _cancel(self, text: str, count: int) -> str:
        """Yes to cancelling the appointment the task is about: the first one asked, also asked
        again; another appointment of the caller's is kept ("Shall I cancel it?" after one was)."""
        day = said_weekday(text.lower(), self.today)
        if self.cancelling is not None and self.cancelling[0] == self.task:
            if None not in (day, self.cancelling[1]) and day != self.cancelling[1]:
                return "No, please keep that one."
        else:
            self.cancelling = (self.task, day)
        return self.plan.answer(Ask.CANCEL, count) or "Yes, please cancel it."

    def _goodbye(self) -> str | None:
        if self.said_goodbye:
            return None
        self.said_goodbye = True
        return self.plan.goodbye

    def _choose(self, text: str) -> str | None:
        plan = self.plan
        if plan.correction and not self.corrected:
            self.corrected = True
            self.want_weekday = plan.correction_weekday
            return plan.correction
        static = plan.answer(Ask.CHOICE, self.asked[Ask.CHOICE] - 1)
        if static is not None:
            return static
        days = offered_days(text, self.today)
        several = len({day for day, _ in days if day is not None}) > 1  # times on several days: say the day too
        wanted = [(day, offer) for day, offer in days if day is None or self.want_weekday in (None, day)]
        picked, offer = next(((p, offer) for _, offer in wanted
                              if (p := pick_offered(offer, plan.want_part)) is not None), (None, ""))
        if picked is None:
            return self._object()
        if plan.choice not in ("first", "match"):
            return plan.choice
        if plan.choice == "first" and not several and picked == pick_offered(text, None):
            return "The first one, please."
        said = picked if ":" in picked else f"{picked} o'clock"
        named = re.match(DAY_NAMED, offer.lower())
        if several and named and named[0] in ("today", "tomorrow"):  # the day as offered
            return f"{named[0].capitalize()}'s {said} one, please."
        on = f"{named[0].capitalize()} " if several and named else ""
        return f"The {on}{said} one, please."

    def _object(self) -> str | None:
        """Nothing offered or read back suits: say what is wanted again, twice at most; then give up."""
        if self.objections >= 2:
            return self._goodbye()
        self.objections += 1
        return f"No, that doesn't work for me. {self._when()}"

    def _when(self) -> str:
        """When the caller wants to come: the first answer, or (corrected) the second."""
        plan = self.plan
        return plan.answer(Ask.WHEN, 1 if self.corrected and plan.correction else 0) or "Another time, please."

    def _read_back(self, text: str) -> str | None:
        plan = self.plan
        if plan.correction and not self.corrected:
            self.corrected = True
            self.want_weekday = plan.correction_weekday
            return plan.correction
        if not self.fits(text):
            return self._object()
        return self._name_wrong(text) or plan.answer(Ask.READBACK, self.asked[Ask.READBACK] - 1) or plan.yes

    def _name_wrong(self, text: str) -> str | None:
        """A read-back naming someone else than the persona ("..., for Ema Devier. Shall I go
        ahead?"): the name said again, the wrong parts spelled; twice at most, then let be."""
        read = READ_BACK_NAME.search(text)
        if not self.plan.name or read is None or same_person_name(read[1], self.plan.name) or self.name_fixes >= 2:
            return None
        self.name_fixes += 1
        first, *rest = self.plan.name.split()
        read_first, *read_rest = read[1].split()
        key = lambda words: name_key(" ".join(words)).replace(" ", "")  # noqa: E731
        spelled_last = self.plan.answer(Ask.SPELL, 0) or " ".join(key(rest).upper()) + "."
        spelled = [self.plan.spelled_first_name()] if key([read_first]) != key([first]) else []
        if key(read_rest) != key(rest):
            spelled = [spelled_last] if LAST_NAME_SAID.search(spelled_last) else [*spelled, spelled_last]
        return " ".join([f"No, the name is {self.plan.name}.", *spelled])

    def fits(self, text: str) -> bool:
        """Whether a read-back names the weekday and part of day the caller wants (unnamed: fits)."""
        lowered = text.lower()
        day = said_weekday(lowered, self.today)
        if self.want_weekday is not None and day is not None and day != self.want_weekday:
            return False
        part = said_part(lowered)
        return not (self.plan.want_part and part and part != self.plan.want_part)

    def _intent_check(self, text: str) -> str:
        task = self.current
        wish = text.lower()
        meant = next((intent for intent, pattern in WISHES.items() if re.search(pattern, wish)), None)
        if meant == "message" and self.plan.answer(Ask.MESSAGE, 0) and task is not None and task.intent != "message":
            return self.plan.answer(Ask.MESSAGE, 0)
        if task is None or meant is None or meant == task.intent or (
                {meant, task.intent} <= {"goodbye", "wrong_number"}):
            return self.plan.yes
        self.retries += 1
        options = task.rephrase or (task.opening,)
        return "No. " + options[min(self.retries - 1, len(options) - 1)]

    def _for_whom(self, text: str) -> str:
        first = self.plan.first_name.lower()
        if first and re.search(rf"\b{re.escape(first)}\b", asking(text).lower()):
            return self.plan.yes
        name = self.plan.answer(Ask.NAME, 0)
        return f"No, it's for me. {name}" if name else "No, it's for me."

    def _did_you_say(self, text: str) -> str:
        """A check of what the agent understood: the date of birth, the name, else the last line."""
        q = asking(text).lower()
        right, about = self._reading_right(q)
        if right is False and about is not None:
            fix = self.plan.answer(about, 1) or self.plan.answer(about, 0)
            if about is Ask.NAME and self.plan.name:
                spelled = self.plan.answer(Ask.SPELL, 0)
                fix = f"No, it's {self.plan.name}." + (f" {spelled}" if spelled else "")
            if fix is not None:
                return self._again(f"No. {fix}" if about is Ask.DOB else fix) or self.plan.goodbye
        if right is None:
            heard = set(re.findall(r"[a-z0-9']+", q))
            said = set(re.findall(r"[a-z0-9']+", self.last.lower())) - {"i", "a", "the", "my", "is", "it's", "and"}
            right = not said or len(heard & said) / len(said) >= 0.5
        if right:
            return self.plan.yes
        return self._again(f"No. {self.last}") or self.plan.goodbye

    def _reading_right(self, q: str) -> tuple[bool | None, Ask | None]:
        """Whether the agent's reading in `q` is the persona's date of birth or name (None: neither is read)."""
        plan = self.plan
        year = re.search(r"\b(19|20)\d\d\b", q)
        month = next((i for i, m in enumerate(MONTHS, 1) if re.search(rf"\b{m}\b", q)), None)
        if plan.dob and (year or month):
            y, m, d = (int(x) for x in plan.dob.split("-"))
            days = [int(x) for x in re.findall(r"\b(\d{1,2})(?:st|nd|rd|th)?\b", q)]
            return bool(year and int(year.group()) == y and month == m and d in days), Ask.DOB
        if plan.name and ("name" in q or any(w.lower() in q for w in plan.name.split())):
            letters = lambda t: re.sub(r"[^a-z ]", "", t.lower())  # noqa: E731
            return all(word in letters(q).split() for word in letters(plan.name).split()), Ask.NAME
        return None, None


YES_NO = frozenset({Ask.READBACK, Ask.CANCEL, Ask.INTENT_CHECK, Ask.FOR_WHOM, Ask.DID_YOU_SAY, Ask.NUMBER_CONFIRM,
                    Ask.SERVICE_CHECK})
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
WISHES = {"book": r"\bbook\b|new appointment|make an appointment", "reschedule": r"\bmove\b|reschedule|change",
          "cancel": r"\bcancel", "confirm": r"\bcheck\b|confirm", "message": r"leave a message|message",
          "faq": r"ask a question|question", "emergency": r"urgent|emergency", "human": r"speak to|talk to|someone",
          "goodbye": r"end the call|hang up"}


def said_weekday(lowered: str, today: date) -> int | None:
    """The weekday a sentence names ('tomorrow' and 'today' count), or None."""
    for index, name in enumerate(WEEKDAYS):
        if re.search(rf"\b{name}\b", lowered):
            return index
    if re.search(r"\btomorrow\b", lowered):
        return (today + timedelta(days=1)).weekday()
    if re.search(r"\btoday\b", lowered):
        return today.weekday()
    return None


def offered_days(text: str, today: date) -> list[tuple[int | None, str]]:
    """An offer cut where each day is named: (weekday or None, the words about it)."""
    starts = [m.start() for m in re.finditer(DAY_NAMED, text.lower())]
    cuts = [0, *starts[1:], len(text)] if starts else [0, len(text)]
    return [(said_weekday(text[a:b].lower(), today), text[a:b]) for a, b in zip(cuts, cuts[1:], strict=False)]


def said_part(lowered: str) -> str | None:
    """morning | afternoon (evening and noon count as afternoon), or None."""
    morning = re.search(r"in the morning|\b\d{1,2}(:\d\d)? ?a\.?m\b", lowered)
    afternoon = re.search(r"in the afternoon|in the evening|\bnoon\b|\b\d{1,2}(:\d\d)? ?p\.?m\b", lowered)
    if morning and not afternoon:
        return "morning"
    if afternoon and not morning:
        return "afternoon"
    return None


def pick_offered(text: str, part: str | None) -> str | None:
    """The first time offered in `text` that falls in `part` of the day, as said ('2:30')."""
    offers = re.findall(r"\b(\d{1,2}(?::\d\d)?)\b(?: (in the (?:morning|afternoon|evening)))?|(12 noon)", text.lower())
    times: list[tuple[str, str | None]] = []
    for clock, when, noon in offers:
        if noon:
            times.append(("12", "afternoon"))
        elif clock:
            hour = int(clock.split(":")[0])
            guess = "morning" if 7 <= hour <= 11 else "afternoon"
            times.append((clock, said_part(when) if when else guess))
    for clock, when in times:
        if part is None or when == part:
            return clock
    return None
