"""What the call loop asks of a conversation policy (the dialogue implements it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from appliance.dialogue.reply import Reply
from appliance.models.protocols import Expected, Spelling


class Policy(Protocol):
    """What the agent says and does at each point of a call. Every method runs on the call's
    own dialogue worker (`EngineHub.lane`), one at a time, but those read on the event loop and
    `prepare`, which runs beside the decisions."""

    def greeting(self, caller_number: str) -> Reply: ...

    def respond(self, text: str, confidence: float, alternative: bool = False) -> Reply:
        """The reply to the caller's turn `text`; `alternative`: the recogniser's reading of it
        is not its likeliest, but the likeliest that holds what `expected` asked for."""

    def take_back(self) -> bool:
        """Forget the answer to the last turn (`respond`, the last decision made): the caller went
        on with that turn, which is answered whole instead. False when that answer stands (it
        changed the store): the caller's going on is then a turn of its own."""

    def hint(self) -> str:
        """Words the caller's next turn is likely to hold (the recogniser's context); read on
        the event loop, so it must be quick."""

    def spelled(self) -> Spelling | None:
        """What the caller's next turn spells, letter by letter, if anything (the recogniser
        may write letters only, and weigh the candidates); read on the event loop, so it must be
        quick."""

    def expected(self) -> Expected | None:
        """The kind of answer the caller's next turn should hold, if the policy can tell (the
        recogniser may prefer a reading that holds one); read on the event loop, so it must be
        quick."""

    def unfinished(self, text: str) -> bool:
        """`text`, the caller's turn so far, sounds like it goes on (half a phone number, "um");
        read on the event loop at a pause, so it must be quick."""

    def answered(self, text: str) -> bool:
        """`text` answers what was asked in full (a plain yes, a whole date of birth or phone
        number, a goodbye), so the turn may end after a short pause; read on the event loop at a
        pause, so it must be quick."""

    def prepare(self, text: str, stale: Callable[[], bool]) -> None:
        """At a pause that may end the turn: start what answering `text` will need that takes
        long (the language model's reading), so the answer is ready sooner; that work may stop
        once `stale()` is true (the caller went on: the turn's words are no longer `text`).
        It runs beside the call's decisions, on a worker of its own: it only reads the call's state."""

    def takes_digits(self) -> bool:
        """Keys now spell a number (a date of birth keyed in), so none may be dropped; read on
        the event loop, so it must be quick."""

    def silence(self, count: int, final: bool) -> Reply: ...

    # Calls the box places (a session with an answering-machine detector) also ask
    # `voicemail() -> Reply`: the message left on a machine after its beep. A policy may also
    # offer `card() -> dict[str, str]`: what the front desk's live card shows after each decision.

    def dtmf(self, digit: str) -> Reply | None: ...

    def transfer_failed(self) -> Reply: ...

    def bind_call(self, record_id: int) -> None: ...

    def handover(self, reason: str) -> str: ...

    def outcome(self) -> str | None: ...

    def close(self) -> None: ...
