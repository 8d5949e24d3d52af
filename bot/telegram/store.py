"""The bot's small local store (SQLite): sources of recent answers and 👍/👎 ratings.

No raw Telegram ids and no question texts are stored: users appear as salted hashes, and an
answer is remembered only by its sources. A store fault (locked or read-only file) never stops
answers: it is logged once and the buttons that need the store degrade.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

ANSWERS_PER_CHAT = 20
_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    answer_key TEXT PRIMARY KEY,
    chat_key TEXT NOT NULL,
    user_hash TEXT NOT NULL,
    sources TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS answers_by_chat ON answers (chat_key, created_at);
CREATE TABLE IF NOT EXISTS feedback (
    answer_key TEXT NOT NULL,
    user_hash TEXT NOT NULL,
    rating INTEGER NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (answer_key, user_hash)
);
"""


def load_salt(configured: str | None, data_dir: Path) -> str:
    """The configured salt, or one generated once per installation and kept in the data dir."""
    if configured:
        return configured
    path = data_dir / ".user-hash-salt"
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        data_dir.mkdir(parents=True, exist_ok=True)
        salt = secrets.token_hex(16)
        path.write_text(salt, encoding="utf-8")
        path.chmod(0o600)
        return salt


class Store:
    def __init__(self, path: Path, salt: str) -> None:
        self.path = path
        self._salt = salt.encode()
        self._failed = False
        with self._connect() as db:
            # WAL survives in the file: a crash may lose the last rating, never corrupt the store.
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    def user_hash(self, user_id: int) -> str:
        return hashlib.sha256(self._salt + str(user_id).encode()).hexdigest()[:16]

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=2.0)
        db.execute("PRAGMA synchronous=NORMAL")  # with WAL: no answer waits for an fsync
        try:
            with db:
                yield db
        finally:
            db.close()

    def _guard(self, action: str, default: Any, work: Any) -> Any:
        try:
            with self._connect() as db:
                return work(db)
        except sqlite3.Error as exc:
            if not self._failed:  # one line per outage, not one per message
                logger.error("store unavailable (%s while %s); answers continue without it", exc, action)
                self._failed = True
            return default

    def remember_answer(self, answer_key: str, chat_key: str, user_id: int, sources: list[dict[str, Any]]) -> None:
        def work(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?)",
                (answer_key, chat_key, self.user_hash(user_id), json.dumps(sources), time.time()),
            )
            db.execute(
                "DELETE FROM answers WHERE chat_key = ? AND answer_key NOT IN "
                "(SELECT answer_key FROM answers WHERE chat_key = ? ORDER BY created_at DESC LIMIT ?)",
                (chat_key, chat_key, ANSWERS_PER_CHAT),
            )
            self._failed = False

        self._guard("saving sources", None, work)

    def sources(self, answer_key: str) -> list[dict[str, Any]] | None:
        def work(db: sqlite3.Connection) -> list[dict[str, Any]] | None:
            row = db.execute("SELECT sources FROM answers WHERE answer_key = ?", (answer_key,)).fetchone()
            return json.loads(row[0]) if row else None

        result: list[dict[str, Any]] | None = self._guard("reading sources", None, work)
        return result

    def last_sources(self, chat_key: str) -> list[dict[str, Any]] | None:
        def work(db: sqlite3.Connection) -> list[dict[str, Any]] | None:
            row = db.execute(
                "SELECT sources FROM answers WHERE chat_key = ? ORDER BY created_at DESC LIMIT 1", (chat_key,)
            ).fetchone()
            return json.loads(row[0]) if row else None

        result: list[dict[str, Any]] | None = self._guard("reading sources", None, work)
        return result

    def rate(self, answer_key: str, user_id: int, rating: int) -> bool:
        """Record (or change) a user's rating; False when the answer is no longer known."""

        def work(db: sqlite3.Connection) -> bool:
            if not db.execute("SELECT 1 FROM answers WHERE answer_key = ?", (answer_key,)).fetchone():
                return False
            db.execute(
                "INSERT OR REPLACE INTO feedback VALUES (?, ?, ?, ?)",
                (answer_key, self.user_hash(user_id), rating, time.time()),
            )
            return True

        return bool(self._guard("saving a rating", False, work))

    def forget(self, user_id: int) -> int:
        """Delete every row about a user; returns how many were deleted."""
        user = self.user_hash(user_id)

        def work(db: sqlite3.Connection) -> int:
            deleted = db.execute("DELETE FROM feedback WHERE user_hash = ?", (user,)).rowcount
            return deleted + db.execute("DELETE FROM answers WHERE user_hash = ?", (user,)).rowcount

        return int(self._guard("forgetting a user", 0, work))

    def count_rows(self, user_id: int) -> int:
        """Rows stored about a user (what /vergessen would delete)."""
        user = self.user_hash(user_id)

        def work(db: sqlite3.Connection) -> int:
            return sum(
                int(db.execute(f"SELECT COUNT(*) FROM {table} WHERE user_hash = ?", (user,)).fetchone()[0])
                for table in ("feedback", "answers")
            )

        return int(self._guard("counting rows", 0, work))
