"""Pairing: a private bot that staff open to people with a code instead of numeric ids in `.env`."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot.config import ConfigError, load_settings
from bot.engine.answerer import Answerer
from bot.telegram.app import serving
from bot.telegram.pairing import CODE_TTL_S, MAX_PENDING, NOTIFY_PER_HOUR, Pairings
from tests.fakes.bot_api import FakeBotAPI
from tests.helpers import GROUP, ask, bot_settings

ADMIN, STRANGER = 900, 77
PAIRING = {"admin_user_ids": frozenset({ADMIN}), "pairing": True}
QUESTION = "Was sind Matches im TikTok-Live?"


def code_in(call: Any) -> str:
    found = re.search(r"<code>([A-Z0-9]{6})</code>", call.params["text"])
    assert found, call.params["text"]
    return found.group(1)


async def admin_says(api: FakeBotAPI, command: str) -> str:
    return str((await ask(api, command, chat_id=ADMIN, user=api.user(ADMIN, first_name="Chefin"))).params["text"])


async def test_a_stranger_gets_a_code_an_admin_approves_and_then_answers(
    api: FakeBotAPI, answerer: Answerer, tmp_path: Path
) -> None:
    settings = bot_settings(api, tmp_path, **PAIRING)
    stranger = api.user(STRANGER, first_name="Bernd")
    async with serving(settings, answerer):
        refused = await ask(api, QUESTION, chat_id=STRANGER, user=stranger)
        code = code_in(refused)
        assert "noch nicht freigeschaltet" in refused.params["text"] and "Quellen" not in refused.params["text"]
        notice = (await api.wait_for_message(ADMIN))[0].params["text"]
        assert "Bernd" in notice and f"/freigeben {code}" in notice
        again = await ask(api, "Hallo?", chat_id=STRANGER, user=stranger)
        assert code_in(again) == code  # one code per chat, not one per message
        assert len(api.sent_to(ADMIN)) == 1  # and the admins heard of it once

        typed = f"{code[:3].lower()}-{code[3:].lower()}"  # as read out over the phone
        approved = await admin_says(api, f"/freigeben {typed}")
        assert f"Freigegeben: Bernd (<code>{STRANGER}</code>)" in approved
        welcome = await api.wait_for_message(STRANGER, count=3)
        assert "Sie sind freigeschaltet" in welcome[-1].params["text"]
        answered = await ask(api, QUESTION, chat_id=STRANGER, user=stranger)
        assert "<i>Quellen:" in answered.params["text"]
        assert "Bernd" in await admin_says(api, "/zugaenge")
        privacy = await ask(api, "/datenschutz", chat_id=STRANGER, user=stranger)
        assert "Ihren Telegram-Namen und Ihre ID" in privacy.params["text"]  # the stored name is disclosed

    async with serving(settings, answerer):  # approvals outlive a restart
        answered = await ask(api, QUESTION, chat_id=STRANGER, user=stranger)
        assert "<i>Quellen:" in answered.params["text"]
        assert "Zugang entzogen: Bernd" in await admin_says(api, f"/entziehen {STRANGER}")
        refused = await ask(api, QUESTION, chat_id=STRANGER, user=stranger)
        assert code_in(refused) != code and "Quellen" not in refused.params["text"]


async def test_codes_are_for_admins_in_a_private_chat_only(api: FakeBotAPI, answerer: Answerer, tmp_path: Path) -> None:
    settings = bot_settings(api, tmp_path, **PAIRING, allowed_user_ids=frozenset({55}))
    async with serving(settings, answerer):
        code = code_in(await ask(api, QUESTION, chat_id=STRANGER, user=api.user(STRANGER)))
        member = await ask(api, f"/freigeben {code}", chat_id=55, user=api.user(55))
        assert "dem Team vorbehalten" in member.params["text"]
        in_group = await ask(api, f"/freigeben {code}", chat_id=GROUP, chat_type="supergroup", user=api.user(ADMIN))
        assert "nur im privaten Chat" in in_group.params["text"]
        assert (
            "nicht freigeschaltet"
            in (await ask(api, QUESTION, chat_id=STRANGER, user=api.user(STRANGER))).params["text"]
        )
        assert "kenne ich nicht" in await admin_says(api, "/freigeben ZZZZZZ")
        assert "/freigeben CODE" in await admin_says(api, "/freigeben")
        assert "nicht per Code freigegeben" in await admin_says(api, "/entziehen 55")  # .env stays the list for .env


async def test_an_approved_group_answers_only_in_the_group(api: FakeBotAPI, answerer: Answerer, tmp_path: Path) -> None:
    async with serving(bot_settings(api, tmp_path, **PAIRING), answerer):
        member = api.user(STRANGER)
        refused = await ask(api, f"@tiktok_berater_bot {QUESTION}", chat_id=GROUP, chat_type="supergroup", user=member)
        assert "Diese Gruppe ist für den Bot noch nicht freigeschaltet" in refused.params["text"]
        assert "Team (Anna)" in await admin_says(api, "/zugaenge")  # the group's title and who asked
        await admin_says(api, f"/freigeben {code_in(refused)}")
        welcome = await api.wait_for_message(GROUP, count=2)
        assert "Sie sind freigeschaltet" in welcome[-1].params["text"]
        answered = await ask(api, f"@tiktok_berater_bot {QUESTION}", chat_id=GROUP, chat_type="supergroup", user=member)
        assert "<i>Quellen:" in answered.params["text"]
        privately = await ask(api, QUESTION, chat_id=STRANGER, user=member)
        assert "noch nicht freigeschaltet" in privately.params["text"]


async def test_the_welcome_speaks_the_language_the_stranger_asked_in(
    api: FakeBotAPI, answerer: Answerer, tmp_path: Path
) -> None:
    async with serving(bot_settings(api, tmp_path, **PAIRING), answerer):
        stranger = api.user(STRANGER, lang="en", first_name="Jane")
        refused = await ask(api, "How do LIVE matches work?", chat_id=STRANGER, user=stranger)
        assert "not enabled for you yet" in refused.params["text"]
        await admin_says(api, f"/freigeben {code_in(refused)}")  # a German admin approves
        welcome = await api.wait_for_message(STRANGER, count=2)
        assert "You are enabled" in welcome[-1].params["text"]


def test_an_approvals_file_from_before_languages_keeps_its_requests(tmp_path: Path) -> None:
    path = tmp_path / "access.sqlite3"
    old = sqlite3.connect(path)
    old.execute(
        "CREATE TABLE requests (code TEXT PRIMARY KEY, chat_id INTEGER NOT NULL UNIQUE, name TEXT NOT NULL, "
        "created_at REAL NOT NULL)"
    )
    old.execute("INSERT INTO requests VALUES ('ABCDEF', 5, 'Eva', ?)", (1_000_000.0,))
    old.commit()
    old.close()
    pairings = Pairings(path, clock=lambda: 1_000_010.0)
    entry = pairings.approve("abc-def", ADMIN)
    assert entry is not None and (entry.chat_id, entry.name, entry.lang) == (5, "Eva", "de")
    code, new = pairings.request(6, "Tom", "en")
    approved = pairings.approve(code, ADMIN)
    assert new and approved is not None and approved.lang == "en"
    pairings.close()


def test_codes_expire_stay_few_and_notify_admins_sparingly(tmp_path: Path) -> None:
    now = [1_000_000.0]
    pairings = Pairings(tmp_path / "access.sqlite3", clock=lambda: now[0])
    code, new = pairings.request(1, "Eva")
    assert new and pairings.request(1, "Eva") == (code, False)
    now[0] += CODE_TTL_S + 1
    assert pairings.approve(code, ADMIN) is None  # expired
    fresh, new = pairings.request(1, "Eva")
    assert new and fresh != code
    for chat in range(2, MAX_PENDING + 20):
        pairings.request(chat, f"user {chat}")
    assert len(pairings.pending()) == MAX_PENDING
    assert [pairings.may_notify() for _ in range(NOTIFY_PER_HOUR + 1)][-2:] == [True, False]
    now[0] += 3600
    assert pairings.may_notify()
    pairings.close()


def test_pairing_without_admins_stops_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAIRING", "true")
    with pytest.raises(ConfigError, match="PAIRING: needs ADMIN_USER_IDS"):
        load_settings()
    monkeypatch.setenv("ADMIN_USER_IDS", "900")
    assert load_settings().restricted
