"""The answer engine: question (+ conversation) in, grounded `Answer` out.

It knows nothing about Telegram; the CLI, the terminal chat, the evaluation and the Telegram
handlers all call `Answerer.ask`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot.config import Settings
from bot.engine.answerability import FOLLOW_UP_MARGIN, Answerability
from bot.engine.catalog import Catalog, Entry
from bot.engine.extractive import compose
from bot.engine.followup import contextualize, expand_ellipsis, needs_subject, subject_of
from bot.engine.live import LiveIndex
from bot.engine.retrieval import DEFAULT_FUSION, Fusion, Hit, Retriever
from bot.engine.texts import text
from bot.engine.types import Answer, Source, Turn
from bot.kb.embeddings import KnowledgeEmbeddings, load_embeddings
from bot.kb.index import IndexUnreachableError, KnowledgeIndex
from bot.kb.language import detect_language

logger = logging.getLogger(__name__)

MAX_SUBJECT_WORDS = 8


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


class Answerer:
    """Resolves, retrieves, decides and composes; one instance serves all conversations (it keeps
    no chat state) and follows the live index.
    """

    def __init__(
        self,
        settings: Settings,
        embeddings: KnowledgeEmbeddings,
        index: KnowledgeIndex,
        fusion: Fusion = DEFAULT_FUSION,
    ) -> None:
        self.settings = settings
        self.live = LiveIndex(settings, embeddings, index, fusion)
        self.answerability = Answerability(settings, embeddings.model_id)

    @classmethod
    def load(cls, settings: Settings, fusion: Fusion = DEFAULT_FUSION) -> Answerer:
        """Load the embedding model and open the index, refusing a model mismatch."""
        embeddings = load_embeddings(settings.embedding_model)
        index = KnowledgeIndex.open(settings, embeddings)
        return cls(settings, embeddings, index, fusion=fusion)

    @property
    def retriever(self) -> Retriever:
        return self.live.snapshot.retriever

    @property
    def catalog(self) -> Catalog:
        return self.live.snapshot.catalog

    @property
    def embeddings(self) -> KnowledgeEmbeddings:
        return self.live.embeddings

    @property
    def threshold(self) -> float:
        return self.answerability.threshold

    def refresh(self) -> bool:
        """Switch to a newer live index, if there is one (see `LiveIndex.refresh`)."""
        return self.live.refresh()

    def topics(self, lang: str) -> tuple[str, ...]:
        """Guide titles to offer when a question is declined (any language if `lang` has none)."""
        return self.catalog.titles(lang) or self.catalog.titles("de") or self.catalog.titles("en")

    def retrieve(self, question: str, lang: str, history: Sequence[Turn] = ()) -> Consultation:
        """Search for `question` (resolved against `history` when it is a follow-up)."""
        query = contextualize(question, lang, list(history))
        retrieval = self.live.search(query or question, lang, k=self.settings.top_k)
        relevance = retrieval.relevance
        subject = subject_of(question, lang)
        if query is not None:
            previous = next(t.subject for t in reversed(history) if t.in_scope)
            subject = " ".join(dict.fromkeys(f"{subject} {previous}".split()[:MAX_SUBJECT_WORDS]))
            if relevance >= self.threshold:
                alone = self.live.search(question, lang, k=1).relevance
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
        except IndexUnreachableError as exc:
            logger.error("knowledge store unreachable: %s", exc)
            return self._notice(question, lang, text(lang, "store_unavailable"))
        unknown = self.live.snapshot.scope.unknown_terms(question, lang)
        needed = self.answerability.needed_relevance(unknown, lang)
        if found.relevance >= needed and found.hits:
            return Covered(question, lang, found)
        logger.info("declined (relevance %.3f < %.3f, %d unknown terms)", found.relevance, needed, len(unknown))
        return self.decline(question, lang, found)

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
