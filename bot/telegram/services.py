"""The services handlers need, created once and reached through one typed accessor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from telegram.ext import ContextTypes

from bot.answer import Answerer
from bot.config import Settings
from bot.responder import Responder
from bot.telegram.access import RateLimiter
from bot.telegram.memory import ConversationMemory
from bot.telegram.store import Store

SERVICES_KEY = "services"


@dataclass
class Services:
    settings: Settings
    answerer: Answerer  # the engine: catalog, menus, suggestions
    responder: Responder  # writes the answers: extractive, or the LLM over the same engine
    memory: ConversationMemory
    store: Store
    limiter: RateLimiter


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return services_of(context.bot_data)


def services_of(bot_data: dict[str, Any]) -> Services:
    return cast(Services, bot_data[SERVICES_KEY])
