"""The real python-telegram-bot Application against a local fake Bot API, over real HTTP."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram.ext import Application

from bot.config import Settings
from bot.engine.answerer import Answerer
from bot.ingest.sync import ingest
from bot.telegram.app import serving
from bot.telegram.services import SERVICES_KEY, Services
from tests.fakes.bot_api import FakeBotAPI
from tests.helpers import (
    GROUP,
    as_message,
    ask,
    bot_settings,
    buttons,
    free_port,
    make_settings,
    start_telegram_bot,
    stored_rows,
)


@pytest.fixture
async def bot(api: FakeBotAPI, answerer: Answerer, tmp_path: Path) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    async with serving(bot_settings(api, tmp_path), answerer) as app:
        yield app


async def test_private_question_gets_an_answer_with_sources_and_buttons(api: FakeBotAPI, bot: Any) -> None:
    reply = await ask(api, "Was sind Matches im TikTok-Live?")
    assert reply.params["parse_mode"] == "HTML"
    assert "Match" in reply.params["text"]
    assert "<i>Quellen:" in reply.params["text"]
    labels = [label for label, _ in buttons(reply)]
    assert labels[:3] == ["👍", "👎", "Quellen"]
    assert 2 <= len(labels) - 3 <= 3  # suggested follow-ups from the knowledge base
    assert not api.calls_of("sendChatAction")  # an answer this fast needs no "typing…" first


async def test_follow_up_uses_the_conversation(api: FakeBotAPI, bot: Any) -> None:
    await ask(api, "Was sind Matches im TikTok-Live?")
    reply = await ask(api, "Und wie lange dauert so eins?")
    assert "5 Minuten" in reply.params["text"] or "fünf Minuten" in reply.params["text"]


async def test_english_user_gets_english_answer_and_commands_in_both_languages(api: FakeBotAPI, bot: Any) -> None:
    reply = await ask(api, "How long does a match in a TikTok LIVE last?", user=api.user(42, lang="en"))
    assert "<i>Sources:" in reply.params["text"]
    menus = {
        c.params.get("language_code"): [cmd["command"] for cmd in c.params["commands"]]
        for c in api.calls_of("setMyCommands")
    }
    assert "themen" in menus["de"] and "vergessen" in menus["de"]
    assert "topics" in menus[None] and "forget" in menus[None]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/start", "Willkommen"),
        ("/help", "/themen"),
        ("/themen", "Wählen Sie ein Thema"),
        ("/topics", "Wählen Sie ein Thema"),
        ("/quellen", "noch keine Antwort mit Quellen"),
        ("/neu", "neues Gespräch"),
        ("/datenschutz", "nach 30 Tagen automatisch gelöscht"),
        ("/privacy", "Was ich speichere"),
        ("/vergessen", "Soll ich alles löschen"),
        ("/whoami", "Dieser Chat: <code>42</code>"),
    ],
)
async def test_every_command_answers(api: FakeBotAPI, bot: Any, command: str, expected: str) -> None:
    reply = await ask(api, command)
    assert expected in reply.params["text"]


async def test_start_menu_topic_and_example_question_buttons(api: FakeBotAPI, bot: Any) -> None:
    menu = await ask(api, "/start")
    topics = dict(buttons(menu))
    assert set(topics) == {
        "Einstieg",
        "Algorithmus & Inhalte",
        "LIVE",
        "Werbung & Shop",
        "Recruiting",
        "Recht & Musik",
        "Datenschutz & Regulierung",
        "Geschichte & Zahlen",
    }

    await api.press(topics["LIVE"], as_message(menu))
    examples = (await api.wait_for_message(42, count=2))[1]
    assert "LIVE" in examples.params["text"]
    questions = buttons(examples)
    assert 3 <= len(questions) <= 4 and all(data.startswith("q:") for _, data in questions)

    await api.press(questions[0][1], as_message(examples))
    answer = (await api.wait_for_message(42, count=3))[2]
    assert answer.params["text"].startswith("❓ <b>")
    assert "Quellen" in answer.params["text"]


PRICES_GUIDE = """---
title: "Preise und Pakete der Agentur"
topic: agency-prices
menu: "{label}"
menu_order: 5
lang: {lang}
source: "https://agentur.example/preise"
as_of: "2026-11"
---

