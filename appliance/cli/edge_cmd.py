"""`appliance edge`: the local SIP edge's files (Kamailio speaking TLS to the trunk), from [sip]."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from appliance.config import load_config
from appliance.sip.edge import write_edge


def register(sub: argparse._SubParsersAction) -> None:
    """Add `appliance edge ...`."""
    parser = sub.add_parser("edge", help="the local SIP edge that speaks TLS to the trunk (sip.tls_edge)")
    cmds = parser.add_subparsers(dest="edge_command", required=True, metavar="ACTION")
    render = cmds.add_parser("render", help="write the edge's Kamailio config into FOLDER (exit 1, writing "
                             "nothing, when sip.tls_edge = false)")
    render.add_argument("folder", type=Path)
    render.set_defaults(run=run_render)


def run_render(args: argparse.Namespace) -> int:
    """Write the edge's files and print the main one; 1 when the edge is not used."""
    sip = load_config(args.config).sip
    if not sip.tls_edge:
        print("sip.tls_edge = false: this box talks to the trunk itself, no edge runs", file=sys.stderr)
        return 1
    print(write_edge(sip, args.folder))
    return 0
