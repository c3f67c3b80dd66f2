"""`appliance demo` and `appliance run`: the scripted demo call, and the service itself."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from appliance.config import load_config
from appliance.lab.demo import report, run_demo
from appliance.private_files import restrict_umask
from appliance.service import ApplianceService

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    """Add `demo` and `run`."""
    demo = sub.add_parser("demo", help="answer a scripted call on loopback and print transcript and latency")
    demo.add_argument("--say", action="append", help="a caller line (repeatable; default: the demo script)")
    demo.set_defaults(run=run_demo_cmd)
    run = sub.add_parser("run", help="run the service: register, answer calls until stopped")
    run.set_defaults(run=run_service)


def run_demo_cmd(args: argparse.Namespace) -> int:
    """Run the demo call and print its report."""
    print("starting the appliance on loopback (loading and warming the models)...", flush=True)
    result = asyncio.run(run_demo(load_config(args.config), args.say))
    print(report(result))
    return 0 if result.transcript else 1


def run_service(args: argparse.Namespace) -> int:
    """Answer calls until SIGINT or SIGTERM (exit 0), or until an engine hangs for good
    (exit 1: the service manager starts it again)."""
    logging.getLogger().setLevel(logging.INFO)
    restrict_umask()  # the store, recordings and backups it writes: not for other users

    async def main() -> int:
        service = ApplianceService(load_config(args.config))
        await service.start()
        log.info("answering calls at %s", service.agent.local_uri)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await asyncio.wait([loop.create_task(stop.wait()), loop.create_task(service.unhealthy.wait())],
                           return_when=asyncio.FIRST_COMPLETED)
        await service.stop()
        return 1 if service.unhealthy.is_set() else 0
    return asyncio.run(main())
