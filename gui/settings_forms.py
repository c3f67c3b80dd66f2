"""Forms for the config file's sections: SIP trunk, transfers and the clinic's profile.

Each form binds config keys to input widgets; the limits are checked by `parse_config` on save,
so the widgets accept what can be typed and the config layer says what is wrong with it."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any
from zoneinfo import available_timezones

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from appliance.config import Config
from appliance.config.files import secrets_withheld
from appliance.errors import ConfigError

WIDE_INT = 999_999  # spin boxes take any sensible number; the config says which ones it accepts


def int_box() -> QSpinBox:
    """A whole-number box without a range of its own."""
    return QSpinBox(minimum=0, maximum=WIDE_INT)


def seconds_box() -> QDoubleSpinBox:
    """A number of seconds, one decimal."""
    return QDoubleSpinBox(minimum=0, maximum=WIDE_INT, decimals=1, suffix=" s")


def choice_box(choices: tuple[str, ...], editable: bool = False) -> QComboBox:
    """A drop-down of fixed values (or suggestions, when editable)."""
    box = QComboBox(editable=editable, insertPolicy=QComboBox.InsertPolicy.NoInsert)
    box.addItems(list(choices))
    return box


class ListEdit(QLineEdit):
    """A list of words typed as one comma-separated line."""

    def value(self) -> list[str]:
        """The items, trimmed, empty ones dropped."""
        return [item.strip() for item in self.text().split(",") if item.strip()]

    def setValue(self, items: list[str]) -> None:  # noqa: N802 - same name as QSpinBox's
        """Show `items` as one line."""
        self.setText(", ".join(items))


class FaqTable(QWidget):
    """The clinic's own questions: key words that pick a topic, and the answer the caller hears."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, 2, objectName="faq_table", accessibleName="Questions and answers",
                                  tabKeyNavigation=False)
        self.table.setHorizontalHeaderLabels(["Key words (e.g. wheelchair ramp)", "Answer"])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setMinimumHeight(140)
        self.add_button = QPushButton("Add &question")
        self.remove_button = QPushButton("Remove question")
        self.add_button.clicked.connect(self.add_row)
        self.remove_button.clicked.connect(self.remove_selected)
        delete = QShortcut(QKeySequence.StandardKey.Delete, self.table, self.remove_selected)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)

    def add_row(self, topic: str = "", answer: str = "") -> None:
        """Append a row and start typing its key words."""
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(topic))
        self.table.setItem(row, 1, QTableWidgetItem(answer))
        if not topic:
            self.table.setCurrentCell(row, 0)
            self.table.editItem(self.table.item(row, 0))

    def remove_selected(self) -> None:
        """Drop the selected rows."""
        for row in sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(row)

    def value(self) -> dict[str, str]:
        """Key words -> answer; blank rows are skipped, a half-filled or repeated topic is refused."""
        faq: dict[str, str] = {}
        for row in range(self.table.rowCount()):
            topic, answer = (self._cell(row, column) for column in (0, 1))
            if not topic and not answer:
                continue
            if not topic or not answer:
                raise ConfigError(f"clinic.faq row {row + 1} needs both key words and an answer")
            if topic in faq:
                raise ConfigError(f"clinic.faq lists the key words {topic!r} twice")
            faq[topic] = answer
        return faq

    def setValue(self, faq: dict[str, str]) -> None:  # noqa: N802 - same name as QSpinBox's
        """Show `faq`, one row a topic."""
        self.table.setRowCount(0)
        for topic, answer in faq.items():
            self.add_row(topic, answer)

    def _cell(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text().strip() if item is not None else ""


def read_widget(widget: QWidget) -> Any:
    """The value a bound widget holds."""
    if hasattr(widget, "value"):
        return widget.value()
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QComboBox):
        data = widget.currentData()
        return widget.currentText().strip() if data is None else data
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText().strip()
    assert isinstance(widget, QLineEdit)
    return widget.text() if widget.echoMode() == QLineEdit.EchoMode.Password else widget.text().strip()


def show_value(widget: QWidget, value: Any) -> None:
    """Put `value` into a bound widget."""
    if hasattr(widget, "setValue"):
        widget.setValue(value)
    elif isinstance(widget, QCheckBox):
        widget.setChecked(value)
    elif isinstance(widget, QComboBox):
        index = widget.findData(value)
        index = index if index >= 0 else widget.findText(value)
        if index >= 0:
            widget.setCurrentIndex(index)
        elif widget.isEditable():
            widget.setCurrentText(value)
    elif isinstance(widget, QPlainTextEdit):
        widget.setPlainText(value)
    else:
        widget.setText(value)


