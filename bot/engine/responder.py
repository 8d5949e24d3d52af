"""One streaming interface over both composers, for the CLI, the terminal chat and Telegram.

`stream` yields `Delta`s while an answer is being written (only the LLM writes piece by piece)
and exactly one `Done` at the end, so every front end handles both modes the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from bot.engine.answerer import Answerer
from bot.engine.types import Answer, Turn


@dataclass(frozen=True)
class Delta:
    """A piece of the answer text as the model produces it."""

    text: str


@dataclass(frozen=True)
class Done:
    """The finished answer."""

    answer: Answer


class Responder:
    """Base of the two composers: subclasses implement `stream`."""

    def stream(
        self, question: str, history: Sequence[Turn] = (), user: str | None = None
    ) -> AsyncIterator[Delta | Done]:
        raise NotImplementedError

    async def ask(self, question: str, history: Sequence[Turn] = (), user: str | None = None) -> Answer:
        """The finished answer, for callers that do not stream."""
        async for event in self.stream(question, history, user):
            if isinstance(event, Done):
                return event.answer
        raise AssertionError("stream ended without an answer")


class ExtractiveResponder(Responder):
    """The offline composer; the engine runs in a worker thread, off the event loop."""

    def __init__(self, answerer: Answerer) -> None:
        self.answerer = answerer

    async def stream(
        self, question: str, history: Sequence[Turn] = (), user: str | None = None
    ) -> AsyncIterator[Delta | Done]:
        yield Done(await asyncio.to_thread(self.answerer.ask, question, history))
