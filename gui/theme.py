"""One look for the whole window: the Fusion style, a light or dark palette that follows the
desktop's colour scheme (or the one asked for), and the style sheet that colours the tones."""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from appliance.errors import ConfigError
from gui.style import tone_rules

AUTO, LIGHT, DARK = "auto", "light", "dark"
SCHEMES = (AUTO, LIGHT, DARK)
SCHEME_ENV = "APPLIANCE_DESK_LOOK"  # light, dark or auto (the default: the desktop's)
HIGHLIGHT = QColor(48, 140, 198)


def palette(is_dark: bool) -> QPalette:
    """Fusion's own light or dark colours, whatever the desktop reports."""
    text = QColor(240, 240, 240) if is_dark else QColor(0, 0, 0)
    window = QColor(50, 50, 50) if is_dark else QColor(239, 239, 239)
    base = window.darker(140) if is_dark else QColor(255, 255, 255)
    dark, mid = window.darker(150), window.darker(130)
    result = QPalette(text, window, window.lighter(150), dark, mid, text, base)
    placeholder = QColor(text)
    placeholder.setAlpha(160)
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    for which, colour in ((role.Midlight, mid.lighter(110)), (role.Button, window), (role.Shadow, dark.darker(135)),
                          (role.AlternateBase, window.darker(115) if is_dark else QColor(247, 247, 247)),
                          (role.HighlightedText, text if is_dark else QColor(255, 255, 255)),
                          (role.PlaceholderText, placeholder), (role.ToolTipText, text),
                          (role.ToolTipBase, base if is_dark else QColor(255, 255, 220)),
                          (role.Link, HIGHLIGHT.lighter(140) if is_dark else QColor(0, 0, 238))):
        result.setColor(which, colour)
    for active in (group.Active, group.Inactive):
        result.setColor(active, role.Highlight, HIGHLIGHT)
        result.setColor(active, role.Accent, HIGHLIGHT)
    disabled = QColor(130, 130, 130) if is_dark else QColor(150, 150, 150)
    for which, colour in ((role.Text, disabled), (role.WindowText, disabled), (role.ButtonText, disabled),
                          (role.Base, window), (role.Highlight, QColor(145, 145, 145))):
        result.setColor(group.Disabled, which, colour)
    return result


class Theme(QObject):
    """Keeps the application's look: the scheme asked for, or the desktop's, re-applied when the
    desktop's changes while the window is open."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.app = app
        self.scheme = AUTO
        app.setStyle("Fusion")
        app.styleHints().colorSchemeChanged.connect(self._paint)

    def use(self, scheme: str) -> None:
        """Look light, dark, or as the desktop does (auto); the desktop is asked for it too where
        Qt can (native dialogs and title bars then match)."""
        if scheme not in SCHEMES:
            raise ConfigError(f"the look (--look or ${SCHEME_ENV}) is one of {', '.join(SCHEMES)}, not {scheme!r}")
        self.scheme = scheme
        hints = self.app.styleHints()
        if hasattr(hints, "setColorScheme"):  # Qt 6.8+
            if scheme == AUTO:
                hints.unsetColorScheme()
            else:
                hints.setColorScheme(Qt.ColorScheme.Dark if scheme == DARK else Qt.ColorScheme.Light)
        self._paint(hints.colorScheme())

    def is_dark(self, desktop: Qt.ColorScheme) -> bool:
        """Whether the look is dark when the desktop's scheme is `desktop`."""
        return self.scheme == DARK or (self.scheme == AUTO and desktop == Qt.ColorScheme.Dark)

    def _paint(self, desktop: Qt.ColorScheme) -> None:
        dark = self.is_dark(desktop)
        self.app.setPalette(palette(dark))
        self.app.setStyleSheet(tone_rules(dark))


def apply(app: QApplication, scheme: str | None = None) -> Theme:
    """Give `app` the window's look: `scheme` light, dark or auto (None: $APPLIANCE_DESK_LOOK, else auto)."""
    theme = app.findChild(Theme) or Theme(app)
    theme.use(scheme or os.environ.get(SCHEME_ENV) or AUTO)
    return theme
