"""The services handlers need, created once and reached through one typed accessor."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, cast

from telegram.ext import ContextTypes

from bot.config import Settings
from bot.engine.answerer import Answerer
from bot.engine.responder import Responder
from bot.telegram.access import RateLimiter
from bot.telegram.analytics import Store
from bot.telegram.memory import ConversationMemory
from bot.telegram.pairing import Pairings

SERVICES_KEY = "services"


@dataclass
class Services:
    settings: Settings
    answerer: Answerer  # the engine: catalog, menus, suggestions
    responder: Responder  # writes the answers: extractive, or the LLM over the same engine
    memory: ConversationMemory
    store: Store
    limiter: RateLimiter
    pairings: Pairings | None = None  # with PAIRING on: chats approved by code
    reload_lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one /reload at a time


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return services_of(context.bot_data)


def services_of(bot_data: dict[str, Any]) -> Services:
    return cast(Services, bot_data[SERVICES_KEY])
