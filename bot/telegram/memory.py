"""Per-conversation memory for follow-ups: bounded in turns, in conversations and in time.

Kept in RAM only: it exists to resolve "Und wie lange dauert das?" and nothing else, so it
never needs to survive a restart. Each private chat, group and forum topic has its own key, so
nothing from a private chat can surface in a group.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable

from bot.followup import Turn

ConversationKey = tuple[int, int]  # (chat id, forum topic id or 0)
MAX_CONVERSATIONS = 50_000


class ConversationMemory:
    def __init__(self, turns: int, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._turns = turns
        self._ttl = ttl_s
        self._clock = clock
        self._chats: OrderedDict[ConversationKey, tuple[float, deque[Turn]]] = OrderedDict()

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
        _, turns = self._chats.pop(key, (0.0, deque(maxlen=self._turns)))
        turns.append(turn)
        self._chats[key] = (self._clock(), turns)
        while len(self._chats) > MAX_CONVERSATIONS:  # the least recently active go first
            self._chats.popitem(last=False)

    def clear(self, key: ConversationKey) -> None:
        self._chats.pop(key, None)

    def __len__(self) -> int:
        return len(self._chats)
