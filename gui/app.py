"""Start the front-desk window."""

from __future__ import annotations

import sys
from pathlib import Path

from appliance.config import load_config


def run(config_path: Path | None = None) -> int:
    """Open the window on the configured store and service; return the exit code."""
    from PySide6.QtWidgets import QApplication

    from gui.window import MainWindow

    config = load_config(config_path)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Front desk")
    window = MainWindow(config, config_path)
    window.show()
    return app.exec()
