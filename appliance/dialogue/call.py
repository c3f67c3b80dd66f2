"""One call as each flow of the dialogue sees it: the clinic, its records, the clock and the
call's state, with the few moves every flow makes (ask, finish a task, leave a callback)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from appliance.config import ClinicConfig
from appliance.crm.availability import Slot
from appliance.dialogue import wording
from appliance.dialogue.records import ClinicRecords
from appliance.dialogue.reply import Reply
from appliance.dialogue.spoken import say_moment
from appliance.dialogue.state import CallState, Step


@dataclass
class Call:
    """What the flows of one call share."""

    clinic: ClinicConfig
    records: ClinicRecords
    now: Callable[[], datetime]
    key: str = "call"  # names the call in log lines and booking idempotency keys
    state: CallState = field(default_factory=lambda: CallState(caller_number=""))

    def local_now(self) -> datetime:
        """Now, in the clinic's time zone."""
        return self.now().astimezone(self.records.tz)

    def local(self, moment: datetime) -> datetime:
        """`moment` in the clinic's time zone."""
        return moment.astimezone(self.records.tz)

    def say_moment(self, moment: datetime) -> str:
        """`moment` as the caller should hear it: 'tomorrow, Thursday, December 3rd, at 9 in the morning'."""
        return say_moment(self.local(moment), self.local_now().date())

    def say_slot(self, slot: Slot) -> str:
        """A slot as the caller should hear it: when, and with whom."""
        return wording.SLOT.format(moment=self.say_moment(slot.starts_at), provider=slot.provider_name)

    def clinic_open(self) -> bool:
        """Whether the clinic is open now."""
        return self.records.clinic_open(self.now())

    def ask(self, step: Step, question: str) -> Reply:
        """Say `question` and wait for the answer to `step`."""
        self.state.step = step
        self.state.offered_more = False
        return Reply.say(question)

    def then_anything_else(self, text: str, intent: str) -> Reply:
        """Say `text`: the task (`intent`) is over; offer more help."""
        self.state.next_task(intent)
        return Reply.say(wording.ANYTHING_ELSE.format(done=text))

    def leave_callback(self, text: str, number: str = "") -> None:
        """A message for the front desk asking them to call the caller back (at `number`, else
        at the caller ID)."""
        s = self.state
        self.records.take_message(text, number or s.caller_number, s.caller_name, s.contact_id, callback=True)
