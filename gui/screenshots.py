"""Screenshots of each main view for the README, from a real run: the service answers a few
scripted calls on loopback (real models, real SIP), then the window is captured tab by tab,
the live view while a call is in progress.

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python -m gui.screenshots docs/screenshots
"""

from __future__ import annotations

import asyncio
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

HISTORY = [  # (caller ID, lines): calls that fill the log, the calendar, the messages
    (DEMO_PATIENT[1], ["I'd like to book a cleaning next Monday morning", "the first one", "yes please",
                       "no thanks, goodbye"]),
    ("+15559876543", ["What are your opening hours?", "Where is the clinic located?", "no thanks, goodbye"]),
    ("+15550001111", ["I'd like to leave a message", "Please call me back about my bill", "no, goodbye"]),
]
LIVE_CALL = (DEMO_PATIENT[1], ["Hi, do you take my insurance?", "And where can I park?", "Thanks, goodbye"])
VIEWS = ["live", "dashboard", "call-log", "calendar", "contacts", "messages", "settings"]


def capture(out: Path) -> list[Path]:
    """Run the service and the window; save one PNG per view into `out`."""
    from PySide6.QtWidgets import QApplication

    from gui.window import MainWindow

    out.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="appliance-screens-"))
    config = replace(demo_config(Config(), workdir), transfer=TransferConfig(staff_uri="sip:frontdesk@127.0.0.1"))
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    service = ApplianceService(config)
    asyncio.run_coroutine_threadsafe(service.start(), loop).result(300)
    try:
        for caller_id, lines in HISTORY:
            asyncio.run_coroutine_threadsafe(run_script(service, lines, workdir, caller_id=caller_id), loop).result(300)
        app = QApplication.instance() or QApplication(sys.argv[:1])
        window = MainWindow(config)
        window.resize(1280, 800)
        window.show()
        live = asyncio.run_coroutine_threadsafe(run_script(service, LIVE_CALL[1], workdir, pause_s=2.0,
                                                           caller_id=LIVE_CALL[0]), loop)
        _pump(app, lambda: len(window.live.live.calls) == 1 and
              window.live.transcript.toPlainText().count("Caller:") >= 1, 60)
        window.calendar.week_button.setChecked(True)  # the week of the booking made by phone
        window.calendar.show_day(date.today() + timedelta(days=7 - date.today().weekday()))
        window.calls.table.selectRow(1)
        saved = []
        for index, name in enumerate(VIEWS):
            window.tabs.setCurrentIndex(index)
            window.refresh()
            _pump(app, lambda: False, 1.5)
            path = out / f"{name}.png"
            window.grab().save(str(path))
            saved.append(path)
        live.result(300)
        window.close()
        return saved
    finally:
        asyncio.run_coroutine_threadsafe(service.stop(), loop).result(60)
        loop.call_soon_threadsafe(loop.stop)


def _pump(app, done, seconds: float) -> None:  # noqa: ANN001
    """Process Qt events until `done()` or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)


def main(argv: list[str] | None = None) -> int:
    """`python -m gui.screenshots OUT_DIR`."""
    args = argv if argv is not None else sys.argv[1:]
    for path in capture(Path(args[0] if args else "docs/screenshots")):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
