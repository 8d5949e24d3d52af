"""The answer engine: question (+ conversation) in, grounded `Answer` out.

It knows nothing about Telegram; the CLI, the terminal chat, the evaluation and the Telegram
handlers all call `Answerer.ask`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from bot.config import Settings
from bot.engine.answerability import FOLLOW_UP_MARGIN, Answerability, Judge, Judgement
from bot.engine.catalog import Catalog, Entry
from bot.engine.extractive import compose
from bot.engine.followup import (
    contextualize,
    expand_ellipsis,
    leaned_on,
    may_stand_alone,
    needs_subject,
    subject_of,
)
from bot.engine.live import LiveIndex
from bot.engine.parts import asked_questions, asking_sentence
from bot.engine.retrieval import DEFAULT_FUSION, Fusion, Hit, Retriever
from bot.engine.shouting import unshout
from bot.engine.smalltalk import Kind, recognise, strip_opening, without_small_talk
from bot.engine.texts import text
from bot.engine.types import Answer, Reference, Source, Turn
from bot.kb.embeddings import KnowledgeEmbeddings, load_embeddings
from bot.kb.index import KnowledgeIndex
from bot.kb.language import detect_language

logger = logging.getLogger(__name__)

MAX_SUBJECT_WORDS = 8
CANDIDATES = 6  # sections the answerability judge weighs before the composer reads the best `top_k`
ABOUT_THE_BOT = frozenset({Kind.CAPABILITIES, Kind.IDENTITY, Kind.HELP})  # small talk answered with the topics


@dataclass(frozen=True)
class Consultation:
    """What retrieval found for one turn: the query it ran, the ranked hits, the relevance."""

    query: str
    hits: list[Hit]
    relevance: float
    subject: str

    def answer(self, question: str, language: str, **fields: Any) -> Answer:
        """An `Answer` that carries what this turn's retrieval found, for the conversation to build on."""
        return Answer(
            question=question,
            language=language,
            confidence=self.relevance,
            standalone_question=self.query,
            subject=self.subject,
            **fields,
        )


@dataclass(frozen=True)
class Covered:
    """A question the knowledge base covers, with what retrieval found for it.

    A message asking several questions is covered part by part: `parts` are the questions the
    guides answer, each with its own finding (`found` then holds all their sections, for the LLM),
    `unanswered` the questions they do not.
    """

    question: str
    language: str
    found: Consultation
    parts: tuple[Covered, ...] = ()
    unanswered: tuple[Unanswered, ...] = ()

    @property
    def led_by(self) -> str:
        """The section answering the message's last answered question: what a follow-up leans on."""
        return (self.parts[-1] if self.parts else self).found.hits[0].section


@dataclass(frozen=True)
class Unanswered:
    """A question of a message the guides do not answer, with the section a pointer may name."""

    question: str
    related: Hit | None = None


