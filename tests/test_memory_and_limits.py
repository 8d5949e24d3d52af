"""Conversation memory and the per-user rate limit, on a controllable clock."""

from __future__ import annotations

from bot.followup import Turn
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


def test_each_chat_and_forum_topic_has_its_own_memory() -> None:
    memory = ConversationMemory(turns=6, ttl_s=1800)
    memory.add((1, 0), turn(1))
    memory.add((-100, 7), turn(2))
    assert [t.question for t in memory.history((1, 0))] == ["Frage 1"]
    assert [t.question for t in memory.history((-100, 7))] == ["Frage 2"]
    assert memory.history((-100, 0)) == []


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
