"""Callback data of the inline buttons: built, matched and parsed in one place.

Telegram returns a button's `callback_data` verbatim when it is pressed, so the format that
`formatting` writes and the patterns `app` registers must never drift apart.
"""

from __future__ import annotations

import re

TOPIC = re.compile(r"^t:(?P<menu>.+)$")
QUESTION = re.compile(r"^q:(?P<entry>.+)$")
FEEDBACK = re.compile(r"^f:(?P<sign>[+-]):(?P<answer>.+)$")
SOURCES = re.compile(r"^src:(?P<answer>.+)$")
FORGET = re.compile(r"^forget:(?P<choice>yes|no)$")


def topic(menu_key: str) -> str:
    return f"t:{menu_key}"


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
