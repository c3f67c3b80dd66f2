"""Cut streamed reply text into sentences for speech, the first one short (pure)."""

from __future__ import annotations

import re
from collections.abc import Callable

ABBREVIATIONS = {"dr", "mr", "mrs", "ms", "st", "no", "vs", "etc", "e.g", "i.e", "approx", "appt", "a.m", "p.m"}
END = re.compile(r"([.!?])[\"')\]]*\s")
FIRST_BREAK = re.compile(r"[,;:]\s|\s-\s")


class SentenceSplitter:
    """Push text pieces, get whole sentences back as soon as they end.

    The first sentence may also end at a comma once it has `first_min_words` words, or where
    the words before the comma are `ready` to play (a template's fixed start, "Thank you,"), so
    the caller hears the start of a reply while the rest is synthesized.
    """

    def __init__(self, first_min_words: int = 4, ready: Callable[[str], bool] = lambda head: False) -> None:
        self.first_min_words = first_min_words
        self.ready = ready
        self._buffer = ""
        self._emitted = 0

    def push(self, text: str) -> list[str]:
        """Add text; return the sentences it completed."""
        self._buffer += text
        out = []
        while (sentence := self._take()) is not None:
            out.append(sentence)
        return out

    def flush(self) -> str | None:
        """The rest, at the end of the reply."""
        rest, self._buffer = self._buffer.strip(), ""
        if rest:
            self._emitted += 1
            return rest
        return None

    def _take(self) -> str | None:
        end = self._sentence_end()
        if self._emitted == 0:
            whole_ready = self.ready(self._buffer[:end].strip())  # the sentence so far (the text's last)
            for match in FIRST_BREAK.finditer(self._buffer):
                if end is not None and match.end() >= end:
                    break
                head = self._buffer[:match.end()].strip()
                if len(head.split()) >= self.first_min_words or (self.ready(head) and not whole_ready):
                    return self._cut(match.end())
        return self._cut(end) if end is not None else None

    def _sentence_end(self) -> int | None:
        for match in END.finditer(self._buffer):
            head = self._buffer[:match.end()]
            last_word = re.findall(r"[\w.]+$", head.rstrip()[:-1].strip())
            if match.group(1) == "." and last_word and last_word[0].lower() in ABBREVIATIONS:
                continue
            return match.end()
        return None

    def _cut(self, end: int) -> str:
        sentence, self._buffer = self._buffer[:end].strip(), self._buffer[end:]
        self._emitted += 1
        return sentence
