"""Running it for real: staff tools, privacy-safe analytics, reloads and the faults of operation."""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import signal
import sqlite3
import sys
import time
from asyncio.subprocess import PIPE
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.engine.answerer import Answerer
from bot.ingest.sync import ingest
from bot.kb.embeddings import KnowledgeEmbeddings
from bot.telegram.analytics import DAY_S, Store
from bot.telegram.app import serving
from bot.telegram.background import every
from bot.telegram.services import SERVICES_KEY
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.llm import FakeLLM
from tests.helpers import (
    GROUP,
    MATCH_GUIDE,
    REPO,
    ask,
    bot_settings,
    buttons,
    start_telegram_bot,
    stored_rows,
)

ADMIN = 900
STAFF = {"admin_user_ids": frozenset({ADMIN})}


def from_admin(api: FakeBotAPI) -> dict[str, Any]:
    return {"chat_id": ADMIN, "user": api.user(ADMIN)}


async def test_stats_for_staff_as_text_and_chart(api: FakeBotAPI, answerer: Answerer, tmp_path: Path) -> None:
    async with serving(bot_settings(api, tmp_path, **STAFF), answerer):
        answered = await ask(api, "Was sind Matches im TikTok-Live?")
        await ask(api, "Wie wird das Wetter morgen in Hamburg?")
        await api.press(
            dict(buttons(answered))["👎"], {"message_id": 1, "date": 0, "chat": {"id": 42, "type": "private"}}
        )
        await api.wait_for("answerCallbackQuery")

        report = await ask(api, "/stats", **from_admin(api))
        body = report.params["text"]
        assert "Statistik der letzten 7 Tage" in body
        assert "Fragen: 2 – beantwortet 1 (50 %), abgelehnt 1" in body
        assert "👍 0 · 👎 1" in body
        assert "live-earnings: 1" in body
        photo = (await api.wait_for("sendPhoto", chat_id=ADMIN))[0]
        assert photo.params["photo"].startswith(b"\x89PNG") and photo.status == 200

        monthly = await ask(api, "/stats 30", **from_admin(api))
        assert "letzten 30 Tage" in monthly.params["text"]


async def test_staff_commands_are_refused_to_everyone_else(api: FakeBotAPI, answerer: Answerer, tmp_path: Path) -> None:
    async with serving(bot_settings(api, tmp_path, **STAFF), answerer):
        for command in ("/stats", "/luecken", "/veraltet", "/reload"):
            reply = await ask(api, command)
            assert reply.params["text"] == "Dieser Befehl ist dem Team vorbehalten."
        assert not api.calls_of("sendPhoto")


async def test_stale_lists_sections_past_their_review_date_and_answers_say_so(
    api: FakeBotAPI, e5: KnowledgeEmbeddings, tmp_path: Path
) -> None:
    knowledge = tmp_path / "knowledge" / "de"
    knowledge.mkdir(parents=True)
    (knowledge / "live.md").write_text(
        MATCH_GUIDE.replace('as_of: "2024-07"', 'as_of: "2024-07"\nreview_by: "2025-01"'), encoding="utf-8"
    )
    settings = bot_settings(api, tmp_path / "data", **STAFF).model_copy(
        update={"knowledge_dir": tmp_path / "knowledge"}
    )
    report = ingest(settings, e5, show_progress=False)
    assert [s.section for s in report.stale] == [
        "Wie lange dauert ein Match?",
        "Womit belohnen Zuschauer einen Creator?",
    ]
    async with serving(settings, Answerer.load(settings)):
        listed = (await ask(api, "/veraltet", **from_admin(api))).params["text"]
        assert (
            "2 Abschnitte über ihrem Prüfdatum" in listed
            and "Wie lange dauert ein Match? (prüfen bis 2025-01)" in listed
        )
        answer = (await ask(api, "Wie lange dauert ein Match?")).params["text"]
        assert "5 Minuten" in answer and "Stand 2024-07 – kann veraltet sein." in answer


async def test_gaps_group_similar_declined_questions(api: FakeBotAPI, answerer: Answerer, tmp_path: Path) -> None:
    async with serving(bot_settings(api, tmp_path, **STAFF), answerer) as app:
        for question in (
            "Was kostet ein Döner in Berlin?",
            "Wie viel kostet ein Döner in Berlin?",
            "Wie wird das Wetter morgen in Hamburg?",
            "Was kostet ein Döner in Berlin?",
        ):
            assert "Dazu steht nichts in meinen Leitfäden" in (await ask(api, question)).params["text"]
        app.bot_data[SERVICES_KEY].store.flush()

        report = (await ask(api, "/luecken", **from_admin(api))).params["text"]
        lines = report.splitlines()
        assert lines[1].startswith("3× Was kostet ein Döner in Berlin?") and "(abgelehnt 3, 👎 0)" in lines[1]
        assert "ähnlich: Wie viel kostet ein Döner in Berlin?" in lines[2]
        assert lines[3].startswith("1× Wie wird das Wetter morgen in Hamburg?")


