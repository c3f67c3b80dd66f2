"""Cut streamed reply text into sentences for speech, the first one short (pure)."""

from __future__ import annotations

import re
from collections.abc import Callable

ABBREVIATIONS = {"dr", "mr", "mrs", "ms", "st", "no", "vs", "etc", "e.g", "i.e", "approx", "appt", "a.m", "p.m"}
END = re.compile(r"([.!?])[\"')\]]*\s")
FIRST_BREAK = re.compile(r"[,;:]\s|\s-\s")
WORD_END = re.compile(r"(?<=\S)\s")
LEAD_WORDS = 2  # words of a fixed lead ("So that's", not a lone "I"), and at least as many after it


class SentenceSplitter:
    """Push text pieces, get whole sentences back as soon as they end.

    The first sentence may also end at a comma once it has `first_min_words` words; once it is
    whole, and that first piece is not `ready` to play (in the phrase cache), after the most
    words before it that are (a template's fixed start: "Thank you," of "Thank you, Maria.",
    "So that's" of "So that's Tuesday, ..."), so the caller hears the start of a reply while
    the rest is synthesized.
    """

    def __init__(self, first_min_words: int = 4, ready: Callable[[str], bool] = lambda head: False) -> None:
        self.first_min_words = first_min_words
        self.ready = ready
        self._buffer = ""
        self._emitted = 0
        self._led = False  # the first piece was a fixed lead: the next may end at a comma too

    def push(self, text: str) -> list[str]:
        """Add text; return the sentences it completed."""
        self._buffer += text
        out = []
        while (sentence := self._take()) is not None:
            out.append(sentence)
        return out

    def split(self, text: str) -> list[str]:
        """The sentences of a whole text (its last sentence ends with it)."""
        out = self.push(text + "\n")
        rest = self.flush()
        return out + ([rest] if rest else [])

    def flush(self) -> str | None:
        """The rest, at the end of the reply."""
        rest, self._buffer = self._buffer.strip(), ""
        if rest:
            self._emitted += 1
            return rest
        return None

    def _take(self) -> str | None:
        end = self._sentence_end()
        if self._emitted == 0 or self._led:
            led = False
            breaks = [m.end() for m in FIRST_BREAK.finditer(self._buffer) if end is None or m.end() < end]
            cut = next((b for b in breaks if len(self._buffer[:b].split()) >= self.first_min_words), end)
            if end is not None and not self.ready(self._buffer[:cut].strip()):
                # the first sentence is whole, and its first piece must be synthesized: start with
                # the most words before it that are ready to play, up to a comma ("Thank you,"),
                # else a template's fixed lead ("So that's" of "So that's Tuesday, ...")
                leads = [m.start() for m in WORD_END.finditer(self._buffer, 0, cut)
                         if len(self._buffer[:m.start()].split()) >= LEAD_WORDS
                         and len(self._buffer[m.start():cut].split()) >= LEAD_WORDS]
                for found in (breaks, leads):
                    ready = [b for b in found if b < cut and self.ready(self._buffer[:b].strip())]
                    if ready:
                        cut, led = max(ready), found is leads
                        break
            if cut is None:
                return None
            self._led = led
            return self._cut(cut)
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


def missed_from(text: str, heard: str) -> tuple[str, bool]:
    """What a caller who heard `heard` of `text`, then talked over it, missed: `text` from the
    start of the sentence they cut into (sentences as the splitter ends them, never at a comma);
    and whether they cut in before the reply's question (the sentence cut into asks nothing, a
    later one does)."""
    sentences = SentenceSplitter(first_min_words=len(text.split()) + 1).split(text)
    heard_words, cut = len(heard.split()), 0
    while cut < len(sentences) and heard_words >= len(sentences[cut].split()):
        heard_words -= len(sentences[cut].split())  # heard to its end
        cut += 1
    missed = sentences[cut:]
    asks = [sentence.rstrip("\"')]").endswith("?") for sentence in missed]
    return " ".join(missed), bool(asks) and not asks[0] and any(asks[1:])
