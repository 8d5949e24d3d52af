"""Who may ask, and how often."""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque
from collections.abc import Callable

from bot.config import Settings

WINDOW_S = 60.0


def is_allowed(settings: Settings, user_id: int | None, chat_id: int) -> bool:
    """Public unless an allowlist is set; then the user, or the chat (a group) must be listed.

    Membership in an allowed group does not let a user use the bot elsewhere: in a private chat
    the chat id is the user's own id.
    """
    if not settings.restricted or (user_id is not None and user_id in settings.admin_user_ids):
        return True
    listed_user = user_id is not None and user_id in settings.allowed_user_ids
    return listed_user or chat_id in settings.allowed_chat_ids


class RateLimiter:
    """A sliding one-minute window of questions per user.

    Users whose window has emptied are swept out now and then, so a public bot's memory does
    not grow with every user it has ever seen. A user who is held back hears so once until they
    may ask again: a burst of 150 messages must not earn 140 replies saying "please wait".
    """

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = per_minute
        self._clock = clock
        self._asked: defaultdict[int, deque[float]] = defaultdict(deque)
        self._told: set[int] = set()  # held back and already told to wait
        self._next_sweep = clock() + WINDOW_S

    def __len__(self) -> int:
        return len(self._asked)

    def wait_seconds(self, user_id: int) -> int:
        """0 when the user may ask now (and counts the question), else seconds to wait."""
        now = self._clock()
        if now >= self._next_sweep:
            self._sweep(now)
        asked = self._asked[user_id]
        while asked and now - asked[0] >= WINDOW_S:
            asked.popleft()
        if len(asked) >= self._limit:
            return max(1, math.ceil(WINDOW_S - (now - asked[0])))
        asked.append(now)
        self._told.discard(user_id)
        return 0

    def first_refusal(self, user_id: int) -> bool:
        """True the first time a held-back user is refused, until they may ask again."""
        if user_id in self._told:
            return False
        self._told.add(user_id)
        return True

    def _sweep(self, now: float) -> None:
        idle = [user for user, asked in self._asked.items() if not asked or now - asked[-1] >= WINDOW_S]
        for user in idle:
            del self._asked[user]
            self._told.discard(user)
        self._next_sweep = now + WINDOW_S
