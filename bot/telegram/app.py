"""Composition root of the Telegram bot: builds the Application, its services and handlers,
and runs it: inbox, intake, handlers, a bounded shutdown."""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from urllib.parse import urlparse

from telegram import BotCommand, Update
from telegram.error import InvalidToken
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.config import WEBHOOK_PORTS, Settings
from bot.engine.answerer import Answerer
from bot.engine.responder import ExtractiveResponder, Responder
from bot.logs import RedactSecrets
from bot.telegram import callbacks, handlers, staff
from bot.telegram.access import RateLimiter
from bot.telegram.analytics import Store, load_salt
from bot.telegram.background import start_background, stop_background
from bot.telegram.client import Client
from bot.telegram.inbox import AnotherInstanceError, Inbox, InboxProcessor, inbox_path
from bot.telegram.ingress import Intake, StartRefusedError, WebhookServer, poll, until_done
from bot.telegram.memory import ConversationMemory
from bot.telegram.pairing import Pairings
from bot.telegram.services import SERVICES_KEY, Services
from bot.telegram.texts import COMMANDS

logger = logging.getLogger(__name__)
RETRY_AFTER_ATTEMPTS = 3  # a 429 from Telegram is waited out this often before it counts as an error
READ_TIMEOUT_S = 30.0  # a slow Bot API still answers; a timeout would leave us unsure whether it delivered
POOL_TIMEOUT_S = 10.0
SHUTDOWN_S = 8.0  # below Docker's 10 s grace before SIGKILL
STOP_RESERVE_S = 1.5  # of that, for closing the store and connections after the handlers


