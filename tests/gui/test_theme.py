"""One look for the window, light or dark as the desktop is (or as asked), its tones readable on
either: WCAG's 4.5:1 contrast at least against the window's background."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLabel

from appliance.errors import ConfigError
from gui import style, theme
from gui.style import ERROR, MUTED, OK, WARNING, show_tone

TONES = (ERROR, WARNING, OK, MUTED)
WINDOW, TEXT = QPalette.ColorRole.Window, QPalette.ColorRole.WindowText


def luminance(colour: QColor) -> float:
    """WCAG 2's relative luminance."""
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4
    return 0.2126 * linear(colour.redF()) + 0.7152 * linear(colour.greenF()) + 0.0722 * linear(colour.blueF())


def contrast(a: QColor, b: QColor) -> float:
    """WCAG 2's contrast ratio, 1 to 21."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.fixture()
def look(qapp):
    """The theme, put back to the tests' light look afterwards."""
    yield theme.apply(qapp, theme.LIGHT)
    theme.apply(qapp, theme.LIGHT)


@pytest.fixture()
def toned(qtbot) -> dict[str, QLabel]:
    """A label in each tone."""
    labels = {}
    for tone in TONES:
        labels[tone] = QLabel(f"{tone} words")
        qtbot.addWidget(labels[tone])
        show_tone(labels[tone], tone)
    return labels


def base_style(app: QApplication) -> str:
    """The style under the application's style sheet (which hides it while set)."""
    sheet = app.styleSheet()
    app.setStyleSheet("")
    name = app.style().name()
    app.setStyleSheet(sheet)
    return name


def shown_colour(label: QLabel) -> QColor:
    """The colour a label's text is drawn in, as the style sheet has set it."""
    label.style().unpolish(label)
    label.style().polish(label)
    return label.palette().color(TEXT)


@pytest.mark.parametrize("scheme", [theme.LIGHT, theme.DARK])
def test_each_look_is_fusion_light_or_dark_with_readable_tones(qapp, look, toned, scheme):
    theme.apply(qapp, scheme)
    palette = qapp.palette()
    window = palette.color(WINDOW)
    assert base_style(qapp) == "fusion" and qapp.styleSheet() == style.tone_rules(scheme == theme.DARK)
    assert (window.lightness() < 128) == (scheme == theme.DARK) == style.dark()
    assert contrast(palette.color(TEXT), window) >= 7
    assert contrast(palette.color(QPalette.ColorRole.Text), palette.color(QPalette.ColorRole.Base)) >= 7
    for tone, label in toned.items():
        colour = shown_colour(label)
        assert colour == QColor(style.colour(tone)) == QColor(style.COLOURS[tone][scheme == theme.DARK])
        assert contrast(colour, window) >= 4.5, f"{tone} on the {scheme} window"
        assert label.font().bold() == (tone in style.BOLD)


def test_the_look_follows_the_desktop_when_its_scheme_changes(qapp, look, toned):
    theme.apply(qapp, theme.AUTO)
    hints = qapp.styleHints()
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)  # the desktop switched to dark
    assert qapp.palette().color(WINDOW).lightness() < 128
    assert shown_colour(toned[ERROR]) == QColor(style.COLOURS[ERROR][1])
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert qapp.palette().color(WINDOW).lightness() > 128
    assert shown_colour(toned[ERROR]) == QColor(style.COLOURS[ERROR][0])


def test_a_look_asked_for_stays_whatever_the_desktop_does(qapp, look):
    theme.apply(qapp, theme.DARK)
    qapp.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert qapp.palette().color(WINDOW).lightness() < 128


def test_the_look_can_come_from_the_environment(qapp, look, monkeypatch):
    monkeypatch.setenv(theme.SCHEME_ENV, "dark")
    assert theme.apply(qapp) is look  # one theme per application
    assert look.scheme == theme.DARK and style.dark()
    monkeypatch.setenv(theme.SCHEME_ENV, "blue")
    with pytest.raises(ConfigError, match="APPLIANCE_DESK_LOOK"):
        theme.apply(qapp)
