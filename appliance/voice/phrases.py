"""The agent's sentences already spoken once, kept as audio so they play at once next time.

Most of what a receptionist says comes back call after call ("What day and time would suit
you?", "Thank you."): synthesizing a sentence takes 60-200 ms on 2 cores, reading it from
here nothing. The fixed sentences of the dialogue's wording are synthesized at start-up; any
other sentence is kept once spoken, the least recently used ones dropped beyond `max_bytes`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator

from appliance.dialogue import wording
from appliance.voice.sentences import SentenceSplitter

MAX_BYTES = 32 * 1024 * 1024  # about 17 minutes of 16 kHz speech


class PhraseCache:
    """Sentence text -> 16 kHz PCM, bounded, shared by every call (thread-safe)."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._audio: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, sentence: str) -> bytes | None:
        """The audio of `sentence` if it was spoken before."""
        with self._lock:
            pcm = self._audio.get(sentence)
            if pcm is not None:
                self._audio.move_to_end(sentence)
            return pcm

    def put(self, sentence: str, pcm: bytes) -> None:
        """Keep the audio of `sentence`, dropping the least recently used beyond the bound."""
        if not pcm or len(pcm) > self.max_bytes:
            return
        with self._lock:
            old = self._audio.pop(sentence, None)
            self._bytes += len(pcm) - (len(old) if old else 0)
            self._audio[sentence] = pcm
            while self._bytes > self.max_bytes:
                _, dropped = self._audio.popitem(last=False)
                self._bytes -= len(dropped)

    def __contains__(self, sentence: str) -> bool:
        with self._lock:
            return sentence in self._audio

    def __len__(self) -> int:
        return len(self._audio)


def fixed_sentences(clinic: str) -> Iterator[str]:
    """The sentences of the dialogue's wording that never change on a call (the clinic's name
    filled in), cut as the speaker cuts a reply whose fixed words are in the cache ("Thank you,"
    of "Thank you, {first_name}.", the lead "So that's" of a read-back); only the pieces without
    a blank to fill are kept."""
    seen: set[str] = set()
    texts = [text.replace("{clinic}", clinic) for text in _wording_texts()]
    leads = set(texts)  # a lead that is a phrase of its own ("So that's"), not any words before a blank

    def ready(head: str) -> bool:
        return "{" not in head and (head.endswith((".", "!", "?", ",", ";", ":")) or head in leads)
    for text in texts:
        for sentence in SentenceSplitter(ready=ready).split(text):
            if "{" not in sentence and sentence not in seen:
                seen.add(sentence)
                yield sentence


def _wording_texts() -> Iterable[str]:
    for name, value in vars(wording).items():
        if name.isupper() and isinstance(value, str):
            yield value.strip()