def build_application(
    settings: Settings, answerer: Answerer, inbox: Inbox, responder: Responder | None = None
) -> Application:
    """The whole bot, ready for `serving` (updates come in through the intake, not an Updater)."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    base_url = settings.telegram_api_base_url
    client = Client(
        settings.telegram_bot_token.get_secret_value(),
        base_url=base_url,
        base_file_url=base_url.removesuffix("/bot") + "/file/bot",
        request=HTTPXRequest(read_timeout=READ_TIMEOUT_S, write_timeout=READ_TIMEOUT_S, pool_timeout=POOL_TIMEOUT_S),
        get_updates_request=HTTPXRequest(connection_pool_size=1),
        rate_limiter=AIORateLimiter(
            overall_max_rate=settings.telegram_max_rate,
            group_max_rate=settings.telegram_group_max_rate,
            max_retries=RETRY_AFTER_ATTEMPTS,
        ),
        on_delivered=inbox.delivered,
    )
    application = Application.builder().bot(client).updater(None).concurrent_updates(InboxProcessor(inbox)).build()
    salt = settings.user_hash_salt.get_secret_value() if settings.user_hash_salt else None
    application.bot_data[SERVICES_KEY] = Services(
        settings=settings,
        answerer=answerer,
        responder=responder or ExtractiveResponder(answerer),
        memory=ConversationMemory(settings.memory_turns, settings.memory_ttl_s),
        store=Store(settings.store_path, load_salt(salt, settings.data_dir)),
        limiter=RateLimiter(settings.rate_limit_per_minute),
        pairings=Pairings(settings.pairing_path) if settings.pairing else None,
    )
    add_handlers(application)
    return application


def add_handlers(application: Application) -> None:
    """Every handler in one ordered block; the allowlist gate runs before all of them."""
    application.add_handler(TypeHandler(Update, handlers.gate), group=-1)
    application.add_handlers(
        [
            CommandHandler("start", handlers.start),
            CommandHandler(["help", "hilfe"], handlers.help_command),
            CommandHandler(["themen", "topics"], handlers.topics),
            CommandHandler(["quellen", "sources"], handlers.sources),
            CommandHandler(["neu", "new"], handlers.new_conversation),
            CommandHandler(["datenschutz", "privacy"], handlers.privacy),
            CommandHandler(["vergessen", "forget"], handlers.forget),
            CommandHandler(["whoami", "id"], handlers.whoami),
            CommandHandler("stats", staff.stats),
            CommandHandler(["luecken", "gaps"], staff.gaps),
            CommandHandler(["veraltet", "stale"], staff.stale),
            CommandHandler("reload", staff.reload),
            CommandHandler(["freigeben", "approve"], staff.approve),
            CommandHandler(["zugaenge", "access"], staff.access),
            CommandHandler(["entziehen", "revoke"], staff.revoke),
            CallbackQueryHandler(handlers.on_topic_button, pattern=callbacks.TOPIC),
            CallbackQueryHandler(handlers.on_question_button, pattern=callbacks.QUESTION),
            CallbackQueryHandler(handlers.on_feedback_button, pattern=callbacks.FEEDBACK),
            CallbackQueryHandler(handlers.on_sources_button, pattern=callbacks.SOURCES),
            CallbackQueryHandler(handlers.on_forget_button, pattern=callbacks.FORGET),
            CallbackQueryHandler(handlers.on_unknown_button),
            InlineQueryHandler(handlers.answer_inline),
            # Only messages people send: a channel's posts are not questions to the bot.
            MessageHandler(filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE, handlers.answer_question),
            MessageHandler(
                ~filters.TEXT & ~filters.StatusUpdate.ALL & filters.UpdateType.MESSAGE, handlers.explain_text_only
            ),
        ]
    )
    application.add_error_handler(handlers.on_error)


async def publish_commands(application: Application) -> None:
    """The command menu in German for German clients, in English for everyone else."""
    for lang, language_code in (("en", None), ("de", "de")):
        commands = [BotCommand(name, description) for name, description in COMMANDS[lang]]
        await application.bot.set_my_commands(commands, language_code=language_code)


@asynccontextmanager
async def serving(
    settings: Settings,
    answerer: Answerer,
    responder: Responder | None = None,
    on_fatal: Callable[[], None] = lambda: None,
) -> AsyncIterator[Application]:
    """The bot answering Telegram until the block ends; then a shutdown bounded by SHUTDOWN_S.

    Order matters: the inbox lock comes before any network call; what the previous run left
    unanswered is queued before new updates; on the way out, intake stops first, handlers get
    what is left of the deadline, and whatever they could not finish stays in the inbox.
    """
    assert settings.telegram_bot_token is not None
    inbox = Inbox(
        inbox_path(settings.data_dir, settings.telegram_bot_token.get_secret_value()), settings.inbox_max_age_s
    )
    try:
        application = build_application(settings, answerer, inbox, responder)
        processor = application.update_processor
        assert isinstance(processor, InboxProcessor)
        await until_done(  # a bot started during an outage waits for Telegram instead of crashing
            application.bot.initialize,
            f"connecting to the Bot API at {settings.telegram_api_base_url} (check TELEGRAM_API_BASE_URL)",
        )
        await application.initialize()
        await until_done(lambda: publish_commands(application), "publishing the command menu")
        await start_background(application)
        await application.start()
        intake = Intake(application, inbox)
        await intake.replay()
        stop_intake = await _start_intake(settings, application, intake, on_fatal)
        try:
            yield application
        finally:
            deadline = asyncio.get_running_loop().time() + SHUTDOWN_S
            await stop_intake()
            cut = await processor.drain(max(0.0, deadline - asyncio.get_running_loop().time() - STOP_RESERVE_S))
            if cut:
                logger.warning(
                    "%d answers were not finished before the shutdown deadline; they follow after the restart", cut
                )
            await application.stop()
            await stop_background(application)
            await application.shutdown()
    finally:
        inbox.close()


async def _start_intake(
    settings: Settings,
    application: Application,
    intake: Intake,
    on_fatal: Callable[[], None],
) -> Callable[[], Awaitable[None]]:
    """Webhook when WEBHOOK_URL is set, long polling otherwise; returns how to stop it."""
    bot = application.bot
    assert isinstance(bot, Client)
    if not settings.webhook_url:
        task = asyncio.create_task(poll(bot, intake, on_fatal), name="polling Telegram")

        async def stop_polling() -> None:
            task.cancel()  # the open long poll is dropped, not closed by a final getUpdates
            await asyncio.gather(task, return_exceptions=True)

        return stop_polling
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else secrets.token_urlsafe(32)
    server = WebhookServer(intake, urlparse(settings.webhook_url).path, secret)
    server.listen(settings.webhook_listen, settings.webhook_port)
    await until_done(
        lambda: bot.set_webhook(settings.webhook_url or "", secret_token=secret, allowed_updates=Update.ALL_TYPES),
        "registering the webhook",
        f"set WEBHOOK_URL to a public https:// address on port {WEBHOOK_PORTS}, or leave it empty for long polling",
    )
    return server.close


def run_telegram(settings: Settings, answerer: Answerer, responder: Responder) -> int:
    """Serve until SIGINT/SIGTERM: long polling, or a webhook when WEBHOOK_URL is set.

    Returns the exit status: 0 after a stop signal; 2, after one line naming the fix, when the
    settings do not let the bot start (a token or base URL the Bot API refuses, a data folder or
    port it cannot use), as for an invalid setting; 1 when another instance already serves the
    same data folder (nothing to fix in the settings) or Telegram ended the bot while it ran.
    An unreachable Bot API is not among them: the start waits for it, logging why.
    """
    redact = RedactSecrets(settings.secret_values).redact  # exception texts may quote a secret
    try:
        return asyncio.run(_serve_until_signal(settings, answerer, responder))
    except AnotherInstanceError as exc:
        print(redact(str(exc)), file=sys.stderr)
        return 1
    except InvalidToken as exc:
        print(_refused(settings, exc), file=sys.stderr)
    except StartRefusedError as exc:
        print(redact(str(exc)), file=sys.stderr)
    except OSError as exc:  # DATA_DIR not writable, the webhook port taken
        print(redact(f"Cannot start the bot: {exc}"), file=sys.stderr)
    return 2


def _refused(settings: Settings, exc: InvalidToken) -> str:
    """python-telegram-bot raises InvalidToken for 401 and 404; with the token's shape checked, a 404 is the URL.

    `Bot.initialize` wraps the server's answer in a new InvalidToken whose text quotes the token:
    the answer is read from the cause, and no exception text is printed.
    """
    answer = exc.__cause__ if isinstance(exc.__cause__, InvalidToken) else exc
    if "Not Found" in answer.message:
        return (
            f"The Bot API at {settings.telegram_api_base_url} answered 404 Not Found: TELEGRAM_API_BASE_URL must be "
            "the address of a Bot API server ending in /bot, e.g. https://api.telegram.org/bot or "
            "http://localhost:8081/bot."
        )
    return (
        "Telegram rejected TELEGRAM_BOT_TOKEN: copy the current token from @BotFather (/mybots → your bot → "
        "API Token) into .env."
    )


# Logs (with a traceback) each Bot API reply that is not JSON: a web server's 404 page, a proxy's error page.
_REPLY_LOGGER = logging.getLogger("telegram.request.BaseRequest")


class _QuietUntil(logging.Filter):
    """Drops the records of a logger until an event is set.

    At start a reply that is not JSON is told in one line anyway: a 404 by run_telegram (the base
    URL names no Bot API), anything else by the retry's warning; a traceback would only bury it.
    """

    def __init__(self, event: asyncio.Event) -> None:
        super().__init__()
        self._event = event

    def filter(self, record: logging.LogRecord) -> bool:
        return self._event.is_set()


async def _serve_until_signal(settings: Settings, answerer: Answerer, responder: Responder) -> int:
    """Serve until a stop signal; one that comes while the start still waits for the Bot API ends the wait."""
    stop = asyncio.Event()
    started = asyncio.Event()
    fatal: list[bool] = []

    def give_up() -> None:
        fatal.append(True)
        stop.set()

    async def serve() -> None:
        quiet = _QuietUntil(started)
        _REPLY_LOGGER.addFilter(quiet)
        try:
            async with serving(settings, answerer, responder, on_fatal=give_up):
                started.set()
                await stop.wait()
        finally:
            _REPLY_LOGGER.removeFilter(quiet)

    task = asyncio.create_task(serve())

    def on_signal() -> None:
        if started.is_set():
            stop.set()  # the bounded shutdown of `serving`
        else:
            task.cancel()  # nothing taken in yet; what the inbox holds stays for the next start

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal)
    try:
        await task
    except asyncio.CancelledError:
        if not task.cancelled():
            raise
    return 1 if fatal else 0
