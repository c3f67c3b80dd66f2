"""The caller turns of `appliance bench turns`: where people pause in the middle of an answer.

Each turn is (the step it answers, its kind, the words with `|` where the caller pauses). The
kinds the false cut-off target counts are the numbers, dates and spellings; a phrase pauses at a
comma or after "um"; a whole turn has no pause and measures the wait after a turn's end. Kept
apart from the unit tests' fixtures, so the benchmark stays an honest measurement.
"""

from __future__ import annotations

from appliance.dialogue.state import Step

NUMBER, DATE, SPELLING, PHRASE, WHOLE = "number", "date", "spelling", "phrase", "whole"
COUNTED = (NUMBER, DATE, SPELLING)  # the kinds of the false cut-off target

TURNS: tuple[tuple[Step, str, str], ...] = (
    (Step.CALLBACK, NUMBER, "Two one two | five five five | oh one three four."),
    (Step.CALLBACK, NUMBER, "It's five five five | nine eight seven six."),
    (Step.CALLBACK, NUMBER, "Sure, my number is | six four six | two two three | four four five five."),
    (Step.CALLBACK, NUMBER, "Eight four seven, | five five five, | zero one nine two."),
    (Step.CALLBACK, NUMBER, "Three one two | eight six seven | five three oh nine."),
    (Step.CALLBACK, NUMBER, "You can reach me at | four one five | five five five | two six seven one."),
    (Step.DOB, DATE, "July ninth | nineteen seventy two."),
    (Step.DOB, DATE, "Oh seven | twelve | sixty nine."),
    (Step.DOB, DATE, "The third of May | nineteen seventy five."),
    (Step.DOB, DATE, "Um, | March fourteenth, | nineteen eighty eight."),
    (Step.DOB, DATE, "It's January first, | nineteen eighty."),
    (Step.DOB, DATE, "The twenty third of August | nineteen ninety one."),
    (Step.SPELL, SPELLING, "K | H | A | N."),
    (Step.SPELL, SPELLING, "P R I | Y A."),
    (Step.SPELL, SPELLING, "It's W | A | L | T | E | R."),
    (Step.SPELL_FIRST, SPELLING, "H A | N N | A H."),
    (Step.INTENT, PHRASE, "Can I talk to a real person, | please?"),
    (Step.INTENT, PHRASE, "I'd like to book a cleaning | for sometime next week."),
    (Step.WHEN, PHRASE, "Um, | let me see, | Tuesday afternoon would work."),
    (Step.WHEN, PHRASE, "I was wondering | if you have anything on Friday morning."),
    (Step.INTENT, PHRASE, "Hi, I need to cancel my appointment | because I'm away that week."),
    (Step.MESSAGE, PHRASE, "Could you tell Doctor Patel | that my X-rays are ready | to be picked up."),
    (Step.INTENT, WHOLE, "I'd like to book a cleaning."),
    (Step.WHEN, WHOLE, "Tuesday afternoon."),
    (Step.CONFIRM, WHOLE, "Yes, please."),
    (Step.INTENT, WHOLE, "What time do you close on Friday?"),
    (Step.DOB, WHOLE, "July ninth, nineteen seventy two."),
    (Step.CALLBACK, WHOLE, "Two one two, five five five, oh one three four."),
    (Step.SPELL, WHOLE, "K H A N."),
    (Step.INTENT, WHOLE, "Thanks, that's all. Bye."),
)
PAUSES_MS = (350, 450, 650, 850)  # between the pieces of a turn, in turn
