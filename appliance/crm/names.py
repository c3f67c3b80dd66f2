"""Whether a name as the recogniser wrote it is the name on file: spelling variants
("Gonzales"/"Gonzalez", "Shoban"/"Siobhan") match when they look alike (rapidfuzz) or sound
alike (Double Metaphone, from `metaphone`); and the initials events show instead of a name."""

from __future__ import annotations

import re

from metaphone import doublemetaphone
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from appliance.crm.contacts import name_key

LOOKS_ALIKE = 85  # rapidfuzz ratio (0..100) for the last name
FIRST_NAME_ALIKE = 70  # the first name (spelled alike only), once the last name matches
FULL_NAME_ALIKE = 88  # token-sort ratio for the whole name, in any order
LAST_NAME_ALIKE = 70  # the last name, when the first name is the same ("Ruth Hedler" is Ruth Adler)


def sounds_alike(a: str, b: str) -> bool:
    """Two words share a Double Metaphone code."""
    codes_a = {c for c in doublemetaphone(a) if c}
    codes_b = {c for c in doublemetaphone(b) if c}
    return bool(codes_a & codes_b)


def sounds_near(a: str, b: str) -> bool:
    """Two words whose Double Metaphone codes (of two sounds or more) differ by one sound at most:
    "Tomb" and "Tam", "Pike" and "Pikes", "O Toll" and "Otoro"."""
    codes_a = {c for c in doublemetaphone(a) if len(c) >= 2}
    codes_b = {c for c in doublemetaphone(b) if len(c) >= 2}
    return any(Levenshtein.distance(x, y) <= 1 for x in codes_a for y in codes_b)


def part_matches(heard: str, on_file: str, alike: int = LOOKS_ALIKE) -> bool:
    """One name part: equal, spelled nearly alike, or sounding alike."""
    return heard == on_file or fuzz.ratio(heard, on_file) >= alike or sounds_alike(heard, on_file)


def same_last_name(heard: str, on_file: str) -> bool:
    """Whether the last word of `heard` (or its last two written together: "O Neal") may be the
    last name on file: alike in spelling, or in sound but for one sound (the caller's spelled
    first name decides); the first name is not compared."""
    words, file_words = name_key(heard).split(), name_key(on_file).split()
    if not words or len(file_words) < 2:
        return False
    last = "".join(file_words[1:])
    return any(part_matches(said, last) or sounds_near(said, last)
               for said in ("".join(words[-n:]) for n in (1, 2) if len(words) >= n))


def same_person_name(heard: str, on_file: str) -> bool:
    """Whether `heard` (first and last name, as recognised) names the person `on_file`: the
    whole name nearly alike, or the last name alike in spelling or sound (written together:
    "O Neill" is "Oneill"; less alike when the first name is the same) and the first name alike
    in spelling (twins John and Jane differ)."""
    a, b = name_key(heard), name_key(on_file)
    if not a or not b:
        return False
    if a == b or fuzz.token_sort_ratio(a, b) >= FULL_NAME_ALIKE:
        return True
    (first, *rest), (file_first, *file_rest) = a.split(), b.split()
    if not rest or not file_rest:
        return False
    alike = LAST_NAME_ALIKE if first == file_first else LOOKS_ALIKE
    return (part_matches("".join(rest), "".join(file_rest), alike)
            and fuzz.ratio(first, file_first) >= FIRST_NAME_ALIKE)  # by spelling: "John" is not "Jane"


def initials(name: str) -> str:
    """'María López' -> 'M. L.' (the minimum necessary to recognise a booking)."""
    return " ".join(f"{word[0].upper()}." for word in re.findall(r"[^\W\d_]+", name))
