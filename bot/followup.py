"""Resolving short follow-ups ("Und wie verdient man damit Geld?") against the last turn.

A follow-up leans on the previous question for its subject ("Matches im TikTok-Live"), so
retrieval searches with the follow-up plus that subject; the follow-up's own words keep deciding
what is asked. Cues are conjunctions at the start, pronouns that point back, or a question too
short to stand alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.keyword import STOPWORDS, tokenize

_OPENERS = re.compile(
    r"^\s*(und|aber|oder|also|und\s+was|was\s+ist\s+mit|wie\s+ist\s+es\s+mit|"
    r"and|but|so|what\s+about|how\s+about|and\s+what)\b",
    re.IGNORECASE,
)
_ANAPHORA = frozenset(
    """
    damit dabei dafür davon dazu darüber darin daran dort dorthin ihn ihm ihnen dies diese
    dieser dieses diesem diesen solche solchen eins
    it its that this these those they them their there he she him her
    """.split()
)
_FINAL_PRONOUNS = frozenset({"das", "es", "sie", "er", "that", "it", "this", "them"})
_WORD = re.compile(r"[a-zäöüß]+")
_SHORT = 1  # content words: "Und wann?" or "Wie lange?" cannot stand alone
# Nouns carry the subject. German capitalises them; in English, content words minus the verbs
# and adverbs that questions are built from come closest.
_CAPITALISED = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-ZÄÖÜ][\wÄÖÜäöüß.\-]*")
_FILLERS = frozenset(
    "long much many last take takes work works mean means cost costs make makes get use need find help "
    "start best good way ways really actually "
    "lange dauert dauern funktioniert funktionieren kostet kosten macht machen geht gehen bringt bringen "
    "nutzt nutzen brauche braucht gut gute genau eigentlich wirklich".split()
)
_NOT_SUBJECTS = frozenset({"Sie", "Ihr", "Ihre", "Ihnen", "Ich", "I", "Und", "And"})


@dataclass(frozen=True)
class Turn:
    """What the conversation remembers of one question."""

    question: str
    standalone: str  # the question with its context resolved, as retrieval saw it
    language: str
    in_scope: bool
    subject: str = ""  # what the conversation is about, for the next follow-up


def subject_of(question: str, lang: str) -> str:
    """The subject words of a question: its nouns, names and acronyms.

    German marks nouns by capitals; English questions, and German typed in lower case, fall
    back to their content words.
    """
    words = [w for w in _CAPITALISED.findall(question.strip()) if w not in _NOT_SUBJECTS]
    if lang == "en" or not words:
        words += [w for w in _WORD.findall(question.lower()) if w not in STOPWORDS and w not in _FILLERS]
    return " ".join(dict.fromkeys(w.strip(".-") for w in words if w not in _ANAPHORA))


def is_follow_up(question: str, lang: str) -> bool:
    words = _WORD.findall(question.lower())
    if _OPENERS.match(question) or any(w in _ANAPHORA for w in words):
        return True
    # A pronoun at the very end ("Wie lange dauert das?") points back; elsewhere "das", "es" and
    # "sie" are mostly articles or fillers ("Gibt es ...?").
    if words and words[-1] in _FINAL_PRONOUNS:
        return True
    return len(tokenize(question, lang)) <= _SHORT


def needs_subject(question: str, lang: str, history: list[Turn]) -> bool:
    """A follow-up with nothing to follow ("Wie lange dauert das?" as a first message)."""
    has_context = any(t.in_scope and t.subject for t in history)
    return not has_context and is_follow_up(question, lang) and not subject_of(question, lang)


def contextualize(question: str, lang: str, history: list[Turn]) -> str | None:
    """The retrieval query for a follow-up, or None when the question stands on its own."""
    previous = next((t for t in reversed(history) if t.in_scope), None)
    if previous is None or not previous.subject or not is_follow_up(question, lang):
        return None
    return f"{question} ({previous.subject})"
