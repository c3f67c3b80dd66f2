"""A new patient's name put right at the read-back: "So that's Tuesday at 2 pm for a check-up,
for Ema Devier. Shall I go ahead?" "No, the name is Emma Davies. E M M A." A caller who hears
their name wrong says so there, often with the letters; the read-back took it for a no to the
time and asked for another. Now the record registered on this call takes the name as said again,
weighed with any letters, and the booking is read back with it; a no that gives nothing to read
asks for the name.
"""

from __future__ import annotations

import re

from appliance.dialogue import wording
from appliance.dialogue.call import Call
from appliance.dialogue.escalation import Escalation
from appliance.dialogue.name_spelling import SPELLED_NEAR, best_spelling, letters_of, spelling_cost
from appliance.dialogue.reply import Reply
from appliance.dialogue.spelling import spelled_word
from appliance.dialogue.state import Step
from appliance.dialogue.understand import extract_name, full_name_in, yes_or_no
from appliance.dialogue.when import parse_when

NAME_WORDS = re.compile(r"\b(?:name|spell(?:ed|t)?|surname)\b", re.IGNORECASE)
CLAUSES = re.compile(r"[.,;!?]\s+")


class NameFix:
    """Corrects the name of the patient registered on this call, at the booking's read-back."""

    def __init__(self, call: Call, escalation: Escalation) -> None:
        self.call = call
        self.escalation = escalation

    def refused(self, text: str) -> bool:
        """Whether `text`, the answer to the read-back, says the name read is wrong: not a yes,
        and the word "name", or a name or letters where no day or time is said."""
        s = self.call.state
        if not s.registered or s.chosen is None or yes_or_no(text) is True:
            return False
        if NAME_WORDS.search(text):
            return True
        named = full_name_in(text) is not None or spelled_word(text) is not None
        return named and parse_when(text, self.call.local_now()) is None

    def take(self, text: str) -> Reply | None:
        """The name said (and spelled) again: the record renamed, None (read the booking back);
        nothing new to read: ask for the name, a miss."""
        s = self.call.state
        said = full_name_in(text) or extract_name(text)
        name = fixed_name(s.caller_name, said, spellings(text))
        if letters_of(name) == letters_of(s.caller_name):
            return self.escalation.not_understood(wording.NAME_FIX, Step.NAME_FIX)
        s.contact = self.call.records.rename_contact(s.contact, name)
        s.name, s.not_understood = name, 0
        s.done.append(f"corrected the new patient's name to {name}")
        return None


def spellings(text: str) -> list[str]:
    """The words spelled in `text`, each sentence or clause its own ("E-M-M-A. D-A-V-I-E-S."),
    or the one spelled across them ("K. H. A. N.")."""
    apart = [word for piece in CLAUSES.split(text) if (word := spelled_word(piece)) is not None]
    whole = spelled_word(text)
    return apart or ([whole] if whole else [])


def fixed_name(refused: str, said: str | None, spelled: list[str]) -> str:
    """The name after a no to `refused` (first and last): each part `said` replaces its own; each
    word `spelled` (one: the part it is nearest; two, or one run as long as both: first and last)
    replaces its part unless it is nearly the word said for it ("Emma" said, "E M A" heard), or
    weighs with it (`best_spelling`); the part refused is no hearing of the name, and a reading
    that comes back to it keeps the words said."""
    parts = refused.split() or [""]
    old = [parts[0], " ".join(parts[1:])]
    heard = ["", ""]  # the words said again for each part
    words = said.split() if said else []
    if len(words) >= 2:
        heard = [words[0], " ".join(words[1:])]
    elif words:
        heard[_nearest(old, words[0])] = words[0]
    new = [h or o for h, o in zip(heard, old, strict=True)]
    if len(spelled) == 1 and all(new) and len(letters_of(spelled[0])) >= len(letters_of(" ".join(new))) - 2:
        spelled = _cut(spelled[0], new)  # both spelled without a break: "M-E-G-A-N-H-O-L-L-O-W-A-Y"
    in_order = [(0, spelled[0]), (1, spelled[-1])] if len(spelled) >= 2 else [(_nearest(new, w), w) for w in spelled]
    for index, word in in_order:
        if heard[index] and spelling_cost(heard[index], word) <= SPELLED_NEAR:
            continue  # letters nearly the word said: the word
        unlike_refused = heard[index] if letters_of(heard[index]) != letters_of(old[index]) else ""
        respelled = best_spelling(unlike_refused, word, first=index == 0)
        if letters_of(respelled) != letters_of(old[index]):
            new[index] = respelled
    return " ".join(part for part in new if part)


def _cut(run: str, parts: list[str]) -> list[str]:
    """One run of letters cut into first and last name where each half is most like its part."""
    letters = letters_of(run)
    cut = min(range(2, len(letters) - 1), key=lambda k: spelling_cost(parts[0], letters[:k])
              + spelling_cost(parts[1], letters[k:]))
    return [letters[:cut].capitalize(), letters[cut:].capitalize()]


def _nearest(parts: list[str], word: str) -> int:
    """Which of first and last name `word` is most alike (the last on a tie: callers spell it)."""
    return min((1, 0), key=lambda i: spelling_cost(parts[i], word) if parts[i] else 1.0)
