"""Read what the caller said: intent by rules (the LLM only when rules find nothing), yes/no,
names (also spelled out), dates of birth, services and providers (pure but for the LLM call)."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import date

from appliance.dialogue.spoken import MONTHS, words_to_digits
from appliance.errors import EngineError
from appliance.models.protocols import ChatMessage

log = logging.getLogger(__name__)

INTENTS = ("book", "reschedule", "cancel", "confirm", "faq", "message", "human", "emergency",
           "wrong_number", "goodbye", "unknown")
RULES: list[tuple[str, str]] = [
    ("emergency", r"\b(emergency|bleeding (a lot|heavily|won't stop)|can't breathe|cannot breathe|"
                  r"chest pain|unconscious|knocked out|swollen shut|severe pain|accident)\b"),
    ("human", r"\b(real person|human|receptionist|someone (at|from) the (front )?desk|speak to (someone|"
              r"a person|somebody)|talk to (someone|a person|somebody)|operator|representative|manager)\b"),
    ("wrong_number", r"\b(wrong number|misdialed|dialed the wrong)\b"),
    ("reschedule", r"\b(reschedule|move my|change my (appointment|booking)|move (it|the appointment)|"
                   r"different (day|time)|another (day|time))\b"),
    ("cancel", r"\b(cancel|call off|can't make it|cannot make it|won't make it)\b"),
    ("confirm", r"\b(confirm|check (my|on my) appointment|when is my appointment|do i have an appointment|"
                r"what time is my)\b"),
    ("message", r"\b(leave a message|take a message|call me back|callback|call back|message for)\b"),
    ("book", r"\b(book|make an appointment|schedule|appointment|check[ -]?up|cleaning|filling|see (the )?"
             r"(doctor|dentist)|come in)\b"),
    ("goodbye", r"\b(bye|goodbye|that's all|that is all|nothing else|no thanks?( you)?$)\b"),
]
YES = r"\b(yes|yeah|yep|yup|correct|right|sure|okay|ok|please do|that works|sounds good|perfect|great|fine)\b"
NO = r"\b(no|nope|not really|wrong|incorrect|neither|none of)\b"
ANGRY = r"\b(ridiculous|useless|stupid|terrible|furious|angry|fed up|waste of time|unacceptable)\b"
LLM_TEXT_CHARS = 600  # a 30 s turn is ~80 words; more only slows the classifier (or overflows its context)
INTENT_SYSTEM_PROMPT = (
    "Classify a caller's request to a dental clinic's front desk. book: make an appointment; "
    "reschedule: move one; cancel: cancel one; confirm: ask about an existing one; faq: opening "
    "hours, address, parking, prices, insurance or services; message: leave a message or ask for "
    "a call back; human: wants a person; emergency: urgent medical problem; wrong_number; goodbye; "
    "unknown: none of these.")
INTENT_SCHEMA = {"type": "object", "properties": {"intent": {"type": "string", "enum": list(INTENTS)}},
                 "required": ["intent"]}


def rule_intent(text: str) -> str | None:
    """The first intent whose rule matches, or None."""
    lowered = text.lower()
    for intent, pattern in RULES:
        if re.search(pattern, lowered):
            return intent
    return None


def llm_intent(llm, text: str) -> str:  # noqa: ANN001 - any LlmEngine
    """Ask the LLM to classify, constrained to the intent list; 'unknown' when it cannot."""
    if len(text) > LLM_TEXT_CHARS:
        log.info("caller turn of %d characters cut to %d for the intent classifier", len(text), LLM_TEXT_CHARS)
        text = text[:LLM_TEXT_CHARS]
    try:
        value = llm.chat_json([ChatMessage("system", INTENT_SYSTEM_PROMPT), ChatMessage("user", text)],
                              INTENT_SCHEMA, max_tokens=16, time_budget_s=3.0)
    except EngineError as exc:  # the model ran out of time or wrote no JSON: the policy asks again
        log.warning("LLM intent classification failed: %s", exc)
        return "unknown"
    except Exception:  # noqa: BLE001 - anything else is a bug, but the call goes on
        log.exception("LLM intent classification failed")
        return "unknown"
    if not isinstance(value, dict):
        return "unknown"
    intent = value.get("intent", "unknown")
    return intent if intent in INTENTS else "unknown"


def yes_or_no(text: str) -> bool | None:
    """True for a yes, False for a no, None for neither (or both)."""
    lowered = text.lower()
    yes, no = re.search(YES, lowered) is not None, re.search(NO, lowered) is not None
    if yes and no:
        return None if not re.match(r"\s*(no|nope)\b", lowered) else False
    return True if yes else False if no else None


def sounds_angry(text: str) -> bool:
    """Words that say the caller is upset."""
    return re.search(ANGRY, text.lower()) is not None


def extract_name(text: str) -> str | None:
    """'my name is maria lopez' -> 'Maria Lopez'; spelled letters ('L O P E Z') are joined."""
    lowered = text.lower().strip()
    match = re.search(r"\b(?:my name is|my name's|name is|this is|it's|it is|i am|i'm)\s+(.+)", lowered)
    candidate = match.group(1) if match else (lowered if len(lowered.split()) <= 4 else "")
    candidate = re.split(r"\b(and|my date|date of birth|born|calling|,|\.)\b", candidate)[0]
    candidate = re.sub(r"\b([a-z])[\s\-.]+(?=[a-z]\b)", r"\1", candidate)  # l o p e z -> lopez
    words = [w for w in re.findall(r"[a-z']+", candidate) if w not in ("spelled", "that's", "is", "the")]
    if not words or len(words) > 4 or any(w in ("yes", "no", "book", "appointment") for w in words):
        return None
    return " ".join(w.capitalize() for w in words)


def extract_dob(text: str, day_first: bool = False) -> str | None:
    """A date of birth as ISO: 'may 3rd 1980', 'the 3rd of may 1980', '5/3/1980', '1980-05-03'."""
    t = words_to_digits(text)
    months = "|".join(MONTHS)
    patterns = [
        (rf"\b({months}) (\d{{1,2}})(?:st|nd|rd|th)?,? (\d{{4}})\b", lambda m: (m[3], MONTHS.index(m[1]) + 1, m[2])),
        (rf"\b(\d{{1,2}})(?:st|nd|rd|th)? (?:of )?({months}),? (\d{{4}})\b",
         lambda m: (m[3], MONTHS.index(m[2]) + 1, m[1])),
        (r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", lambda m: (m[1], m[2], m[3])),
        (r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b",
         lambda m: (m[3], m[2], m[1]) if day_first else (m[3], m[1], m[2])),
    ]
    for pattern, read in patterns:
        match = re.search(pattern, t) or re.search(pattern, text.lower())
        if match:
            year, month, day = (int(x) for x in read(match))
            try:
                born = date(year, month, day)
            except ValueError:
                return None
            return born.isoformat() if 1900 <= born.year and born <= date.today() else None
    return None


def pick_by_name(text: str, options: Sequence[str]) -> int | None:
    """Index of the option (a service or provider name) the caller mentioned."""
    lowered = text.lower()
    for index, option in enumerate(options):
        words = [w for w in re.findall(r"[a-z]+", option.lower()) if len(w) > 2 and w not in ("dr",)]
        if words and all(w in lowered for w in words[-1:]):
            return index
    return None
