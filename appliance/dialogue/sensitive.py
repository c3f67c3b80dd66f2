"""What the agent must not take by voice: payment card and bank details and social security
numbers (pure). `screen` finds them in a caller's words and returns the words with them removed,
so that what is kept (the call's transcript, messages, handover summaries, logs) never holds them.

Which library does what: `stdnum` checks a card number's Luhn digit and a social security
number's form; the digits said or written ("4111 1111 ...", "four one one one ...", "forty one
eleven") are read by `phone.said_runs`, as for phone numbers. A card number is 13 to 19 digits
passing Luhn, said in one breath or in the groups printed on cards (4-4-4-4, 4-6-5); phone
numbers (3-3-4) and dates of birth never are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum import luhn
from stdnum.us import ssn

from appliance.dialogue.phone import Run, said_runs

CARD_REMOVED = "[card number removed]"
NUMBER_REMOVED = "[number removed]"
CARD_WORDS = (r"\b(card number|number on (the|my) card|credit card|debit card|bank card|card details|cvv2?|cvc|csc|"
              r"security code|(expiry|expiration) date|visa|master ?card|amex|american express|bank account|"
              r"account and routing|routing number|iban|sort code)\b")
SSN_WORDS = r"\b(social security|social insurance|ssn|s s n)\b"
GIVING = r"\b(my|here'?s|here is|ready)\b"  # ...a caller giving card details, not asking about cards
CARD_GROUPS = (r"(4,)+[1-4]", r"4,6,[45]")  # the groups printed on cards, as said: 4-4-4-4(-3), Amex 4-6-5


@dataclass(frozen=True)
class Screened:
    """A caller's words, with what must not be kept removed; `refused` says what was there."""

    text: str
    refused: str = ""  # "card" | "ssn" | "": nothing


def screen(text: str) -> Screened:
    """`text` with card numbers removed, and every number of a turn giving card or bank details
    or a social security number."""
    lowered = text.lower().replace("\u2019", "'")
    runs = said_runs(text)
    cards = [run for run in runs if _card_number(run)]
    about_ssn = bool(re.search(SSN_WORDS, lowered)) or any(_ssn(run) for run in runs)
    about_cards = bool(re.search(CARD_WORDS, lowered)) and bool(runs or re.search(GIVING, lowered))
    if not (cards or about_ssn or about_cards):
        return Screened(text)
    kept = text
    for run in reversed(runs):
        if run in cards or about_ssn or about_cards:
            kept = kept[:run.start] + (CARD_REMOVED if run in cards else NUMBER_REMOVED) + kept[run.end:]
    return Screened(kept, "ssn" if about_ssn else "card")


def _card_number(run: Run) -> bool:
    """Some of the run's groups, said in a card's grouping or in one breath, make a card number."""
    groups = run.groups
    for first in range(len(groups)):
        for last in range(first, len(groups)):
            digits = "".join(groups[first:last + 1])
            shape = ",".join(str(len(g)) for g in groups[first:last + 1])
            if (13 <= len(digits) <= 19 and digits[0] in "23456" and luhn.is_valid(digits)
                    and (first == last or any(re.fullmatch(p, shape) for p in CARD_GROUPS))):
                return True
    return False


def _ssn(run: Run) -> bool:
    """A run said in a social security number's groups (3-2-4) that is one."""
    return [len(g) for g in run.groups] == [3, 2, 4] and ssn.is_valid(run.digits)
