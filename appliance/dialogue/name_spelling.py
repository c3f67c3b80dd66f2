"""A name part from two noisy hearings: the word heard and its spelling, letter by letter.

Over a phone line, letters that rhyme are confused: the E-set (B C D E G P T V Z), the A-set
(A H J K), the EH-set (F L M N S X), I and Y, Q U and W (the sets of spoken-letter
recognition). "P R I Y A" is heard "D-R-I-Y", "M E N D E Z" "M-E-N-T-E-C". A spelling that
differs from the word heard only by such letters and a dropped or doubled one confirms that
word; one that differs more replaces it. A name on the US census lists (the `names` package,
about 94,000 first and last names) spelled in full is taken, and one that both hearings point
at beats either alone: "Great" spelled "T R A C E" is Grace.

The weights are a priori (a rhyming letter a quarter of a wrong one, a rare name a fifth);
checked on names that are not the conversation benchmark's (`appliance bench names`): in
four voices, clean, any weights near these read 46-54 of 120 names right against 36 for the
word heard alone.

Before that, the recogniser weighs the words heard and the three listed names likeliest by
these weights against the spelling's audio (`NameSpelling`, the `Spelling` of
appliance/models/protocols.py): a candidate the audio finds at most `SOUNDED_ALIKE` less
likely than the letters read replaces them, a listed name only when the letters read are no
listed name. On the names benchmark's recordings (4 voices, clean, 120 names, first and last
spelled): 65 -> 80 names right. Allowances of 0.85 to 1.2 read 79 to 82, but take a word heard
that is not the name spelled more often (6 of 146 such words come within 0.7, 10 within 1.0);
the likeliest 5 listed names instead of 3 read 79.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from appliance.crm.names import sounds_alike
from appliance.dialogue.spelling import spelled_word
from appliance.dialogue.state import SPELLING, Step

LETTER_SETS = ("BCDEGPTVZ", "AHJK", "FLMNSX", "IY", "QUW")
RHYMES = {letter: group[0] for group in LETTER_SETS for letter in group}
SAME_SET = 0.25  # a letter heard as another of its set
DROPPED = 0.7  # a letter missed or added
RARE = 0.2  # what the rarest listed name must make up by the hearings' agreement (the most common: nothing)
UNLISTED = RARE  # a name not on the lists: as rare as the rarest listed
HEARD_WEIGHT = 0.7  # the word heard against its spelling
NEAR = 12  # names of the lists each hearing proposes
WEIGHED = 3  # of those, the likeliest the recogniser weighs against the audio (each about 20 ms)
SOUNDED_ALIKE = 0.7  # how much less likely (log probability per token) the audio may find a name than the letters read
SPELLED_ALIKE = 0.25  # at most: two different listed first names are this close 0.4% of the time
SPELLED_NEAR = 0.4  # at most, when the word heard sounds like the name as well...
UNLIKE = 0.5  # a spelling further than this from every word heard spells the part asked for
HEARD_ALIKE = 60  # ...and is spelled this much like it (rapidfuzz ratio: "Derrick", "Derek" 67; "Jean", "John" 50)


@dataclass(frozen=True)
class NameSpelling:
    """A name part the caller is asked to spell: the words heard for the name (the part asked
    first) and whether it is the first name; for the recogniser, which weighs the candidates'
    spellings against the audio (`Spelling` in appliance/models/protocols.py)."""

    heard: tuple[str, ...]
    first: bool

    @classmethod
    def of(cls, name: str, first: bool) -> NameSpelling:
        """The part of `name` (as heard) that is asked for, then its other words."""
        words = name.split()
        asked = 0 if first else len(words) - 1
        return cls(tuple(words[asked:asked + 1] + words[:asked] + words[asked + 1:]), first)

    @classmethod
    def asked(cls, step: Step, name: str) -> NameSpelling | None:
        """What the caller spells at `step`, `name` as heard so far; None where nothing is spelled."""
        return cls.of(name, first=step == Step.SPELL_FIRST) if step in SPELLING else None

    def candidates(self, text: str) -> list[tuple[str, float]]:
        """The words heard, then the listed names near them and near the letters in `text`
        likeliest to be spelled, each with its allowance (`SOUNDED_ALIKE`: a word heard always; a
        listed name only over a reading that is no listed name itself); none when `text` spells
        nothing or a word heard."""
        spelled = spelled_word(text, asked=True)
        if spelled is None or letters_of(spelled) in {letters_of(w) for w in self.heard}:
            return []
        near = _near(spelled, self.heard[0] if self.heard else "", self.first)
        likeliest = sorted(dict.fromkeys(near), key=lambda n: spelling_cost(n, spelled) + _rarity(n, self.first))
        listed = 0.0 if letters_of(spelled) in _lexicon(self.first) else SOUNDED_ALIKE
        return [(w, SOUNDED_ALIKE) for w in self.heard] + [(w, listed) for w in likeliest[:WEIGHED]]


def spelling_cost(word: str, spelled: str) -> float:
    """How far `spelled` is from the letters of `word` (0 the same, about 1 nothing alike),
    rhyming letters nearly alike: a weighted edit distance over the longer length."""
    a, b = letters_of(word), letters_of(spelled)
    if not a or not b:
        return 1.0
    previous = [j * DROPPED for j in range(len(b) + 1)]
    for i, x in enumerate(a, 1):
        row = [i * DROPPED]
        for j, y in enumerate(b, 1):
            change = 0.0 if x == y else SAME_SET if RHYMES.get(x, x) == RHYMES.get(y, y) else 1.0
            row.append(min(previous[j - 1] + change, previous[j] + DROPPED, row[j - 1] + DROPPED))
        previous = row
    return previous[-1] / max(len(a), len(b))


def spelled_alike(spelled: str, word: str) -> bool:
    """Whether the letters `spelled` may be `word` heard over a phone line (the first name on a
    record spelled by the caller)."""
    return spelling_cost(word, spelled) <= SPELLED_ALIKE


def respelled(name: str, spelled: str, first: bool = False) -> str:
    """`name` with the part spelled as the word heard and its spelling best explain it together
    (below). A first name spelled replaces the word it is nearest
    (the first on a tie or when it is like none), and words heard before it are dropped
    ("Sheriff Peter Olympus" spelled "P E T E R"); a caller asked for their first name may spell
    the last. A last name spelled replaces the words after the first that it is nearest, written
    together ("Owen Bell ami" spelled "B E L L A M Y"; the last word when it is like none), or a
    word before the last that it spells alike and better (the first name spelled instead: words
    before it dropped). A name of one word the spelling is nothing like gets the part spelled
    added, not replaced. Measured on the names benchmark's recognised names and spellings (four
    voices, clean): 56 of 120 right, 53 before."""
    parts = name.split()
    if len(parts) == 1 and not spelled_alike(spelled, parts[0]):
        added = best_spelling("", spelled, first)
        return f"{added} {parts[0]}" if first else f"{parts[0]} {added}"
    if not parts:
        return best_spelling("", spelled, first)
    if not first and len(parts) > 1:
        return _last_respelled(parts, spelled)
    index = min(range(len(parts)), key=lambda i: (spelling_cost(parts[i], spelled), i != 0))
    if spelling_cost(parts[index], spelled) > UNLIKE:
        index = 0
    last = index == len(parts) - 1 and (len(parts) > 1 or not first)
    parts[index] = best_spelling(parts[index], spelled, first=not last)
    return " ".join(parts if last else parts[index:])


def _last_respelled(parts: list[str], spelled: str) -> str:
    """A name of two words or more with its last name spelled (see `respelled`)."""
    runs = {start: spelling_cost("".join(parts[start:]), spelled) for start in range(1, len(parts))}
    start = min(runs, key=lambda i: (runs[i], -i))  # on a tie, the shorter run
    words = {i: spelling_cost(parts[i], spelled) for i in range(len(parts) - 1)}
    word = min(words, key=words.__getitem__)
    if words[word] < runs[start] and spelled_alike(spelled, parts[word]):  # the first name spelled instead
        return " ".join([best_spelling(parts[word], spelled, first=True), *parts[word + 1:]])
    if runs[start] > UNLIKE:
        start = len(parts) - 1
    return " ".join([*parts[:start], best_spelling("".join(parts[start:]), spelled, first=False)])


def first_name_fits(spelled: str, heard: str, on_file: str, own: bool = False) -> bool:
    """Whether the first name on a record may be the one the caller spelled: spelled alike, or
    nearly with the word heard for it alike in sound and spelling (two weak hearings that agree:
    "Marie" spelled "N-A-R-E" for Maria), or nearly on the patient's `own` phone with its exact
    date of birth ("H-E-N-N-H" for Hannah, the name said not understood); nearly, only when the
    letters are no other listed first name ("J-E-A-N" with "Jean" heard is not John: sounds
    alike, but Jean is a name of its own)."""
    cost = spelling_cost(on_file, spelled)
    if cost <= SPELLED_ALIKE:
        return True
    letters, listed = letters_of(spelled), _lexicon(True)
    heard_alike = (bool(heard) and sounds_alike(heard, on_file)
                   and fuzz.ratio(letters_of(heard), letters_of(on_file)) >= HEARD_ALIKE)
    return (cost <= SPELLED_NEAR and (own or heard_alike)
            and (letters not in listed or letters == letters_of(on_file)))


def best_spelling(heard: str, spelled: str, first: bool) -> str:
    """The name part (capitalised as written) that best explains both the word `heard` and the
    letters `spelled`: the spelling when it is a listed name, else the heard word, the spelling
    or a listed first (or last) name, whichever costs least."""
    listed = _lexicon(first)
    if heard and letters_of(heard) == letters_of(spelled):  # as heard, its apostrophe and accents kept
        return heard.strip()
    if letters_of(spelled) in listed:  # spelled in full, a listed name: "C-H-E-N" heard "Ken" is Chen
        return spelled.strip()
    candidates = list(dict.fromkeys(c for c in (heard.strip(), spelled.strip(), *_near(spelled, heard, first)) if c))

    def cost(name: str) -> float:
        heard_cost = 1.0 - fuzz.ratio(letters_of(name), letters_of(heard)) / 100 if heard else 0.5
        return spelling_cost(name, spelled) + HEARD_WEIGHT * heard_cost + _rarity(name, first)

    return min(candidates, key=cost)  # on a tie, the heard word, then the spelling


def heard_instead(said: str, name: str) -> str:
    """`name` (first and last, as read with its spelling) with each part that is like no word
    `said` for it put back to the words heard ("Imran Khan" said, "M-A-R-E-N", "K-T-L-N"
    spelled: "Imran Khan"); "" when every part is alike the words heard (rhyming letters, words
    heard before the first name dropped) or fewer than two words were heard. Either hearing may be
    the wrong one: a whole word is often heard right where its letters rhyme."""
    heard, taken = said.split(), name.split()
    if len(heard) < 2 or len(taken) < 2:
        return ""
    first, last = taken[0], " ".join(taken[1:])
    first_alike = any(spelled_alike(first, word) for word in heard[:-1])
    last_alike = any(spelled_alike(last, " ".join(heard[start:])) for start in range(1, len(heard)))
    if first_alike and last_alike:
        return ""
    return f"{first if first_alike else heard[0]} {last if last_alike else ' '.join(heard[1:])}"


def corrected(said: str, name: str) -> str:
    """The name `said` again (first and last) after a no to the name as heard, each part weighed
    with the part of `name` read from its spelling, as a spelling and the word heard are
    (`best_spelling`); `name` unless two words are said ("pretty rare man" is no name)."""
    heard, taken = said.split(), name.split()
    if len(heard) != 2 or len(taken) < 2:
        return name
    return f"{best_spelling(heard[0], taken[0], True)} {best_spelling(heard[1], ' '.join(taken[1:]), False)}"


def _rarity(name: str, first: bool) -> float:
    """What a name's rarity costs: nothing for the most common listed, `RARE` for the rarest and
    `UNLISTED` for a name not listed."""
    listed = _lexicon(first)
    key = letters_of(name)
    return RARE * listed[key] if key in listed else UNLISTED


def _near(spelled: str, heard: str, first: bool) -> list[str]:
    """Listed names near the spelling (its letters reduced to their sets) and near the heard word."""
    found = [name for _, _, name in process.extract(_rhyme_key(spelled), _rhyme_keys(first),
                                                    scorer=Levenshtein.normalized_similarity, limit=NEAR)]
    if heard:
        found += [name for name, _, _ in process.extract(letters_of(heard), _rhyme_keys(first).keys(),
                                                         scorer=fuzz.ratio, limit=NEAR)]
    return [name.capitalize() for name in found]


def load_lists() -> None:
    """Read the name lists now, so the first call that spells a name does not wait for them."""
    for first in (True, False):
        _rhyme_keys(first)


def letters_of(word: str) -> str:
    """A word's letters in capitals, accents dropped: "José" -> "JOSE", "O'Neill" -> "ONEILL"."""
    return re.sub(r"[^A-Z]", "", unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode().upper())


def _rhyme_key(word: str) -> str:
    return "".join(RHYMES.get(c, c) for c in letters_of(word))


@functools.cache
def _lexicon(first: bool) -> dict[str, float]:
    """The census list of first (or last) names, upper case -> how rare (0 the most common name,
    1 the least: the log of its rank over the log of the list's length)."""
    import names

    ranks: dict[str, int] = {}
    for key in ("first:male", "first:female") if first else ("last",):
        with open(names.FILES[key], encoding="ascii") as lines:
            for line in lines:
                name, _, _, rank = line.split()
                ranks[name] = min(int(rank), ranks.get(name, int(rank)))
    scale = math.log(max(ranks.values()))
    return {name: math.log(rank) / scale for name, rank in ranks.items()}


@functools.cache
def _rhyme_keys(first: bool) -> dict[str, str]:
    """Each listed name -> its letters reduced to their sets."""
    return {name: _rhyme_key(name) for name in sorted(_lexicon(first))}
