"""Helpers the test modules share: settings, the bot in a subprocess, driving the fake Telegram."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from asyncio.subprocess import PIPE
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.config import Settings
from bot.telegram.services import SERVICES_KEY
from tests.fakes.bot_api import FakeBotAPI

REPO = Path(__file__).resolve().parent.parent
KNOWLEDGE = REPO / "knowledge"

MATCH_GUIDE = """---
title: "Geld verdienen mit TikTok LIVE"
topic: live-earnings
lang: de
source: "Testquelle"
as_of: "2024-07"
---

# Geld verdienen mit TikTok LIVE

## Wie lange dauert ein Match?

Ein Match zwischen zwei LIVE-Creatorn dauert jeweils 5 Minuten. Die Zuschauer schicken Geschenke, damit ihr Star das Duell gewinnt.

## Womit belohnen Zuschauer einen Creator?

Zuschauer belohnen einen Creator mit virtuellen Geschenken. Die Geschenke kauft man mit der hauseigenen Währung der Plattform.
"""

HISTORY_GUIDE = """---
title: "History of TikTok"
topic: history
lang: en
source: "Test source"
as_of: "2024-07"
---

# History of TikTok

## When did Douyin launch?

Douyin launched for the Chinese market in September 2016. ByteDance, based in Beijing, built it for 15-second music videos.

## When did Musical.ly merge into TikTok?

Musical.ly merged into TikTok in August 2018. Every Musical.ly account became a TikTok account.
"""


def make_settings(knowledge: Path, data: Path, **overrides: object) -> Settings:
    return Settings(_env_file=None, knowledge_dir=knowledge, data_dir=data, **overrides)  # type: ignore[call-arg]


GROUP = -100123


def bot_settings(api: FakeBotAPI, data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_bot_token": SecretStr(api.token),
        "telegram_api_base_url": api.base_url,  # type: ignore[attr-defined]
        "telegram_max_rate": 0,  # no throttling, except where it is tested
        "telegram_group_max_rate": 0,
        **overrides,
    }
    return make_settings(Path("knowledge"), data_dir, **values)


def stored_rows(bot: Any, user_id: int) -> int:
    """Rows the store holds about a user, once its queued writes have landed."""
    store = bot.bot_data[SERVICES_KEY].store
    store.flush()
    return int(store.count_rows(user_id))


def buttons(call: Any) -> list[tuple[str, str]]:
    markup = call.params.get("reply_markup") or {}
    return [(b["text"], b.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for b in row]


def as_message(call: Any) -> dict[str, Any]:
    """The message object the bot's sendMessage created, as a button press would carry it."""
    return {
        "message_id": 5000 + len(call.params["text"]),
        "date": 0,
        "chat": {"id": call.params["chat_id"], "type": "private" if call.params["chat_id"] > 0 else "supergroup"},
        "text": call.params["text"],
        "reply_markup": call.params.get("reply_markup"),
    }


async def ask(api: FakeBotAPI, question: str, chat_id: int = 42, count: int = 1, **kwargs: Any) -> Any:
    before = len(api.sent_to(chat_id))
    await api.send_text(question, chat_id=chat_id, **kwargs)
    sent = await api.wait_for_message(chat_id, count=before + count)
    return sent[before + count - 1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_bot(
    settings: Settings, *args: str, stdin: str | None = None, module: str = "bot", **env: str
) -> subprocess.CompletedProcess[str]:
    """`python -m bot ...` (or another `module`) in its own process, on the index and knowledge of `settings`."""
    environment = {
        **os.environ,
        "KNOWLEDGE_DIR": str(settings.knowledge_dir),
        "DATA_DIR": str(settings.data_dir),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        cwd=REPO,
        timeout=120,
        check=False,
    )


async def start_telegram_bot(api: FakeBotAPI, settings: Settings, **env: str) -> asyncio.subprocess.Process:
    """`python -m bot run` in its own process, serving the fake Bot API from the index of `settings`."""
    environment = {
        **os.environ,
        "KNOWLEDGE_DIR": str(settings.knowledge_dir),
        "DATA_DIR": str(settings.data_dir),
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,  # type: ignore[attr-defined]
        **env,
    }
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=environment, cwd=REPO, stdout=PIPE, stderr=PIPE
    )
