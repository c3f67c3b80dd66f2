"""`appliance gui`: the front-desk window (a separate process from the service)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add `gui`."""
    parser = sub.add_parser("gui", help="open the front-desk window")
    parser.set_defaults(run=run_gui)


def run_gui(args: argparse.Namespace) -> int:
    """Open the window until it is closed."""
    from gui.app import run

    return run(args.config)
