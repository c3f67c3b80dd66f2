"""Start the front-desk window: `appliance-desk [--config PATH] [--look light|dark|auto]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from appliance.config import Config, config_file_path, load_config
from appliance.errors import ApplianceError


def run(config_path: Path | None = None, look: str | None = None) -> int:
    """Open the window on the configured store and service, light, dark or as the desktop is
    (`look`; None: $APPLIANCE_DESK_LOOK, else the desktop's); return the exit code."""
    from PySide6.QtWidgets import QApplication

    from gui import theme
    from gui.window import MainWindow

    path = config_file_path(config_path)
    config = load_config(path) if path.exists() else Config()  # first run: the setup wizard opens
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Front desk")
    theme.apply(app, look)
    window = MainWindow(config, path)
    window.show()
    return app.exec()


def main(argv: list[str] | None = None) -> int:
    """The `appliance-desk` command."""
    parser = argparse.ArgumentParser(prog="appliance-desk", description="The clinic's front-desk window.")
    parser.add_argument("--config", type=Path, help="config file (default: $APPLIANCE_CONFIG, "
                        "then /etc/appliance/appliance.toml, then built-in defaults)")
    parser.add_argument("--look", choices=("auto", "light", "dark"),
                        help="light or dark, or auto: as the desktop is (default: $APPLIANCE_DESK_LOOK, then auto)")
    args = parser.parse_args(argv)
    try:
        return run(args.config, args.look)
    except ApplianceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