def test_store_keeps_wording_only_where_needed_and_purges_after_retention(tmp_path: Path) -> None:
    store = Store(tmp_path / "bot.sqlite3", "salt")
    common = {"chat_key": "1:0", "user_id": 1, "lang": "de"}
    store.record_answer("a1", question="Was sind Matches?", answered=True, sources=[{"topic": "live"}], **common)
    store.record_answer("a2", question="Was kostet ein Döner?", answered=False, sources=[], **common)
    store.flush()
    assert [q.question for q in store.gap_questions(30)] == ["Was kostet ein Döner?"]  # answered: not stored

    assert store.rate("a1", 1, -1).result()
    assert {q.question for q in store.gap_questions(30)} == {"Was sind Matches?", "Was kostet ein Döner?"}
    assert store.rate("a1", 1, +1).result()  # changed the vote: the wording goes again
    assert [q.question for q in store.gap_questions(30)] == ["Was kostet ein Döner?"]

    with sqlite3.connect(store.path) as db:  # neither the user id nor the chat id appears raw
        dump = "\n".join(db.iterdump())
    assert "'1'" not in dump and "'1:0'" not in dump and store.user_hash(1) in dump

    assert store.purge(30, now=time.time() + 29 * DAY_S).result() == 0
    # a1: sources, analytics row, rating; a2 (declined, no sources): analytics row
    assert store.purge(30, now=time.time() + 31 * DAY_S).result() == 4
    assert store.count_rows(1) == 0
    store.close()


async def test_reload_while_questions_arrive(
    api: FakeBotAPI, small_kb: Settings, e5: KnowledgeEmbeddings, tmp_path: Path
) -> None:
    ingest(small_kb, e5, show_progress=False)
    settings = bot_settings(api, small_kb.data_dir, **STAFF).model_copy(
        update={"knowledge_dir": small_kb.knowledge_dir}
    )
    async with serving(settings, Answerer.load(settings)):
        guide = small_kb.knowledge_dir / "de" / "live.md"
        guide.write_text(guide.read_text(encoding="utf-8").replace("5 Minuten", "7 Minuten"), encoding="utf-8")

        await api.send_text("/reload", **from_admin(api))
        users = range(1, 21)
        for user in users:  # questions keep coming while the new index is being built
            await api.send_text("Wie lange dauert ein Match im LIVE?", chat_id=user)
        done = await api.wait_for_message(ADMIN, count=2, timeout=60)
        assert "Ich lese die Wissensbasis neu ein" in done[0].params["text"]
        assert "1 added, 1 changed, 1 removed" in done[1].params["text"]  # the section and its edited sentence
        for user in users:
            reply = (await api.wait_for_message(user))[0]
            assert "5 Minuten" in reply.params["text"] or "7 Minuten" in reply.params["text"]

        after = await ask(api, "Wie lange dauert ein Match im LIVE?", chat_id=77)
        assert "7 Minuten" in after.params["text"]
    assert not [c for c in api.calls if "schiefgegangen" in str(c.params.get("text", ""))]


