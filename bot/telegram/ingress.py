"""Updates in, by long polling or a webhook: stored in the inbox first, confirmed after.

The intake is the one path every update takes: store (durable, deduplicated), parse, queue.
An update this library cannot parse (an older self-hosted Bot API server leaves out a field)
is logged by id and failing field, never by content, and skipped; the next ones flow on.

Polling is done here rather than by python-telegram-bot's Updater because the Updater confirms
a batch before it is stored, treats a parse failure as "fetch the same batch again", and ends
with a cleanup getUpdates that cuts off the poll of any other instance. Here a 409 Conflict
(another instance polls with the token) means taking turns with backoff, not exiting: under
Telegram's rule the newer poll ends the older, so exiting would stop the instance that ran first.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from http import HTTPStatus
from typing import Any

import tornado.httpserver
import tornado.web
from telegram import Update
from telegram.error import BadRequest, Conflict, InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application

from bot.telegram.client import Client
from bot.telegram.inbox import Inbox

logger = logging.getLogger(__name__)

POLL_TIMEOUT_S = 30  # Telegram holds a long poll this long when nothing happens
BACKOFF_S = (1, 2, 5, 10, 30)  # between failed polls, growing while the failure lasts
_FIELD = re.compile(r"'(\w+)'")


class Intake:
    """Store, parse, queue: the same for polled, webhook and replayed updates."""

    def __init__(self, application: Application, inbox: Inbox) -> None:
        self._application, self._inbox = application, inbox

    async def take(self, raw_updates: list[dict[str, Any]]) -> None:
        for raw in self._inbox.accept(raw_updates):
            await self._queue(raw)

    async def replay(self) -> int:
        """Queue what a previous run stored but did not answer; returns how many."""
        pending = self._inbox.pending()
        for entry in pending:
            await self._queue(entry.update)
        if pending:
            logger.warning("answering %d updates left unanswered by the previous run", len(pending))
        return len(pending)

    async def _queue(self, raw: dict[str, Any]) -> None:
        try:
            update = Update.de_json(raw, self._application.bot)
        except Exception as exc:  # whatever the parser trips over, it must not stop the others
            self._inbox.done(int(raw["update_id"]))
            logger.warning("skipped update %s: %s", raw.get("update_id"), _unreadable(raw, exc))
            return
        await self._application.update_queue.put(update)


def _unreadable(raw: dict[str, Any], exc: Exception) -> str:
    """Which part failed, in names only: the update's kind and the field the parser missed."""
    kind = next((key for key in raw if key != "update_id"), "?")
    fields = ", ".join(dict.fromkeys(_FIELD.findall(str(exc)))) if isinstance(exc, (KeyError, TypeError)) else ""
    return f"cannot read its {kind} ({type(exc).__name__}{': ' + fields if fields else ''})"


async def poll(bot: Client, intake: Intake, on_fatal: Callable[[], None], timeout: float = POLL_TIMEOUT_S) -> None:
    """Long-poll until cancelled; the offset confirms a batch only after the intake stored it."""
    await until_done(bot.delete_webhook, "removing the webhook")  # polling and a webhook exclude each other
    offset: int | None = None
    state = _State(recovered="polling Telegram again")
    while True:
        try:
            raw = await bot.fetch_updates(offset, timeout, list(Update.ALL_TYPES))
        except InvalidToken:
            logger.critical("Telegram rejected TELEGRAM_BOT_TOKEN (revoked or mistyped); stopping")
            on_fatal()
            return
        except Conflict as exc:
            await state.failed(
                "conflict", f"another instance polls with this bot token ({exc}); taking turns until one stops"
            )
            continue
        except RetryAfter as exc:
            wait = exc.retry_after
            await asyncio.sleep(wait.total_seconds() if isinstance(wait, timedelta) else float(wait))
            continue
        except TelegramError as exc:
            await state.failed("unreachable", f"cannot reach the Bot API ({exc}); retrying")
            continue
        state.ok()
        if raw:
            await intake.take(raw)
            offset = int(raw[-1]["update_id"]) + 1


class _State:
    """One log line when a call starts failing in a new way, one when it works again."""

    def __init__(self, recovered: str) -> None:
        self._recovered = recovered
        self._failure: str | None = None
        self._streak = 0

    async def failed(self, failure: str, message: str) -> None:
        if failure != self._failure:
            logger.warning(message)
            self._failure, self._streak = failure, 0
        await asyncio.sleep(BACKOFF_S[min(self._streak, len(BACKOFF_S) - 1)])
        self._streak += 1

    def ok(self) -> None:
        if self._failure is not None:
            logger.warning(self._recovered)
        self._failure, self._streak = None, 0


class StartRefusedError(Exception):
    """The Bot API refused a start-up call as asked: a setting to fix, not an outage to wait out."""


async def until_done(call: Callable[[], Awaitable[object]], what: str, fix: str = "") -> None:
    """Retry a start-up call until the Bot API answers it: a bot started during an outage waits.

    A 400 ends the wait: Telegram answers the same request the same way every time (a webhook URL
    it does not accept), so the user gets the reason and `fix` in one line instead of a retry loop.
    """
    state = _State(recovered=f"{what}: done")
    while True:
        try:
            await call()
            state.ok()
            return
        except InvalidToken:  # waiting does not make a revoked token valid
            raise
        except BadRequest as exc:
            raise StartRefusedError(f"Telegram refused {what} ({exc.message}){': ' + fix if fix else ''}") from None
        except TelegramError as exc:
            await state.failed("unreachable", f"{what} failed ({exc}); retrying")


class WebhookServer:
    """Telegram's POSTs in; 200 only once the update is stored, so a crash loses nothing.

    An update that cannot be parsed is still acknowledged (and skipped): a non-200 would make
    Telegram retry it, holding back every update behind it.
    """

    def __init__(self, intake: Intake, path: str, secret: str) -> None:
        app = tornado.web.Application([(f"/{path.lstrip('/')}", _WebhookHandler, {"intake": intake, "secret": secret})])
        self._server = tornado.httpserver.HTTPServer(app)

    def listen(self, host: str, port: int) -> None:
        self._server.listen(port, address=host)

    async def close(self) -> None:
        self._server.stop()
        await self._server.close_all_connections()


class _WebhookHandler(tornado.web.RequestHandler):
    def initialize(self, intake: Intake, secret: str) -> None:
        self._intake, self._secret = intake, secret

    async def post(self) -> None:
        if self.request.headers.get("X-Telegram-Bot-Api-Secret-Token") != self._secret:
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        try:
            update = json.loads(self.request.body)
        except ValueError:
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from None
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST)
        await self._intake.take([update])
