"""The extractive composer: an answer built only from sentences of the retrieved passages.

Every guide section opens with a sentence that answers its heading's question, so that sentence
leads (in documents not written as guides, whose headings are no questions, the best-matching
sentence leads instead); the key points are the sentences that share the most (and the rarest)
terms with the question, with figures preferred when the question asks for a number, a date or a duration.
Nothing is generated, so nothing can be invented.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.engine.answerability import asked_for, holds, subject_of
from bot.engine.keyword import tokenize
from bot.engine.retrieval import Hit
from bot.kb.sentences import split_sentences, split_units

# Enough for the whole of nine sections in ten (a lead and up to six more sentences): a section is
# written as one answer, and four points had cut the sentence holding the fact from longer ones
# (the court ruling on deleting videos of staff who left) while keeping one that pointed back to it.
MAX_POINTS = 6
MAX_LIST_ITEMS = 8  # an announced list is shown whole (within reason)
BORROW_MARGIN = 1.5  # how much better another section's sentence must match to be borrowed
SPECIFIC_IDF = 1.0  # a term in fewer than about a third of the sections names a subject
NARROWER_SHARE = 0.5  # a heading more than this much about what the question does not name asks something else
_QUANTITY = re.compile(
    r"\b(wie\s*viele?|wieviele?|wie\s+lange?|wie\s+hoch|wie\s+groß|wie\s+alt|wann|seit\s+wann|"
    r"welche[mnrs]?\s+(?:jahr|monat|datum|zahl)|zahlen|how\s+(?:many|much|long|old|big|high)|"
    r"when|what\s+year|which\s+year|figures|numbers)\b",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")
# "Nein, TikTok erreicht alle Altersgruppen." answers its own section's heading; "Diese Regeln
# gelten ..." leans on the sentence before it. Neither can stand in another section's answer.
_VERDICT = re.compile(
    r"^(?:ja|nein|jein|yes|no|teilweise|partly|nicht\s+(?:zwingend|automatisch|unbedingt)|"
    r"not\s+(?:necessarily|automatically))\s*[,.:;!–—-]",
    re.IGNORECASE,
)
_BACK_REFERENCE = re.compile(
    r"^(?:dies(?:e[mnrs]?)?|deshalb|daher|dafür|dadurch|dabei|dazu|davon|darum|deswegen|es(?!\s+gibt\b)|"
    r"das\s+(?:ist|gilt|war|funktioniert|bedeutet|heißt)|this|these|that|they|such|therefore|"
    r"it(?!\s+is\s+\w+\s+to\b)|those(?!\s+who\b))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Composition:
    """The answer text in parts, plus the hits whose sentences were used."""

    lead: str
    points: tuple[str, ...]
    used: tuple[Hit, ...]
    # The heading a yes or no in the lead answers, when it asks something the question did not
    # ("... Schülerinnen unter 18 ...?" for "kann ich per Anzeige Azubis suchen?"): a bare "Nein"
    # would read as the answer to the owner's own question.
    verdict_on: str | None = None


def compose(question: str, lang: str, hits: list[Hit], idf: Callable[[str], float]) -> Composition:
    """Lead with the best section's answer sentence; its best sentences follow as key points.

    Sections are written to answer their heading, so the top section supplies the points; a
    lower-ranked section contributes one sentence only when it matches the question better than
    anything in the top section (retrieval's second choice is sometimes the right one). A lead
    that introduces a list ("... six signals:"), or is followed by a sentence that does, is
    followed by the whole list. A two-part question gets its second half from the section
    whose heading asks it.
    """
    terms = set(tokenize(question, lang))
    wants_figure = bool(_QUANTITY.search(question))

    def score(sentence: str) -> float:
        overlap = sum(idf(t) for t in terms & set(tokenize(sentence, lang)))
        return overlap + (1.5 if wants_figure and _DIGIT.search(sentence) else 0.0)

    units = split_units(hits[0].chunk.text)
    announced = next((i for i, unit in enumerate(units[:2]) if unit.text.endswith(":")), None)
    if announced is not None and any(unit.item for unit in units[announced + 1 :]):
        # "... six signals:" or "Ja, ... belegt. Bekannte Beispiele:": the list is the answer
        lead = " ".join(unit.text for unit in units[: announced + 1])
        items = list(itertools.takewhile(lambda unit: unit.item, units[announced + 1 :]))
        listed = tuple(unit.text for unit in items[:MAX_LIST_ITEMS])
        return Composition(lead, listed, (hits[0],), verdict_on(lead, hits[0], terms, lang, idf))
    sentences = [unit.text for unit in units]
    if not asks(heading_of(hits[0])):
        # Not written as a guide (a handbook chapter, a saved web page): the first sentence of a
        # section answers nothing in particular, so the sentence that best matches the question leads.
        answering = max(range(len(sentences)), key=lambda i: (score(sentences[i]), -i))
        sentences.insert(0, sentences.pop(answering))
    lead, *rest = sentences
    ranked = sorted(range(len(rest)), key=lambda i: -score(rest[i]))
    own = sorted(ranked[:MAX_POINTS])
    best_own = max((score(rest[i]) for i in own), default=0.0)
    points = [rest[i] for i in own]
    used = [hits[0]]

    def add(sentence: str, hit: Hit) -> None:
        """A sentence from another section, in place of the weakest point when the list is full."""
        if len(points) == MAX_POINTS:
            points.pop(min(range(len(points)), key=lambda i: score(points[i])))
        points.append(sentence)
        used.append(hit)

    borrowed = [
        (score(sentence), hit, sentence)
        for hit in hits[1:]
        for sentence in split_sentences(hit.chunk.text)
        if sentence not in points and stands_alone(sentence)
    ]
    best = max(borrowed, key=lambda b: b[0], default=None)
    if best is not None and best[0] > max(best_own, 0.0) * BORROW_MARGIN:
        add(best[2], best[1])
    second = second_part(question, lang, [lead, *points], hits[1:], idf)
    if second is not None:
        add(second[1], second[0])
    return Composition(lead, tuple(points), tuple(used), verdict_on(lead, hits[0], terms, lang, idf))


def stands_alone(sentence: str) -> bool:
    """Whether a sentence can join another section's answer: it neither gives its own section's
    yes or no nor refers back to a sentence before it."""
    return not (_VERDICT.match(sentence) or _BACK_REFERENCE.match(sentence))


def heading_of(hit: Hit) -> str:
    return str(hit.chunk.metadata.get("section", "")).strip()


def asks(heading: str) -> bool:
    """Guides phrase each heading as the question its section answers; a handbook chapter's does not."""
    return heading.endswith("?")


def verdict_on(lead: str, hit: Hit, terms: set[str], lang: str, idf: Callable[[str], float]) -> str | None:
    """The section's heading, when the lead gives a yes or no to it and the heading is mostly about
    specific things the question does not name (a condition, a group, a case): the question then
    asks something else, however close, and a bare "Nein" would read as the answer to it."""
    heading = heading_of(hit)
    if not (_VERDICT.match(lead) and asks(heading)):
        return None
    specific = specific_terms(heading, lang, idf)
    unasked = sum(weight for t, weight in specific.items() if t not in terms)
    return heading if unasked > sum(specific.values()) * NARROWER_SHARE else None


def specific_terms(heading: str, lang: str, idf: Callable[[str], float]) -> dict[str, float]:
    """What a heading asks about, by rarity: its terms that name a subject ("TikTok", in every
    guide, and the asking words such as "kostet" name none)."""
    return {t: idf(t) for t in tokenize(subject_of(heading), lang) if idf(t) >= SPECIFIC_IDF}


def second_part(
    question: str, lang: str, chosen: list[str], others: list[Hit], idf: Callable[[str], float]
) -> tuple[Hit, str] | None:
    """The answer to the second half of a two-part question ("What's a match and how long does one
    go?"), when the chosen sentences hold no figure of the kind asked for: the opening sentence of
    another section whose own heading asks for that kind about something the question names.

    The heading is the guard: a price from a section about something else (a wooden speaker in a
    LIVE) never answers what ads cost; sharing "TikTok" (in every guide) or the asking words
    ("kostet") is no shared subject.
    """
    kind = asked_for(question)
    if kind is None or any(holds(kind, sentence) for sentence in chosen):
        return None
    terms = set(tokenize(subject_of(question), lang))
    for hit in others:
        heading = heading_of(hit)
        opening = next(iter(split_sentences(hit.chunk.text)), "")
        subject = bool(terms & specific_terms(heading, lang, idf).keys())
        if asked_for(heading) is kind and subject and holds(kind, opening):
            return hit, opening
    return None
