"""Import contacts from a CSV file, off the window's thread, with progress and Cancel: rows that
are not valid are left out and listed, the others are saved together (none of them on Cancel)."""

from __future__ import annotations

import re
from concurrent.futures import Future
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QPushButton, QVBoxLayout, QWidget

from appliance.crm.exports import ImportReport, import_contacts_csv
from gui.long_job import JobEnd, JobPanel, LongJob, run_on_store
from gui.store_worker import Store, StoreWorker
from gui.style import OK, WARNING

COLUMNS = "name, phone (several separated by ';'), date_of_birth (YYYY-MM-DD), email, notes"
LISTED = 3  # rejected rows named in the result; the rest are counted


class ImportRefused(Exception):
    """The file cannot be imported at all (its header, its encoding)."""


def import_file(store: Store, path: Path, job: LongJob) -> ImportReport:
    """Read the CSV file at `path` and import its contacts (on the store's thread)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused(f"{path.name} is not UTF-8 text; save it from the spreadsheet as "
                            "'CSV UTF-8' and try again") from None
    report = import_contacts_csv(store.contacts, text, job.report)
    if report.header_refused:
        raise ImportRefused(f"{plain(report.rejected[0][1])}; the columns are {COLUMNS}")
    return report


def plain(reason: str) -> str:
    """A rejected row's reason without the code at its end."""
    return re.sub(r"\s*\[[\w.]+\]$", "", reason)


def report_words(report: ImportReport, name: str) -> tuple[str, str]:
    """What an import did, as a sentence and its tone (WARNING when rows were left out)."""
    if not report.imported and not report.rejected:
        return f"{name} has no contact rows: nothing was imported.", WARNING
    saved = f"Imported {report.imported} contact{'' if report.imported == 1 else 's'} from {name}"
    if not report.rejected:
        return f"{saved}.", OK
    listed = "; ".join(f"line {line}: {plain(why)}" for line, why in report.rejected[:LISTED])
    more = len(report.rejected) - LISTED
    rows = f"{len(report.rejected)} row{'' if len(report.rejected) == 1 else 's'}"
    return f"{saved}; {rows} left out ({listed}{f'; and {more} more' if more > 0 else ''}).", WARNING


class ContactsImport(QWidget):
    """The "Import contacts from CSV..." button and the import's progress; `imported` once
    contacts were saved."""

    imported = Signal()

    def __init__(self, store: StoreWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.button = QPushButton("Import contacts &from CSV...", toolTip=f"Columns: {COLUMNS}")
        self.button.setAccessibleName("Import contacts from a CSV file")
        self.button.clicked.connect(self.choose_and_import)
        self.panel = JobPanel("Cancel import &from CSV")  # the Import button is off while it runs
        self.panel.busy_changed.connect(lambda busy: self.button.setEnabled(not busy))
        self.panel.finished.connect(self._ended)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.button)
        layout.addWidget(self.panel)

    def choose_and_import(self) -> Future | None:
        """Ask for a CSV file and import it."""
        path, _ = QFileDialog.getOpenFileName(self, "Import contacts", str(Path.home()),
                                              "CSV files (*.csv);;All files (*)")
        return self.start(Path(path)) if path else None

    def start(self, path: Path) -> Future | None:
        """Import the CSV file at `path` (None while an import runs)."""
        if self.panel.busy:
            return None
        job = self.panel.watch(LongJob("Importing contacts", lambda report: report_words(report, path.name),
                                       f"Nothing was imported from {path}", "Import cancelled: no contact was saved."))
        return run_on_store(self.store, job, lambda store, job: import_file(store, path, job))

    def _ended(self, end: JobEnd) -> None:
        if end.value is not None and end.value.imported:
            self.imported.emit()
