"""Speech to text with faster-whisper (CTranslate2 Whisper models), per utterance.

Whisper has no native streaming: the stream keeps the utterance's audio, decodes it again
every `partial_interval_s` of new audio for a partial result, and once more at the end.

Whisper's encoder is built for 30 s windows, and encoding the padding costs most of a short
utterance's decode. CTranslate2 accepts a shorter input: the utterance is padded to
`window_s` (8 s by default; 10 s read the same word error rate on telephone speech as 30 s,
about 4x faster, and 8 s as 10 s on the conversation benchmark's caller lines, a third faster
again; 6 s starts to hallucinate), or to its own length and 1 s more when longer. Utterances
near 30 s and `window_s = 30` take faster-whisper's own full path.

A stream's context hint becomes Whisper's prompt (previous-text tokens before the start of
transcript), its last `HINT_TOKENS` tokens only; `use_hint=False` ignores hints.

A word spelled letter by letter (`letters`) is often written as words ("Are you a Megan?" for
"R A M A N") or digits ("8-9-8" for "H A H"): when the decode is unsure (log probability per
token at most `LETTERS_UNSURE`) or holds only digits, the same encoding is decoded again with
every token but single capital letters and their separators barred, and that reading is kept
unless it loops or is the prompt's own example (a caller spelling S-M-I-T-H keeps the first
reading). Measured on the names benchmark's spellings
(four voices, 8 kHz): letters wrong 55% -> 41%, names spelled exactly 21 -> 27 of 120; 35 of 40
sentences said instead of a spelling kept as said (the other five were garbled already), at one
more decoder pass (about 130 ms) on those decodes only (a pause's early one included). The
confidence stays the first reading's: the letters-only pass scores itself too well to say. Not
on the full 30 s path (`window_s = 30`).

Letters rhyme over a phone line, and a reading of them is often a few letters off ("G-E-T-L-N"
for K H A N). The words the caller may be spelling (`Spelling.candidates`: the name heard
before, listed names near, each with an allowance) are spelled out in place of the reading's
run of letters ("K-H-A-N.") and scored against the same encoding (CTranslate2's `align`: the
probability of each token of a given text); the best, its allowance added to its log
probability per token, replaces the reading when that is at least the reading's own. Each
text scored costs about 20 ms on 2 cores (the cross-attention over the whole window, so
scored against the encoding cut to the speech they no longer tell right from wrong). Not on
the full 30 s path either.

Where the dialogue asked for a date of birth (`Expected`), a reading it cannot read ("It's
your life, 4th, 1980.") is searched for in the beam's `READINGS` likeliest readings of the same
encoding, and the likeliest that holds one and keeps what the first held of it ("It's July
4th, 1980."), if within `READABLE_ALLOWANCE` of the beam's best, replaces it; the first stays in
`likeliest` (a pause is judged on it; the dialogue checks the date with the caller). On 16 dates
of birth apart from the conversation benchmark's, in espeak-ng and three flite voices, clean
and with noise 20 dB below (128 answers, 41 unreadable at first), it took the dates read right
from 76 to 85, and those read wrong from 11 to 19 (each checked, and refused, then asked
again), at 0.22 s more (median; 0.38 s at the 90th percentile) on the unreadable decodes only,
a pause's early one included.

Whisper can loop ("It It It ...", "18th, 18th, 18th ..."): the text may hold at most
`TOKENS_PER_S` tokens per second of audio (a loop stops there, not at the window's limit), and a
looped text is decoded once more without the hint and with repeats of four tokens barred, and
so is a text that copies the hint instead of the audio.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from difflib import SequenceMatcher
from pathlib import Path

import numpy as np

from appliance.audio import to_float
from appliance.errors import EngineError
from appliance.models.protocols import SAMPLE_RATE, Expected, Spelling, SttResult

log = logging.getLogger(__name__)

HINT_TOKENS = 60
TOKENS_PER_S = 12  # twice fast speech or spelled letters
LOOP = re.compile(r"\b((?=\w*[a-z])\w+(?:\W+\w+){0,2})(?:\W+\1\b){4,}", re.IGNORECASE)  # a word group 5 times
SAID = re.compile(r"\d|[^\W\d_]+(?:'[^\W\d_]+)?")  # what takes a word's time to say: a word, or each digit
LETTER_LOOP = re.compile(r"([a-z])\1{4,}", re.IGNORECASE)  # "Devvvvvvvvv": one letter five times in a word
MARK_LOOP = re.compile(r"([,;:!?-])\1{4,}")  # "February,,,,,,,,,": one mark five times in a row (dots: a pause)
# silence added after spelled letters: read 80 ms into the pause, the last letter comes out as
# well as read 150 ms into it (156 of 222 spellings exact, against 154 at 150 ms and 146 unpadded)
SPELLED_TAIL_S = 0.07
LETTERS_UNSURE = -0.5  # a spelling decoded at or below this is decoded again, letters only
SPELLED_LOOP = re.compile(r"((?:[A-Z]\W+){1,2})\1{3,}")  # "I-I-I-I-", "T-A-T-A-T-A-T-A-"
SEPARATORS = ("-", ".", ",", " -", "'")  # what may stand between spelled letters
LETTER_RUN = re.compile(r"(?<![A-Za-z])[A-Z]{1,3}(?:[-.,' ]+[A-Z]{1,3}(?![A-Za-z]))+")  # "K-E-T-E-N", "PR-I-Y-A"
READINGS = 5  # the likeliest readings searched (beam) for one the dialogue can read
READABLE_ALLOWANCE = 0.5  # how much less likely (log probability per token) than the likeliest it may be


class WhisperStt:
    """A loaded faster-whisper model."""

    def __init__(self, path: Path, name: str = "whisper", device: str = "cpu", threads: int = 2,
                 language: str = "en", partial_interval_s: float = 0.0, beam_size: int = 1,
                 window_s: float = 8.0, use_hint: bool = True) -> None:
        from faster_whisper import WhisperModel
        from faster_whisper.tokenizer import Tokenizer

        self.name = name
        self.language = language
        self.partial_interval_s = partial_interval_s
        self.beam_size = beam_size
        self.window_s = window_s
        self.use_hint = use_hint
        try:
            self._model = WhisperModel(str(path), device=device, cpu_threads=threads,
                                       compute_type="float16" if device == "cuda" else "int8")
        except Exception as exc:
            raise EngineError(f"faster-whisper could not load {path}: {exc}") from exc
        self._tokenizer = Tokenizer(self._model.hf_tokenizer, self._model.model.is_multilingual,
                                    task="transcribe", language=language)
        self._prompt = [*self._tokenizer.sot_sequence, self._tokenizer.no_timestamps]
        self._not_letters = self._other_than_letters()  # built now (75 ms), not in a call

    def stream(self, hint: str = "", letters: Spelling | None = None,
               expected: Expected | None = None) -> WhisperStream:
        """Start a new utterance, prompted with `hint` when hints are on; `letters`: spelled;
        `expected`: the kind of answer asked for."""
        return WhisperStream(self, hint.strip() if self.use_hint else "", letters, expected)

    def decode(self, samples: np.ndarray, final: bool, hint: str = "", letters: Spelling | None = None,
               expected: Expected | None = None) -> SttResult:
        """Transcribe float samples at 16 kHz, with `hint` as the prompt; `letters`: a word
        spelled (an unsure reading is decoded again as letters only, and the candidates'
        spellings are weighed against it); `expected`: a reading the dialogue cannot read is
        replaced by the likeliest of the beam's that it can, if one is near enough."""
        audio_s = len(samples) / SAMPLE_RATE  # as heard: without the silence a spelling gets
        if audio_s < 0.1:
            return SttResult("", 0.0, final, audio_s)
        if letters is not None:
            samples = np.concatenate([samples, np.zeros(int(SPELLED_TAIL_S * SAMPLE_RATE), dtype=samples.dtype)])
        likeliest = ""
        try:
            if self.window_s >= 30 or audio_s > 28:
                text, logprob, no_speech = self._decode_full(samples, hint)
            else:
                encoded = self._encode_window(samples)
                text, logprob, no_speech = self._generate(encoded, hint, audio_s)
                if looks_looped(text, audio_s) or copies_prompt(text, hint):  # the same encoding, decoded again
                    text, logprob, no_speech = self._generate(encoded, "", audio_s, guarded=True)
                if letters is not None:
                    if logprob <= LETTERS_UNSURE or re.fullmatch(r"[\d\W]*\d[\d\W]*", text):
                        text = self._as_letters(encoded, hint, audio_s) or text
                    text = self._best_spelled(encoded, hint, samples, text, letters)
                elif expected is not None and text.strip() and not _readable(expected, text):
                    found = self._likeliest_readable(encoded, hint, audio_s, expected, text)
                    if found is not None:
                        (text, logprob), likeliest = found, text
        except Exception as exc:
            raise EngineError(f"faster-whisper failed: {exc}") from exc
        text = without_repeats(text)
        if not re.search(r"\w", text) or (no_speech > 0.6 and logprob < -1.0):  # Whisper's own rule
            return SttResult("", 0.0, final, audio_s)
        confidence = math.exp(logprob) * (0.5 + 0.5 * (1.0 - no_speech))
        if looks_looped(text, audio_s):  # still
            confidence *= 0.3
        return SttResult(text, max(0.0, min(1.0, confidence)), final, audio_s, likeliest)

    def _encode_window(self, samples: np.ndarray):  # noqa: ANN202 - a ctranslate2.StorageView
        """The encoder's output for the samples padded to a short window."""
        import ctranslate2

        features = self._model.feature_extractor(samples, padding=0)
        frames = max(int(self.window_s * 100), features.shape[1] + 100)
        features = np.pad(features, ((0, 0), (0, max(0, frames - features.shape[1]))))[:, :frames]
        return self._model.model.encode(
            ctranslate2.StorageView.from_array(np.ascontiguousarray(features[None], dtype=np.float32)))

    def _generate(self, encoded, hint: str, audio_s: float,  # noqa: ANN001 - a ctranslate2.StorageView
                  guarded: bool = False, barred: list[int] | None = None) -> tuple[str, float, float]:
        """Text, log probability and no-speech probability of an encoding; `guarded`: repeats
        of four tokens barred (against a loop); `barred`: tokens never written (else the model's
        own few)."""
        prompt = self._prompt_with(hint)
        result = self._model.model.generate(
            encoded, [prompt], beam_size=self.beam_size, max_length=_max_length(prompt, audio_s),
            no_repeat_ngram_size=4 if guarded else 0, repetition_penalty=1.1 if guarded else 1.0,
            return_scores=True, return_no_speech_prob=True, suppress_blank=True,
            suppress_tokens=[-1] if barred is None else barred)[0]
        text = self._tokenizer.decode(result.sequences_ids[0]).strip()
        return text, result.scores[0], result.no_speech_prob

    def _likeliest_readable(self, encoded, hint: str, audio_s: float,  # noqa: ANN001 - a StorageView
                            expected: Expected, heard: str) -> tuple[str, float] | None:
        """The likeliest of the beam's `READINGS` readings that the dialogue can read (keeping what
        the reading `heard` held of the answer), with its log probability per token, when within
        `READABLE_ALLOWANCE` of the beam's best; else None."""
        prompt = self._prompt_with(hint)
        result = self._model.model.generate(
            encoded, [prompt], beam_size=READINGS, num_hypotheses=READINGS,
            max_length=_max_length(prompt, audio_s), return_scores=True, suppress_blank=True,
            suppress_tokens=[-1])[0]
        best = result.scores[0]
        for ids, score in zip(result.sequences_ids, result.scores, strict=True):
            text = self._tokenizer.decode(ids).strip()
            if score < best - READABLE_ALLOWANCE:
                break
            if not looks_looped(text, audio_s) and not copies_prompt(text, hint) and _readable(expected, text, heard):
                return text, score
        return None

    def _as_letters(self, encoded, hint: str, audio_s: float) -> str | None:  # noqa: ANN001 - a StorageView
        """The encoding decoded as spelled letters only; None when that loops or is letters of
        `hint` (its spelled example)."""
        spelled, _, _ = self._generate(encoded, hint, audio_s, barred=self._not_letters)
        letters = re.sub(r"[^A-Z]", "", spelled)
        if (len(letters) < 2 or SPELLED_LOOP.search(f"{spelled}-") or looks_looped(spelled, audio_s)
                or letters in re.sub(r"[^A-Z]", "", hint)):  # the prompt's example spelled back: "S-M-I-T-H"
            return None
        return spelled

    def _best_spelled(self, encoded, hint: str, samples: np.ndarray,  # noqa: ANN001 - a StorageView
                      text: str, spelling: Spelling) -> str:
        """`text` with its run of letters spelling the candidate the audio explains best, its
        allowance counted, when that is at least as well as `text` itself; the words around the
        run and its ending are kept (letters not closed with a stop still go on)."""
        if not LETTER_RUN.search(text):
            return text
        try:
            candidates = spelling.candidates(text)
        except Exception:  # the dialogue's part: the reading stands
            log.exception("the candidates of a spelling could not be listed")
            return text
        allowed: dict[str, float] = {}
        for word, allowance in candidates:
            respelled = respelled_text(text, word)
            if respelled and respelled != text:
                allowed[respelled] = max(allowance, allowed.get(respelled, allowance))
        if not allowed:
            return text
        reading, *scores = self._scores(encoded, hint, len(samples) // 160, [text, *allowed])
        best, score = max(zip(allowed.items(), scores, strict=True), key=lambda pair: pair[0][1] + pair[1])
        return best[0] if score + best[1] >= reading else text

    def _scores(self, encoded, hint: str, frames: int, texts: list[str]) -> list[float]:  # noqa: ANN001
        """The log probability per token of each of `texts` as the transcript of the encoding:
        in one batch on the CPU (a third faster), one at a time where the encoding stays on a GPU."""
        import ctranslate2

        start = self._prompt_with(hint)[:-1]  # `align` adds the no-timestamps token itself
        tokens = [self._tokenizer.encode(" " + text) for text in texts]
        if encoded.device == "cpu":
            batch = ctranslate2.StorageView.from_array(np.repeat(np.array(encoded), len(texts), axis=0))
            results = self._model.model.align(batch, start, tokens, [frames] * len(texts))
        else:
            results = [self._model.model.align(encoded, start, [t], frames)[0] for t in tokens]
        return [sum(math.log(max(p, 1e-12)) for p in r.text_token_probs) / max(len(r.text_token_probs), 1)
                for r in results]

    def _other_than_letters(self) -> list[int]:
        """The vocabulary's tokens but single capital letters and separators (of text, before
        the special tokens)."""
        decode = self._tokenizer.decode
        return [token for token in range(self._tokenizer.eot)
                if not (re.fullmatch(r" ?[A-Z]", text := decode([token])) or text in SEPARATORS)]

    def _prompt_with(self, hint: str) -> list[int]:
        if not hint:
            return self._prompt
        tokens = self._tokenizer.encode(" " + hint)[-HINT_TOKENS:]
        return [self._tokenizer.sot_prev, *tokens, *self._prompt]

    def _decode_full(self, samples: np.ndarray, hint: str) -> tuple[str, float, float]:
        segments, _ = self._model.transcribe(
            samples, language=self.language, beam_size=self.beam_size, initial_prompt=hint or None,
            without_timestamps=True, condition_on_previous_text=False, vad_filter=False,
        )
        segments = list(segments)
        text = " ".join(s.text.strip() for s in segments).strip()
        if not segments:
            return "", -10.0, 1.0
        weights = [max(len(s.text), 1) for s in segments]
        logprob = sum(s.avg_logprob * w for s, w in zip(segments, weights, strict=True)) / sum(weights)
        return text, logprob, min(s.no_speech_prob for s in segments)

    def close(self) -> None:
        """Drop the model."""
        self._model = None


def _max_length(prompt: list[int], audio_s: float) -> int:
    """The tokens a decode may hold: its prompt and `TOKENS_PER_S` a second of audio (a loop stops there)."""
    return len(prompt) + int(TOKENS_PER_S * audio_s) + 8


def _readable(expected: Expected, text: str, heard: str = "") -> bool:
    """Whether the dialogue can read `text` (for `heard`); its failure leaves the reading as it is."""
    try:
        return expected.readable(text, heard)
    except Exception:  # the dialogue's part
        log.exception("whether a reading can be read could not be told")
        return True


def respelled_text(text: str, word: str) -> str:
    """`text` with its longest run of letters spelling `word` instead, the words around it and its
    ending kept ("No, K-E-N." -> "No, K-H-A-N."); "" without a run or a word to spell."""
    runs = list(LETTER_RUN.finditer(text))
    form = spelled_out(word)
    if not runs or not form:
        return ""
    run = max(runs, key=lambda m: len(m[0]))
    return text[:run.start()] + form + text[run.end():]


def spelled_out(word: str) -> str:
    """A word's letters as Whisper writes them spelled: "Khan" -> "K-H-A-N", "José" -> "J-O-S-E"
    (none for a word of fewer than two)."""
    plain = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()
    letters = re.sub(r"[^A-Z]", "", plain.upper())
    return "-".join(letters) if len(letters) >= 2 else ""


def looks_looped(text: str, audio_s: float) -> bool:
    """Far more words than time to say them (a digit is a word: "415-5555-55-55-55-..."), or one
    word group five times over ("no, no, no, no" is said; five times is Whisper's), or one letter
    five times inside a word, or one punctuation mark but a dot five times in a row."""
    return (len(SAID.findall(text)) > 6 * audio_s + 2 or LOOP.search(text) is not None
            or LETTER_LOOP.search(text) is not None or MARK_LOOP.search(text) is not None)


def copies_prompt(text: str, hint: str, run: int = 3, others: int = 2) -> bool:
    """Whisper writing its prompt instead of the audio ("Dr. Patel, Dr. Okafor. Dr. Oka" for
    "cancel that one", where the prompt lists the clinic's dentists): `run` words or more of the
    prompt in a row, and at most `others` other words; or nothing but the prompt's words, two or
    more in a row, some written again or the last cut off as the copy ran out ("Dr. Patel, Dr.
    Patel, Dr. Patel", "Dr. Okafor. Dr. O"; not "Dr. Okafor."); or a word of the prompt written
    three times running ("The four o'clock, Wednesday, Wednesday, Wednesday,")."""
    said, prompt = _words(text), _words(hint)
    if len(said) < 2 or len(prompt) < 2:
        return False
    if any(a == b == c and a in prompt for a, b, c in zip(said, said[1:], said[2:], strict=False)):
        return True
    longest = SequenceMatcher(None, said, prompt, autojunk=False).find_longest_match().size
    if longest >= run and len(said) - longest <= others:
        return True
    *whole, last = said
    cut = last not in prompt and any(word.startswith(last) for word in prompt)
    again = len(set(said)) < len(said)
    return longest >= 2 and (cut or again) and all(word in prompt for word in whole) and (cut or last in prompt)


def without_repeats(text: str, longest_cycle: int = 3) -> str:
    """Whisper can loop, writing what it heard again and again until it runs out of tokens
    ("Hi, do you take my insurance? Hi. Hi, do you take my insurance? Hi. ..."): a run of one
    sentence, or of a cycle of up to `longest_cycle` sentences, is kept once."""
    sentences = re.split(r"(?<=[.?!])\s+", text.strip())
    kept: list[str] = []
    index = 0
    while index < len(sentences):
        for size in range(1, longest_cycle + 1):
            ahead = sentences[index:index + size]
            if len(kept) >= size and len(ahead) == size and [_words(s) for s in ahead] == [
                    _words(s) for s in kept[-size:]]:
                index += size
                break
        else:
            kept.append(sentences[index])
            index += 1
    return " ".join(kept)


def _words(sentence: str) -> list[str]:
    return re.findall(r"[\w']+", sentence.lower())


class WhisperStream:
    """One utterance: audio accumulates, partials every `partial_interval_s` if enabled."""

    def __init__(self, engine: WhisperStt, hint: str = "", letters: Spelling | None = None,
                 expected: Expected | None = None) -> None:
        self._engine = engine
        self._hint, self._letters, self._expected = hint, letters, expected
        self._chunks: list[bytes] = []
        self._bytes = 0
        self._last_partial_bytes = 0

    def feed(self, pcm: bytes) -> list[SttResult]:
        """Add audio; decode a partial when enough new audio arrived."""
        self._chunks.append(pcm)
        self._bytes += len(pcm)
        interval = self._engine.partial_interval_s
        if interval <= 0 or (self._bytes - self._last_partial_bytes) < interval * SAMPLE_RATE * 2:
            return []
        self._last_partial_bytes = self._bytes
        return [self._engine.decode(self._samples(), final=False, hint=self._hint)]

    def finish(self) -> SttResult:
        """Decode the whole utterance."""
        return self._engine.decode(self._samples(), final=True, hint=self._hint, letters=self._letters,
                                   expected=self._expected)

    def _samples(self) -> np.ndarray:
        pcm = b"".join(self._chunks)
        self._chunks = [pcm]
        return to_float(pcm)
