"""Per-conversation memory for follow-ups: bounded in turns, in conversations and in time.

Kept in RAM only: it exists to resolve "Und wie lange dauert das?" and nothing else, so it
never needs to survive a restart. Each private chat, group and forum topic has its own key, so
nothing from a private chat can surface in a group.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from bot.engine.types import Turn

ConversationKey = tuple[int, int]  # (chat id, forum topic id or 0)
MAX_CONVERSATIONS = 50_000


class ConversationMemory:
    def __init__(self, turns: int, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._turns = turns
        self._ttl = ttl_s
        self._clock = clock
        # A tuple per chat rather than a deque(maxlen=...): a deque allocates a 64-slot block for
        # even one turn, which made it the biggest per-chat cost of a bot with many one-off chats.
        self._chats: OrderedDict[ConversationKey, tuple[float, tuple[Turn, ...]]] = OrderedDict()

    def history(self, key: ConversationKey) -> list[Turn]:
        entry = self._chats.get(key)
        if entry is None:
            return []
        last, turns = entry
        if self._clock() - last > self._ttl:
            del self._chats[key]
            return []
        return list(turns)

    def add(self, key: ConversationKey, turn: Turn) -> None:
        now = self._clock()
        last, turns = self._chats.pop(key, (now, ()))
        if now - last > self._ttl:  # a chat back after the TTL starts afresh, as history() already said
            turns = ()
        self._chats[key] = (now, (*turns, turn)[-self._turns :])
        self._evict(now)

    def _evict(self, now: float) -> None:
        """Drop conversations silent past the TTL, and the least recently active beyond MAX_CONVERSATIONS.

        The dict is ordered by last activity, so only the front needs looking at: each add costs
        O(1) amortised, and a public bot's memory follows its active chats, not every chat it has seen.
        """
        while self._chats:
            oldest, (last, _) = next(iter(self._chats.items()))
            if len(self._chats) <= MAX_CONVERSATIONS and now - last <= self._ttl:
                return
            del self._chats[oldest]

    def clear(self, key: ConversationKey) -> None:
        self._chats.pop(key, None)

    def __len__(self) -> int:
        return len(self._chats)
