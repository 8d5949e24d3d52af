"""Telegram handlers: thin verbs that translate updates into engine calls and replies."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
from dataclasses import asdict
from datetime import UTC, datetime
from html import escape

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError, TimedOut
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.engine.responder import Delta
from bot.engine.types import Answer
from bot.telegram import callbacks
from bot.telegram.access import is_allowed
from bot.telegram.formatting import (
    answer_keyboard,
    answer_paragraphs,
    forget_keyboard,
    preview,
    questions_keyboard,
    sources_html,
    split_html,
    topic_button,
    topics_keyboard,
)
from bot.telegram.memory import ConversationKey
from bot.telegram.services import services
from bot.telegram.streaming import StreamedReply
from bot.telegram.texts import text

logger = logging.getLogger(__name__)

# Harmless races of a real chat: a button pressed twice, a message deleted meanwhile.
_QUIET_BAD_REQUESTS = ("not modified", "query is too old", "message to edit not found", "message to delete")
EXAMPLES_PER_MENU = 4
LATE_AFTER_S = 180  # an answer this much later than its question opens with an apology


def ui_language(update: Update) -> str:
    """German for German Telegram clients and for anyone whose client says nothing."""
    user = update.effective_user
    code = (user.language_code or "de") if user else "de"
    return "de" if code.lower().startswith("de") else "en"


def conversation_key(update: Update) -> ConversationKey:
    """One memory per private chat, group and forum topic."""
    message = update.effective_message
    chat_id = update.effective_chat.id if update.effective_chat else 0
    thread = message.message_thread_id if message and message.is_topic_message else None
    return (chat_id, thread or 0)


def _user_tag(context: ContextTypes.DEFAULT_TYPE, update: object) -> str:
    """A salted hash for logs: enough to correlate lines, useless to identify anyone."""
    user = update.effective_user if isinstance(update, Update) else None
    return services(context).store.user_hash(user.id) if user else "-"


async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stops every update from someone the allowlist does not cover, with a polite refusal.

    With PAIRING on, the refusal carries the chat's code for an admin to approve.
    """
    svc = services(context)
    user = update.effective_user
    user_id = user.id if user else None
    chat_id = update.effective_chat.id if update.effective_chat else (user_id or 0)
    paired = svc.pairings is not None and svc.pairings.allows(user_id, chat_id)
    if paired or is_allowed(svc.settings, user_id, chat_id) or _is_whoami(update):
        return
    lang = ui_language(update)
    if update.callback_query:
        await update.callback_query.answer(text(lang, "not_allowed_short"), show_alert=True)
    elif update.inline_query:
        await update.inline_query.answer([], cache_time=0, is_personal=True)
    elif update.effective_message and update.effective_chat and user is not None:  # not a channel post
        message = update.effective_message
        private = update.effective_chat.type == ChatType.PRIVATE
        if private or _addressed_question(message, context) is not None:
            if svc.pairings is None:
                await message.reply_html(text(lang, "not_allowed", user_id=user.id))
            else:
                await _offer_pairing(update, context, lang)
    logger.info("refused update from %s", _user_tag(context, update))
    raise ApplicationHandlerStop


async def _offer_pairing(update: Update, context: ContextTypes.DEFAULT_TYPE, lang: str) -> None:
    """The chat's code for the user; the admins hear of a new one (those who ever opened the bot)."""
    svc = services(context)
    user, chat, message = update.effective_user, update.effective_chat, update.effective_message
    assert svc.pairings is not None and user is not None and chat is not None and message is not None
    private = chat.type == ChatType.PRIVATE
    who = _display_name(user.full_name, user.username)
    name = who if private else f"{chat.title or chat.id} ({who})"
    code, new = await asyncio.to_thread(svc.pairings.request, chat.id, name, lang)
    await message.reply_html(text(lang, "pairing_code" if private else "pairing_code_group", code=code))
    if not (new and svc.pairings.may_notify()):
        return
    for admin in svc.settings.admin_user_ids:
        with contextlib.suppress(Forbidden, BadRequest):  # an admin who never opened a chat with the bot
            await context.bot.send_message(admin, text("de", "pairing_request", who=escape(name), code=code))


