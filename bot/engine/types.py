"""What the engine hands to front ends: answers, their sources, and the turns a conversation keeps.

Plain frozen dataclasses with no behaviour beyond conversion, so the terminal, Telegram and the
evaluation can depend on them without depending on how answers are made.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine.catalog import Entry
from bot.kb.documents import is_past


@dataclass(frozen=True)
class Turn:
    """What the conversation remembers of one question."""

    question: str
    standalone: str  # the question with its context resolved, as retrieval saw it
    language: str
    in_scope: bool
    subject: str = ""  # what the conversation is about, for the next follow-up
    section: str = ""  # the section the answer led with (`section_key`): "Und welches Format?" may ask it again


@dataclass(frozen=True)
class Reference:
    """An original source a guide section cites, for the reader to open."""

    title: str
    publisher: str = ""
    url: str = ""
    date: str = ""

    @property
    def label(self) -> str:
        """ "TikTok Support: LIVE Gifts on TikTok (2025-08)", shortened to what is known."""
        name = ": ".join(part for part in (self.publisher, self.title) if part) or self.url
        return f"{name} ({self.date})" if self.date else name


@dataclass(frozen=True)
class Source:
    """A guide section an answer was taken from, with the original sources it cites."""

    title: str
    section: str
    file: str
    score: float
    as_of: str
    topic: str = ""
    references: tuple[Reference, ...] = ()
    review_by: str = ""  # past this date the section may be outdated
    legal: bool = False  # a legal topic: the answer says it is no legal advice

    @property
    def label(self) -> str:
        """ "Guide › section", the anchor every front end cites."""
        return f"{self.title} › {self.section}"

    def is_stale(self, today: str) -> bool:
        """Whether the section's review date has passed on `today` (YYYY-MM-DD)."""
        return is_past(self.review_by, today)


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
    led_by: str = ""  # the section (`section_key`) answering the last question answered: a follow-up may ask it again

    def as_turn(self) -> Turn:
        return Turn(self.question, self.standalone_question, self.language, self.in_scope, self.subject, self.led_by)


def section_key(file: str, heading: str) -> str:
    """One guide section, across parts and index versions."""
    return f"{file}#{heading}"
