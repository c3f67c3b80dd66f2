"""What the recogniser is told to expect at each step of a call (Whisper's prompt).

Measured on the conversation benchmark's noisy telephone audio (word error rate of the caller
turns by the question they answer): the forms of what is asked help most (weekday names where
a day is asked: 50% -> 5%; a spelled example where a spelling is asked: 71% -> 36%); the
agent's own last words hurt (Whisper copies them: "Thank you, I've passed your message on"
heard for "Thanks, that's all. Bye."), and so do doctors' names where nobody says one ("Dr.
Okafor." heard for "A cleaning."). So the prompt is the clinic's name and the forms of the
answer expected; the clinic's services and doctors only where the caller says what they want.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from appliance.dialogue.state import Step

DAYS = "Monday, Tuesday, Wednesday, Thursday, Friday, Saturday; morning, afternoon."
DATE_OF_BIRTH = "date of birth, January 1st, 1980."
SPELLED = "spelled S-M-I-T-H."
NAME = "first and last name."
FORMS = {Step.WHEN: DAYS, Step.CHOOSE: DAYS, Step.DOB: DATE_OF_BIRTH, Step.SPELL: SPELLED,
         Step.SPELL_FIRST: SPELLED, Step.SPELL_NAME: SPELLED, Step.NAME: NAME, Step.MESSAGE_NAME: NAME,
         Step.MESSAGE_SPELL: SPELLED,
         Step.NAME_FIX: NAME, Step.NAME_FIX_SPELL: SPELLED}
WANTS_SAID = frozenset({Step.INTENT, Step.CONFIRM_INTENT, Step.MESSAGE})  # where a caller may name a doctor


@dataclass(frozen=True)
class ClinicWords:
    """The clinic's own names."""

    clinic: str = ""
    services: Sequence[str] = ()
    providers: Sequence[str] = ()

    def hint(self, step: Step) -> str:
        """The prompt for the caller's answer at `step`."""
        if step in FORMS:
            expected = FORMS[step]
        elif step == Step.SERVICE:
            expected = _listed(self.services)
        elif step == Step.WHICH:
            expected = f"{_listed(self.services)} {DAYS}".strip()
        elif step in WANTS_SAID:
            expected = _listed([*self.services, *self.providers])
        else:  # a yes or no, a phone number: the clinic's name only
            expected = ""
        if not self.clinic:
            return expected
        return f"{self.clinic}: {expected}" if expected else f"{self.clinic}."


def _listed(words: Sequence[str]) -> str:
    return f"{', '.join(words)}." if words else ""
