"""The clinic's common questions answered from its profile (key words, tolerant of one
misheard letter)."""

from __future__ import annotations

import re
from collections.abc import Callable

from rapidfuzz.distance import Levenshtein

from appliance.config import ClinicConfig
from appliance.dialogue import wording
from appliance.dialogue.reply import NO_INPUT, Action, Reply
from appliance.dialogue.unfinished import trails_off

BUILTIN_TOPICS = {
    "hours": ("open", "opening", "hours", "close", "closing", "when"),
    "address": ("where", "address", "located", "location", "find"),
    "parking": ("parking", "park", "car"),
    "insurance": ("insurance", "insured", "cover", "coverage", "plan"),
}
# key words said as often outside a question ("I am in my car", "when I came in"): counted in a question only
WEAK = frozenset({"when", "where", "find", "car", "cover", "plan"})
QUESTION = re.compile(r"\?\s*$|^\W*(?:(?:hi|hello|hey|um|uh|so|and|oh|yes|yeah|ok|okay|sorry)\W+)*"
                      r"(?:what|when|where|how|which|who|do|does|did|is|are|was|can|could|will|would|may|have|has)\b")
ENDINGS = ("ed", "ing")  # a key word as said in a sentence ("opened"; not "card" for "car")
GOODBYE = ("bye", "goodbye", "that's all", "that is all", "nothing else")
HUMAN = ("person", "human", "someone", "receptionist", "staff", "operator", "representative", "real")


def sounds_like(word: str, key: str) -> bool:
    """Equal, the key with an ending ("opened", "parked"), or for longer words one
    letter off: speech recognition hears "barking" for "parking"."""
    if word == key or word in (key + ending for ending in ENDINGS):
        return True
    return len(key) >= 6 and Levenshtein.distance(word, key) == 1


class FaqPolicy:
    """Answers the clinic's common questions from its profile; a policy of its own for the simplest line."""

    def __init__(self, clinic: ClinicConfig, on_silence: str = "hangup") -> None:
        self.clinic = clinic
        self.on_silence = on_silence  # after the last reprompt: hangup | transfer
        self.topics: dict[str, tuple[tuple[str, ...], str]] = {}
        for topic, words in BUILTIN_TOPICS.items():
            answer = getattr(clinic, topic)
            if answer:
                self.topics[topic] = (words, answer)
        for key, answer in clinic.faq.items():
            self.topics[key] = (tuple(w for w in re.split(r"[\s|,]+", key.lower()) if w), answer)

    def greeting(self, caller_number: str) -> Reply:
        """The first words on answer."""
        return Reply.say(wording.greeting(self.clinic))

    def respond(self, text: str, confidence: float, alternative: bool = False) -> Reply:
        """The reply to one caller turn."""
        words = set(re.findall(r"[a-z']+", text.lower()))
        lowered = text.lower()
        if not words:
            return Reply.say(wording.DID_NOT_CATCH)
        if any(p in lowered for p in GOODBYE if " " in p) or words & {p for p in GOODBYE if " " not in p}:
            return Reply.say(wording.GOODBYE.format(clinic=self.clinic.name), Action("hangup", "goodbye"))
        if words & set(HUMAN):
            return Reply.say(wording.FAQ_PUT_THROUGH, Action("transfer", "caller asked for a person"))
        best = self.answer(text)
        if best is not None:
            return Reply.say(best)
        return Reply.say(wording.FAQ_CANNOT_HELP)

    def hint(self) -> str:
        """The clinic's name, for the recogniser."""
        return self.clinic.name

    def spelled(self) -> None:
        """Nothing is spelled here."""
        return None

    def expected(self) -> None:
        """No kind of answer is asked for here."""
        return None

    def unfinished(self, text: str) -> bool:
        """`text` stops mid-phrase (see `unfinished`)."""
        return trails_off(text)

    def answered(self, text: str) -> bool:
        """A question is no answer: the silence and the end-of-turn model decide."""
        return False

    def prepare(self, text: str, stale: Callable[[], bool]) -> None:
        """Nothing to read ahead: the questions' answers are found by key words at once."""

    def answer(self, text: str) -> str | None:
        """The clinic's answer to the topic `text` matches best (key words, tolerant of one
        misheard letter; the `WEAK` ones only in a question), or None."""
        words = set(re.findall(r"[a-z']+", text.lower()))
        asked = QUESTION.search(text.lower()) is not None
        best, hits = None, 0
        for keys, answer in self.topics.values():
            counted = [key for key in keys if asked or key not in WEAK]
            score = sum(1 for key in counted if any(sounds_like(word, key) for word in words))
            if score > hits:
                best, hits = answer, score
        return best

    def take_back(self) -> bool:
        """An answer keeps nothing here: the turn the caller went on with is answered whole."""
        return True

    def silence(self, count: int, final: bool) -> Reply:
        """When the caller says nothing."""
        if not final:
            return Reply.say(wording.STILL_THERE)
        if self.on_silence == "transfer":
            return Reply.say(wording.SILENT_TRANSFER, Action("transfer", NO_INPUT))
        return Reply.say(wording.SILENT_HANGUP, Action("hangup", NO_INPUT))

    def takes_digits(self) -> bool:
        """Keys are single choices here."""
        return False

    def dtmf(self, digit: str) -> Reply | None:
        """A key press: 0 reaches the front desk from anywhere."""
        if digit == "0":
            return Reply.say(wording.KEY_PUT_THROUGH, Action("transfer", "caller pressed 0"))
        return None

    def transfer_failed(self) -> Reply:
        """Nobody took the handover."""
        return Reply.say(wording.FAQ_NOBODY_ANSWERED)

    def bind_call(self, record_id: int) -> None:
        """This policy keeps no per-call records."""

    def handover(self, reason: str) -> str:
        """The summary for staff when the front desk takes the call over."""
        return f"Caller asked a general question. Handover: {reason}."

    def outcome(self) -> str | None:
        """Questions only: nothing booked or left."""
        return None

    def close(self) -> None:
        """Nothing to release."""
