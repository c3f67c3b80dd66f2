"""Who saw what: the window's reads of patient records (a contact opened, a call's transcript, a
recording played, a message read, a search's results) go to the audit log under the desk user's
login, on the store's worker thread, so a busy store never holds up or breaks a view."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import Future

from appliance.crm.audit_trail import desk_actor, record_read
from gui.store_worker import StoreWorker

log = logging.getLogger(__name__)


class ReadAudit:
    """`view(entity, id)` and `search(entity, ids shown)`, each one audit row, written off the GUI thread."""

    def __init__(self, store: StoreWorker, actor: str | None = None) -> None:
        self.store = store
        self.actor = actor or desk_actor()

    def view(self, entity: str, entity_id: int, action: str = "view") -> Future:
        """The user opened this record (`action`: 'view', 'play_recording', ...)."""
        return self._write(action, entity, entity_id, {})

    def search(self, entity: str, shown: Sequence[int]) -> Future:
        """The user searched and these records were listed (the words searched are not kept:
        they are often a name or a number)."""
        return self._write("search", entity, None, {"shown": list(shown)})

    def _write(self, action: str, entity: str, entity_id: int | None, detail: dict) -> Future:
        def failed(exc: Exception) -> None:
            log.warning("the %s of %s %s could not be audited: %s", action, entity, entity_id or "", exc)
        return self.store.run(lambda s: record_read(s.db, self.actor, action, entity, entity_id, detail),
                              on_error=failed)
