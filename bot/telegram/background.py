"""Housekeeping beside the handlers: following the live index, purging old analytics rows.

Plain asyncio tasks rather than `Application.create_task`: the Application waits for its own
tasks on stop, and these loops never end by themselves; they are cancelled on shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from telegram.ext import Application

from bot.telegram.services import services_of

logger = logging.getLogger(__name__)

TASKS_KEY = "background_tasks"
PURGE_EVERY_S = 24 * 3600


async def start_background(application: Application) -> None:  # type: ignore[type-arg,unused-ignore]
    svc = services_of(application.bot_data)

    def purge() -> None:
        deleted = svc.store.purge(svc.settings.retention_days).result()
        logger.info("purged %d rows older than %d days", deleted, svc.settings.retention_days)

    await asyncio.to_thread(purge)  # a bot restarted every night would otherwise never reach its first daily purge
    chores: list[tuple[str, float, Callable[[], object]]] = [
        ("following the live index", svc.settings.index_check_s, svc.answerer.refresh),
        ("purging old analytics rows", PURGE_EVERY_S, purge),
    ]
    application.bot_data[TASKS_KEY] = [
        asyncio.create_task(every(seconds, work, what), name=what) for what, seconds, work in chores
    ]


async def stop_background(application: Application) -> None:  # type: ignore[type-arg,unused-ignore]
    tasks: list[asyncio.Task[None]] = application.bot_data.pop(TASKS_KEY, [])
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    svc = services_of(application.bot_data)
    await asyncio.to_thread(svc.store.close)  # queued writes land first
    if svc.pairings is not None:
        svc.pairings.close()


async def every(seconds: float, work: Callable[[], object], what: str) -> None:
    """Run `work` in a worker thread every `seconds`; a failure is tried again later.

    A failure is logged when it starts or changes, and once more when the chore works again:
    a store that stays broken for a night must not fill the disk with the same traceback.
    """
    failing: str | None = None
    while True:
        await asyncio.sleep(seconds)
        try:
            await asyncio.to_thread(work)
        except Exception as exc:
            problem = f"{type(exc).__name__}: {exc}"
            if problem != failing:
                logger.error("%s failed (%s); trying again every %.0f s", what, problem, seconds)
                logger.debug("%s failed", what, exc_info=exc)
            failing = problem
        else:
            if failing is not None:
                logger.warning("%s works again", what)
            failing = None
