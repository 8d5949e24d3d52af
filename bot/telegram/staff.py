"""Staff commands (ADMIN_USER_IDS only): /stats, /luecken (/gaps), /veraltet (/stale), /reload,
and with PAIRING on /freigeben (/approve), /zugaenge (/access), /entziehen (/revoke).

Everything slow (SQL, grouping, the chart, a re-ingest) runs in worker threads: users keep
getting answers while staff look at reports or reload the knowledge base.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime
from html import escape

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.ingest.sync import reingest
from bot.kb.documents import BadFileError, stale_sections
from bot.kb.index import IndexUnavailableError
from bot.telegram.handlers import send_html, ui_language
from bot.telegram.pairing import Pairings
from bot.telegram.reports import gaps_text, group_gaps, stats_chart, stats_text
from bot.telegram.services import services
from bot.telegram.texts import text

logger = logging.getLogger(__name__)

PERIODS = (7, 30)  # the windows /stats and /luecken offer; the first is the default


async def _staff_only(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Staff, in a private chat: reports carry other users' questions and business figures, and a
    reload's file list is internal; in a group they get a pointer to the private chat, no data."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or user.id not in services(context).settings.admin_user_ids:
        await send_html(update, text(ui_language(update), "staff_only"))
        return False
    if chat is None or chat.type != ChatType.PRIVATE:
        await send_html(update, text(ui_language(update), "private_only"))
        return False
    return True


def _period(context: ContextTypes.DEFAULT_TYPE, default: int) -> int:
    """`/stats 30` → 30; anything else → the default window."""
    args = context.args or []
    return int(args[0]) if args and args[0].isdigit() and int(args[0]) in PERIODS else default


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Questions per day and topic, answered vs declined, 👍/👎; text plus a chart."""
    if not await _staff_only(update, context):
        return
    lang, days = ui_language(update), _period(context, PERIODS[0])
    found = await asyncio.to_thread(services(context).store.stats, days)
    await send_html(update, stats_text(found, lang))
    message = update.effective_message
    if found.per_day and message is not None:
        chart = await asyncio.to_thread(stats_chart, found, lang)
        await message.reply_photo(chart, caption=text(lang, "stats_chart", days=days), do_quote=False)


async def gaps(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The most frequent declined or 👎-rated questions, similar ones grouped.

    They are other users' words: shown in a private chat only, never into a group (as every
    staff report).
    """
    if not await _staff_only(update, context):
        return
    svc = services(context)
    lang, days = ui_language(update), _period(context, PERIODS[-1])
    questions = await asyncio.to_thread(svc.store.gap_questions, days)
    grouped = await asyncio.to_thread(group_gaps, questions, svc.answerer.embeddings)
    await send_html(update, gaps_text(grouped, days, lang))


async def stale(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Guide sections past their review date: what to check against the sources next."""
    if not await _staff_only(update, context):
        return
    lang = ui_language(update)
    sections = stale_sections(services(context).answerer.live.snapshot.index.chunks, date.today().isoformat())
    if not sections:
        await send_html(update, text(lang, "stale_none"))
        return
    lines = [text(lang, "stale_title", count=len(sections))]
    lines += [
        text(lang, "stale_line", title=escape(s.title), section=escape(s.section), review_by=escape(s.review_by))
        for s in sections
    ]
    await send_html(update, "\n".join(lines))


async def reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Re-ingest the knowledge folder; answers come from the old index until the new one is live."""
    if not await _staff_only(update, context):
        return
    svc = services(context)
    lang = ui_language(update)
    if svc.reload_lock.locked():
        await send_html(update, text(lang, "reload_busy"))
        return
    async with svc.reload_lock:
        await send_html(update, text(lang, "reload_started"))
        try:
            report = await asyncio.to_thread(reingest, svc.settings)
            await asyncio.to_thread(svc.answerer.refresh)
        except (BadFileError, FileNotFoundError, IndexUnavailableError) as exc:
            logger.error("reload failed: %s", exc)
            await send_html(update, text(lang, "reload_failed", reason=escape(str(exc))))
            return
    lines = [text(lang, "reload_done", summary=escape(report.summary()))]
    lines += [text(lang, "reload_skipped", file=escape(f), reason=escape(r)) for f, r in report.skipped]
    await send_html(update, "\n".join(lines))


async def _pairings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Pairings | None:
    """The approvals, for staff in a private chat with PAIRING on; otherwise None, the user told why."""
    if not await _staff_only(update, context):
        return None
    pairings = services(context).pairings
    if pairings is None:
        await send_html(update, text(ui_language(update), "pairing_off"))
    return pairings


async def approve(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/freigeben CODE`: the chat the code belongs to gets answers from now on, and hears so."""
    pairings, lang = await _pairings(update, context), ui_language(update)
    if pairings is None:
        return
    user = update.effective_user
    assert user is not None
    code = "".join(context.args or [])
    entry = await asyncio.to_thread(pairings.approve, code, user.id) if code else None
    if entry is None:
        await send_html(update, text(lang, "pairing_unknown_code" if code else "pairing_usage"))
        return
    await send_html(update, text(lang, "pairing_approved", who=escape(entry.name), chat_id=entry.chat_id))
    try:
        await context.bot.send_message(entry.chat_id, text(entry.lang, "pairing_welcome"))
    except TelegramError as exc:  # the user blocked the bot meanwhile, the group is gone: approved all the same
        logger.info("could not tell an approved chat: %s", exc)


async def access(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Who got access by code and since when, and the codes still waiting."""
    pairings, lang = await _pairings(update, context), ui_language(update)
    if pairings is None:
        return
    approved = await asyncio.to_thread(pairings.approved)
    pending = await asyncio.to_thread(pairings.pending)
    lines = [text(lang, "access_approved", count=len(approved))]
    lines += [text(lang, "access_line", who=escape(e.name), chat_id=e.chat_id, since=_day(e.since)) for e in approved]
    lines += ["", text(lang, "access_pending", count=len(pending))]
    lines += [text(lang, "access_code", who=escape(e.name), code=e.code) for e in pending]
    settings = services(context).settings
    listed = len(settings.allowed_user_ids | settings.allowed_chat_ids)
    lines += ["", text(lang, "access_env", count=listed)]
    await send_html(update, "\n".join(lines))


async def revoke(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/entziehen ID`: the approval and the stored name are deleted; `.env` lists stay as they are."""
    pairings, lang = await _pairings(update, context), ui_language(update)
    if pairings is None:
        return
    args = context.args or []
    if len(args) != 1 or not args[0].lstrip("-").isdigit():
        await send_html(update, text(lang, "revoke_usage"))
        return
    entry = await asyncio.to_thread(pairings.revoke, int(args[0]))
    if entry is None:
        await send_html(update, text(lang, "revoke_unknown", chat_id=escape(args[0])))
        return
    await send_html(update, text(lang, "revoked", who=escape(entry.name), chat_id=entry.chat_id))


def _day(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).date().isoformat()