def _display_name(full_name: str, username: str | None) -> str:
    return f"{full_name} (@{username})" if username else full_name


def _is_whoami(update: Update) -> bool:
    """/whoami passes the allowlist: someone not yet allowed needs their id to be added."""
    message = update.message
    command = (message.text or "").split(maxsplit=1)[0].split("@")[0].lower() if message else ""
    return command in ("/whoami", "/id")


async def whoami(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The numeric ids ALLOWED_USER_IDS, ADMIN_USER_IDS and ALLOWED_CHAT_IDS need."""
    user, chat = update.effective_user, update.effective_chat
    ids = {"user_id": user.id if user else "–", "chat_id": chat.id if chat else "–"}
    await send_html(update, text(ui_language(update), "whoami", **ids))


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greets the user and shows the topic menu."""
    lang = ui_language(update)
    await send_html(update, text(lang, "welcome"), topics_keyboard(services(context).answerer.catalog.menu(lang)))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explains questions, follow-ups and the commands."""
    await send_html(update, text(ui_language(update), "help"))


async def topics(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Shows the topic menu of the knowledge base that is live now."""
    lang = ui_language(update)
    await send_html(update, text(lang, "choose_topic"), topics_keyboard(services(context).answerer.catalog.menu(lang)))


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Lists the sources of this chat's last answer."""
    lang = ui_language(update)
    found = await asyncio.to_thread(services(context).store.last_sources, _chat_key(update))
    await send_html(update, sources_html(lang, found) if found else text(lang, "no_sources"))


async def new_conversation(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Forgets this chat's conversation so the next question starts fresh."""
    services(context).memory.clear(conversation_key(update))
    await send_html(update, text(ui_language(update), "new_conversation"))


async def privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Says what the bot stores, why and for how long."""
    settings = services(context).settings
    lang = ui_language(update)
    message = text(
        lang,
        "privacy",
        turns=settings.memory_turns,
        minutes=settings.memory_ttl_s // 60,
        retention=settings.retention_days,
        llm_note=text(lang, "privacy_llm") if settings.answer_mode == "llm" else "",
        pairing_note=text(lang, "privacy_pairing") if settings.pairing else "",
    )
    await send_html(update, message)


async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Asks for confirmation before deleting everything stored about the user."""
    lang = ui_language(update)
    await send_html(update, text(lang, "forget_confirm"), forget_keyboard(lang))


async def answer_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers a text message: in private chats always, in groups only when addressed."""
    message = update.effective_message
    if message is None or update.effective_user is None:  # posted as a channel or an anonymous admin
        return
    question = _addressed_question(message, context)
    if question is not None:
        await _answer(update, context, question)


async def explain_text_only(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Tells the user that only text questions can be answered (stickers, photos, voice ...)."""
    message = update.effective_message
    if message and update.effective_chat and update.effective_chat.type == ChatType.PRIVATE:
        await message.reply_text(text(ui_language(update), "non_text"))


async def on_topic_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Opens a topic: its example questions as buttons."""
    query = update.callback_query
    assert query is not None and query.data is not None
    lang = ui_language(update)
    catalog = services(context).answerer.catalog
    item = topic_button(catalog.menu(lang), query.data)
    if item is None:  # a menu of an older version or knowledge base: the topic is gone
        await query.answer(text(lang, "expired"))
        return
    await query.answer()
    if query.message is None:
        return
    await context.bot.send_message(
        query.message.chat.id,
        text(lang, "topic_questions", topic=escape(item.label)),
        parse_mode=ParseMode.HTML,
        reply_markup=questions_keyboard(catalog.examples(item, EXAMPLES_PER_MENU)),
        message_thread_id=_thread(update),
    )


async def on_question_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers an example or suggested question as if the user had typed it."""
    query = update.callback_query
    assert query is not None and query.data is not None
    entry = services(context).answerer.catalog.entry(callbacks.field(callbacks.QUESTION, query.data, "entry") or "")
    if entry is None:
        await query.answer(text(ui_language(update), "expired"))
        return
    await query.answer()
    await _answer(update, context, entry.question, echo=True)


async def on_feedback_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Records 👍 or 👎 for an answer (pressing again just updates the rating)."""
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_user is not None
    found = callbacks.FEEDBACK.match(query.data)
    assert found is not None  # the handler is registered for this pattern only
    sign, answer_key = found["sign"], found["answer"]
    store = services(context).store
    saved = await asyncio.wrap_future(store.rate(answer_key, update.effective_user.id, 1 if sign == "+" else -1))
    await query.answer(text(ui_language(update), "feedback_thanks" if saved else "expired"))


async def on_sources_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Shows the sources of the answer the button sits under."""
    query = update.callback_query
    assert query is not None and query.data is not None
    lang = ui_language(update)
    answer_key = callbacks.field(callbacks.SOURCES, query.data, "answer") or ""
    found = await asyncio.to_thread(services(context).store.sources, answer_key)
    await query.answer()
    if query.message is not None:
        await context.bot.send_message(
            query.message.chat.id,
            sources_html(lang, found) if found else text(lang, "no_sources"),
            parse_mode=ParseMode.HTML,
            message_thread_id=_thread(update),
        )


async def on_forget_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Deletes everything about the user after "yes", nothing after "cancel"."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    lang = ui_language(update)
    await query.answer()
    if callbacks.field(callbacks.FORGET, query.data, "choice") == "yes":
        svc = services(context)
        user_id = update.effective_user.id
        await asyncio.wrap_future(svc.store.forget(user_id))
        svc.memory.clear((user_id, 0))  # the private chat's conversation
        svc.memory.clear(conversation_key(update))
        await query.edit_message_text(text(lang, "forgotten"))
    else:
        await query.edit_message_text(text(lang, "forget_cancelled"))


async def on_unknown_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers a button this version does not know (an old message, a tampered client): the
    client stops spinning and says why."""
    query = update.callback_query
    assert query is not None
    await query.answer(text(ui_language(update), "expired"))


async def answer_inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offers an answer card for `@bot question` in any chat."""
    query = update.inline_query
    assert query is not None
    lang = ui_language(update)
    question = query.query.strip()
    hint = InlineQueryResultsButton(text(lang, "inline_hint"), start_parameter="inline")
    svc = services(context)
    if not question or svc.limiter.wait_seconds(query.from_user.id):
        await query.answer([], button=hint, cache_time=0, is_personal=True)
        return
    answer = await svc.responder.ask(question, user=svc.store.user_hash(query.from_user.id))
    if not answer.in_scope:
        await query.answer([], button=hint, cache_time=60)
        return
    card = InlineQueryResultArticle(
        id=hashlib.sha256(question.encode()).hexdigest()[:32],
        title=question[:100],
        description=preview(answer),
        input_message_content=InputTextMessageContent(
            split_html(answer_paragraphs(answer))[0], parse_mode=ParseMode.HTML
        ),
    )
    await query.answer([card], cache_time=60)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Logs the failure (no message text, no token) and apologises to the user, unless the reply
    may have arrived after all (a timeout): a false apology under a good answer confuses more."""
    error = context.error
    if isinstance(error, TimedOut):
        logger.warning(
            "the Bot API did not answer in time for %s; the reply may have arrived", _user_tag(context, update)
        )
        return
    if isinstance(error, Forbidden):
        logger.info("cannot reach %s: %s", _user_tag(context, update), error)
        return
    if isinstance(error, BadRequest) and any(s in str(error).lower() for s in _QUIET_BAD_REQUESTS):
        logger.info("ignored a stale request: %s", error)
        return
    kind = next((name for name in ("message", "callback_query", "inline_query") if getattr(update, name, None)), "?")
    logger.error("handling a %s update from %s failed", kind, _user_tag(context, update), exc_info=error)
    if isinstance(update, Update) and update.effective_chat and not update.inline_query:
        try:
            await context.bot.send_message(
                update.effective_chat.id, text(ui_language(update), "error"), message_thread_id=_thread(update)
            )
        except TelegramError:
            logger.info("could not send the apology either")


# -- helpers ---------------------------------------------------------------------------------


def _thread(update: Update) -> int | None:
    message = update.effective_message
    return message.message_thread_id if message and message.is_topic_message else None


def _chat_key(update: Update) -> str:
    chat_id, thread = conversation_key(update)
    return f"{chat_id}:{thread}"


def _addressed_question(message: Message, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """The question in a message meant for the bot, or None when it was not addressed to it.

    In a group that is a reply to the bot, or a mention Telegram marked as such: a `mention`
    entity of exactly this bot's username, or a `text_mention` of the bot. Telegram's entities,
    not a pattern, decide: "@berater_bot2" is another bot, "info@berater_bot.de" an e-mail address.
    """
    raw = message.text or ""
    if message.chat.type == ChatType.PRIVATE:
        return raw
    username = f"@{context.bot.username}".lower()
    ours = [
        part
        for entity, part in message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items()
        if part.lower() == username or (entity.user is not None and entity.user.id == context.bot.id)
    ]
    replied = message.reply_to_message
    to_bot = bool(replied and replied.from_user and replied.from_user.id == context.bot.id)
    if not ours and not to_bot:
        return None
    for part in ours:
        raw = raw.replace(part, "", 1)
    return raw.strip(" ,:")


async def send_html(update: Update, html: str, markup: object | None = None) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_html(html, reply_markup=markup, do_quote=False)  # type: ignore[arg-type]


async def _answer(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str, echo: bool = False) -> None:
    svc = services(context)
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    wait = svc.limiter.wait_seconds(user.id)
    if wait:
        if svc.limiter.first_refusal(user.id):
            await context.bot.send_message(
                chat.id, text(ui_language(update), "rate_limited", seconds=wait), message_thread_id=_thread(update)
            )
        return
    typing = context.application.create_task(_keep_typing(update, context))
    key = conversation_key(update)
    reply = StreamedReply(context.bot, chat.id, _thread(update))
    answer: Answer | None = None
    try:
        async for event in svc.responder.stream(question, svc.memory.history(key), svc.store.user_hash(user.id)):
            if isinstance(event, Delta):
                typing.cancel()  # the text itself shows that the bot is writing
                await reply.add(event.text)
            else:
                answer = event.answer
    finally:
        typing.cancel()
    assert answer is not None
    if question.strip():
        svc.memory.add(key, answer.as_turn())
    answer_key = secrets.token_hex(6)
    if answer.in_scope or answer.declined:  # notices ("too long", ...) are not questions
        svc.store.record_answer(
            answer_key,
            _chat_key(update),
            user.id,
            question=question,
            lang=answer.language,
            answered=answer.in_scope,
            sources=[asdict(s) for s in answer.sources],
        )
    paragraphs = answer_paragraphs(answer)
    if echo:
        paragraphs.insert(0, f"❓ <b>{escape(question)}</b>")
    late = _minutes_late(update)
    if late:  # answered after a restart or an outage: say so, or the answer seems to come from nowhere
        paragraphs.insert(0, f"<i>{escape(text(answer.language, 'late', minutes=late))}</i>")
    menu = svc.answerer.catalog.menu(answer.language)
    await reply.finish(paragraphs, answer_keyboard(answer, answer_key, menu))


def _minutes_late(update: Update) -> int:
    """How many minutes ago the question was sent, when that is long enough to mention."""
    message = update.message
    if message is None:
        return 0
    waited = (datetime.now(UTC) - message.date).total_seconds()
    return int(waited // 60) if waited >= LATE_AFTER_S else 0


TYPING_REFRESH_S = 4.5  # Telegram shows "typing…" for about five seconds per action
# An answer that arrives sooner needs no "typing…": most extractive answers take well under this,
# and skipping the action halves the requests per question, which under load is a fifth of the
# event loop's work (profile in docs/BENCHMARKS.md, "Load") and counts against Telegram's limits.
TYPING_DELAY_S = 0.5


async def _keep_typing(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Shows "typing…" from TYPING_DELAY_S on until cancelled (when the first text or the answer arrives)."""
    chat = update.effective_chat
    if chat is None:
        return
    await asyncio.sleep(TYPING_DELAY_S)
    while True:
        with contextlib.suppress(TelegramError):  # a missing typing indicator is not worth an error
            await context.bot.send_chat_action(chat.id, ChatAction.TYPING, message_thread_id=_thread(update))
        await asyncio.sleep(TYPING_REFRESH_S)
