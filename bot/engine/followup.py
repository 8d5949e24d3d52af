"""Resolving short follow-ups ("Und wie verdient man damit Geld?") against the last turn.

A follow-up leans on the previous question for its subject ("Matches im TikTok-Live"), so
retrieval searches with the follow-up plus that subject; the follow-up's own words keep deciding
what is asked. Cues are conjunctions at the start, pronouns that point back, or a question too
short to stand alone.

An elliptical follow-up ("Und weltweit?", "Und in Kalifornien?", "And in 2023?") is different:
it keeps the previous question and swaps one of its parts, so appending the old subject would
search for the very qualifier the user just replaced. Such a follow-up is expanded into the
previous question with that part swapped ("Wie viele Nutzer hat TikTok weltweit?") and then
handled as a question of its own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.engine.keyword import GERMAN_NOUN, STOPWORDS, tokenize
from bot.engine.types import Turn

_OPENERS = re.compile(  # longest first: what follows an opener is matched against it
    r"^\s*(und\s+was\s+ist\s+mit|und\s+was|was\s+ist\s+mit|wie\s+ist\s+es\s+mit|auch\s+wenn|selbst\s+wenn|"
    r"und|aber|oder|also|and\s+what\s+about|and\s+what|what\s+about|how\s+about|even\s+if|and|but|so)\b",
    re.IGNORECASE,
)
_ANAPHORA = frozenset(
    """
    damit dabei dafür davon dazu darüber darin daran darauf danach dran drauf drin drüber dort dorthin
    er ihn ihm ihnen dies diese
    dieser dieses diesem diesen solche solchen eins
    it its that this these those they them their there he she him her
    """.split()
)
_FINAL_PRONOUNS = frozenset({"das", "es", "sie"})  # the others point back anywhere (`_ANAPHORA`)
# "die", "der", "das" stand for something said before when no noun follows them: "wie lang bleiben
# die gespeichert?", "muss ich die jetzt löschen?" (but "muss ich die Musik bezahlen?" has its noun).
_POINTING = re.compile(
    r"\b(?:die|der|das|den|dem)\s+(?:jetzt|dann|noch|auch|schon|eigentlich|überhaupt|wirklich|da|dort|denn|"
    r"mal|immer|nicht|nie|sofort|einfach|später|wieder|bis|"
    r"(?-i:ge[a-zäöüß]+(?:t|en)))\b",  # a participle, not "die Gebühren"
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-zäöüß]+")
_SHORT = 1  # content words: "Und wann?" or "Wie lange?" cannot stand alone
# Nouns carry the subject. German capitalises them; in English, content words minus the verbs
# and adverbs that questions are built from come closest.
_FILLERS = frozenset(
    "long much many last take takes work works mean means cost costs make makes get use need find help "
    "start best good way ways really actually "
    "lange dauert dauern funktioniert funktionieren kostet kosten macht machen geht gehen bringt bringen "
    "nutzt nutzen brauche braucht gut gute genau eigentlich wirklich".split()
)
_NOT_SUBJECTS = frozenset({"Sie", "Ihr", "Ihre", "Ihnen", "Ich", "I", "Und", "And"})


# Elliptical follow-ups: an opener, then only the part that changes.
_MAX_PART_WORDS = 4
_QUESTION_WORDS = frozenset(
    "wie was wann wo wer warum wieso weshalb welche welcher welches welchen wieviel wohin woher "
    "how what when where who why which whose".split()
)
# Where-words that stand for a place phrase: "weltweit" swaps with "in Deutschland".
_PLACE_ADVERBS = frozenset(
    "weltweit global international europaweit deutschlandweit bundesweit hierzulande "
    "worldwide globally internationally".split()
)
_PREPOSITIONS = (
    "in im ins am an auf bei beim für mit nach pro seit von vom vor zu zum zur über unter ohne gegen "
    "for at on with from to by per since of about"
).split()
_PLACE = ("in", "im")  # the prepositions of the place slot, which the place adverbs share
_YEAR = re.compile(r"(?:\b(?:im\s+jahr|in)\s+)?\b(?:19|20)\d\d\b", re.IGNORECASE)  # "2023", "im Jahr 2023"
_PHRASE_END = r"(?=\s+(?:und|oder|and|or|" + "|".join(_PREPOSITIONS) + r")\b|[?!.,;:]|$)"


def _slot(preposition: str) -> str:
    """Prepositions that fill the same slot of a question ("in"/"im"/"weltweit": where)."""
    return "in" if preposition in _PLACE or preposition in _PLACE_ADVERBS else preposition


def subject_of(question: str, lang: str) -> str:
    """The subject words of a question: its nouns, names and acronyms.

    German marks nouns by capitals; English questions, and German typed in lower case, fall
    back to their content words.
    """
    words = [w for w in GERMAN_NOUN.findall(question.strip()) if w not in _NOT_SUBJECTS]
    if lang == "en" or not words:
        words += [w for w in _WORD.findall(question.lower()) if w not in STOPWORDS and w not in _FILLERS]
    return " ".join(dict.fromkeys(w.strip(".-") for w in words if w not in _ANAPHORA))


# "How many users are there in Europe?" asks whether something exists; "there" points nowhere.
_EXISTENTIAL = re.compile(r"\b(?:is|are|was|were|be|been)\s+there\b", re.IGNORECASE)


def is_follow_up(question: str, lang: str) -> bool:
    words = _WORD.findall(_EXISTENTIAL.sub(" ", question).lower())
    if _OPENERS.match(question) or any(w in _ANAPHORA for w in words) or _POINTING.search(question):
        return True
    # A pronoun at the very end ("Wie lange dauert das?") points back; elsewhere "das", "es" and
    # "sie" are mostly articles or fillers ("Gibt es ...?").
    if words and words[-1] in _FINAL_PRONOUNS:
        return True
    return len(tokenize(question, lang)) <= _SHORT


def may_stand_alone(question: str, lang: str, history: list[Turn]) -> bool:
    """A follow-up by its cues (a pronoun, an opener, its brevity) that names a subject of its own
    ("Was ist der CCPA?"), so it may be a new question."""
    return contextualize(question, lang, history) is not None and bool(subject_of(question, lang))


def needs_subject(question: str, lang: str, history: list[Turn]) -> bool:
    """A follow-up with nothing to follow ("Wie lange dauert das?" as a first message)."""
    has_context = leaned_on(history) is not None
    return not has_context and is_follow_up(question, lang) and not subject_of(question, lang)


def expand_ellipsis(question: str, history: list[Turn]) -> str | None:
    """The previous question with one part swapped, for an elliptical follow-up; else None.

    The part is a year, a place adverb or a phrase opening with a preposition ("im Februar 2025").
    It replaces the previous question's part of the same kind, or joins it when that question had
    none ("Wie viele Nutzer hat TikTok?" + "Und in Deutschland?"). Anything else ("Und wie
    lange?", "Und Märkte?") is an ordinary follow-up.
    """
    opener = _OPENERS.match(question)
    part = question[opener.end() :].strip(" ?!.") if opener else ""
    if not history or not part:
        return None
    words = _WORD.findall(part.lower())
    if len(part.split()) > _MAX_PART_WORDS or any(w in _QUESTION_WORDS or w in _ANAPHORA for w in words):
        return None
    previous = history[-1].question.strip()
    first = part.split()[0].lower()
    if _YEAR.fullmatch(part):
        old = _YEAR
    elif (first in _PLACE_ADVERBS and len(words) == 1) or (first in _PREPOSITIONS and len(words) > 1):
        slot = _slot(first)
        same = [p for p in (*_PREPOSITIONS, *_PLACE_ADVERBS) if _slot(p) == slot]
        old = re.compile(r"\b(?:" + "|".join(same) + r")\b(?:\s+[^\s?!.,;:]+)*?" + _PHRASE_END, re.IGNORECASE)
    else:
        return None
    swapped, count = old.subn(part, previous, count=1)
    if count:
        return swapped
    body = previous.rstrip(" ?!.")
    return f"{body} {part}{previous[len(body) :].strip() or '?'}"


def leaned_on(history: Sequence[Turn]) -> Turn | None:
    """The turn a follow-up leans on: the last question asked about anything, answered or declined.
    "und was kostet das" after a declined question on Pinterest ads asks about Pinterest, not about
    the last topic the guides covered. Greetings and other notices carry no subject."""
    return next((t for t in reversed(history) if t.subject), None)


def contextualize(question: str, lang: str, history: list[Turn]) -> str | None:
    """The retrieval query for a follow-up, or None when the question stands on its own."""
    previous = leaned_on(history)
    if previous is None or not is_follow_up(question, lang):
        return None
    return f"{question} ({previous.subject})"
