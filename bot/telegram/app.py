"""Composition root of the Telegram bot: builds the Application, its services and handlers."""

from __future__ import annotations

import logging
import secrets
import sys
from urllib.parse import urlparse

from telegram import BotCommand, Update
from telegram.error import Conflict
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

from bot.config import Settings
from bot.engine.answerer import Answerer
from bot.engine.responder import ExtractiveResponder, Responder
from bot.telegram import callbacks, handlers, staff
from bot.telegram.access import RateLimiter
from bot.telegram.analytics import Store, load_salt
from bot.telegram.background import start_background, stop_background
from bot.telegram.memory import ConversationMemory
from bot.telegram.services import SERVICES_KEY, Services
from bot.telegram.texts import COMMANDS

logger = logging.getLogger(__name__)
RETRY_AFTER_ATTEMPTS = 3  # a 429 from Telegram is waited out this often before it counts as an error


def build_application(settings: Settings, answerer: Answerer, responder: Responder | None = None) -> Application:
    """The whole bot, ready for `run_polling`/`run_webhook` (or a test's manual lifecycle)."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    base_url = settings.telegram_api_base_url
    application = (
        Application.builder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(base_url)
        .base_file_url(base_url.removesuffix("/bot") + "/file/bot")
        .rate_limiter(
            AIORateLimiter(
                overall_max_rate=settings.telegram_max_rate,
                group_max_rate=settings.telegram_group_max_rate,
                max_retries=RETRY_AFTER_ATTEMPTS,
            )
        )
        .concurrent_updates(True)
        .post_init(on_startup)
        .post_stop(stop_background)
        .build()
    )
    salt = settings.user_hash_salt.get_secret_value() if settings.user_hash_salt else None
    application.bot_data[SERVICES_KEY] = Services(
        settings=settings,
        answerer=answerer,
        responder=responder or ExtractiveResponder(answerer),
        memory=ConversationMemory(settings.memory_turns, settings.memory_ttl_s),
        store=Store(settings.store_path, load_salt(salt, settings.data_dir)),
        limiter=RateLimiter(settings.rate_limit_per_minute),
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
            CommandHandler("stats", staff.stats),
            CommandHandler(["luecken", "gaps"], staff.gaps),
            CommandHandler(["veraltet", "stale"], staff.stale),
            CommandHandler("reload", staff.reload),
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


async def on_startup(application: Application) -> None:
    """Once connected: publish the command menu, start the housekeeping loops."""
    await publish_commands(application)
    await start_background(application)


async def publish_commands(application: Application) -> None:
    """The command menu in German for German clients, in English for everyone else."""
    for lang, language_code in (("en", None), ("de", "de")):
        commands = [BotCommand(name, description) for name, description in COMMANDS[lang]]
        await application.bot.set_my_commands(commands, language_code=language_code)


def _not_a_conflict(record: logging.LogRecord) -> bool:
    """Drop PTB's traceback for a 409 on its last getUpdates: the conflict is reported plainly."""
    return not (record.exc_info and isinstance(record.exc_info[1], Conflict))


def run_telegram(settings: Settings, answerer: Answerer, responder: Responder) -> int:
    """Serve until SIGINT/SIGTERM: long polling, or a webhook when WEBHOOK_URL is set.

    Returns the exit status: 0 after a stop signal, 1 when another instance already polls.
    """
    application = build_application(settings, answerer, responder)
    logging.getLogger("telegram.ext.Updater").addFilter(_not_a_conflict)
    if settings.webhook_url:
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=urlparse(settings.webhook_url).path.lstrip("/"),
            webhook_url=settings.webhook_url,
            secret_token=secret or secrets.token_urlsafe(32),
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
    if application.bot_data.get(handlers.CONFLICT_KEY):
        print(
            "Another instance of this bot is already running with the same TELEGRAM_BOT_TOKEN "
            "(Telegram answered 409 Conflict). Stop the other instance, or give this one its own "
            "bot token from @BotFather.",
            file=sys.stderr,
        )
        return 1
    return 0
