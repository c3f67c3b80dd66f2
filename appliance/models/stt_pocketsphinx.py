"""Speech to text with PocketSphinx: light, streaming partials, weak on telephone audio."""

from __future__ import annotations

from appliance.errors import EngineError
from appliance.models.protocols import SAMPLE_RATE, Expected, Spelling, SttResult

NON_WORDS = {"<s>", "</s>", "<sil>"}


class PocketsphinxStt:
    """PocketSphinx with the US English model inside the package."""

    def __init__(self, name: str = "pocketsphinx", partial_interval_s: float = 0.25) -> None:
        from pocketsphinx import Config, Decoder

        self.name = name
        self.partial_interval_s = partial_interval_s
        self._decoder_class = Decoder
        try:
            self._config = Config(samprate=SAMPLE_RATE, loglevel="FATAL")
            Decoder(self._config)  # fail at load time, not on the first call
        except Exception as exc:  # noqa: BLE001
            raise EngineError(f"pocketsphinx could not load its model: {exc}") from exc

    def stream(self, hint: str = "", letters: Spelling | None = None,
               expected: Expected | None = None) -> "PocketsphinxStream":
        """Start a new utterance (each stream has its own decoder: decoders are not shared; the
        context hint, `letters` and `expected` are not used)."""
        return PocketsphinxStream(self._decoder_class(self._config), self.partial_interval_s)

    def close(self) -> None:
        """Nothing to free: decoders belong to their streams."""


class PocketsphinxStream:
    """One utterance on its own decoder."""

    def __init__(self, decoder, partial_interval_s: float) -> None:  # noqa: ANN001
        self._decoder = decoder
        self._interval_bytes = int(partial_interval_s * SAMPLE_RATE * 2)
        self._bytes = 0
        self._since_partial = 0
        self._last = ""
        decoder.start_utt()

    def feed(self, pcm: bytes) -> list[SttResult]:
        """Add audio; a partial every `partial_interval_s` when the hypothesis changed."""
        self._decoder.process_raw(pcm, False, False)
        self._bytes += len(pcm)
        self._since_partial += len(pcm)
        if self._since_partial < self._interval_bytes:
            return []
        self._since_partial = 0
        hyp = self._decoder.hyp()
        text = hyp.hypstr.strip() if hyp else ""
        if not text or text == self._last:
            return []
        self._last = text
        return [SttResult(text, self._confidence(), False, self._bytes / 2 / SAMPLE_RATE)]

    def finish(self) -> SttResult:
        """End the utterance and return the best hypothesis."""
        self._decoder.end_utt()
        hyp = self._decoder.hyp()
        text = hyp.hypstr.strip() if hyp else ""
        return SttResult(text, self._confidence() if text else 0.0, True, self._bytes / 2 / SAMPLE_RATE)

    def _confidence(self) -> float:
        probs = [s.prob for s in self._decoder.seg()
                 if s.word not in NON_WORDS and not s.word.startswith("[")]
        return sum(probs) / len(probs) if probs else 0.0
