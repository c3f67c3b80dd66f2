"""A caller declining the call's recording, in their own words or with a key (pure)."""

from __future__ import annotations

import re

DECLINE_KEY = "9"  # the key the recording notice offers
_NOT = r"(?:don'?t|do not|doesn'?t|does not|won'?t|will not|not|never)"
DECLINES = re.compile("|".join((
    rf"\b{_NOT} record\b",  # "don't record (me)", "can you not record this"
    r"\bno recording",  # "no recording, please"
    r"\brecording off\b|\bturn off the recording\b",
    r"\b(?:stop|end|pause|cancel|switch off|without|decline|refuse|object to|opt out of)(?: the| this| a| any| that)?"
    r"(?: call)? recording\b",  # "stop the recording", "I decline the recording"
    # "I don't want to be recorded", "I do not consent to recording"
    rf"\b{_NOT} (?:want|wish|like|agree|consent|allow)\b[^.?!]{{0,40}}\brecord(?:ed|ing)?\b",
    # "I'd rather not be recorded", "I'd prefer this call not be recorded"
    r"\b(?:rather|prefer|like)\b[^.?!]{0,30}\bnot\b[^.?!]{0,20}\b(?:be|being|get|getting) recorded\b",
    r"\bnot (?:to )?(?:be|being) recorded\b",
)), re.IGNORECASE)


def declines_recording(text: str) -> re.Match | None:
    """Where `text` declines the recording ("don't record", "I'd rather not be recorded", "no
    recording please"), or None."""
    return DECLINES.search(text.replace("\u2019", "'"))
