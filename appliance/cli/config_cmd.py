"""`appliance config`: check a configuration file and show the values in force."""

from __future__ import annotations

import argparse
import dataclasses

from appliance.config import load_config

SECRET_WORDS = ("password", "secret", "token")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `config` subcommands."""
    parser = sub.add_parser("config", help="check the configuration file")
    cmds = parser.add_subparsers(dest="action", required=True)
    check = cmds.add_parser("check", help="read the config and print the values in force")
    check.set_defaults(run=run_check)


def run_check(args: argparse.Namespace) -> int:
    """Print every section of the loaded configuration."""
    config = load_config(args.config)
    for section in dataclasses.fields(config):
        values = dataclasses.asdict(getattr(config, section.name))
        print(f"[{section.name}]")
        for key, value in values.items():
            if any(word in key for word in SECRET_WORDS) and value:
                value = "(set, not shown)"
            print(f"  {key} = {value}")
    print("config ok")
    return 0
