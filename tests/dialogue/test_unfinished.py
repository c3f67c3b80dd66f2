"""Reading a pause: does what the caller said so far sound like it goes on?"""

from __future__ import annotations

from datetime import date

import pytest

from appliance.dialogue.state import Step
from appliance.dialogue.unfinished import sounds_answered, sounds_unfinished, trails_off

TODAY = date(2026, 3, 2)


def unfinished(text: str, step: Step = Step.INTENT, spelling: str = "") -> bool:
    return sounds_unfinished(text, step, "US", False, TODAY, spelling)


@pytest.mark.parametrize("text", ["I'd like to book a cleaning and", "Um...", "Uh", "Let me see.", "Hold on,",
                                  "My number is", "It's for my", "One second."])
def test_a_turn_that_trails_off_goes_on(text):
    assert trails_off(text) and unfinished(text)


@pytest.mark.parametrize("text", ["I'd like to book a cleaning.", "Can I talk to a real person?", "I think so.",
                                  "Yes, that's right.", "Thanks, bye.", "Mm-hmm.", "Yes, it is.", ""])
def test_a_whole_answer_does_not(text):
    assert not unfinished(text)


@pytest.mark.parametrize(("text", "goes_on"), [
    ("Good afternoon.", True), ("Hi there.", True), ("Oh, hello.", True), ("Hi, good morning.", True),
    ("Hello?", False), ("Hi, I'd like to book a cleaning.", False), ("Good.", False)])
def test_a_greeting_alone_is_followed_by_the_request(text, goes_on):
    assert unfinished(text) is goes_on
    assert not unfinished(text, Step.CONFIRM)


@pytest.mark.parametrize(("text", "goes_on"), [
    ("212", True), ("Two one two, five five five.", True), ("847-5555", True),  # seven digits: a local number, or more
    ("212-555-0198.", False), ("It's 646 223 4455", False), ("The number I'm calling from.", False),
    ("This number is fine.", False), ("No, it's two one two, five five five", True),
    ("That's 212 555", True), ("Why do I need that?", False), ("No.", False)])
def test_half_a_phone_number_goes_on(text, goes_on):
    assert unfinished(text, Step.CALLBACK) == goes_on
    assert unfinished(text, Step.CALLER_ID) == goes_on


@pytest.mark.parametrize(("text", "asked", "goes_on"), [
    ("Sure.", Step.CALLBACK, True), ("Yes, please.", Step.CALLBACK, True),  # "What number should we call?": a lead-in
    ("Sure.", Step.CALLER_ID, False), ("Yes, please.", Step.CALLER_ID, False),  # "...the number you call from?"
    ("Sure, might I am very big or big?", Step.CALLBACK, True),  # "Sure, my number is" garbled: the number follows
    ("Okay, why do you need that?", Step.DOB, False)])  # a question of the caller's own
def test_a_yes_answers_only_a_yes_or_no_question(text, asked, goes_on):
    assert unfinished(text, asked) == goes_on


@pytest.mark.parametrize(("text", "goes_on"), [
    ("July", True), ("July 9th.", True), ("Oh seven, twelve.", True), ("The third of May.", True),
    ("July 9th, 1972.", False), ("Jan. 1, 1980.", False), ("07 12 69", False), ("Yes.", True),
    ("Why do you need that?", False),  # a question of their own
    ("You ride high.", True),  # garbled: more may come
    ("Yeah, it's July", True), ("No, I'd rather not.", False), ("Why do I need that?", False)])
def test_a_date_of_birth_without_its_year_goes_on(text, goes_on):
    assert unfinished(text, Step.DOB) == goes_on


@pytest.mark.parametrize(("text", "name", "goes_on"), [
    ("K.", "Khan", True), ("K-H.", "Khan", True), ("K-H-A.", "Khan", False), ("K-H-A-N.", "Khan", False),
    ("H-A-N.", "Hannah", True), ("H-A-N-N-A.", "Hannah", False), ("K.", "", True), ("K-H.", "", False),
    ("Sorry, what?", "Khan", False), ("A", "Ng", True), ("Hey, kid.", "Hannah", True), ("Sure.", "Khan", True),
    ("PR-I-Y-A.", "Priya", False)])  # letters grouped as Whisper writes them
