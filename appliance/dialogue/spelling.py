"""A word spelled letter by letter, as recognisers write it (pure, no library).

'K H A N', 'k-h-a-n', 'K. H. A. N.', 'kay aitch ay en', 'O apostrophe N E I L L', 'double L',
'B as in boy', 'Khan, K H A N'. Letter names that are also common words ('see', 'you', 'are',
'why', 'oh', 'I', 'a') count only next to letters that are clearly letters, so 'I see you'
is not a spelling.
"""

from __future__ import annotations

import re

# letter names that are not (common) English words
_NAMES = {"ay": "a", "aye": "a", "bee": "b", "cee": "c", "dee": "d", "ee": "e", "ef": "f", "eff": "f", "gee": "g",
          "aitch": "h", "haitch": "h", "jay": "j", "kay": "k", "el": "l", "ell": "l", "em": "m", "en": "n",
          "pee": "p", "cue": "q", "queue": "q", "ar": "r", "arr": "r", "ess": "s", "tee": "t", "vee": "v",
          "double-u": "w", "doubleu": "w", "ex": "x", "zed": "z", "zee": "z"}
# letter names that are common words too: letters only beside sure ones
_WEAK = {"a": "a", "i": "i", "eye": "i", "be": "b", "see": "c", "sea": "c", "oh": "o", "owe": "o", "pea": "p",
         "are": "r", "tea": "t", "you": "u", "why": "y", "ex": "x", "and": None}
_JOIN = {"apostrophe": "'", "hyphen": "-", "dash": "-"}
_SKIP = {"capital", "uppercase", "upper", "lowercase", "small", "case", "letter", "then"}


def spelled_word(text: str, asked: bool = False) -> str | None:
    """The longest word spelled letter by letter in `text`, capitalised ('Khan', "O'Neill",
    'Smith-Jones'), or None when there is no spelled run of two letters or more. `asked`: a
    spelling was asked for, and capitals in two hyphened groups are letters too ("TRAC-E")."""
    tokens = _tokens(text, asked)
    runs: list[list[tuple[str, bool]]] = []  # (letters, sure) per run
    current: list[tuple[str, bool]] = []
    i = 0
    while i < len(tokens):
        token, raw = tokens[i]
        nxt = tokens[i + 1][0] if i + 1 < len(tokens) else ""
        letter, sure = _letter(token, raw)
        if token == "double" and i + 1 < len(tokens):
            doubled = _letter(nxt, tokens[i + 1][1])[0]
            if (nxt in ("you", "u", "u.") and not (i + 2 < len(tokens) and _letter(*tokens[i + 2])[0] == "u")
                    or doubled == "w"):
                letter, sure = "w", True  # "double you": W, also written "Double-W"
                i += 1
            elif doubled:
                letter, sure = doubled * 2, True
                i += 1
        if token == "as" and nxt == "in" and current:  # "B as in boy"
            i += 3
            continue
        if letter is not None:
            current.append((letter, sure))
        elif token in _JOIN and current and i + 1 < len(tokens) and _letter(*tokens[i + 1])[0]:
            current.append((_JOIN[token], True))
        elif token in _SKIP and current:
            pass
        else:
            runs.append(current)
            current = []
        i += 1
    runs.append(current)
    words = [_word(run) for run in runs]
    words = [w for w in words if w is not None]
    if not words:
        return None
    return max(words, key=lambda w: len(re.sub(r"[^a-z]", "", w.lower())))


def _tokens(text: str, asked: bool) -> list[tuple[str, str]]:
    """(lower-case token, as written), split at blanks, dots, commas and single-letter hyphens;
    capitals grouped in a hyphenated spelling ("PR-I-Y-A", "TH-A-N-H") are letters too."""
    grouped = r"\b[A-Z]{1,5}(?:-[A-Z]{1,5})+\b" if asked else r"\b[A-Z]{1,3}(?:-[A-Z]{1,3}){2,}\b"
    text = re.sub(grouped, lambda m: " ".join(m[0].replace("-", "")), text)
    # single letters apart, and "double" from its letter ("Double-W-H-I-T", "A-Double-L-E-N")
    text = re.sub(r"(?<=\b[a-z])-(?=[a-z]\b|double\b)|(?<=\bdouble)-(?=[a-z]\b)", " ", text.replace("\u2019", "'"),
                  flags=re.IGNORECASE)
    # "it's", "that's", "I'm" stay one word; "O'N" is O, an apostrophe, N
    raw = re.findall(r"\b(?:[A-Za-z]{2,}|I)'[A-Za-z]{1,2}\b|[A-Za-z]+(?:-[A-Za-z]+)?|'", text)
    return [(token.lower(), token) for token in raw]


def _letter(token: str, raw: str) -> tuple[str | None, bool]:
    """The letter `token` names and whether that is sure (a lone capital, a letter's name)."""
    if len(token) == 1 and token.isalpha():
        return token, token not in ("a", "i") or raw.isupper() and raw != "I"
    if token in _NAMES:
        return _NAMES[token], True
    if _WEAK.get(token):
        return _WEAK[token], False
    return None, False


def _word(run: list[tuple[str, bool]]) -> str | None:
    """A run's word when it is a spelling: two letters or more, more sure letters than not."""
    while run and run[-1][0] in "'-":
        run = run[:-1]
    letters = [(s, sure) for s, sure in run if s not in ("'", "-")]
    if sum(len(s) for s, _ in letters) < 2:
        return None
    sure = sum(1 for _, ok in letters if ok)
    if sure == 0 or sure < len(letters) - sure:
        return None
    word = "".join(s for s, _ in run)
    return re.sub(r"(^|['-])([a-z])", lambda m: m[1] + m[2].upper(), word)
