"""Word error rate, for judging transcripts without demanding exact strings."""

from __future__ import annotations

import re

CONTRACTIONS = {
    "where's": "where is", "what's": "what is", "when's": "when is", "who's": "who is",
    "how's": "how is", "it's": "it is", "that's": "that is", "there's": "there is",
    "i'm": "i am", "you're": "you are", "we're": "we are", "they're": "they are",
    "i'd": "i would", "i'll": "i will", "i've": "i have", "we'll": "we will",
    "can't": "cannot", "won't": "will not", "don't": "do not", "doesn't": "does not",
    "isn't": "is not", "didn't": "did not",
}


def normalise(text: str) -> list[str]:
    """Lower-case words without punctuation, common contractions spelled out (a recogniser
    that hears "where's" for "where is" made no error)."""
    words = re.findall(r"[\w']+", text.lower().replace("\u2019", "'"))
    return [part for word in words for part in CONTRACTIONS.get(word, word).split()]


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / reference words, by edit distance."""
    ref, hyp = normalise(reference), normalise(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1] / len(ref)


def char_error_rate(reference: str, hypothesis: str) -> float:
    """Edit distance over characters without spaces (for languages written without them)."""
    return word_error_rate(" ".join(reference.replace(" ", "")), " ".join(hypothesis.replace(" ", "")))