async def test_a_running_bot_follows_an_ingest_run_elsewhere(
    api: FakeBotAPI, small_kb: Settings, e5: KnowledgeEmbeddings
) -> None:
    ingest(small_kb, e5, show_progress=False)
    settings = bot_settings(api, small_kb.data_dir, index_check_s=0.2).model_copy(
        update={"knowledge_dir": small_kb.knowledge_dir}
    )
    async with serving(settings, Answerer.load(settings)):
        assert "5 Minuten" in (await ask(api, "Wie lange dauert ein Match im LIVE?")).params["text"]
        guide = small_kb.knowledge_dir / "de" / "live.md"
        for old, new in (("5 Minuten", "7 Minuten"), ("7 Minuten", "8 Minuten")):
            # Two ingests: the second drops the collection the bot opened at start.
            guide.write_text(guide.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
            await asyncio.to_thread(ingest, small_kb, e5, show_progress=False)
        await asyncio.sleep(0.5)
        assert "8 Minuten" in (await ask(api, "Wie lange dauert ein Match im LIVE?")).params["text"]


async def test_an_unusable_store_does_not_stop_answers_and_is_logged_once(
    api: FakeBotAPI, answerer: Answerer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the store's folder should be")
    settings = bot_settings(api, tmp_path, store_file=blocker / "bot.sqlite3")
    with caplog.at_level(logging.ERROR, logger="bot.telegram.analytics"):
        async with serving(settings, answerer):
            for chat in (1, 2, 3):
                reply = await ask(api, "Was sind Matches im TikTok-Live?", chat_id=chat)
                assert "<i>Quellen:" in reply.params["text"]
            await api.press(
                dict(buttons(reply))["👍"], {"message_id": 1, "date": 0, "chat": {"id": 3, "type": "private"}}
            )
            assert (await api.wait_for("answerCallbackQuery"))[0].params[
                "text"
            ] == "Diese Schaltfläche ist nicht mehr aktuell."
    assert len([r for r in caplog.records if "store unavailable" in r.getMessage()]) == 1


async def test_a_locked_store_delays_nothing(api: FakeBotAPI, answerer: Answerer, tmp_path: Path) -> None:
    settings = bot_settings(api, tmp_path)
    async with serving(settings, answerer) as app:
        locker = sqlite3.connect(settings.store_path, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
        try:
            started = time.monotonic()
            await ask(api, "Was sind Matches im TikTok-Live?", chat_id=5)
            await ask(api, "Wann wurde Douyin gegründet?", chat_id=5)
            answered_in = time.monotonic() - started
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        assert answered_in < 2.0  # writes wait on their own thread (busy timeout 2 s), answers do not
        assert stored_rows(app, 5) == 4  # and once the lock is gone they land: two answers, two analytics rows


def test_kill_during_ingest_leaves_the_previous_index_answering(small_kb: Settings, e5: KnowledgeEmbeddings) -> None:
    ingest(small_kb, e5, show_progress=False)
    bulk = small_kb.knowledge_dir / "de" / "bulk.md"
    filler = "Ein Händler zeigt im LIVE seine Ware, beantwortet Fragen und nennt Preise. " * 25
    sections = "\n\n".join(f"## Abschnitt {n}\n\nText Nummer {n}: {filler}" for n in range(60))
    bulk.write_text(f"# Viel Text\n\n{sections}\n", encoding="utf-8")
    env = {**os.environ, "KNOWLEDGE_DIR": str(small_kb.knowledge_dir), "DATA_DIR": str(small_kb.data_dir)}

    async def kill_mid_embedding() -> None:
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(REPO / "ingest.py"), env=env, cwd=REPO, stdout=PIPE, stderr=PIPE
        )
        assert process.stderr is not None
        seen = b""
        while b"Embedding:" not in seen:
            chunk = await process.stderr.read(200)
            assert chunk, f"ingest ended before embedding: {seen!r}"
            seen += chunk
        await asyncio.sleep(0.5)  # inside the embedding of 60 long sections (several seconds)
        process.send_signal(signal.SIGKILL)
        await process.wait()

    asyncio.run(kill_mid_embedding())
    answer = Answerer.load(small_kb).ask("Wie lange dauert ein Match im LIVE?")
    assert answer.in_scope and "5 Minuten" in answer.text
    report = ingest(small_kb, e5, show_progress=False)  # the next run completes and cleans up
    assert report.added == 60 + 120  # each section and its two distinct sentences


async def test_sigterm_while_answering_sends_the_answer_before_exit(
    api: FakeBotAPI, llm: FakeLLM, kb_settings: Settings
) -> None:
    llm.token_delay = 0.1  # a generated answer that takes a few seconds to stream
    process = await start_telegram_bot(
        api,
        kb_settings,
        ANSWER_MODE="llm",
        LLM_BASE_URL=f"{llm.base}/v1",  # type: ignore[attr-defined]
        LLM_API_KEY="sk-test",
        LLM_MODEL="fake-model",
    )
    try:
        await api.wait_for("setMyCommands", count=2, timeout=60)
        await api.send_text("Was sind Matches im TikTok-Live?", chat_id=66)
        await api.wait_for("sendMessage", chat_id=66)  # the first words are out: the answer is under way
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert code == 0
    final = [c for c in api.calls if c.params.get("chat_id") == 66 and "<i>Quellen" in str(c.params.get("text"))]
    assert len(final) == 1 and final[0].status == 200  # finished after the signal, sent once
    _, stderr = await process.communicate()
    assert b"Traceback" not in stderr


async def test_staff_commands_in_a_group_point_to_the_private_chat_and_show_nothing(
    api: FakeBotAPI, answerer: Answerer, tmp_path: Path
) -> None:
    async with serving(bot_settings(api, tmp_path, **STAFF), answerer) as app:
        assert "Dazu steht nichts" in (await ask(api, "Was kostet ein Döner in Berlin?", chat_id=5)).params["text"]
        app.bot_data[SERVICES_KEY].store.flush()
        for command in ("/luecken", "/stats", "/veraltet", "/reload"):
            in_group = await ask(api, command, chat_id=GROUP, chat_type="supergroup", user=api.user(ADMIN))
            assert "nur im privaten Chat" in in_group.params["text"] and "Döner" not in in_group.params["text"]
        assert api.calls_of("sendPhoto") == []  # no chart went into the group either
        privately = await ask(api, "/luecken", **from_admin(api))
        assert "Döner" in privately.params["text"]


async def test_a_chore_that_keeps_failing_is_logged_when_it_starts_and_when_it_recovers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outcomes = itertools.chain(
        itertools.repeat(OSError("database disk image is malformed"), 20), itertools.repeat(None)
    )

    def check_index() -> None:
        outcome = next(outcomes)
        if outcome is not None:
            raise outcome

    with caplog.at_level(logging.INFO, logger="bot.telegram.background"):
        chore = asyncio.create_task(every(0.001, check_index, "following the live index"))
        while len(caplog.records) < 2:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # more successful rounds: no more lines
        chore.cancel()
    assert [r.getMessage() for r in caplog.records] == [
        "following the live index failed (OSError: database disk image is malformed); trying again every 0 s",
        "following the live index works again",
    ]
