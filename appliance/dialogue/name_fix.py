"""A new patient's name put right at the read-back: "So that's Tuesday at 2 pm for a check-up,
for Ema Devier. Shall I go ahead?" "No, the name is Emma Davies. E M M A." A caller who hears
their name wrong says so there, often with the letters; the read-back took it for a no to the
time and asked for another ("Yes, but the name is..." booked under the name read). Now the record
registered on this call takes the name as said again, weighed with any letters, and the booking
is read back with it; a no that gives nothing to read asks for the name.
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
from appliance.dialogue.understand import TURNED_DOWN, for_someone_else, full_name_in, objection, pick_by_name
from appliance.dialogue.when import parse_when

NAME_WORDS = re.compile(r"\b(?:name|spell(?:ed|t)?|surname)\b", re.IGNORECASE)
NAME_RIGHT = re.compile(r"\bname(?:'s| is)? (?:right|correct|fine|ok(?:ay)?)\b", re.IGNORECASE)
CLAUSES = re.compile(r"[.;!?]\s+|(?<!apostrophe),\s+(?!apostrophe\b)", re.IGNORECASE)  # "O, apostrophe, N E I L L": one


class NameFix:
    """Corrects the name of the patient registered on this call, at the booking's read-back."""

    def __init__(self, call: Call, escalation: Escalation) -> None:
        self.call = call
        self.escalation = escalation

    def refused(self, text: str) -> bool:
        """Whether `text`, the answer to the read-back, says the name read is wrong: not a yes
        (but for what follows its "but"), nothing turned down, no dentist asked for, nobody else
        it is for, and the name called wrong, or (no other day or time said) a name or letters."""
        s = self.call.state
        said = objection(text)
        if not s.registered or s.chosen is None or not said or for_someone_else(text) or NAME_RIGHT.search(said):
            return False
        if NAME_WORDS.search(said):  # "the first name is Bob": no first of the month; "my surname is Patel"
            return True
        dentists = [p.name for p in self.call.records.providers()]
        if TURNED_DOWN.search(said.lower()) or pick_by_name(said, dentists) is not None:
            return False  # "Can I see Dr. Okafor instead?"
        return parse_when(said, self.call.local_now()) is None and (
            full_name_in(said) is not None or bool(spellings(said)))

    def take(self, text: str) -> Reply | None:
        """The name said (first and last) or spelled again: the record renamed, or the caller's
        own record if the name and date of birth find one; None (read the booking back, as it is
        after a yes). Nothing to read asks for the name (a miss the second time); the name said
        again as it was heard before asks for the last name spelled."""
        s = self.call.state
        text = objection(text)
        if not text:  # "never mind, it's fine": read back as it is
            return None
        said = full_name_in(text)
        name = fixed_name(s.caller_name, said, spellings(text))
        if letters_of(name) == letters_of(s.caller_name):
            if s.step not in (Step.NAME_FIX, Step.NAME_FIX_SPELL):
                s.not_understood = 0
                return self.call.ask(Step.NAME_FIX, wording.NAME_FIX)
            if s.step == Step.NAME_FIX and said is not None:  # said again, heard as before: it is spelled
                return self.escalation.not_understood(wording.NAME_FIX_SPELL.format(name=s.caller_name),
                                                      Step.NAME_FIX_SPELL)
            return self.escalation.not_understood(wording.NAME_FIX)
        on_file = self.call.records.find_contact(name, s.date_of_birth or "")
        if on_file is not None and on_file.id != s.contact.id:  # registered anew under a misheard name
            s.contact, s.registered = on_file, False
            s.done.append(f"found on file as {on_file.name} (the record registered on this call is spare)")
        else:
            s.contact = self.call.records.rename_contact(s.contact, name)
            s.done.append(f"corrected the new patient's name to {name}")
        s.name, s.not_understood = s.contact.name, 0
        return None


def spellings(text: str) -> list[str]:
    """The words spelled in `text`, each sentence or clause its own ("E-M-M-A. D-A-V-I-E-S."),
    or the one spelled across them ("K. H. A. N.")."""
    apart = [word for piece in CLAUSES.split(text) if (word := _spelled(piece)) is not None]
    whole = _spelled(text)
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


def _spelled(text: str) -> str | None:
    """A word spelled, not the letters of a time of day ("P M")."""
    word = spelled_word(text)
    return None if word is None or word.lower() in ("am", "pm") else word


def _cut(run: str, parts: list[str]) -> list[str]:
    """One run of letters cut into first and last name where each half is most like its part."""
    letters = letters_of(run)
    cut = min(range(2, len(letters) - 1), key=lambda k: spelling_cost(parts[0], letters[:k])
              + spelling_cost(parts[1], letters[k:]))
    return [letters[:cut].capitalize(), letters[cut:].capitalize()]


def _nearest(parts: list[str], word: str) -> int:
    """Which of first and last name `word` is most alike (the last on a tie: callers spell it)."""
    return min((1, 0), key=lambda i: spelling_cost(parts[i], word) if parts[i] else 1.0)
