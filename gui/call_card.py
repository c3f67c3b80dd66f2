"""The live call card: who is calling, whether identity was checked, what they want, what the
agent has gathered so far (filling in as the call goes), what it waits for, and the summary staff
will receive; marked at once when the call needs a person."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

from appliance.control.live import LiveCall
from gui.style import ERROR, MUTED, PLAIN, show_tone

FIELD_LABELS = {  # the card's rows, in the dialogue's card order (the summary has its own box)
    "patient": "Patient", "identity": "Identity", "wants": "Wants to", "service": "Treatment",
    "dentist": "Dentist", "offered": "Times offered", "chosen": "Time chosen", "appointment": "Appointment",
    "name": "Name given", "date_of_birth": "Date of birth", "message": "Message", "callback": "Call back on",
    "done": "Done so far", "waiting_for": "Agent waits for",
}


def card_fields(call: LiveCall) -> dict[str, str]:
    """What the card shows of `call`: the agent's card, else what the service matched on its own."""
    fields = dict(call.card)
    if "patient" not in fields and call.contact:
        fields["patient"] = f"{call.contact} (matched by caller ID)"
    return fields


def summary_text(call: LiveCall) -> str:
    """The hand-over's summary once there is one; until then the one staff would get now."""
    if call.handover:
        return f"{call.handover['summary']} (to {call.handover['target']})"
    return call.card.get("summary", "")


class CallCard(QWidget):
    """One call's card; `show_call(None)` empties it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.alarm = QLabel(wordWrap=True, textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        self.alarm.setAccessibleName("Needs a person")
        show_tone(self.alarm, ERROR)
        self.values: dict[str, QLabel] = {}
        self.form = QFormLayout()
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for key, caption in FIELD_LABELS.items():
            value = QLabel(wordWrap=True, textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setAccessibleName(caption)
            self.values[key] = value
            self.form.addRow(f"{caption}:", value)
        self.empty = QLabel("The agent has gathered nothing yet.")
        show_tone(self.empty, MUTED)
        self.summary = QLabel(wordWrap=True, textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setAccessibleName("Summary for staff")
        summary_box = QGroupBox("Summary staff will receive")
        QVBoxLayout(summary_box).addWidget(self.summary)
        gathered = QGroupBox("What the agent has gathered")
        gathered_layout = QVBoxLayout(gathered)
        gathered_layout.addWidget(self.empty)
        gathered_layout.addLayout(self.form)
        gathered_layout.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.alarm)
        layout.addWidget(gathered, 1)
        layout.addWidget(summary_box)
        self.show_call(None)

    def show_call(self, call: LiveCall | None) -> None:
        """Fill the card from `call` (rows without a value are hidden)."""
        fields = card_fields(call) if call is not None else {}
        for row, (key, value) in enumerate(self.values.items()):
            value.setText(fields.get(key, ""))
            self.form.setRowVisible(row, key in fields)
        self.empty.setVisible(not any(key in fields for key in self.values))
        attention = call.attention if call is not None else ""
        self.alarm.setText(f"Needs a person: {attention}" if attention else "")
        self.alarm.setVisible(bool(attention))
        summary = summary_text(call) if call is not None else ""
        self.summary.setText(summary or "Nothing yet.")
        show_tone(self.summary, PLAIN if summary else MUTED)
