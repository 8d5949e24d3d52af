"""A reply that grows while the model writes: one message edited as tokens arrive.

Telegram allows about one edit per second per chat before it answers 429, so edits are spaced
at least 1.5 s apart; text beyond one message's size continues in a new message; the final edit
puts in the formatted answer with its sources and buttons. A 429 on an edit is waited out by the
rate limiter, which holds back the following edits too, and the final text still arrives once.
"""

from __future__ import annotations

import time
from html import escape
from typing import Any

from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.telegram.formatting import split_html

EDIT_INTERVAL_S = 1.5
SOFT_LIMIT = 3800  # leave room below 4096 for escaping and a word that straddles the edge


class StreamedReply:
    def __init__(self, bot: Bot, chat_id: int, thread_id: int | None, clock: Any = time.monotonic) -> None:
        self._bot, self._chat_id, self._thread_id, self._clock = bot, chat_id, thread_id, clock
        self._full_ids: list[int] = []  # messages already filled up
        self._current_id: int | None = None  # the message being edited
        self._done_text = ""  # text of the filled-up messages
        self._text = ""  # everything written so far
        self._last_edit = 0.0

    async def add(self, piece: str) -> None:
        """Take more text; show it now if the last edit is long enough ago."""
        self._text += piece
        current = self._text[len(self._done_text) :]
        if len(current) > SOFT_LIMIT:
            cut = current.rfind(" ", 0, SOFT_LIMIT) + 1 or SOFT_LIMIT
            await self._show(current[:cut])
            self._done_text += current[:cut]
            if self._current_id is not None:
                self._full_ids.append(self._current_id)
            self._current_id = None
            current = current[cut:]
        if self._current_id is None or self._clock() - self._last_edit >= EDIT_INTERVAL_S:
            await self._show(current)

    async def finish(self, paragraphs: list[str], markup: InlineKeyboardMarkup | None) -> None:
        """Replace what was streamed by the formatted answer; send what does not fit as new messages."""
        parts = split_html(paragraphs)
        ids = self._full_ids + ([self._current_id] if self._current_id is not None else [])
        for number, part in enumerate(parts):
            keyboard = markup if number == len(parts) - 1 else None
            if number < len(ids):
                await self._edit(ids[number], part, keyboard)
            else:
                await self._send(part, keyboard)

    async def _show(self, text: str) -> None:
        if not text.strip():
            return
        if self._current_id is None:
            self._current_id = await self._send(escape(text), None)
        else:
            await self._edit(self._current_id, escape(text), None)
        self._last_edit = self._clock()

    async def _send(self, html: str, markup: InlineKeyboardMarkup | None) -> int:
        message = await self._bot.send_message(
            self._chat_id, html, parse_mode=ParseMode.HTML, reply_markup=markup, message_thread_id=self._thread_id
        )
        return message.message_id

    async def _edit(self, message_id: int, html: str, markup: InlineKeyboardMarkup | None) -> None:
        try:
            await self._bot.edit_message_text(
                html, chat_id=self._chat_id, message_id=message_id, parse_mode=ParseMode.HTML, reply_markup=markup
            )
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                raise
