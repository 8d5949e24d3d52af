"""The questions one message asks: owners often put two in one ("Wie oft soll ich posten? Und gibt
es eine beste Uhrzeit?").

Judged as one, such a message is answered from the section nearest to the mix of both, which is
often neither; judged one by one, each question is answered from its own section or declined on
its own. Only a sentence that asks a question of its own counts as one: "Link in bio, contact
button, analytics?" and "bytedance ist chinesisch oder?" spell out the question before them, and
scene-setting sentences ("Wir sind eine Bäckerei in Kiel.") belong to the question they precede.
"""

from __future__ import annotations

import re

from bot.engine.smalltalk import strip_opening

MIN_WORDS = 3  # "Warum das denn??" is an exclamation, not a question of its own
# Each question costs a search and a judgement (about 20 ms); a list of twenty questions is answered
# as four, the last of them holding the rest.
MAX_QUESTIONS = 4
QUOTED_CHARS = 100  # an answer names a rambling question by its first words
_PIECE = re.compile(r"[^?]*\?+|[^?]+$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_ALTERNATIVE = re.compile(r"^(?:oder|or)\b", re.IGNORECASE)
# Words that lead into a question without being part of it: "Und", "Hallo,", "Sag mal,".
LEAD_IN = re.compile(
    r"^(?:(?:und|aber|also|ok(?:ay)?|sag(?:en\s+sie|\s+mal)|hallo|hi|hey|and|but|so)(?=[\s,]|$)[\s,]*)+",
    re.IGNORECASE,
)
# A question of its own opens with a question word or, in German and English alike, with the verb.
_OPENS_A_QUESTION = re.compile(
    r"(?:was|wie\w*|wer|wen|wem|wessen|wo|wo[hrz]\w+|warum|weshalb|wieso|wann|welche\w*|"
    r"kann|kannst|können|könnt|muss|musst|müssen|darf|darfst|dürfen|soll|sollte|sollten|sollen|"
    r"gibt|gibts|ist|sind|brauch|brauche|braucht|brauchen|hat|habe|haben|lohnt|bringt|funktioniert|"
    r"macht|geht|stimmt|zählt|reicht|klappt|hilft|wird|werden|würde|lässt|"
    r"how|what|which|who|whom|whose|when|where|why|is|are|was|were|do|does|did|can|could|should|"
    r"shall|will|would|may|might|must|have|has)\b",
    re.IGNORECASE,
)


def asked_questions(message: str) -> list[str]:
    """The message split into the questions it asks, each with the sentences that set its scene.

    A message asking one question comes back whole.
    """
    questions: list[str] = []
    for piece in (p.strip() for p in _PIECE.findall(message)):
        if not piece:
            continue
        if questions and not _asks_on_its_own(piece):
            questions[-1] = f"{questions[-1]} {piece}"
        else:
            questions.append(piece)
    if len(questions) > MAX_QUESTIONS:
        questions[MAX_QUESTIONS - 1 :] = [" ".join(questions[MAX_QUESTIONS - 1 :])]
    return questions or [message]


def _asks_on_its_own(piece: str) -> bool:
    asking = [s for s in _SENTENCE_END.split(piece) if s.strip()][-1]
    return (
        piece.endswith("?")
        and len(re.findall(r"\w+", asking)) >= MIN_WORDS
        and not _ALTERNATIVE.match(asking)
        and bool(_OPENS_A_QUESTION.match(_without_lead_in(asking)))
    )


def asking_sentence(question: str) -> str:
    """The sentence that asks, without the scene set before it or the "Und" that joined it to the
    question before: what an answer names the question by."""
    sentences = [" ".join(s.split()) for s in _SENTENCE_END.split(question.strip()) if s.strip()] or [""]
    # "Gibt es eine beste Uhrzeit? Danke. LG Anna" asks in its last sentence with a question mark
    asking = _without_lead_in(next((s for s in reversed(sentences) if s.endswith("?")), sentences[-1]))
    if len(asking) > QUOTED_CHARS:
        asking = asking[:QUOTED_CHARS].rsplit(" ", 1)[0] + " …"
    return asking[:1].upper() + asking[1:]


def _without_lead_in(sentence: str) -> str:
    """The sentence from its first word that asks ("Hallo zusammen, wie …?" → "wie …?"); a sentence
    of lead-in words alone stays whole."""
    rest = LEAD_IN.sub("", strip_opening(sentence))
    return rest if re.search(r"\w", rest) else sentence
