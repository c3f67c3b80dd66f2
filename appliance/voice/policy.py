"""The conversation policy interface, and the small FAQ policy the call loop starts with.

A policy turns what the caller said into a `Reply`: text pieces to speak (streamed, perhaps
from the LLM) and an optional action (hang up, transfer). The dialogue of the appliance
implements the same interface with booking and handover on top.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from appliance.config import ClinicConfig
from appliance.models.protocols import ChatMessage

BUILTIN_TOPICS = {
    "hours": ("open", "opening", "hours", "close", "closing", "when"),
    "address": ("where", "address", "located", "location", "find"),
    "parking": ("parking", "park", "car"),
    "insurance": ("insurance", "insured", "cover", "coverage", "plan"),
}
GOODBYE = ("bye", "goodbye", "that's all", "that is all", "nothing else")
HUMAN = ("person", "human", "someone", "receptionist", "staff", "operator", "representative", "real")


@dataclass(frozen=True)
class Action:
    """Something to do once the reply has been spoken."""

    kind: str  # hangup | transfer
    reason: str = ""
    summary: str = ""  # for a transfer: who, verified or not, what they want, what was done
    after_hours: bool = False  # for a transfer: to the on-call number, not the front desk


@dataclass
class Reply:
    """Text to speak, produced piece by piece, then an optional action."""

    pieces: Iterator[str]
    action: Action | None = None
    uses_llm: bool = False
    close: object = field(default=None, repr=False)  # callable that stops an LLM reply early

    @classmethod
    def say(cls, text: str, action: Action | None = None) -> Reply:
        """A fixed reply."""
        return cls(iter([text]), action)


class Policy(Protocol):
    """What the agent says and does at each point of a call."""

    def greeting(self, caller_number: str) -> Reply: ...

    def respond(self, text: str, confidence: float) -> Reply: ...

    def silence(self, count: int, final: bool) -> Reply: ...

    def dtmf(self, digit: str) -> Reply | None: ...

    def transfer_failed(self) -> Reply: ...

    def bind_call(self, record_id: int) -> None: ...

    def handover(self, reason: str) -> str: ...

    def outcome(self) -> str | None: ...

    def close(self) -> None: ...


def sounds_like(word: str, key: str) -> bool:
    """Equal, or for longer words one letter off: speech recognition hears "barking" for "parking"."""
    if word == key:
        return True
    if len(key) < 6 or abs(len(word) - len(key)) > 1:
        return False
    if len(word) == len(key):
        return sum(a != b for a, b in zip(word, key, strict=True)) == 1
    short, long_ = sorted((word, key), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def clinic_prompt(clinic: ClinicConfig) -> str:
    """System prompt with the clinic's facts, for free-form questions."""
    facts = [f"Address: {clinic.address}" if clinic.address else "",
             f"Opening hours: {clinic.hours}" if clinic.hours else "",
             f"Parking: {clinic.parking}" if clinic.parking else "",
             f"Insurance: {clinic.insurance}" if clinic.insurance else ""]
    facts += [f"{topic}: {answer}" for topic, answer in clinic.faq.items()]
    return (f"You answer the phone for {clinic.name}. Facts:\n" + "\n".join(f for f in facts if f)
            + "\nReply in one or two short spoken sentences. No lists, no markdown. Never give "
              "medical advice. If the facts do not answer the question, offer to take a message.")


class FaqPolicy:
    """Answers the clinic's common questions from its profile; anything else goes to the LLM."""

    def __init__(self, clinic: ClinicConfig, llm=None, on_silence: str = "hangup") -> None:  # noqa: ANN001
        self.clinic = clinic
        self.llm = llm
        self.on_silence = on_silence
        self.system = clinic_prompt(clinic)
        self.topics: dict[str, tuple[tuple[str, ...], str]] = {}
        for topic, words in BUILTIN_TOPICS.items():
            answer = getattr(clinic, topic)
            if answer:
                self.topics[topic] = (words, answer)
        for key, answer in clinic.faq.items():
            self.topics[key] = (tuple(w for w in re.split(r"[\s|,]+", key.lower()) if w), answer)

    def greeting(self, caller_number: str) -> Reply:
        """The first words on answer."""
        return Reply.say(self.clinic.greeting.format(name=self.clinic.name))

    def respond(self, text: str, confidence: float) -> Reply:
        """The reply to one caller turn."""
        words = set(re.findall(r"[a-z']+", text.lower()))
        lowered = text.lower()
        if not words:
            return Reply.say("Sorry, I didn't catch that. Could you say it again?")
        if any(p in lowered for p in GOODBYE if " " in p) or words & {p for p in GOODBYE if " " not in p}:
            return Reply.say(f"Thank you for calling {self.clinic.name}. Goodbye!", Action("hangup", "goodbye"))
        if words & set(HUMAN):
            return Reply.say("Of course, let me put you through to the front desk.",
                             Action("transfer", "caller asked for a person"))
        best = self.answer(text)
        if best is not None:
            return Reply.say(best)
        if self.llm is None:
            return Reply.say("I'm sorry, I can't help with that. Can I take a message for the team?")
        reply = self.llm.chat([ChatMessage("system", self.system), ChatMessage("user", text)], max_tokens=60)
        return Reply(iter(reply), uses_llm=True, close=reply.close)

    def answer(self, text: str) -> str | None:
        """The clinic's answer to the topic `text` matches best (key words, tolerant of one
        misheard letter), or None."""
        words = set(re.findall(r"[a-z']+", text.lower()))
        best, hits = None, 0
        for keys, answer in self.topics.values():
            score = sum(1 for key in keys if any(sounds_like(word, key) for word in words))
            if score > hits:
                best, hits = answer, score
        return best

    def silence(self, count: int, final: bool) -> Reply:
        """When the caller says nothing."""
        if not final:
            return Reply.say("Are you still there? How can I help you?")
        if self.on_silence == "transfer":
            return Reply.say("I can't hear you, so let me put you through to the front desk.",
                             Action("transfer", "no input from the caller"))
        return Reply.say("I can't hear anything, so I'll end the call now. Please call again. Goodbye.",
                         Action("hangup", "no input"))

    def dtmf(self, digit: str) -> Reply | None:
        """A key press: 0 reaches the front desk from anywhere."""
        if digit == "0":
            return Reply.say("Putting you through to the front desk.", Action("transfer", "caller pressed 0"))
        return None

    def transfer_failed(self) -> Reply:
        """Nobody took the handover."""
        return Reply.say("I'm sorry, nobody at the front desk could take your call just now. How else can I help?")

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
