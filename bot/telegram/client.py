"""The bot's side of the Bot API, hardened for a server that is slow, flaky or changes its mind.

- Updates are fetched raw, so one update this library cannot parse is skipped by the intake
  instead of failing the whole batch again and again.
- A 5xx or a refused connection on sendMessage is retried with backoff: the server said the
  message was not sent. A timeout is not retried, since the message may well have arrived, and
  the read timeout is long enough for a slow server to answer.
- A group that became a supergroup (ChatMigrated) is followed to its new id.
- Each delivered message is reported (`on_delivered`), so the inbox knows the update is answered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Message
from telegram.error import BadRequest, ChatMigrated, NetworkError, TimedOut
from telegram.ext import ExtBot

logger = logging.getLogger(__name__)

T = TypeVar("T")
RETRY_PAUSES_S = (0.5, 1.0, 2.0)  # after a 5xx or a refused connection: the call surely did not land
GET_UPDATES_GRACE_S = 10.0  # beyond the long-poll timeout, for the server's answer to travel


class Client(ExtBot[Any]):
    def __init__(self, *args: Any, on_delivered: Callable[[], None] = lambda: None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._on_delivered = on_delivered

    async def fetch_updates(
        self, offset: int | None, timeout: float, allowed_updates: list[str]
    ) -> list[dict[str, Any]]:
        """getUpdates without parsing: the intake parses each update on its own."""
        data = {"offset": offset, "timeout": timeout, "allowed_updates": allowed_updates}
        # `_post` is the library's raw call (the public `get_updates` parses the whole batch at once).
        result = await self._post("getUpdates", data, read_timeout=timeout + GET_UPDATES_GRACE_S)
        return list(result) if isinstance(result, list) else []

    async def send_message(self, chat_id: int | str, text: str, *args: Any, **kwargs: Any) -> Message:
        try:
            message = await self._retried(lambda: super(Client, self).send_message(chat_id, text, *args, **kwargs))
        except ChatMigrated as moved:  # the group became a supergroup: same people, new id
            logger.info("chat migrated to a supergroup; sending there")
            new_id = moved.new_chat_id
            message = await self._retried(lambda: super(Client, self).send_message(new_id, text, *args, **kwargs))
        self._on_delivered()
        return message

    async def edit_message_text(self, *args: Any, **kwargs: Any) -> Any:
        return await self._retried(lambda: super(Client, self).edit_message_text(*args, **kwargs))

    async def _retried(self, call: Callable[[], Awaitable[T]]) -> T:
        for pause in RETRY_PAUSES_S:
            try:
                return await call()
            except (BadRequest, TimedOut):  # a refusal, or a call that may have landed: never repeated
                raise
            except NetworkError as exc:
                logger.warning("Bot API call failed (%s); retrying in %.1f s", exc, pause)
                await asyncio.sleep(pause)
        return await call()
