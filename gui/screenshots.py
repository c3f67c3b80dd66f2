"""Screenshots of each main view for the README, from a real run: the service answers a few
scripted calls on loopback (real models, real SIP), then the window is captured tab by tab,
the live view while a call is in progress; at the size the window opens at, light or dark, at a
desktop scaling (live.png; live-dark-150.png with --look dark --scale 1.5).

    xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python -m gui.screenshots docs/screenshots \
        [--look dark] [--scale 1.5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import threading
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from appliance.config import Config, TransferConfig
from appliance.lab.demo import DEMO_PATIENT, demo_config
from appliance.lab.scripted_call import run_script
from appliance.service import ApplianceService
from gui import theme

HISTORY = [  # (caller ID, lines): calls that fill the log, the calendar, the messages
    (DEMO_PATIENT[1], ["I'd like to book a cleaning next Monday morning", "yes, it's for me", "the first one",
                       "yes please", "no thanks, goodbye"]),
    ("+15559876543", ["What are your opening hours?", "Where is the clinic located?", "no thanks, goodbye"]),
    ("+15550001111", ["I'd like to leave a message", "Please call me back about my bill", "Tom Baker",
                      "yes", "no, goodbye"]),
    ("+15552223333", ["Can I speak to a real person please?"]),  # a hand-over, on the Today tab
]
LIVE_CALL = (DEMO_PATIENT[1], ["Hi, I'd like to book a check-up next Tuesday afternoon", "yes, it's for me",
                               "the second one", "yes please", "no thanks, goodbye"])  # captured with the times offered on its card
VIEWS = ["live", "today", "dashboard", "call-log", "calendar", "contacts", "messages", "settings"]


def file_name(view: str, look: str, scale: float) -> str:
    """'live.png' in the light look unscaled; 'live-dark-150.png' dark at 150%."""
    parts = [view, *([look] if look != theme.LIGHT else []), *([f"{scale * 100:.0f}"] if scale != 1 else [])]
    return "-".join(parts) + ".png"


def capture(out: Path, look: str = theme.LIGHT, scale: float = 1.0) -> list[Path]:
    """Run the service and the window (`look` light or dark; `scale` applies when this starts Qt);
    save one PNG per view into `out`."""
    os.environ["QT_SCALE_FACTOR"] = f"{scale:g}"  # read when the application starts
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from gui.window import MainWindow

    out.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="appliance-screens-"))
    config = replace(demo_config(Config(), workdir), transfer=TransferConfig(
        staff_uri="sip:frontdesk@127.0.0.1", after_hours_uri="sip:frontdesk@127.0.0.1"))
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    service = ApplianceService(config)
    asyncio.run_coroutine_threadsafe(service.start(), loop).result(300)
    try:
        for caller_id, lines in HISTORY:
            asyncio.run_coroutine_threadsafe(run_script(service, lines, workdir, caller_id=caller_id), loop).result(300)
        app = QApplication.instance() or QApplication(sys.argv[:1])
        theme.apply(app, look)
        # the window opens as it does the first time, not as this user left theirs
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(workdir / "window"))
        window = MainWindow(config)
        window.show()
        live = asyncio.run_coroutine_threadsafe(run_script(service, LIVE_CALL[1], workdir, pause_s=2.0,
                                                           caller_id=LIVE_CALL[0]), loop)
        _pump(lambda: len(window.live.live.calls) == 1 and window.live.card.values["offered"].text() != "", 90)
        monday = date.today() + timedelta(days=7 - date.today().weekday())
        window.calendar.week_button.setChecked(True)  # the week of the booking made by phone
        window.calendar.show_day(monday)
        window.day.set_day(monday)  # the day of that booking at a glance
        window.calls.table.selectRow(1)
        saved = []
        for index, name in enumerate(VIEWS):
            window.tabs.setCurrentIndex(index)
            window.refresh()
            _pump(lambda: False, 1.5)
            path = out / file_name(name, look, scale)
            window.grab().save(str(path))
            saved.append(path)
        live.result(300)
        window.close()
        return saved
    finally:
        asyncio.run_coroutine_threadsafe(service.stop(), loop).result(60)
        loop.call_soon_threadsafe(loop.stop)


def _pump(done, seconds: float) -> None:  # noqa: ANN001
    """Process Qt events until `done()` or `seconds` pass."""
    from PySide6.QtCore import QEventLoop

    loop, deadline = QEventLoop(), time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        loop.processEvents()
        time.sleep(0.02)


def main(argv: list[str] | None = None) -> int:
    """`python -m gui.screenshots [OUT_DIR] [--look light|dark] [--scale FACTOR]`."""
    parser = argparse.ArgumentParser(prog="python -m gui.screenshots", description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", type=Path, default=Path("docs/screenshots"), help="folder for the PNGs")
    parser.add_argument("--look", choices=(theme.LIGHT, theme.DARK), default=theme.LIGHT,
                        help="the window's look (default: light)")
    parser.add_argument("--scale", type=float, default=1.0, help="desktop scaling, e.g. 1.5 for 150%% (default: 1)")
    args = parser.parse_args(argv)
    for path in capture(args.out, args.look, args.scale):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
