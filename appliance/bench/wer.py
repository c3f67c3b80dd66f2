"""Word error rate, for judging transcripts without demanding exact strings."""

from __future__ import annotations

import re

import jiwer
from text_to_num import alpha2digit

CONTRACTIONS = {
    "where's": "where is", "what's": "what is", "when's": "when is", "who's": "who is",
    "how's": "how is", "it's": "it is", "that's": "that is", "there's": "there is",
    "i'm": "i am", "you're": "you are", "we're": "we are", "they're": "they are",
    "i'd": "i would", "i'll": "i will", "i've": "i have", "we'll": "we will",
    "can't": "cannot", "won't": "will not", "don't": "do not", "doesn't": "does not",
    "isn't": "is not", "didn't": "did not", "dr": "doctor", "mr": "mister", "mrs": "missus",
    "ms": "miss", "okay": "ok",
}


def normalise(text: str) -> list[str]:
    """Lower-case words without punctuation, common contractions and titles spelled out, and
    numbers as single digits (a recogniser that writes "where's" for "where is", "Dr." for
    "doctor" or "3:30" for "three thirty" made no error)."""
    text = alpha2digit(text.lower().replace("\u2019", "'"), "en", threshold=0)
    words = re.findall(r"[\w']+", re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text))
    words = [part for word in words for part in CONTRACTIONS.get(word, word).split()]
    return [digit for word in words for digit in (list(word) if word.isdigit() else [word])]


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / reference words, after `normalise`."""
    ref, hyp = normalise(reference), normalise(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    if not hyp:
        return 1.0
    return float(jiwer.wer(" ".join(ref), " ".join(hyp)))


def corpus_word_error_rate(pairs: list[tuple[str, str]]) -> float | None:
    """Errors over all reference words of (reference, hypothesis) pairs, after `normalise`;
    None when no pair has a reference."""
    kept = [(" ".join(normalise(r)), " ".join(normalise(h))) for r, h in pairs]
    kept = [(r, h) for r, h in kept if r]
    if not kept:
        return None
    return float(jiwer.wer([r for r, _ in kept], [h for _, h in kept]))
