"""How the window says good and bad: a tone on a widget, whose colour the theme picks for the
desktop's light or dark setting (so one tone reads well on either)."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QWidget

ERROR, WARNING, OK, MUTED, PLAIN = "error", "warning", "ok", "muted", ""
COLOURS = {  # tone: (on a light background, on a dark one); each at least 4.5:1 against its background
    ERROR: ("#b00020", "#ff8a80"),
    WARNING: ("#8a4b00", "#ffcc80"),
    OK: ("#1b6e34", "#8fd19e"),
    MUTED: ("#595959", "#b0b0b0"),
}
BOLD = (ERROR, WARNING)


def dark() -> bool:
    """Whether the look in use is dark (its window background is), as the theme or the desktop set it."""
    return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128


def colour(tone: str) -> str:
    """The tone's colour for the look in use."""
    return COLOURS[tone][1 if dark() else 0]


def show_tone(widget: QWidget, tone: str) -> None:
    """Give `widget` a tone (PLAIN: none); the theme's style sheet colours it."""
    widget.setProperty("tone", tone)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def tone_of(widget: QWidget) -> str:
    """The tone `widget` was given (PLAIN if none)."""
    return widget.property("tone") or PLAIN


def tone_rules(is_dark: bool) -> str:
    """The style-sheet rules that colour each tone."""
    rules = []
    for tone, (light, night) in COLOURS.items():
        weight = "; font-weight: bold" if tone in BOLD else ""
        rules.append(f'*[tone="{tone}"] {{ color: {night if is_dark else light}{weight} }}')
    return "\n".join(rules)
