"""LLM mode in Telegram: a streamed answer edited into one message, over real HTTP on both sides."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

from bot.engine.answerer import Answerer
from bot.engine.llm import GenerativeResponder
from bot.engine.texts import text
from bot.telegram.app import serving
from bot.telegram.streaming import EDIT_INTERVAL_S
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.llm import FakeLLM
from tests.helpers import bot_settings, buttons


def llm_responder(api: FakeBotAPI, llm: FakeLLM, answerer: Answerer, tmp_path: Path) -> GenerativeResponder:
    settings = bot_settings(
        api,
        tmp_path,
        answer_mode="llm",
        llm_base_url=llm.base + "/v1",  # type: ignore[attr-defined]
        llm_model="fake-model",
        llm_first_token_timeout_s=2.0,
        llm_timeout_s=20.0,
    )
    return GenerativeResponder(answerer, settings)


async def run_llm_bot(api: FakeBotAPI, llm: FakeLLM, answerer: Answerer, tmp_path: Path, question: str) -> Any:
    generative = llm_responder(api, llm, answerer, tmp_path)
    async with serving(generative.settings, answerer, generative):
        await api.send_text(question)
        return await wait_for_final_edit(api)


async def wait_for_final_edit(api: FakeBotAPI) -> Any:
    """The edit or message that carries the answer buttons: the end of a streamed answer."""
    for _ in range(300):
        for call in reversed(api.calls):
            if call.method in ("editMessageText", "sendMessage") and call.status == 200 and buttons(call):
                return call
        await asyncio.sleep(0.1)
    raise AssertionError("no final answer with buttons")


async def test_streamed_answer_is_edited_into_one_message_at_most_every_1_5_s(
    api: FakeBotAPI, llm: FakeLLM, answerer: Answerer, tmp_path: Path
) -> None:
    llm.reply = lambda messages: " ".join(["Ein Match dauert jeweils 5 Minuten [1]."] * 12)
    llm.token_delay = 0.12  # about 6 s of writing
    llm.first_token_delay = 1.0  # the model thinks first: "typing…" shows meanwhile
    final = await run_llm_bot(api, llm, answerer, tmp_path, "Wie lange dauert ein Match im TikTok-Live?")
    sent = [c for c in api.calls if c.method == "sendMessage"]
    edits = [c for c in api.calls if c.method == "editMessageText"]
    assert len(sent) == 1 and len(edits) >= 3  # one message, growing
    assert all(e.params["message_id"] == edits[0].params["message_id"] for e in edits)
    intermediate = edits[:-1]
    gaps = [b.at - a.at for a, b in itertools.pairwise(intermediate)]
    assert all(gap >= EDIT_INTERVAL_S - 0.05 for gap in gaps)
    assert final.method == "editMessageText" and "<i>Quellen: [1] " in final.params["text"]
    assert [label for label, _ in buttons(final)][:2] == ["👍", "👎"]
    typing = api.calls_of("sendChatAction")  # typing until the first token
    assert typing and typing[0].params["action"] == "typing" and typing[-1].at < sent[0].at


async def test_a_long_stream_continues_in_a_new_message_before_4096(
    api: FakeBotAPI, llm: FakeLLM, answerer: Answerer, tmp_path: Path
) -> None:
    llm.reply = lambda messages: " ".join(["Ein Match im TikTok-Live dauert jeweils genau 5 Minuten [1]."] * 110)
    final = await run_llm_bot(api, llm, answerer, tmp_path, "Wie lange dauert ein Match im TikTok-Live?")
    sent = [c for c in api.calls if c.method == "sendMessage" and c.status == 200]
    assert len(sent) >= 2
    assert all(c.status == 200 for c in api.calls if c.method in ("sendMessage", "editMessageText"))
    assert "Quellen" in final.params["text"]


async def test_retry_after_on_an_edit_pauses_and_the_final_text_arrives_once(
    api: FakeBotAPI, llm: FakeLLM, answerer: Answerer, tmp_path: Path
) -> None:
    llm.reply = lambda messages: " ".join(["Ein Match dauert jeweils 5 Minuten [1]."] * 10)
    llm.token_delay = 0.1
    api.rate_limit_next["editMessageText"] = 1
    final = await run_llm_bot(api, llm, answerer, tmp_path, "Wie lange dauert ein Match im TikTok-Live?")
    assert any(c.method == "editMessageText" and c.status == 429 for c in api.calls)
    finals = [c for c in api.calls if c.status == 200 and buttons(c)]
    assert len(finals) == 1 and "Quellen" in final.params["text"]
    assert not any("schiefgegangen" in c.params.get("text", "") for c in api.calls_of("sendMessage"))


async def test_model_failure_in_telegram_gives_the_extractive_answer_with_a_note(
    api: FakeBotAPI, llm: FakeLLM, answerer: Answerer, tmp_path: Path
) -> None:
    llm.fail_status = 500
    final = await run_llm_bot(api, llm, answerer, tmp_path, "Wie lange dauert ein Match im TikTok-Live?")
    assert "5 Minuten" in final.params["text"]
    assert text("de", "llm_unavailable") in final.params["text"].replace("&quot;", '"')