@dataclass(frozen=True)
class Examined:
    """A question as retrieval found it and the judge weighed it: `covered` if the verdict answers."""

    covered: Covered
    verdict: Judgement


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

    def retrieve(
        self, question: str, lang: str, history: Sequence[Turn] = (), own_relevance: float | None = None
    ) -> Consultation:
        """Search for `question` (resolved against `history` when it is a follow-up); `own_relevance`
        is the relevance of the question searched on its own, where the caller has it already."""
        query = contextualize(question, lang, list(history))
        searched = self.with_scene(query or question, lang)
        retrieval = self.live.search(searched, lang, k=max(self.settings.top_k, CANDIDATES))
        relevance = retrieval.relevance
        subject = subject_of(question, lang)
        if query is not None:
            previous = leaned_on(history)
            assert previous is not None  # a query was resolved against it
            subject = " ".join(dict.fromkeys(f"{subject} {previous.subject}".split()[:MAX_SUBJECT_WORDS]))
            if relevance >= self.threshold:
                if own_relevance is None:  # searched as the question alone is (`examine`)
                    own_relevance = self.live.search(self.with_scene(question, lang), lang, k=1).relevance
                relevance = min(relevance, own_relevance + FOLLOW_UP_MARGIN)
        return Consultation(query or question, retrieval.hits, relevance, subject)

    def with_scene(self, query: str, lang: str) -> str:
        """ "Lohnt sich TikTok für meine Bäckerei?" is searched as a question about a business.

        No guide names bakeries; a scene-setting word tells only that a business asks, so the
        search hears the word the guides use for that.
        """
        scope = self.live.snapshot.scope
        if any(scope.sets_the_scene(word, lang) for word in re.findall(r"[\wÄÖÜäöüß-]{4,}", query)):
            return f"{query} ({text(lang, 'business')})"
        return query

    def ask(self, question: str, history: Sequence[Turn] = ()) -> Answer:
        consulted = self.consult(question, history)
        if isinstance(consulted, Answer):
            return consulted
        return self.compose_extractive(consulted)

    def consult(self, question: str, history: Sequence[Turn] = ()) -> Answer | Covered:
        """Everything before composing: a notice or decline as a finished `Answer`, or `Covered`.

        Both composers (extractive and LLM) start here, so they decline exactly the same questions.
        """
        examined = self.examine(question, history)
        if isinstance(examined, Answer):
            return examined
        asked = asked_questions(examined.covered.question)
        if len(asked) > 1:
            return self.consult_each(asked, examined, history)
        if examined.verdict.answers:
            return examined.covered
        logger.info("declined: %s", examined.verdict.reason)
        covered = examined.covered
        return self.decline(covered.question, covered.language, covered.found, related=examined.verdict.related)

    def consult_each(self, asked: Sequence[str], whole: Examined, history: Sequence[Turn]) -> Answer | Covered:
        """A message asking several questions, judged question by question; each later question
        may lean on the one before it ("Und wie lange dauert das?"), answered or not.

        When none is answered, the message is declined with the pointer the whole message finds.
        """
        turns = list(history)
        message_lang = whole.covered.language
        answered: list[Covered] = []
        unanswered: list[Unanswered] = []
        for question in asked:
            if recognise(question) is not None:  # "Und wie geht es Ihnen?" beside a question wants no answer
                continue
            examined = self.examine(question, turns, language=message_lang)
            if not isinstance(examined, Examined):  # a notice ("Worauf bezieht sich …?") answers nothing
                unanswered.append(Unanswered(question))
                continue
            covered, found = examined.covered, examined.covered.found
            if examined.verdict.answers:
                answered.append(covered)
            else:
                unanswered.append(Unanswered(question, examined.verdict.related))
            led_by = covered.led_by if examined.verdict.answers else ""
            turns.append(Turn(question, found.query, covered.language, True, found.subject, led_by))
        message = whole.covered
        if not answered:
            logger.info("declined: none of %d questions answered", len(asked))
            return self.decline(message.question, message.language, message.found, related=pointer(whole.verdict))
        answering = {part.led_by for part in answered}
        unanswered = [self._pointed(part, message_lang, answering) for part in unanswered]
        hits: dict[str, Hit] = {}
        for part in answered:
            for hit in part.found.hits:
                hits.setdefault(hit.chunk.id, hit)
        found = replace(answered[-1].found, hits=list(hits.values()))
        return Covered(message.question, message.language, found, tuple(answered), tuple(unanswered))

    def _pointed(self, part: Unanswered, lang: str, answering: set[str]) -> Unanswered:
        """The pointer of a question the message's answers leave open, judged on its own where,
        read after the question before it, it names no section or one that already answers:
        "Und wie viele Hashtags …?" after a question on posting pointed back to the section on
        posting, not to the one on hashtags."""
        if part.related is not None and part.related.section not in answering:
            return part
        examined = self.examine(part.question, (), language=lang)
        related = pointer(examined.verdict) if isinstance(examined, Examined) else None
        return Unanswered(part.question, related if related is None or related.section not in answering else None)

    def examine(self, question: str, history: Sequence[Turn] = (), language: str | None = None) -> Answer | Examined:
        """Retrieval and the judge's verdict, before the verdict is acted on (calibration reads it).

        `language` is the one to assume when the question does not show its own (a short question
        in a message written in English); else the conversation's.
        """
        question = unshout(question.strip())
        previous_lang = history[-1].language if history else (language or "de")
        history = without_small_talk(history)  # "Und weltweit?" after "Danke!" follows the question before
        lang = detect_language(question, default=previous_lang)
        if not question:
            return self._notice(question, lang, text(lang, "empty", example=text(lang, "example")))
        limit = self.settings.max_question_chars
        if len(question) > limit:
            return self._notice(question, lang, text(lang, "too_long", length=len(question), limit=limit))
        small_talk = recognise(question)
        if small_talk is not None:
            # Words that say nothing of the language ("ok", "bye") keep the conversation's.
            return self.small_talk(question, small_talk.language or previous_lang, small_talk.kind)
        question = strip_opening(question)
        if needs_subject(question, lang, list(history)):
            return self._notice(question, lang, text(lang, "needs_subject", example=text(lang, "example")))
        expanded = expand_ellipsis(question, list(history))
        if expanded is not None:  # "Und in Europa?" became a question of its own: no subject to carry over
            question, history = expanded, ()

        snapshot = self.live.snapshot
        judge = Judge(self.answerability, snapshot.retriever, snapshot.scope)
        # A pronoun does not always point back: "does gdpr even apply to tiktok tho, its a chinese
        # company" after a question on bakeries' reach is a new topic. A question that names enough
        # to stand alone is judged both ways; it stays a follow-up unless it answers better alone.
        alone = self.retrieve(question, lang) if may_stand_alone(question, lang, list(history)) else None
        found = self.retrieve(question, lang, history, alone.relevance if alone is not None else None)
        leaned = leaned_on(history)
        previous = leaned.section if leaned is not None else ""
        verdict = judge.judge(question, found.query, lang, found.hits, found.relevance, previous)
        if alone is not None:
            alone_verdict = judge.judge(question, alone.query, lang, alone.hits, alone.relevance)
            # more confident alone, unless only the follow-up reading answers (by the section it leans on)
            if alone_verdict.confidence > verdict.confidence and (alone_verdict.answers or not verdict.answers):
                found, verdict = alone, alone_verdict
        found = replace(found, hits=verdict.hits[: self.settings.top_k])
        return Examined(Covered(question, lang, found), verdict)

    def decline(self, question: str, lang: str, found: Consultation, related: Hit | None = None) -> Answer:
        """The plain "not covered" answer, with what the bot can help with.

        A related section is named as a clearly marked pointer and offered as a suggestion, never
        quoted as if it answered.
        """
        message = text(lang, "out_of_scope")
        if related is not None:
            meta = related.chunk.metadata
            message = text(lang, "out_of_scope_related", section=meta["section"], title=meta["title"])
        entry = self.catalog.entry(related.chunk.id) if related is not None else None
        return found.answer(
            question,
            lang,
            text=message,
            in_scope=False,
            declined=True,
            topics=self.topics(lang),
            suggestions=(entry,) if entry is not None else (),
        )

    def small_talk(self, question: str, lang: str, kind: Kind) -> Answer:
        """A short, friendly reply to a greeting, thanks or "Was kannst du?", never a decline.

        It is a notice, not an answer: front ends do not count it as a question and show the topics,
        which a reply about the bot itself also lists.
        """
        message = text(lang, f"small_talk_{kind}", example=text(lang, "example"))
        topics = self.topics(lang) if kind in ABOUT_THE_BOT else ()
        return Answer(question=question, text=message, language=lang, in_scope=False, topics=topics)

    def compose_extractive(self, covered: Covered) -> Answer:
        """One block per question the message asks and the guides answer (one section answers
        each), then a line for each question they do not, then the closing notes."""
        question, lang, found = covered.question, covered.language, covered.found
        named: list[tuple[str, str]] = []  # (the question a block answers, the block)
        used: list[Hit] = []
        leading: set[str] = set()  # the section each block answers from
        for part in covered.parts or (covered,):
            if part.found.hits[0].chunk.id in leading:
                continue  # answered already, by the section that answers an earlier question
            leading.add(part.found.hits[0].chunk.id)
            body, part_used = self.compose_block(part)
            named.append((asking_sentence(part.question), body))
            used.extend(part_used)
        unanswered = unanswered_lines(covered)
        # Blocks are introduced by their question only beside another block or an unanswered line.
        several = len(named) + len(unanswered) > 1
        blocks = [f"{text(lang, 'part', question=asked)}\n{body}" if several else body for asked, body in named]
        blocks.extend(unanswered)
        sources = sources_of(used)
        return found.answer(
            question,
            lang,
            text="\n\n".join([*blocks, *closing_notes(sources, lang)]),
            in_scope=True,
            sources=sources,
            suggestions=self.suggestions(used, covered),
            led_by=covered.led_by,
        )

    def compose_block(self, covered: Covered) -> tuple[str, tuple[Hit, ...]]:
        """The lead and key points answering one question, and the hits they were taken from."""
        _, bm25 = self.retriever.keyword_index(covered.language)
        # Sentences are picked for what is asked now; the context only steered retrieval.
        composition = compose(covered.question, covered.language, covered.found.hits, bm25.idf)
        lead = composition.lead
        if composition.verdict_on is not None:
            lead = text(covered.language, "verdict_on", heading=composition.verdict_on, lead=lead)
        return "\n".join([lead, *(f"• {p}" for p in composition.points)]), composition.used

    def suggestions(self, used: Sequence[Hit], covered: Covered) -> tuple[Entry, ...]:
        """Follow-ups to offer under an answer quoting `used`. The sections the lines on unanswered
        questions point to come first: their button reads what the line names."""
        pointers = [part.related for part in covered.unanswered if part.related is not None]
        return tuple(
            self.catalog.suggestions(
                used=[h.chunk.id for h in used],
                related=[h.chunk.id for h in [*pointers, *covered.found.hits] if h not in used],
            )
        )

    def _notice(self, question: str, lang: str, message: str) -> Answer:
        return Answer(question=question, text=message, language=lang, in_scope=False)


