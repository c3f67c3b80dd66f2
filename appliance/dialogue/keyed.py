"""A date of birth keyed in on the phone's keypad: what the caller is told, and the keys
gathered into a date the dialogue reads as any other (pure).

Keys are read whatever the line and the voice: a caller whose date of birth was not heard is
asked once whether they would rather key it in as eight digits, month, day and year (day first
where the clinic writes dates so); "07121969" becomes "07/12/1969".
"""

from __future__ import annotations

DATE_KEYS = 8  # MMDDYYYY (DDMMYYYY where the day comes first)
BY_KEYS = " Or would you rather key your date of birth in on the keypad: eight digits, {order}?"


class KeyedDate:
    """The keys of one call's date of birth, and whether the caller was told of them."""

    def __init__(self) -> None:
        self.keys = ""
        self.told = False

    def offered(self, question: str, day_first: bool) -> str:
        """`question` with how to key the date in, the first time; else as it is."""
        if self.told:
            return question
        self.told = True
        return question + BY_KEYS.format(order="day, month and year" if day_first else "month, day and year")

    def key(self, digit: str) -> str | None:
        """Take one key; the date written out once eight are in (the count starts again), else None."""
        self.keys += digit
        if len(self.keys) < DATE_KEYS:
            return None
        keys, self.keys = self.keys, ""
        return f"{keys[:2]}/{keys[2:4]}/{keys[4:]}"

    def forget(self) -> None:
        """The question moved on: keys pressed so far spell nothing."""
        self.keys = ""
