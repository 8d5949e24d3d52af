"""Pairing: access to a private bot without anyone looking up numeric ids (setting PAIRING).

An unknown user (or group) gets a short code; an admin approves it with `/freigeben CODE` in a
private chat with the bot. Approvals are kept in their own SQLite file next to the lists in
`.env`, so they survive restarts and a reset of the analytics store; `/entziehen` deletes one.
A name is stored only so that an admin recognises whom they approved.

Codes are random, one per chat, valid for CODE_TTL_S; at most MAX_PENDING wait at a time and
admins hear of at most NOTIFY_PER_HOUR new ones, so strangers writing to the bot can neither
grow the file nor flood the admins' chats.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud and retyped
CODE_LENGTH = 6
CODE_TTL_S = 24 * 3600
MAX_PENDING = 100
NOTIFY_PER_HOUR = 10
# Added after the first release: a file from before gains it on opening.
_LANG_COLUMN = "lang TEXT NOT NULL DEFAULT 'de'"
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS requests (
    code TEXT PRIMARY KEY,
    chat_id INTEGER NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at REAL NOT NULL,
    {_LANG_COLUMN}
);
CREATE TABLE IF NOT EXISTS approved (
    chat_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    approved_by INTEGER NOT NULL,
    approved_at REAL NOT NULL
);
"""


@dataclass(frozen=True)
class Entry:
    """A chat that asked for access (with its code) or has it (with the date)."""

    chat_id: int  # a user's private chat id is the user id; groups have negative ids
    name: str
    code: str = ""
    since: float = 0.0
    lang: str = "de"  # the language the chat asked in: its welcome speaks it


def normalise(code: str) -> str:
    """What people type back: lower case, spaces or dashes ("k7p-4qx") are the same code."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


class Pairings:
    """The approved chats in RAM for the gate; requests and approvals on disk."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.executescript(_SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(requests)")}
            if "lang" not in columns:  # a file from before requests kept their language
                self._db.execute(f"ALTER TABLE requests ADD COLUMN {_LANG_COLUMN}")
            self._approved = frozenset(row[0] for row in self._db.execute("SELECT chat_id FROM approved"))
        except sqlite3.Error as exc:  # a start-up fault like an unwritable DATA_DIR: one line, exit 2
            raise OSError(f"cannot open the approvals file {path}: {exc}") from exc
        path.chmod(0o600)
        self._notified: deque[float] = deque()

    def allows(self, user_id: int | None, chat_id: int) -> bool:
        """An approved user may ask anywhere the bot is, an approved group only in that group."""
        return chat_id in self._approved or (user_id is not None and user_id in self._approved)

    def request(self, chat_id: int, name: str, lang: str = "de") -> tuple[str, bool]:
        """The chat's code, and whether it is new (then the admins may hear of it)."""
        now = self._clock()
        with self._lock:
            self._db.execute("DELETE FROM requests WHERE created_at < ?", (now - CODE_TTL_S,))
            row = self._db.execute("SELECT code FROM requests WHERE chat_id = ?", (chat_id,)).fetchone()
            if row:
                return row[0], False
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            self._db.execute(
                "INSERT INTO requests (code, chat_id, name, created_at, lang) VALUES (?, ?, ?, ?, ?)",
                (code, chat_id, name, now, lang),
            )
            self._db.execute(
                "DELETE FROM requests WHERE code NOT IN (SELECT code FROM requests ORDER BY created_at DESC LIMIT ?)",
                (MAX_PENDING,),
            )
            return code, True

    def may_notify(self) -> bool:
        """True for at most NOTIFY_PER_HOUR new requests an hour; the rest wait in /zugaenge."""
        now = self._clock()
        while self._notified and now - self._notified[0] >= 3600:
            self._notified.popleft()
        if len(self._notified) >= NOTIFY_PER_HOUR:
            return False
        self._notified.append(now)
        return True

    def approve(self, code: str, admin_id: int) -> Entry | None:
        """The chat the code belongs to, now approved; None for an unknown or expired code."""
        now = self._clock()
        with self._lock:
            row = self._db.execute(
                "SELECT chat_id, name, lang FROM requests WHERE code = ? AND created_at >= ?",
                (normalise(code), now - CODE_TTL_S),
            ).fetchone()
            if row is None:
                return None
            chat_id, name, lang = row
            self._db.execute("DELETE FROM requests WHERE chat_id = ?", (chat_id,))
            self._db.execute("INSERT OR REPLACE INTO approved VALUES (?, ?, ?, ?)", (chat_id, name, admin_id, now))
            self._approved = self._approved | {chat_id}
            return Entry(chat_id, name, since=now, lang=lang)

    def revoke(self, chat_id: int) -> Entry | None:
        """Removes an approval (and the stored name); None when the id was not approved by code."""
        with self._lock:
            row = self._db.execute("SELECT name, approved_at FROM approved WHERE chat_id = ?", (chat_id,)).fetchone()
            if row is None:
                return None
            self._db.execute("DELETE FROM approved WHERE chat_id = ?", (chat_id,))
            self._approved = self._approved - {chat_id}
            return Entry(chat_id, row[0], since=row[1])

    def approved(self) -> list[Entry]:
        with self._lock:
            rows = self._db.execute("SELECT chat_id, name, approved_at FROM approved ORDER BY approved_at").fetchall()
        return [Entry(chat_id, name, since=at) for chat_id, name, at in rows]

    def pending(self) -> list[Entry]:
        with self._lock:
            rows = self._db.execute(
                "SELECT chat_id, name, code, created_at FROM requests WHERE created_at >= ? ORDER BY created_at",
                (self._clock() - CODE_TTL_S,),
            ).fetchall()
        return [Entry(chat_id, name, code, at) for chat_id, name, code, at in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()