## {first}

{answer}

## {second}

Ein Drehtag ist in jedem Paket enthalten, weitere Drehtage kosten extra.
"""


async def test_a_guide_with_a_new_topic_is_in_the_menu_after_ingest_without_a_restart(
    api: FakeBotAPI, small_kb: Settings, e5: Any
) -> None:
    ingest(small_kb, e5, show_progress=False)
    settings = bot_settings(api, small_kb.data_dir, index_check_s=0.2).model_copy(
        update={"knowledge_dir": small_kb.knowledge_dir}
    )
    answerer = Answerer.load(settings)
    async with serving(settings, answerer):
        before = [label for label, _ in buttons(await ask(api, "/themen"))]
        assert before == ["Geld verdienen mit TikTok LIVE", "History of TikTok"]  # titles; English-only kept

        for lang, label, first, second in (
            ("de", "Preise & Pakete", "Was kostet ein Monatspaket?", "Sind Drehtage inklusive?"),
            ("en", "Prices & packages", "What does a monthly package cost?", "Are shooting days included?"),
        ):
            guide = PRICES_GUIDE.format(
                label=label, lang=lang, first=first, second=second, answer="Ein Monatspaket kostet 900 Euro."
            )
            (small_kb.knowledge_dir / lang / "preise.md").write_text(guide, encoding="utf-8")
        await asyncio.to_thread(ingest, small_kb, e5, show_progress=False)
        for _ in range(50):  # the running bot follows the live index every 0.2 s
            if len(answerer.catalog.menu("de")) == 3:
                break
            await asyncio.sleep(0.1)

        menu = await ask(api, "/themen")
        topics = dict(buttons(menu))
        assert list(topics) == ["Preise & Pakete", "Geld verdienen mit TikTok LIVE", "History of TikTok"]
        english = await ask(api, "/topics", user=api.user(7, lang="en"), chat_id=7)
        assert [label for label, _ in buttons(english)] == [
            "Prices & packages",
            "Geld verdienen mit TikTok LIVE",  # German only: offered in German
            "History of TikTok",
        ]

        await api.press(topics["Preise & Pakete"], as_message(menu))
        examples = (await api.wait_for_message(42, count=3))[2]
        assert "Preise &amp; Pakete" in examples.params["text"]
        assert [label for label, _ in buttons(examples)] == ["Was kostet ein Monatspaket?", "Sind Drehtage inklusive?"]

        await api.press("t:live", as_message(menu))  # a button of the menu the bot had before
        expired = await api.wait_for("answerCallbackQuery", count=2)
        assert "nicht mehr aktuell" in expired[1].params["text"]


async def test_suggestion_button_answers_the_suggested_question(api: FakeBotAPI, bot: Any) -> None:
    reply = await ask(api, "Wann wurde Douyin gegründet?")
    suggestion = next((label, data) for label, data in buttons(reply) if data.startswith("q:"))
    await api.press(suggestion[1], as_message(reply))
    answer = (await api.wait_for_message(42, count=2))[1]
    assert suggestion[0].rstrip("…") in answer.params["text"]


async def test_a_declined_question_offers_the_section_it_points_to_as_its_first_button(
    api: FakeBotAPI, bot: Any
) -> None:
    reply = await ask(api, "Welche Hashtags sind gerade im Trend?")
    assert reply.params["text"].startswith("Dazu steht nichts in meinen Leitfäden")
    related = "Wie finde ich aktuelle Trends und passende Sounds auf TikTok?"
    assert f"Verwandt ist „{related}“" in reply.params["text"]
    label, data = buttons(reply)[0]
    assert label.rstrip("…") in related and data.startswith("q:")
    assert any(d.startswith("t:") for _, d in buttons(reply))  # the topic menu follows
    await api.press(data, as_message(reply))
    answer = (await api.wait_for_message(42, count=2))[1]
    assert "Entdecken-Seite" in answer.params["text"] and "Dazu steht nichts" not in answer.params["text"]


async def test_feedback_and_sources_buttons(api: FakeBotAPI, bot: Any) -> None:
    reply = await ask(api, "Wie viele Follower hat die Berliner Polizei auf TikTok?")
    data = dict((label, d) for label, d in buttons(reply))
    await api.press(data["👍"], as_message(reply))
    await api.press(data["👍"], as_message(reply))  # pressed twice: same rating, no error
    thanks = await api.wait_for("answerCallbackQuery", count=2)
    assert all(c.params.get("text") == "Danke für Ihre Bewertung!" for c in thanks)
    assert stored_rows(bot, 42) == 3  # the answer's sources, its analytics row, one rating
    assert bot.bot_data[SERVICES_KEY].store.gap_questions(1) == []  # 👍: the wording is not kept

    await api.press(data["Quellen"], as_message(reply))
    sources = (await api.wait_for_message(42, count=2))[1]
    assert "Quellen der Antwort" in sources.params["text"] and "›" in sources.params["text"]

    listed = await ask(api, "/quellen")
    assert listed.params["text"] == sources.params["text"]


async def test_forget_deletes_stored_rows_and_the_conversation(api: FakeBotAPI, bot: Any) -> None:
    reply = await ask(api, "Was sind Matches im TikTok-Live?")
    await api.press(dict(buttons(reply))["👎"], as_message(reply))
    await api.wait_for("answerCallbackQuery")
    services: Services = bot.bot_data[SERVICES_KEY]
    assert stored_rows(bot, 42) == 3
    assert [q.question for q in services.store.gap_questions(1)] == ["Was sind Matches im TikTok-Live?"]  # 👎

    confirm = await ask(api, "/vergessen")
    await api.press("forget:yes", as_message(confirm))
    done = await api.wait_for("editMessageText")
    assert "gelöscht" in done[0].params["text"]
    assert stored_rows(bot, 42) == 0 and services.store.gap_questions(1) == []
    assert services.memory.history((42, 0)) == []


async def test_forget_on_a_deleted_message_still_forgets_and_stays_quiet(api: FakeBotAPI, bot: Any) -> None:
    await ask(api, "Was sind Matches im TikTok-Live?")
    confirm = await ask(api, "/vergessen")
    message = as_message(confirm)
    api.deleted_messages.add((42, message["message_id"]))  # the user deleted the question meanwhile
    await api.press("forget:yes", message)
    edit = (await api.wait_for("editMessageText"))[0]
    assert edit.status == 400
    await asyncio.sleep(0.3)
    assert stored_rows(bot, 42) == 0
    assert not any("schiefgegangen" in c.params["text"] for c in api.sent_to(42))


async def test_forum_topics_in_a_group_keep_separate_conversations(api: FakeBotAPI, bot: Any) -> None:
    topic = {"message_thread_id": 7, "is_topic_message": True}
    reply = await ask(
        api, "@tiktok_berater_bot Was sind Matches im TikTok-Live?", chat_id=GROUP, chat_type="supergroup", **topic
    )
    assert reply.params["message_thread_id"] == 7  # answered inside the topic
    other = await ask(api, "@tiktok_berater_bot Und wie lange dauert das?", chat_id=GROUP, chat_type="supergroup")
    assert "Worauf bezieht sich Ihre Frage?" in other.params["text"]  # the general chat has no context
    same = await ask(
        api, "@tiktok_berater_bot Und wie lange dauert das?", chat_id=GROUP, chat_type="supergroup", **topic
    )
    assert "5 Minuten" in same.params["text"] or "fünf Minuten" in same.params["text"]


async def test_forget_cancel_keeps_everything(api: FakeBotAPI, bot: Any) -> None:
    await ask(api, "Was sind Matches im TikTok-Live?")
    confirm = await ask(api, "/forget", user=api.user(42, lang="en"))
    await api.press("forget:no", as_message(confirm))
    done = await api.wait_for("editMessageText")
    assert "nichts gelöscht" in done[0].params["text"]
    assert stored_rows(bot, 42) == 2


async def test_group_answers_only_when_addressed_and_keeps_its_own_memory(api: FakeBotAPI, bot: Any) -> None:
    memory = bot.bot_data[SERVICES_KEY].memory
    await ask(api, "Was sind Matches im TikTok-Live?")  # private chat context
    await api.send_text("Wie lange dauert ein Match?", chat_id=GROUP, chat_type="supergroup")
    reply = await ask(api, "@tiktok_berater_bot Und wie lange dauert so eins?", chat_id=GROUP, chat_type="supergroup")
    assert "Worauf bezieht sich Ihre Frage?" in reply.params["text"]  # the private conversation stays private
    assert len(api.sent_to(GROUP)) == 1  # the unaddressed message got no answer
    assert [t.question for t in memory.history((GROUP, 0))] == ["Und wie lange dauert so eins?"]

    answered = await ask(
        api, "@tiktok_berater_bot Wie lange dauert ein Match im TikTok-Live?", chat_id=GROUP, chat_type="supergroup"
    )
    assert "5 Minuten" in answered.params["text"] or "fünf Minuten" in answered.params["text"]
    bot_message = {**as_message(answered), "from": {"id": 777000111, "is_bot": True, "first_name": "TikTok-Berater"}}
    follow = await ask(
        api, "Und was sehen die Zuschauer dabei?", chat_id=GROUP, chat_type="supergroup", reply_to_message=bot_message
    )
    assert "<i>Quellen:" in follow.params["text"]


async def test_allowlist_refuses_strangers_and_group_membership_grants_nothing(
    api: FakeBotAPI, answerer: Answerer, tmp_path: Path
) -> None:
    settings = bot_settings(api, tmp_path, allowed_user_ids=frozenset({1}), allowed_chat_ids=frozenset({GROUP}))
    async with serving(settings, answerer):
        refused = await ask(api, "Was sind Matches im TikTok-Live?", chat_id=99)
        assert "nicht freigeschaltet" in refused.params["text"]
        assert "Ihre Telegram-ID: <code>99</code>" in refused.params["text"]  # what to give the agency
        whoami = await ask(api, "/whoami", chat_id=99)  # works before access is granted
        assert "Ihre Telegram-ID: <code>99</code>" in whoami.params["text"]
        allowed = await ask(api, "Was sind Matches im TikTok-Live?", chat_id=1)
        assert "<i>Quellen:" in allowed.params["text"]
        in_group = await ask(
            api, "@tiktok_berater_bot Was sind Matches?", chat_id=GROUP, chat_type="supergroup", user=api.user(99)
        )
        assert "<i>Quellen:" in in_group.params["text"]
        privately = await ask(api, "Was sind Matches?", chat_id=99)  # the same member, privately
        assert "nicht freigeschaltet" in privately.params["text"]


async def test_rate_limit_answers_a_burst_with_one_friendly_wait(
    api: FakeBotAPI, answerer: Answerer, tmp_path: Path
) -> None:
    async with serving(bot_settings(api, tmp_path, rate_limit_per_minute=2), answerer):
        for _ in range(2):
            assert "<i>Quellen:" in (await ask(api, "Was sind Matches im TikTok-Live?")).params["text"]
        limited = await ask(api, "Was sind Matches im TikTok-Live?")
        assert "Bitte warten Sie" in limited.params["text"]
        for _ in range(20):  # the burst goes on
            await api.send_text("Und noch eine Frage?")
        other = await ask(api, "Was sind Matches im TikTok-Live?", chat_id=43)  # handled after the burst
        assert "<i>Quellen:" in other.params["text"]
    assert len(api.sent_to(42)) == 3  # two answers and one "please wait", not 21


@pytest.mark.parametrize(
    "payload",
    [
        {
            "sticker": {
                "file_id": "s1",
                "file_unique_id": "u1",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            }
        },
        {"photo": [{"file_id": "p1", "file_unique_id": "u2", "width": 90, "height": 90}]},
        {"voice": {"file_id": "v1", "file_unique_id": "u3", "duration": 3}},
        {"document": {"file_id": "d1", "file_unique_id": "u4", "file_name": "x.pdf"}},
    ],
)
async def test_non_text_messages_get_a_friendly_explanation(api: FakeBotAPI, bot: Any, payload: dict[str, Any]) -> None:
    await api.push(api.message_update(None, **payload))
    reply = (await api.wait_for_message(42))[0]
    assert "nur Textfragen" in reply.params["text"]


async def test_overlong_message_is_declined_politely(api: FakeBotAPI, bot: Any) -> None:
    reply = await ask(api, "Wie funktioniert der Algorithmus? " * 80)
    assert "zu lang" in reply.params["text"]


async def test_a_greeting_gets_a_friendly_reply_with_the_topic_menu_and_is_not_recorded(
    api: FakeBotAPI, bot: Any
) -> None:
    reply = await ask(api, "Hallo!")
    assert "Was möchten Sie wissen?" in reply.params["text"]
    assert "nichts in meinen Leitfäden" not in reply.params["text"]
    assert buttons(reply) and all(data.startswith("t:") for _, data in buttons(reply))
    reply = await ask(api, "Was kannst du?")
    assert "Meine Themen:" in reply.params["text"] and "• " in reply.params["text"]
    assert all(data.startswith("t:") for _, data in buttons(reply))
    assert stored_rows(bot, 42) == 0  # small talk is no question for the statistics


async def test_retry_after_from_telegram_is_waited_out(api: FakeBotAPI, bot: Any) -> None:
    api.rate_limit_next["sendMessage"] = 1
    reply = await ask(api, "Was sind Matches im TikTok-Live?", count=2)  # the 429, then the retry
    assert [c.status for c in api.sent_to(42)] == [429, 200]
    assert "<i>Quellen:" in reply.params["text"]
    await asyncio.sleep(0.3)
    assert len(api.sent_to(42)) == 2  # delivered once, no apology


async def test_blocked_user_is_handled_quietly(api: FakeBotAPI, bot: Any) -> None:
    api.blocked_chats.add(42)
    await api.send_text("Was sind Matches im TikTok-Live?", chat_id=42)
    await api.wait_for("sendMessage", chat_id=42)
    reply = await ask(api, "Was sind Matches im TikTok-Live?", chat_id=43)
    assert "<i>Quellen:" in reply.params["text"]
    assert len(api.sent_to(42)) == 1  # the answer attempt only, no apology loop


async def test_engine_failure_apologises_without_a_traceback(
    api: FakeBotAPI, bot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    services: Services = bot.bot_data[SERVICES_KEY]

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("index exploded")

    monkeypatch.setattr(services.answerer, "ask", broken)
    reply = await ask(api, "Was sind Matches im TikTok-Live?")
    assert (
        reply.params["text"]
        == "Entschuldigung, da ist etwas schiefgegangen. Bitte versuchen Sie es gleich noch einmal."
    )


async def test_inline_query_offers_an_answer_card(api: FakeBotAPI, bot: Any) -> None:
    await api.push(
        {"inline_query": {"id": "iq1", "from": api.user(42), "query": "Wie lange dauert ein Match?", "offset": ""}}
    )
    call = (await api.wait_for("answerInlineQuery"))[0]
    [card] = call.params["results"]
    assert card["type"] == "article"
    content = card["input_message_content"]
    assert content["parse_mode"] == "HTML" and "Quellen" in content["message_text"]


async def hostile_kb_answerer(tmp_path: Path, e5: Any) -> Answerer:
    """A knowledge base whose text is full of characters that are markup in Telegram HTML."""
    knowledge = tmp_path / "kb"
    (knowledge / "de").mkdir(parents=True)
    (knowledge / "de" / "html.md").write_text(
        "---\ntitle: Sonderzeichen <&>\ntopic: live-earnings\nlang: de\nas_of: '2024-07'\n---\n\n"
        "# Sonderzeichen <&>\n\n## Wie lange dauert ein Match im TikTok-Live?\n\n"
        "Ein Match dauert 5 Minuten, und <b>Tags</b> & Zeichen wie </i> bleiben dabei Text. "
        "Die Zuschauer schicken Geschenke & Likes.\n",
        encoding="utf-8",
    )
    settings = make_settings(knowledge, tmp_path / "kb-data")
    ingest(settings, e5, show_progress=False)
    return Answerer.load(settings)


async def test_hostile_text_is_escaped_in_answers_and_sources(api: FakeBotAPI, tmp_path: Path, e5: Any) -> None:
    answerer = await hostile_kb_answerer(tmp_path, e5)
    async with serving(bot_settings(api, tmp_path), answerer):
        reply = await ask(api, "Wie lange dauert ein Match im TikTok-Live? <script>&</script>")
    assert reply.status == 200  # Telegram's HTML parser accepted it
    html = reply.params["text"]
    assert "&lt;b&gt;Tags&lt;/b&gt; &amp; Zeichen wie &lt;/i&gt;" in html
    assert "Sonderzeichen &lt;&amp;&gt;" in html  # the source title too


async def test_webhook_mode_accepts_the_secret_and_rejects_a_wrong_one(
    api: FakeBotAPI, answerer: Answerer, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    settings = bot_settings(
        api, tmp_path, webhook_url=url, webhook_listen="127.0.0.1", webhook_port=port, webhook_secret="s3cret-token"
    )
    async with serving(settings, answerer):
        assert api.webhook["url"] == url and api.webhook["secret_token"] == "s3cret-token"
        update = {"update_id": 1, **api.message_update("Was sind Matches im TikTok-Live?", chat_id=77)}
        async with httpx.AsyncClient() as client:
            wrong = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
            assert wrong.status_code == 403
            right = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"})
            assert right.status_code == 200
            again = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"})
            assert again.status_code == 200  # Telegram repeats an update when it missed our 200
        reply = (await api.wait_for_message(77))[0]
        assert "<i>Quellen:" in reply.params["text"]
        await asyncio.sleep(0.2)
        assert len(api.sent_to(77)) == 1  # the wrong secret got nothing, the repeat was recognised


async def test_run_command_serves_telegram_and_stops_cleanly_on_sigterm(api: FakeBotAPI, kb_settings: Settings) -> None:
    process = await start_telegram_bot(api, kb_settings)
    try:
        await api.wait_for("setMyCommands", count=2, timeout=60)
        reply = await ask(api, "Was sind Matches im TikTok-Live?", chat_id=55)
        assert "<i>Quellen:" in reply.params["text"]
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), timeout=10)
        assert code == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    _, stderr = await process.communicate()
    assert b"Traceback" not in stderr
    assert api.token.encode() not in stderr  # the token never reaches the logs


async def test_only_a_mention_of_the_whole_bot_name_addresses_it(api: FakeBotAPI, bot: Any) -> None:
    for text in (
        "@tiktok_berater_bot2 Wie lange dauert ein Match?",
        "@tiktok_berater_bot_helper Wie lange dauert ein Match?",
        "Schreib an info@tiktok_berater_bot.de, wie lange dauert ein Match?",
    ):
        await api.send_text(text, chat_id=GROUP, chat_type="supergroup")
    addressed = await ask(
        api, "Hallo @TikTok_Berater_Bot, wie lange dauert ein Match?", chat_id=GROUP, chat_type="supergroup"
    )
    assert "Minuten" in addressed.params["text"]
    assert len(api.sent_to(GROUP)) == 1  # only the real mention got an answer


async def test_channel_posts_and_senderless_messages_get_no_reply_and_no_apology(api: FakeBotAPI, bot: Any) -> None:
    channel = -100777
    post = api.message_update("@tiktok_berater_bot Wie lange dauert ein Match?", chat_id=channel, chat_type="channel")
    del post["message"]["from"]
    await api.push({"channel_post": post["message"]})
    anonymous = api.message_update(
        "@tiktok_berater_bot Wie lange dauert ein Match?", chat_id=GROUP, chat_type="supergroup"
    )
    del anonymous["message"]["from"]
    await api.push(anonymous)
    assert "Minuten" in (await ask(api, "Wie lange dauert ein Match?")).params["text"]  # handled after both
    assert api.sent_to(channel) == [] and api.sent_to(GROUP) == []


async def test_a_button_this_version_does_not_know_is_answered_not_left_spinning(api: FakeBotAPI, bot: Any) -> None:
    reply = await ask(api, "Wie lange dauert ein Match?")
    await api.press("legacy:button-from-an-old-version", as_message(reply))
    answered = await api.wait_for("answerCallbackQuery")
    assert "nicht mehr aktuell" in answered[0].params["text"]