def test_a_spelling_short_of_the_name_heard_goes_on(text, name, goes_on):
    assert unfinished(text, Step.SPELL, name) == goes_on


@pytest.mark.parametrize("text, step, whole", [
    ("Yes, please do.", Step.CONFIRM, True), ("Yep.", Step.CONFIRM_CANCEL, True),
    ("That's right.", Step.FOR_WHOM, True),
    ("No.", Step.CONFIRM, False), ("Yes, but", Step.CONFIRM, False), ("Yes, only if it's early", Step.CONFIRM, False),
    ("Yes, and could you also send me a reminder?", Step.CONFIRM, False),
    ("March 4th, 1991.", Step.DOB, True), ("March 4th", Step.DOB, False),
    ("Six four six, two two three, four four five five.", Step.CALLBACK, True),
    ("Six four six, two two three", Step.CALLBACK, False),
    ("Okay, thank you, goodbye.", Step.WHEN, True), ("Tell them thanks, bye", Step.MESSAGE, False),
    ("Yes, for", Step.CONFIRM, False), ("Yeah, I.", Step.CONFIRM, False), ("Yes, please", Step.CONFIRM, False),
    ("May 3rd, nineteen.", Step.DOB, False), ("1 646 223 445.", Step.CALLBACK, False),
    ("I'd like a filling.", Step.INTENT, False), ("Wednesday evening.", Step.WHEN, True),
    ("Monday at a quarter past two.", Step.WHEN, True), ("Next Friday.", Step.WHEN, False),
    ("Some time in the afternoon.", Step.WHEN, False), ("Monday, um", Step.WHEN, False),
    ("Option two.", Step.CHOOSE, True), ("The half past three one.", Step.CHOOSE, True),
    ("Hmm, which is", Step.CHOOSE, False), ("The first one, please", Step.CHOOSE, True),
    ("The first one, or", Step.CHOOSE, False), ("Do you have anything later?", Step.CHOOSE, False),
    ("Anything earlier in the week", Step.CHOOSE, False), ("Not the first one", Step.CHOOSE, False),
    ("First I need to check with my husband", Step.CHOOSE, False), ("No, the second one.", Step.CHOOSE, True),
    ("Do you have anything on Monday?", Step.CHOOSE, False),
    ("Megan Holloway", Step.NAME, True), ("My name is Lucy Brennan.", Step.MESSAGE_NAME, True),
    ("Megan.", Step.NAME, False), ("Megan Holloway, and", Step.NAME, False),
    ("Is that Megan Holloway?", Step.NAME, False),
    ("Megan Holloway and I'd like", Step.NAME, False), ("Megan Holloway", Step.WHEN, False),
    ("Lucy Brennan-Smith", Step.NAME, True), ("Megan de", Step.NAME, False),
    ("15 July nineteen eighty", Step.DOB, False),
    ("15 July 1967", Step.DOB, True), ("July 15th, nineteen sixty seven", Step.DOB, True), ("15 July", Step.DOB, False),
    ("Wednesday afternoon", Step.WHEN, True), ("Wednesday afternoon if you have anything", Step.WHEN, False),
])
def test_a_full_answer_to_the_question_asked_is_whole(text, step, whole):
    assert sounds_answered(text, step, "US", False, TODAY) is whole


@pytest.mark.parametrize(("text", "name", "whole"), [
    ("K-H-A-N.", "Khan", True), ("K-H-A.", "Khan", False), ("K-H-A-N", "Khan", False), ("It's L-I-M.", "Lim", True),
    ("P-R-I-Y-A.", "Pria", True), ("Sure.", "Khan", False), ("K-H.", "", False)])  # no name heard: no count
def test_a_spelling_with_every_letter_of_the_name_heard_is_whole(text, name, whole):
    assert sounds_answered(text, Step.SPELL, "US", False, TODAY, name) is whole


@pytest.mark.parametrize("text, goes_on", [("B E L L A", True), ("B-E-L-L-A-M-Y.", False), ("B E L L A M Y", True)])
def test_letters_not_closed_with_a_stop_go_on(text, goes_on):
    assert unfinished(text, Step.SPELL, spelling="Bell") is goes_on

