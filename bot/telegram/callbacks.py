"""Callback data of the inline buttons: built, matched and parsed in one place.

Telegram returns a button's `callback_data` verbatim when it is pressed, so the format that
`formatting` writes and the patterns `app` registers must never drift apart.
"""

from __future__ import annotations

import hashlib
import re

MAX_DATA = 64  # bytes of callback_data Telegram accepts per button
TOPIC = re.compile(r"^t:(?P<topic>.+)$")
QUESTION = re.compile(r"^q:(?P<entry>.+)$")
FEEDBACK = re.compile(r"^f:(?P<sign>[+-]):(?P<answer>.+)$")
SOURCES = re.compile(r"^src:(?P<answer>.+)$")
FORGET = re.compile(r"^forget:(?P<choice>yes|no)$")


def topic(name: str) -> str:
    """A topic menu button: the guides' topic, or a digest of one an agency named too long."""
    data = f"t:{name}"
    return data if len(data.encode()) <= MAX_DATA else f"t:#{hashlib.sha256(name.encode()).hexdigest()[:16]}"


def question(entry_id: str) -> str:
    return f"q:{entry_id}"


def feedback(answer_key: str, positive: bool) -> str:
    return f"f:{'+' if positive else '-'}:{answer_key}"


def sources(answer_key: str) -> str:
    return f"src:{answer_key}"


def forget(confirmed: bool) -> str:
    return f"forget:{'yes' if confirmed else 'no'}"


def field(pattern: re.Pattern[str], data: str | None, name: str) -> str | None:
    """The named part of `data` as `pattern` parses it; None for data of another kind."""
    found = pattern.match(data or "")
    return found.group(name) if found else None
