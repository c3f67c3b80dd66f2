"""Call back: the button that has the service ring the receptionist's desk phone first and, once it
is answered, dial the patient and put the two together; its progress in plain words in a label.
The messages, call log and contacts views each have one."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from appliance.config import CrmConfig
from appliance.crm.phones import try_normalise
from gui.service_link import ServiceLink
from gui.style import ERROR, OK, show_tone

TIP = "Your desk phone rings first; when you answer, the patient is called and put through to you."
NO_DESK = "No desk phone is set: fill in the staff or desk phone in Settings."
PROGRESS = {
    "desk_ringing": "Ringing your desk phone…",
    "patient_ringing": "Calling {number}…",
    "connected": "Connected to {number}.",
    "ended": "The call with {number} has ended.",
    "desk_no_answer": "Your desk phone did not answer.",
    "patient_busy": "The patient's line is busy.",
    "patient_no_answer": "{number} did not answer.",
    "failed": "The call back failed.",
}
FAILED = ("desk_no_answer", "patient_busy", "patient_no_answer", "failed")
SETTLED = ("connected", "ended", *FAILED)  # the service may have written the message's result
RESULT_WORDS = {"connected": "connected", "ended": "connected", "desk_no_answer": "desk phone did not answer",
                "patient_busy": "line busy", "patient_no_answer": "no answer", "failed": "failed"}


def progress_text(event: dict) -> str:
    """A Callback event in the front desk's words (a failure with the service's detail)."""
    state, detail = event.get("state", ""), event.get("detail", "")
    text = PROGRESS.get(state, state.replace("_", " ")).format(number=event.get("number") or "the patient")
    return f"{text.removesuffix('.')}: {detail}." if detail and state in FAILED else text


def callback_result_words(result: str) -> str:
    """A call back's stored result in the front desk's words ('' stays '')."""
    return RESULT_WORDS.get(result, result.replace("_", " "))


def settled(message: dict) -> bool:
    """Whether a service message is a call back reaching an outcome (which the store may now hold)."""
    return message.get("type") == "Callback" and message.get("state") in SETTLED


class CallbackButton(QPushButton):
    """'Call back' for what the view has selected (`set_target`): enabled with a number to call
    while the service is connected and has a desk phone. It follows the call back it asked for
    in `status`, a label the view places."""

    def __init__(self, link: ServiceLink, crm: CrmConfig, text: str = "&Call back",
                 parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.link = link
        self.crm = crm
        self.number: str | None = None  # E.164, None: nothing to call
        self.message_id: int | None = None
        self.desk = True  # the service has a desk phone to ring (as its snapshot says)
        self.callback_id = ""  # the call back followed here
        self._asking = False  # asked, the answer not in yet
        self._early: dict[str, dict] = {}  # call backs' events that came before that answer
        self.status = QLabel(wordWrap=True)
        self.setAccessibleName("Call back")
        self.clicked.connect(self._call_back)
        link.connection.connect(lambda *_: self._update())
        link.message.connect(self._on_message)
        link.command_done.connect(self._on_done)
        self._update()

    def set_target(self, number: str, message_id: int | None = None) -> None:
        """Call `number` back (not a phone number, or '': nothing to call), about message `message_id`."""
        self.number = try_normalise(number, self.crm.country_code, self.crm.trunk_prefix)
        self.message_id = message_id
        self._update()

    def _call_back(self) -> None:
        """Ask the service to call the number back; its answer and the events tell how it goes."""
        self._asking, self.callback_id = True, ""
        self._early.clear()
        self._say(f"Asking the service to call {self.number} back…")
        self._update()
        self.link.command("call_back", number=self.number, message_id=self.message_id)

    def _on_done(self, cmd: str, _call_id: str, ok: bool, result: object) -> None:
        if cmd != "call_back" or not self._asking:
            return
        self._asking = False
        self._update()
        if not ok:
            self._say(f"Could not call back: {result}", ERROR)
            return
        self.callback_id = result["callback_id"]
        early = self._early.pop(self.callback_id, {"state": "desk_ringing"})
        self._early.clear()
        self._show(early)

    def _on_message(self, message: dict) -> None:
        kind = message.get("type")
        if kind == "Snapshot":
            self.desk = bool(message.get("transfer", {}).get("desk", True))
            self._update()
        elif kind == "Callback" and message.get("callback_id") == self.callback_id:
            self._show(message)
        elif kind == "Callback" and self._asking:
            self._early[message.get("callback_id", "")] = message

    def _show(self, event: dict) -> None:
        state = event.get("state")
        self._say(progress_text(event), ERROR if state in FAILED else OK if state == "connected" else "")

    def _update(self) -> None:
        self.setEnabled(self.number is not None and self.link.connected and self.desk and not self._asking)
        self.setToolTip(TIP if self.desk else NO_DESK)

    def _say(self, text: str, tone: str = "") -> None:
        self.status.setText(text)
        show_tone(self.status, tone)