def pointer(verdict: Judgement) -> Hit | None:
    """The section a decline names: the related one, or the one the verdict would answer from
    (a message declined although it answers as a whole, since none of its questions does)."""
    return verdict.hits[0] if verdict.answers else verdict.related


def sources_of(hits: Sequence[Hit]) -> tuple[Source, ...]:
    seen: dict[tuple[str, str], Source] = {}
    for hit in hits:
        meta = hit.chunk.metadata
        key = (meta["file"], meta["section"])
        if key not in seen:
            seen[key] = Source(
                title=meta["title"],
                section=meta["section"],
                file=meta["file"],
                score=round(hit.dense, 4),
                as_of=meta.get("as_of", ""),
                topic=meta.get("topic", ""),
                references=tuple(Reference(**ref) for ref in hit.chunk.sources),
                review_by=meta.get("review_by", ""),
                legal=bool(meta.get("legal", False)),
            )
    return tuple(seen.values())


def unanswered_lines(covered: Covered) -> list[str]:
    """One line for each question of the message the guides do not answer, after the answers, with
    a pointer to a related section where the judge found one close enough (as for a decline)."""
    lines = []
    for part in covered.unanswered:
        asked = asking_sentence(part.question)
        if part.related is None:
            lines.append(text(covered.language, "part_unanswered", question=asked))
        else:
            meta = part.related.chunk.metadata
            related = {"section": meta["section"], "title": meta["title"]}
            lines.append(text(covered.language, "part_unanswered_related", question=asked, **related))
    return lines


def closing_notes(sources: Sequence[Source], lang: str, today: str | None = None) -> list[str]:
    """Lines that close an answer: a staleness warning and, on legal topics, no legal advice.

    Each appears once per answer, after the answer itself, never as one of its points.
    """
    today = today or date.today().isoformat()
    notes = []
    stale = [s for s in sources if s.is_stale(today)]
    if stale:
        notes.append(text(lang, "stale", as_of=stale[0].as_of or stale[0].review_by))
    if any(s.legal for s in sources):
        notes.append(text(lang, "legal_note"))
    return notes
