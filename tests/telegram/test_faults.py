"""Faults of operation: a crash mid-burst, a second instance, unreadable updates, a flaky Bot API.

Each test drives the real bot (in-process or as `python -m bot run`) against the fake Bot API
with the fault injected, and checks what users would notice: every question answered once, no
false apology, nobody else's words in the logs.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from pathlib import Path

import pytest

from bot.config import Settings
from bot.engine.answerer import Answerer
from bot.telegram.app import serving
from tests.fakes.bot_api import FakeBotAPI
from tests.helpers import GROUP, ask, bot_settings, start_telegram_bot

QUESTION = "Was sind Matches im TikTok-Live?"


def answers_in(api: FakeBotAPI, chat_id: int) -> int:
    """Delivered answers (the message carrying the sources) in a chat."""
    return sum(1 for call in api.sent_to(chat_id) if call.status == 200 and "<i>Quellen" in call.params["text"])


async def stop(process: asyncio.subprocess.Process) -> bytes:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    return stderr


async def test_kill_9_mid_burst_then_restart_answers_every_user_exactly_once(
    api: FakeBotAPI, kb_settings: Settings
) -> None:
    chats = range(3001, 3031)
    first = await start_telegram_bot(api, kb_settings)
    try:
        await api.wait_for("setMyCommands", count=2, timeout=60)
        api.stall_sends_after = 1  # one answer goes out, then the Bot API hangs
        for chat in chats:
            await api.send_text(QUESTION, chat_id=chat)
        await api.wait_for("sendMessage", count=3)  # one delivered, the next ones stuck
        await asyncio.sleep(0.5)  # the bot has read the first confirmation
        first.send_signal(signal.SIGKILL)
        await first.wait()
    finally:
        if first.returncode is None:
            first.kill()
            await first.wait()
    assert sum(answers_in(api, chat) for chat in chats) == 1  # the crash cut the burst short
    api.stall_sends_after = None

    second = await start_telegram_bot(api, kb_settings)
    try:
        # Every chat has a message already (the sends the crash left hanging are recorded too):
        # wait for a delivered answer in each.
        await api.wait_until(lambda: all(answers_in(api, chat) for chat in chats), 60, "an answer in every chat")
        await asyncio.sleep(1.0)  # time for a duplicate to show up, if one were coming
    finally:
        stderr = await stop(second)
    assert [answers_in(api, chat) for chat in chats] == [1] * len(chats)
    assert b"Traceback" not in stderr


async def test_a_second_instance_on_the_same_data_folder_stops_before_any_network_call(
    api: FakeBotAPI, answerer: Answerer, kb_settings: Settings
) -> None:
    async with serving(bot_settings(api, kb_settings.data_dir), answerer):
        await api.wait_for("deleteWebhook")  # the first instance is up and polling
        calls_before = len(api.calls)
        second = await start_telegram_bot(api, kb_settings)
        _, stderr = await asyncio.wait_for(second.communicate(), timeout=60)
        assert second.returncode == 1
        assert stderr.decode().strip().splitlines() == [
            line for line in stderr.decode().strip().splitlines() if "Another instance of this bot" in line
        ]
        assert len(api.calls) == calls_before  # not even getMe: the first instance stays undisturbed
        assert "<i>Quellen:" in (await ask(api, QUESTION, chat_id=3101)).params["text"]


@pytest.mark.parametrize("model", ["newer_wins", "older_wins"])
async def test_two_instances_with_one_token_keep_answering_under_both_conflict_rules(
    api: FakeBotAPI, answerer: Answerer, kb_settings: Settings, tmp_path: Path, model: str
) -> None:
    api.conflict = model
    async with serving(bot_settings(api, tmp_path), answerer):
        await api.wait_for("setMyCommands", count=2)
        other = await start_telegram_bot(api, kb_settings)  # its own data folder: as on another machine
        try:
            await api.wait_for("setMyCommands", count=4, timeout=60)
            for chat in range(3201, 3209):
                await api.send_text(QUESTION, chat_id=chat)
                await asyncio.sleep(0.5)  # spread over the time both instances contend
            for chat in range(3201, 3209):
                await api.wait_for_message(chat, timeout=60)
            assert other.returncode is None  # neither instance gave up
        finally:
            stderr = await stop(other)
        assert other.returncode == 0 and b"Traceback" not in stderr
        # The instance that stays answers alone again.
        assert "<i>Quellen:" in (await ask(api, QUESTION, chat_id=3210)).params["text"]


async def test_an_unreadable_update_is_skipped_and_the_next_question_answered(
    api: FakeBotAPI, answerer: Answerer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    async with serving(bot_settings(api, tmp_path), answerer):
        poison = api.message_update("Geheime Frage von Bertha", chat_id=3301)
        del poison["message"]["date"]  # as an older self-hosted Bot API server might send it
        bad = await api.push(poison)
        reply = await ask(api, QUESTION, chat_id=3302)
        assert "<i>Quellen:" in reply.params["text"]
        assert api.sent_to(3301) == []
    skipped = [r.getMessage() for r in caplog.records if "skipped update" in r.getMessage()]
    assert skipped == [f"skipped update {bad['update_id']}: cannot read its message (KeyError: date)"]
    assert "Bertha" not in caplog.text and "Geheime" not in caplog.text


async def test_a_question_from_minutes_ago_is_answered_with_an_apology_for_the_delay(
    api: FakeBotAPI, answerer: Answerer, tmp_path: Path
) -> None:
    async with serving(bot_settings(api, tmp_path), answerer):
        old = api.message_update(QUESTION, chat_id=3401)
        old["message"]["date"] = int(time.time()) - 12 * 60  # Telegram kept it while the bot was down
        await api.push(old)
        reply = (await api.wait_for_message(3401))[0]
        fresh = await ask(api, QUESTION, chat_id=3402)
    assert "Entschuldigung für die Verspätung: Ihre Frage von vor 12 Minuten" in reply.params["text"]
    assert "<i>Quellen:" in reply.params["text"]
    assert "Verspätung" not in fresh.params["text"]


@pytest.mark.parametrize("failures", [[500], [502, 502]])
async def test_a_failing_bot_api_gets_the_answer_on_a_retry_without_apology(
    api: FakeBotAPI, answerer: Answerer, tmp_path: Path, failures: list[int]
) -> None:
    async with serving(bot_settings(api, tmp_path), answerer):
        api.fail_next["sendMessage"] = list(failures)
        await api.send_text(QUESTION, chat_id=3501)
        sent = await api.wait_for("sendMessage", count=len(failures) + 1, chat_id=3501)
        await asyncio.sleep(0.5)
    assert [call.status for call in api.sent_to(3501)] == [*failures, 200]
    assert "<i>Quellen:" in sent[-1].params["text"]  # the same answer again, nothing else


async def test_a_slow_bot_api_delivers_the_answer_and_no_false_apology(
    api: FakeBotAPI, answerer: Answerer, tmp_path: Path
) -> None:
    async with serving(bot_settings(api, tmp_path), answerer):
        api.delay_next["sendMessage"] = 8.0  # delivered at once, confirmed 8 s later
        reply = await ask(api, QUESTION, chat_id=3601)
        await asyncio.sleep(9.0)  # past the moment a short read timeout would have fired
    assert "<i>Quellen:" in reply.params["text"]
    assert len(api.sent_to(3601)) == 1  # no apology, no second copy


async def test_an_answer_follows_a_group_that_became_a_supergroup(
    api: FakeBotAPI, answerer: Answerer, tmp_path: Path
) -> None:
    supergroup = GROUP * 1000
    api.migrated_chats[GROUP] = supergroup
    async with serving(bot_settings(api, tmp_path), answerer):
        await api.send_text(f"@tiktok_berater_bot {QUESTION}", chat_id=GROUP, chat_type="group")
        reply = (await api.wait_for_message(supergroup))[0]
    assert "<i>Quellen:" in reply.params["text"]


async def test_sigterm_during_a_long_flood_wait_exits_within_dockers_grace_and_answers_after_restart(
    api: FakeBotAPI, kb_settings: Settings
) -> None:
    process = await start_telegram_bot(api, kb_settings)
    try:
        await api.wait_for("setMyCommands", count=2, timeout=60)
        api.rate_limit_next["sendMessage"] = 60  # Telegram: wait a minute
        await api.send_text(QUESTION, chat_id=3701)
        await api.wait_for("sendMessage", chat_id=3701)  # answered 429: the bot now waits
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=10)  # Docker sends SIGKILL after 10 s
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    restarted = await start_telegram_bot(api, kb_settings)
    try:
        await api.wait_for("sendMessage", count=2, chat_id=3701, timeout=60)
    finally:
        await stop(restarted)
    assert answers_in(api, 3701) == 1


async def test_a_rejected_token_stops_the_bot_with_one_clear_line(api: FakeBotAPI, kb_settings: Settings) -> None:
    process = await start_telegram_bot(
        api, kb_settings, TELEGRAM_BOT_TOKEN="999999:REVOKED-TOKEN-abcdefghijklmnopqrstu"
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 2
    assert "Telegram rejected TELEGRAM_BOT_TOKEN" in stderr.decode()
    assert b"REVOKED-TOKEN" not in stderr and b"Traceback" not in stderr