class ConfigForm(QWidget):
    """Rows of label + widget, each bound to one key of one config section (with `only`: those keys)."""

    def __init__(self, section: str, parent: QWidget | None = None, only: Collection[str] | None = None) -> None:
        super().__init__(parent)
        self.section = section
        self.only = only
        self.fields: dict[str, QWidget] = {}
        self.form = QFormLayout(self)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

    def add(self, key: str, label: str, widget: QWidget, tip: str = "") -> QWidget:
        """Bind `widget` to `section.key` and show it under `label` (`&` marks its mnemonic); a key
        outside `only` is left out."""
        if self.only is not None and key not in self.only:
            return widget
        widget.setObjectName(key)
        widget.setToolTip(tip or f"{self.section}.{key}")
        self.fields[key] = widget
        self.form.addRow(label, widget)
        return widget

    def load(self, config: Config) -> None:
        """Show the section's values from `config`."""
        values = getattr(config, self.section)
        for key, widget in self.fields.items():
            show_value(widget, getattr(values, key))

    def values(self) -> dict[str, Any]:
        """The section as edited: key -> value (may raise `ConfigError` for a table that cannot be read)."""
        return {key: read_widget(widget) for key, widget in self.fields.items()}


def sip_form(only: Collection[str] | None = None) -> ConfigForm:
    """The clinic's SIP trunk and this box's SIP endpoint."""
    form = ConfigForm("sip", only=only)
    form.add("register", "", QCheckBox("Re&gister with the trunk"),
             "Off: nothing registers; the PBX sends calls straight to this box's address and port")
    form.add("registrar", "&Registrar:", QLineEdit(placeholderText="sip.provider.example or host:port"))
    form.add("user", "&User name:", QLineEdit())
    form.add("auth_user", "Auth user:", QLineEdit(placeholderText="empty: the same as the user name"))
    form.add("password", "Pass&word:", QLineEdit(echoMode=QLineEdit.EchoMode.Password))
    form.add("realm", "Realm:", QLineEdit(placeholderText="* accepts any"))
    form.add("transport", "Transport:", choice_box(("udp", "tcp", "tls")))
    form.add("expiry_s", "Registration expiry:", int_box()).setSuffix(" s")
    form.add("bind_address", "Listen address:", QLineEdit())
    form.add("port", "SIP &port:", int_box())
    form.add("public_address", "Public address:", QLineEdit(placeholderText="empty: the listen address"))
    form.add("rtp_port", "First RTP port:", int_box())
    form.add("allowed_sources", "Allowed sources:", ListEdit(placeholderText="IPs, networks or hosts, comma-separated;"
                                                                             " empty: the registrar only"))
    form.add("allow_any_source", "", QCheckBox("Accept calls from any address"))
    form.add("max_calls", "Calls at once:", int_box())
    form.add("codecs", "Codecs:", ListEdit(placeholderText="G722, PCMU, PCMA"))
    return form


def transfer_form(only: Collection[str] | None = None) -> ConfigForm:
    """Where callers are handed to a person, and how."""
    form = ConfigForm("transfer", only=only)
    form.add("staff_uri", "Staff &phone:", QLineEdit(placeholderText="sip:frontdesk@pbx.clinic.local"))
    form.add("desk_uri", "Des&k phone:", QLineEdit(placeholderText="empty: the staff phone"),
             "The receptionist's own phone, used by 'take over' in the live calls tab")
    form.add("after_hours_uri", "After &hours:", QLineEdit(placeholderText="empty: take a message"))
    form.add("mode", "Transfer t&ype:", choice_box(("attended", "blind")),
             "attended: staff hear who is calling first; blind: the call is put straight through")
    form.add("ring_timeout_s", "R&ing for:", seconds_box())
    return form


def clinic_form(only: Collection[str] | None = None) -> ConfigForm:
    """What callers hear about the clinic."""
    form = ConfigForm("clinic", only=only)
    form.add("name", "Name:", QLineEdit())
    form.add("timezone", "Time &zone:", choice_box(tuple(sorted(available_timezones())), editable=True))
    form.add("address", "Add&ress:", QLineEdit())
    form.add("phone", "&Phone:", QLineEdit())
    form.add("hours", "&Hours (as spoken):", text_box())
    form.add("parking", "Par&king:", text_box())
    form.add("insurance", "&Insurance:", text_box())
    form.add("emergency_number", "Emergenc&y number:", QLineEdit())
    form.add("greeting", "&Greeting:", QLineEdit(), "What the caller hears first; {name} is the clinic's name")
    form.add("faq", "FAQ:", FaqTable())
    return form


def password_placeholder(password: str, config_path: Path) -> str:
    """'(set)' when a password is stored, also one this user may not read (secrets.toml); else empty."""
    return "(set)" if password or secrets_withheld(config_path) else ""


def text_box() -> QPlainTextEdit:
    """A few lines of text, as the caller will hear them."""
    box = QPlainTextEdit(tabChangesFocus=True)
    box.setFixedHeight(box.fontMetrics().lineSpacing() * 3 + 12)
    return box
