"""Housekeeping beside the handlers: following the live index (and, later, other chores).

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


async def start_background(application: Application) -> None:  # type: ignore[type-arg]
    svc = services_of(application.bot_data)
    chores: list[tuple[str, float, Callable[[], object]]] = [
        ("following the live index", svc.settings.index_check_s, svc.answerer.refresh),
    ]
    application.bot_data[TASKS_KEY] = [
        asyncio.create_task(_every(seconds, work, what), name=what) for what, seconds, work in chores
    ]


async def stop_background(application: Application) -> None:  # type: ignore[type-arg]
    tasks: list[asyncio.Task[None]] = application.bot_data.pop(TASKS_KEY, [])
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _every(seconds: float, work: Callable[[], object], what: str) -> None:
    """Run `work` in a worker thread every `seconds`; a failure is logged and tried again later."""
    while True:
        await asyncio.sleep(seconds)
        try:
            await asyncio.to_thread(work)
        except Exception:
            logger.exception("%s failed; trying again in %.0f s", what, seconds)
