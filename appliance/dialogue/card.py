"""The front desk's live card of a call: what the agent has gathered so far, in short words.

Only what is known is on the card (an empty field is left out), so it fills in as the call goes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from appliance.dialogue.state import WANTS, CallState, Step

WAITING_FOR = {  # the step the agent waits on, as the card says it
    Step.INTENT: "what the caller wants",
    Step.CONFIRM_INTENT: "a yes to what the agent understood",
    Step.NAME: "the caller's name",
    Step.DOB: "the date of birth",
    Step.SERVICE: "which treatment",
    Step.SERVICE_ONE: "a yes to one treatment",
    Step.WHEN: "a day and time",
    Step.CHOOSE: "a choice of the times offered",
    Step.CONFIRM: "a yes to the booking",
    Step.WHICH: "which appointment",
    Step.CONFIRM_CANCEL: "a yes to cancelling",
    Step.MESSAGE: "the message",
    Step.FOR_WHOM: "whom the appointment is for",
    Step.SPELL: "the spelling of the last name",
    Step.SPELL_FIRST: "the spelling of the first name",
    Step.SPELL_NAME: "the spelling of the last name",
    Step.CHECK_READING: "a yes to what the agent read",
    Step.CHECK_HEARD: "a yes to the name as heard",
    Step.MESSAGE_NAME: "who leaves the message",
    Step.MESSAGE_SPELL: "the spelling of the last name, for the message",
    Step.CALLBACK: "a number to call back",
    Step.CALLER_ID: "a yes to calling back on this number",
    Step.ANOTHER: "another booking or a move",
    Step.NAME_FIX: "the right name",
    Step.NAME_FIX_SPELL: "the right last name, spelled",
}
FIELDS = ("patient", "identity", "wants", "service", "dentist", "offered", "chosen", "appointment", "name",
          "date_of_birth", "message", "callback", "done", "waiting_for", "summary")  # the card's order


def short_time(moment: datetime) -> str:
    """'Mon 30 Nov 09:30' (a local time)."""
    return f"{moment:%a %d %b %H:%M}"


def call_card(state: CallState, local: Callable[[datetime], datetime]) -> dict[str, str]:
    """The card's fields (see FIELDS) for `state`; `local` turns a time into the clinic's zone."""
    s = state
    patient = ""
    if s.contact is not None:
        patient = f"{s.contact.name} (on file)"
    elif s.name or s.message_name:
        patient = f"{s.name or s.message_name} (not on file)"
    card = {
        "patient": patient,
        "identity": ("checked" if s.verified else "not checked") if s.contact is not None or s.name else "",
        "wants": WANTS.get(s.intent or "", ""),
        "service": s.service.name if s.service is not None else "",
        "dentist": s.provider.name if s.provider is not None else "",
        "offered": ", ".join(short_time(local(slot.starts_at)) for slot in s.offered),
        "chosen": (f"{short_time(local(s.chosen.starts_at))} with {s.chosen.provider_name}"
                   if s.chosen is not None else ""),
        "appointment": short_time(local(s.target.starts_at)) if s.target is not None else "",
        "name": s.name or "",
        "date_of_birth": s.date_of_birth or "",
        "message": s.message or "",
        "callback": s.callback_number or "",
        "done": "; ".join(s.done),
        "waiting_for": ("whether there is anything else" if s.offered_more and s.step == Step.INTENT
                        else WAITING_FOR.get(s.step, "")),
        "summary": s.summary(""),
    }
    return {key: card[key] for key in FIELDS if card[key]}
