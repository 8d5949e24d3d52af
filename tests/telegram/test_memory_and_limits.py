"""Conversation memory and the per-user rate limit, on a controllable clock."""

from __future__ import annotations

import pytest

from bot.engine.types import Turn
from bot.telegram import memory as memory_module
from bot.telegram.access import RateLimiter
from bot.telegram.memory import ConversationMemory


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def turn(n: int) -> Turn:
    return Turn(f"Frage {n}", f"Frage {n}", "de", True, "Thema")


def test_memory_keeps_the_last_turns_and_forgets_after_silence() -> None:
    clock = Clock()
    memory = ConversationMemory(turns=6, ttl_s=1800, clock=clock)
    for n in range(8):
        memory.add((1, 0), turn(n))
    assert [t.question for t in memory.history((1, 0))] == [f"Frage {n}" for n in range(2, 8)]
    clock.now += 1799
    assert len(memory.history((1, 0))) == 6
    clock.now += 1801
    assert memory.history((1, 0)) == []


def test_a_chat_back_after_silence_starts_a_new_conversation() -> None:
    clock = Clock()
    memory = ConversationMemory(turns=6, ttl_s=1800, clock=clock)
    memory.add((1, 0), turn(1))
    clock.now += 1801
    memory.add((1, 0), turn(2))  # answered without anyone reading the history first
    assert [t.question for t in memory.history((1, 0))] == ["Frage 2"]


def test_each_chat_and_forum_topic_has_its_own_memory() -> None:
    memory = ConversationMemory(turns=6, ttl_s=1800)
    memory.add((1, 0), turn(1))
    memory.add((-100, 7), turn(2))
    assert [t.question for t in memory.history((1, 0))] == ["Frage 1"]
    assert [t.question for t in memory.history((-100, 7))] == ["Frage 2"]
    assert memory.history((-100, 0)) == []


def test_memory_lets_go_of_silent_chats_as_new_ones_arrive() -> None:
    clock = Clock()
    memory = ConversationMemory(turns=6, ttl_s=1800, clock=clock)
    for chat in range(10_000):
        memory.add((chat, 0), turn(chat))
    clock.now += 1000
    memory.add((7, 0), turn(1))  # an old chat comes back: it is active again
    clock.now += 1000  # the crowd has been silent past the TTL, chat 7 has not
    memory.add((10_001, 0), turn(2))
    assert len(memory) == 2
    assert [t.question for t in memory.history((7, 0))] == ["Frage 7", "Frage 1"]


def test_memory_holds_at_most_max_conversations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory_module, "MAX_CONVERSATIONS", 100)
    memory = ConversationMemory(turns=6, ttl_s=1800, clock=Clock())
    for chat in range(150):
        memory.add((chat, 0), turn(chat))
    assert len(memory) == 100
    assert memory.history((49, 0)) == [] and len(memory.history((50, 0))) == 1  # the least recently active went


def test_rate_limit_allows_the_quota_then_says_how_long_to_wait() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=3, clock=clock)
    assert [limiter.wait_seconds(7) for _ in range(3)] == [0, 0, 0]
    clock.now += 20
    assert limiter.wait_seconds(7) == 40
    assert limiter.wait_seconds(8) == 0  # other users are not affected
    clock.now += 40
    assert limiter.wait_seconds(7) == 0


def test_rate_limiter_forgets_idle_users_but_not_active_ones() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=2, clock=clock)
    for user in range(10_000):
        assert limiter.wait_seconds(user) == 0
    assert limiter.wait_seconds(7) == 0 and limiter.wait_seconds(7) > 0  # user 7 is at the limit
    clock.now += 30
    limiter.wait_seconds(8)
    clock.now += 31  # a minute after the crowd, 31 s after user 8
    assert limiter.wait_seconds(9) == 0
    assert len(limiter) <= 3  # the 10,000 idle users are gone; 8 (still in its window) and 9 remain
    assert limiter.wait_seconds(8) == 0 and limiter.wait_seconds(8) > 0  # 8's recent question still counts
