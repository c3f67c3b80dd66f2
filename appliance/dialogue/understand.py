"""Read what the caller said by rules: intent, goodbye, yes/no, names (also spelled out),
services and providers (pure; what rules miss, `reading` asks the language model)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from rapidfuzz import fuzz, process

# said after "can't make it", what makes it no plain cancel: another time asked for, a booking, a question of cost
ANOTHER_TIME = (r"instead|another|other|different|anything|something|available|free|do you have|is there|"
                r"book|come in|fee|fees|cost|charge")
# a swelling and a pain said together, in either order, with no "not", "no longer", "went down" between
SWELLS = r"(swollen|swelling|swelled|swells)(?! (went|has gone|is going|gone) down)"
HURTS = r"(hurts (a lot|so much|badly)|really hurts|(so|really|very) painful|(a lot of|so much) pain)"
NOT_GONE = r"\b(?:(?!\b(?:not|no longer|nothing|never|went|gone|used to)\b|n't\b)[^.?!]){0,30}\b"
RULES: list[tuple[str, str]] = [
    # emergencies, also as recognisers mishear them ("can't breed", "my face is swelling")
    ("emergency", r"\b(emergency|(bleeding|bleeds) (a lot|heavily|badly|everywhere|and (it )?won't stop)|won't stop "
                  r"bleeding|bleeding (that |and )?won't stop|can't stop (the )?bleeding|blood everywhere|"
                  r"(gums?|mouth|socket|tooth)\b.{0,20}\b(leaving|bleating) (a lot|heavily|badly)|"
                  r"won't st(op|art) (leaving|bleating)|"  # "bleeding" misheard
                  r"can'?t breathe?|cannot breathe|can'?t swallow|abscess|in agony|killing me|"
                  r"can'?t breed|trouble breathing|hard to breathe|difficulty breathing|short of breath|chest pain|"
                  r"unconscious|passed out|fainted|knocked (out|loose)|knocked my tooth|tooth (got )?knocked|"
                  r"(face|jaw|cheek|eye|neck|throat|tongue)\b.{0,25}\b(swollen|swelling|swelled)|"
                  r"(swollen|swelling|swelled)\b.{0,20}\b(face|jaw|cheek|eye|neck|throat|tongue)|"
                  r"(really|very|badly|so|hugely) (swollen|swelling)|severe pain|unbearable|excruciating|"
                  rf"{SWELLS}{NOT_GONE}{HURTS}|{HURTS}{NOT_GONE}{SWELLS}|"  # whatever swells, as heard
                  r"allergic reaction|accident|broke my jaw|broken jaw|face\b.{0,25}\b(swell|swoll|swirl)\w*|"
                  r"(pain|hurts?|hurting) (is |was |'s |has been |got |gets )?(so |really |just )?"
                  r"(terrible|awful|unbearable|severe|excruciating)|"
                  r"(terrible|awful|unbearable|severe|excruciating|really bad) (pain|toothache))\b"),
    ("human", r"\b(real (person|people)s?|humans?|receptionist|"
              r"(someone|somebody|anyone|anybody) (at|from) the (front )?desk|speak (to|with) (someone|"
              r"a person|somebody|staff)|talk (to|with) (someone|a person|somebody|staff)|operator|representative|"
              r"manager|put me through|transfer me|connect me (to|with)|"
              r"(speak|talk) (to|with) (the )?(dr|doctor|dentist|hygienist)\b)\b"),
    ("wrong_number", r"\b(wrong number|misdialed|dialed the wrong|"
                     r"i must have ((dialed|called|rung|got) )?(a|the) (wrong|long) number)\b"),  # "long": misheard
    ("reschedule", r"\b(re-? ?schedul\w*|move my|change my (appointment|booking)|move (it|the appointment|that)|"
                   r"different (day|time)|another (day|time)|(push|bring|move) (it|my appointment|my \w+ appointment|my check-?up|"
                   r"my cleaning|my filling)( \w+)? (back|forward|earlier|later)|change (the|my) (day|time|date))\b"),
    ("cancel", r"\b(cancel\w*|call off|"
               r"(?<!if i )(?<!if we )(can't|cannot|can not|won't|will not|unable to|not able to)( be able to)? "
               r"(make it|(make|come to|keep|attend) (my|the|that|this|our|his|her) (\w+ )?(appointment|booking|visit))"
               rf"(?!.*\b({ANOTHER_TIME})\b)|"
               r"(take|cross|strike) (it|me|that|us|him|her|my appointment) off (the|your) (books?|schedule|calendar)|"
               r"(council|counsel|cancer)\w* (my|the|an|that) appointment)\b"),
    ("confirm", r"\b(confirm|check (my|on my) appointment|when is my appointment|do i have an appointment|"
                r"what time is my)\b"),
    ("message", r"\b(leave a message|take a message|call me back|call me about|callback|call back|message for|"
                r"get back to me)\b"),
    ("faq", r"\b(how much|what do you charge|cost|costs|price|prices|fee|fees|opening hours|open on|are you open|"
            r"where are you|parking|insurance)\b"),
    ("book", r"\b(book|booking|make an appointment|schedule|an appointment|new appointment|check[ -]?up|cleaning|"
             r"teeth clean(ed)?|clean my teeth|"
             r"filling|see (the |a )?(doctor|dentist|hygienist)|come in)\b"),
]
CLOSINGS = r"\b(bye|bye-bye|goodbye|good bye|never ?mind|that's all|that is all|that's it|that'll be all|" \
           r"that's everything|nothing else|all set|i'm good|no thanks|no thank you|" \
           r"have a (good|nice|great) (day|one)|see you|take care)\b"
FILLERS = r"\b(sorry about that|sorry to bother you|my mistake|" \
          r"ok|okay|no|nope|thanks|thank you|thank|you|great|perfect|alright|all right|cheers|so|much|very|" \
          r"well|then|um|uh|oh|o|yeah|yes|really|for now|for your help|i think|actually|by|" \
          r"sorry|anyway|oops|bye|and)\b"
CLOSING_WORDS = frozenset(re.findall(r"[a-z']+", re.sub(r"\\[a-z]", " ", CLOSINGS + FILLERS)))  # their words
YES = (r"\b(yes|yeah|yep|yup|ya|correct|right|sure|okay|ok|please do|do it|go ahead|that works|sounds good|"
       r"perfect|great|fine|absolutely|definitely|of course|exactly|alright|all right|affirmative)\b")
NO = (r"\b(no|nope|not really|wrong|incorrect|neither|none of|not (right|sure|now|yet|really|quite|correct|that)|"
      r"not (okay|ok|great|good|fine|perfect|alright|all right|ideal)|"
      r"(of course|absolutely|definitely) not|don't|doesn't|won't|can't|wait|hold on)\b")
ANGRY = r"\b(ridiculous|useless|stupid|terrible|furious|angry|fed up|waste of time|unacceptable)\b"
NEGATED = re.compile(r"\b(?:not|never|except|anyone but|anybody but|no one but)\b|n't\b", re.IGNORECASE)
LONG_KEY = 5  # a service's key this long is found inside a word too ("recheck"); shorter, at its start
TITLE_DOT = re.compile(r"\b(mr|mrs|ms|dr)\.", re.IGNORECASE)  # "Dr. Patel": the title's dot ends no sentence
BUT = re.compile(r"\bbut\b[\s,]*", re.IGNORECASE)
NEARLY = 70  # rapidfuzz ratio (0..100): a word said this close to a name may be it ("declining", "cleaning": 71)
NOT_NAMES = frozenset("""
a about actually again ah all already also am an and any anyway appointment are as at be because been before
book booking but by call calling can cancel check cleaning clinic could date day dentist did do does doctor don't
er eh for from get go going good got had has have hello help hey hi how hmm huh i i'd i'm if in is it it's just
know like look maybe me mine morning afternoon evening my need no nope not now of oh ok okay on one or our please
really right said say see she so sorry sure tell thank thanks that the them then there they this time to
today tomorrow uh um want was we well were what when where which who why will with would yeah yes yep you your
monday tuesday wednesday thursday friday saturday sunday week next last birth born name first actually
mr mrs ms miss dr doctor sir madam
he her him his husband wife son daughter mother mom mum father dad brother sister child kid partner
wrong incorrect close different
""".split())
# what was offered does not suit ("Neither of those", "That doesn't work for me")
TURNED_DOWN = re.compile(r"\b(?:doesn't|does not|don't|do not|won't|will not|can't|cannot) (?:work|suit|do)\b|"
                         r"\bnone of (?:those|them|these)\b|\bneither of (?:those|them|these)\b|\bno good\b")
INTRODUCED = re.compile(r"\b(?:this is|my name is|my name's)\s", re.IGNORECASE)  # a name follows
TITLES = ("mr", "mrs", "ms", "miss", "dr", "doctor", "sir")



def rule_intent(text: str) -> str | None:
    """The first intent whose rule matches, or None."""
    lowered = text.lower().replace("\u2019", "'")
    for intent, pattern in RULES:
        if re.search(pattern, lowered):
            return intent
    return "goodbye" if is_goodbye(text) else None


def is_goodbye(text: str) -> bool:
    """The whole turn is a closing ("thanks, that's all, bye"), its last word perhaps cut off
    ("Thanks, that's all my-": what is cut off may begin a closing's word or a filler; "bu-"
    may be "but"); a request that ends in "bye" is not."""
    lowered = text.lower().replace("\u2019", "'")
    cut = re.search(r"(?<![\w'])([a-z']+)-\W*$", lowered)
    if cut and any(word.startswith(cut[1]) for word in CLOSING_WORDS) and only_closing(lowered[:cut.start()]):
        return True
    if re.search(r"\b(bye|goodbye)\W*$", lowered) and len(lowered.split()) <= 6:  # "and, let's all, bye!"
        return True
    if re.search(r"\b(thanks|thank you|that's all)\b.*\bbuy\W*$", lowered) and len(lowered.split()) <= 6:
        return True  # "Thanks, let's all buy." (the homophone, heard for "thanks, that's all, bye")
    return only_closing(text)


def only_closing(text: str) -> bool:
    """Nothing but a closing and its fillers ("no thanks, goodbye"): no words that could be a
    message ("tell them thanks, bye" has some)."""
    lowered = text.lower().replace("\u2019", "'")
    if re.search(CLOSINGS, lowered) is None:
        return False
    rest = re.sub(FILLERS, " ", re.sub(CLOSINGS, " ", lowered))
    return re.search(r"[a-z0-9]", rest) is None


def yes_or_no(text: str) -> bool | None:
    """True for a yes, False for a no, None for neither (or both)."""
    lowered = text.lower().replace("\u2019", "'")
    yes, no = re.search(YES, lowered) is not None, re.search(NO, lowered) is not None
    if yes and no:
        return None if not re.match(r"\s*(no|nope)\b", lowered) else False
    return True if yes else False if no else None


ASSENT = (r"\b(?:yes|yeah|yep|yup|ya|correct|right|exactly|sure|okay|ok|alright|all right|great|perfect|lovely|"
          r"good|fine|cool|absolutely|definitely|of course|sounds good|that works|please|thanks|thank you|cheers|"
          r"that's|that is|it's|it is|mm-?hmm|mhm|hmm|uh-huh|um|uh|oh|so|very much|much|"
          r"(?:this|that) (?:number|one|time|day|date)(?: is| will do| works)?)\b")  # "this number is fine"


def adds_nothing(text: str) -> bool:
    """Only a yes, a thanks or a please, and fillers ("That's right.", "Yes, please.", "Um, thank
    you."): nothing a question could be answered with (no no, no closing, no request)."""
    lowered = text.lower().replace("\u2019", "'")
    if not re.search(r"[a-z]", lowered) or re.search(NO, lowered) or re.search(CLOSINGS, lowered):
        return False
    return re.search(r"[a-z0-9]", re.sub(ASSENT, " ", lowered)) is None


def firm_no(text: str) -> bool:
    """A no that does not rest on a "can't" alone (the recogniser writes "can't sell it" for
    "cancel it")."""
    return yes_or_no(re.sub(r"\b(can't|cannot|can not)\b", " ", text.lower().replace("\u2019", "'"))) is False


def for_someone_else(text: str) -> bool:
    """'...for my son', 'for my husband Carlos': the appointment is for another person."""
    return re.search(r"\bfor (my|our|her|his) (son|daughter|wife|husband|partner|mother|mom|mum|father|dad|child|"
                     r"kid|boy|girl|brother|sister|friend|grandson|granddaughter)\b", text.lower()) is not None


def sounds_angry(text: str) -> bool:
    """Words that say the caller is upset."""
    return re.search(ANGRY, text.lower()) is not None


def extract_name(text: str) -> str | None:
    """'my name is maria lopez' -> 'Maria Lopez'; spelled letters ('L O P E Z') are joined. None
    unless it looks like a name: words a caller says that are not names ("actually", "yeah",
    "do", "I'll", "1972") are not taken for one."""
    lowered = TITLE_DOT.sub(r"\1", text.lower().replace("\u2019", "'").strip())
    match = re.search(r"\b(?:surname is|last name is|my name is|my name's|name is|name's|this is|it's|it is|i am|"
                      r"i'm|call me)\s+(.+)", lowered)
    candidate = re.split(r"\b(?:and|my date|date of birth|born|calling|speaking|here|please)\b|[,.;:!?]",
                         match.group(1) if match else lowered)[0]
    candidate = re.sub(r"\b([a-z])[\s\-.]+(?=[a-z]\b)", r"\1", candidate)  # l o p e z -> lopez
    words = [w.strip("'") for w in re.findall(r"[a-z'\-]+|\d+", candidate)]
    words = [w for w in words if w and w not in ("spelled", "that's", "is", "the")]
    while words and words[0] in TITLES:  # "Mr. Hano": the name, not the title
        words = words[1:]
    for size in range(2, len(words) // 2 + 1):  # "Walter Britt Walter Britt Walter Britt": written again and again
        if words == words[:size] * (len(words) // size):
            words = words[:size]
            break
    if not 1 <= len(words) <= 4 or any(not looks_like_name_word(w) for w in words):
        return None
    return " ".join(capitalised(w) for w in words)


def full_name_in(text: str, introduced: bool = False) -> str | None:
    """A first and last name said as a clause of an answer to something else ("No, it's for
    me, Lucy Brennan." -> 'Lucy Brennan'), or None; `introduced`: only in a clause that says
    "this is" or "my name is" ("Hi, this is Robert Chen, and I'd like..."), so that "I'm
    calling about" names nobody."""
    for clause in re.split(r"[,.;!?]", text):
        if introduced and INTRODUCED.search(clause) is None:
            continue
        name = extract_name(clause)
        if name is not None and len(name.split()) >= 2:
            return name
    return None


def capitalised(word: str) -> str:
    """'o'neill' -> "O'Neill", 'jean-luc' -> 'Jean-Luc'."""
    return re.sub(r"(^|['\-])([a-z])", lambda m: m[1] + m[2].upper(), word)


def looks_like_name_word(word: str) -> bool:
    """Letters only (an apostrophe or hyphen inside), and not a common word that is no name."""
    return (re.fullmatch(r"[a-z]+(?:['\-][a-z]+)*", word) is not None and len(word) >= 2
            and word not in NOT_NAMES and not word.endswith("'ll") and not word.endswith("'ve"))


def plain(text: str) -> str:
    """Lower case without accents: 'Dr. Gómez' -> 'dr. gomez'."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def objection(text: str) -> str:
    """What in an answer to a yes-or-no question may ask for something else: all of it, but
    after a yes only what follows its "but" ("Yes, but the name is Emma Davies"; a plain yes:
    nothing)."""
    if yes_or_no(text) is not True:
        return text
    parts = BUT.split(text, maxsplit=1)
    return parts[1] if len(parts) == 2 and yes_or_no(parts[1]) is not True else ""


def asked_for(text: str, options: Sequence[str], services: bool = False) -> int | None:
    """Index of the option (a dentist, or one of `services`) `text` asks for: named in a clause
    that does not turn it down ("not Dr. Patel, Dr. Okafor please": Okafor; "anyone but Dr.
    Patel": none)."""
    untitled = TITLE_DOT.sub(r"\1", text)  # "Dr. Patel" is one clause
    clauses = [c for c in re.split(r"[,.;!?]|\band\b", untitled) if not NEGATED.search(c)]
    return pick_by_name(" , ".join(clauses), options, inside=services)


def pick_by_name(text: str, options: Sequence[str], nearly: bool = False, inside: bool = False) -> int | None:
    """Index of the option (a service or provider name) the caller mentioned, at a word's start
    ("Lee" is not in "asleep"; `inside`, for services: a long one inside a word too, "recheck",
    and as a verb, "my teeth cleaned"); `nearly`: or the one a word said is spelled nearly like
    ("declining" heard for "the cleaning"), when only one is (for a choice the agent names back
    before acting on it)."""
    lowered = plain(text)
    keys = [([w for w in re.findall(r"[a-z]+", plain(option)) if len(w) > 2 and w != "dr"] or [""])[-1]
            for option in options]
    for index, key in enumerate(keys):
        start = "" if inside and len(key) >= LONG_KEY else r"\b"
        if key and re.search(start + re.escape(key), lowered):
            return index
    for index, key in enumerate(keys):  # a service as a verb: "my teeth cleaned", "it filled"
        stem = key.removesuffix("ing")
        if inside and stem != key and len(stem) >= 4 and re.search(rf"\b{re.escape(stem)}ed\b", lowered):
            return index
    if not nearly:
        return None
    said = re.findall(r"[a-z]+", lowered)
    close = {index for index, key in enumerate(keys) if key and said
             and process.extractOne(key, said, scorer=fuzz.ratio, score_cutoff=NEARLY) is not None}
    return close.pop() if len(close) == 1 else None
