"""The demo: the appliance on loopback with a demo clinic, called by a scripted caller."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

from appliance.config import ClinicConfig, Config, PathsConfig, SipConfig
from appliance.config.telephony import MAX_SIP_CALLS
from appliance.crm.contacts import Contacts
from appliance.crm.db import open_store
from appliance.crm.schedule import Schedule
from appliance.lab.scripted_call import CallResult, run_script
from appliance.service import ApplianceService
from appliance.sip.ports import free_port
from appliance.voice.timing import STAGES

DEMO_CLINIC = ClinicConfig(
    name="Riverside Dental",
    timezone="America/New_York",
    address="We are at 12 Mill Street, next to the post office.",
    hours="We are open Monday to Friday from 8 in the morning to 6 in the evening, "
          "and on Saturday from 9 to 1.",
    parking="There is free parking behind the building.",
    insurance="We accept most dental insurance plans. Please bring your insurance card.",
)
DEMO_SCRIPT = [
    "Hi, what are your opening hours?",
    "Is there parking at the clinic?",
    "Great, thank you. Goodbye.",
]


DEMO_PATIENT = ("Maria Lopez", "+15551234567", "1980-05-03")


def loopback_config(base: Config, workdir: Path) -> Config:
    """`base` answering SIP on a free loopback port (no registration), its data kept in `workdir`."""
    sip = SipConfig(register=False, bind_address="127.0.0.1", port=free_port(), rtp_port=free_port(),
                    allow_any_source=True, max_calls=MAX_SIP_CALLS)
    return replace(base, sip=sip, paths=PathsConfig(models=base.paths.models, data=workdir))


def demo_config(base: Config, workdir: Path | None = None) -> Config:
    """`base` with the demo clinic, SIP on a free loopback port (no registration), and a store
    in `workdir` holding the demo clinic's providers, services, hours and one patient."""
    workdir = Path(workdir or tempfile.mkdtemp(prefix="appliance-demo-"))
    config = replace(loopback_config(base, workdir), clinic=DEMO_CLINIC)
    seed_demo_store(open_store(workdir / "appliance.db"))
    return config


def seed_demo_store(db) -> None:  # noqa: ANN001
    """The demo clinic's calendar (once): two dentists, three services, weekday and Saturday hours."""
    if db.execute("SELECT COUNT(*) FROM providers").fetchone()[0]:
        return
    schedule = Schedule(db)
    patel = schedule.add_provider("Dr. Patel").id
    schedule.add_provider("Dr. Okafor")
    schedule.add_service("check-up", 30)
    schedule.add_service("cleaning", 45, providers=[patel])
    schedule.add_service("filling", 60)
    for day in range(5):
        schedule.set_hours(day, "08:00", "18:00")
    schedule.set_hours("saturday", "09:00", "13:00")
    name, phone, born = DEMO_PATIENT
    Contacts(db).add(name, [phone], born)


@asynccontextmanager
async def demo_service(base: Config, workdir: Path | None = None,
                       max_calls: int | None = None) -> AsyncIterator[ApplianceService]:
    """The service started on `demo_config(base, workdir)` (with `max_calls` calls at once if
    given), stopped on leaving; its data folder is `service.config.paths.data`."""
    config = demo_config(base, workdir)
    if max_calls is not None:
        config = replace(config, sip=replace(config.sip, max_calls=max_calls))
    service = ApplianceService(config)
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


async def run_demo(base: Config, lines: list[str] | None = None) -> CallResult:
    """Start the service, place one scripted call, stop; return what happened."""
    async with demo_service(base) as service:
        return await run_script(service, lines or DEMO_SCRIPT, service.config.paths.data)


def report(result: CallResult) -> str:
    """The transcript and the per-turn latency table."""
    out = ["Transcript:"]
    out += [f"  {speaker:>6}: {text}" for speaker, text in result.transcript]
    out.append("")
    out.append("Latency per caller turn (ms; 'heard' is measured at the caller, the rest inside the agent):")
    names = ["heard", *STAGES]
    out.append("  turn " + " ".join(f"{n:>15}" for n in names))
    for index, heard in enumerate(result.latencies_ms):
        stages = result.stages_ms[index] if index < len(result.stages_ms) else {}
        cells = [heard, *(stages.get(s) for s in STAGES)]
        out.append(f"  {index + 1:>4} " + " ".join(f"{c:>15.0f}" if c is not None else f"{'-':>15}" for c in cells))
    return "\n".join(out)
