"""The small language model reads what the rules could not: a caller's request, name or date
of birth from a noisy transcript, in the context of the question just asked. Its output is
constrained to a JSON schema; the dialogue checks every reading with the caller before using it.

Every reading has the same system prompt, and the question is only its asking sentence ("How
can I help you today?", not the whole greeting): the model's cache keeps the system prompt
whichever reading, or call, came before, and the prompt left to read is short. Measured on 80
readings of the conversation benchmark's heard turns (five runs, interleaved as calls at once
interleave them, 2 cores): requests read right 43 -> 44 of 67, read within the dialogue's 3 s
budget 24 -> 38, median 2.8 -> 1.7 s (a system prompt per kind of reading and the whole last
reply as the question before)."""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from datetime import date
from typing import Any

from appliance.errors import EngineError
from appliance.models.protocols import ChatMessage, LlmEngine

log = logging.getLogger(__name__)

INTENTS = ("book", "reschedule", "cancel", "confirm", "faq", "message", "human", "emergency",
           "wrong_number", "goodbye", "unknown")
REMEMBERED = 8  # readings kept per call
LLM_TEXT_CHARS = 600  # a 30 s turn is ~80 words; more only slows the model (or overflows its context)
SYSTEM_PROMPT = (
    "Classify a caller's request to a dental clinic's front desk. book: make an appointment; "
    "reschedule: move one; cancel: cancel one; confirm: ask about an existing one; faq: opening "
    "hours, address, parking, prices, insurance or services; message: leave a message or ask for "
    "a call back; human: wants a person; emergency: urgent medical problem; wrong_number; goodbye; "
    "unknown: none of these. Asked to read a name or a date of birth instead, read it from the "
    "caller's words, which come from speech recognition and may be misheard; null if it is not there.")
INTENT_TASK = "Classify the request."
NAME_TASK = "Read the caller's first and last name."
DOB_TASK = "Read the caller's date of birth."
INTENT_SCHEMA = {"type": "object", "properties": {"intent": {"type": "string", "enum": list(INTENTS)}},
                 "required": ["intent"]}
NAME_SCHEMA = {"type": "object", "properties": {"name": {"anyOf": [
    {"type": "string", "maxLength": 40}, {"type": "null"}]}}, "required": ["name"]}
DOB_SCHEMA = {"type": "object", "properties": {"date_of_birth": {"anyOf": [
    {"type": "string", "format": "date"}, {"type": "null"}]}}, "required": ["date_of_birth"]}  # short: ~14 tokens


class Reader:
    """Readings by the language model (None without one, or when it fails or finds nothing).

    The last few readings are remembered: one made ahead, at a pause of the caller's (see
    `Dialogue.prepare`, on a worker of its own), is there at once when the turn it read is
    answered, and a turn answered while it is still being made waits for it rather than read
    the same words again."""

    def __init__(self, llm: LlmEngine | None, budget_s: float = 3.0) -> None:
        self.llm = llm
        self.budget_s = budget_s
        self._read: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
        self._reading: dict[tuple[str, str], Future] = {}  # readings in progress, by what they read
        self._lock = threading.Lock()

    def intent(self, text: str, question: str = "", known: str = "", stop: Callable[[], bool] | None = None) -> str:
        """One of INTENTS for the caller's words ('unknown' when the model cannot tell); `known`:
        what the call has established so far; the reading is dropped once `stop()` is true."""
        value = self._ask(INTENT_TASK, text, question, INTENT_SCHEMA, 16, known, stop)
        intent = value.get("intent", "unknown") if value else "unknown"
        return intent if intent in INTENTS else "unknown"

    def name(self, text: str, question: str) -> str | None:
        """'First Last', when the answer holds a plausible name."""
        value = self._ask(NAME_TASK, text, question, NAME_SCHEMA, 24)
        parts = str((value or {}).get("name") or "").split()
        if not 2 <= len(parts) <= 4 or not all(p.replace("'", "").replace("-", "").isalpha() for p in parts):
            return None
        return " ".join(p[:1].upper() + p[1:] for p in parts)

    def date_of_birth(self, text: str, question: str, today: date) -> date | None:
        """A plausible date of birth, when the answer holds one."""
        value = self._ask(DOB_TASK, text, question, DOB_SCHEMA, 24)
        try:
            born = date.fromisoformat(str((value or {}).get("date_of_birth") or ""))
        except ValueError:
            return None
        return born if today.year - 120 <= born.year and born < today else None

    def _ask(self, task: str, text: str, question: str, schema: dict, max_tokens: int,
             known: str = "", stop: Callable[[], bool] | None = None) -> dict[str, Any] | None:
        if self.llm is None:
            return None
        if len(text) > LLM_TEXT_CHARS:
            log.info("caller turn of %d characters cut to %d for the model", len(text), LLM_TEXT_CHARS)
            text = text[:LLM_TEXT_CHARS]
        question = asking(question)
        said = f'The receptionist asked: "{question}"\nThe caller said: "{text}"' if question else text
        if known:
            said = f"Known so far: {known}\n{said}"
        said = f"{task}\n{said}"
        key = (task, said)
        with self._lock:
            if key in self._read:
                return self._read[key]
            if stop is not None and stop():
                return None
            ahead, mine = self._reading.get(key), Future()
            if ahead is None:
                self._reading[key] = mine
        if ahead is not None:  # read ahead and not in yet: its result, unless it stopped or failed
            try:
                value = ahead.result(timeout=self.budget_s)
            except TimeoutError:
                return None
            if value is not None or (stop is not None and stop()):
                return value
            return self._ask(task, text, question, schema, max_tokens, known, stop)
        value = None
        try:
            value = self._model_reading(said, schema, max_tokens, stop)
        finally:
            with self._lock:
                if value is not None:  # a reading that failed (out of time) is tried again when asked again
                    self._read[key] = value
                    while len(self._read) > REMEMBERED:
                        self._read.popitem(last=False)
                del self._reading[key]
            mine.set_result(value)
        return value

    def _model_reading(self, said: str, schema: dict, max_tokens: int,
                       stop: Callable[[], bool] | None) -> dict[str, Any] | None:
        try:
            value = self.llm.chat_json([ChatMessage("system", SYSTEM_PROMPT), ChatMessage("user", said)], schema,
                                       max_tokens=max_tokens, time_budget_s=self.budget_s, stop=stop)
        except EngineError as exc:  # out of time or no JSON: the dialogue asks again
            if stop is None or not stop():
                log.warning("the model could not read the caller's words: %s", exc)
            return None
        except Exception:  # noqa: BLE001 - anything else is a bug, but the call goes on
            log.exception("the model could not read the caller's words")
            return None
        return value if isinstance(value, dict) else None


def asking(question: str) -> str:
    """The sentence of the agent's last words that asks (the last with a question mark, else the
    last): the rest only slows the model."""
    sentences = [s for s in re.split(r"(?<=[.?!])\s+", question.strip()) if s]
    return ([s for s in sentences if "?" in s] or sentences or [""])[-1]
