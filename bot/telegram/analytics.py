"""The bot's local store (SQLite): sources of recent answers, 👍/👎 ratings and analytics.

Privacy by design: users appear only as salted hashes, and the wording of a question is kept
only where staff need it to improve the knowledge base: when the bot declined it, or when a
user rated its answer 👎. Everything is deleted after RETENTION_DAYS by a daily purge, and
/vergessen deletes a user's rows at once. The wording of answered questions stays in RAM until
the answer is rated or ages out of a small buffer.

Writes go through one background thread, so no answer waits for the disk. A store fault
(locked or read-only file) is logged once per outage; answers keep flowing and the buttons that
need the store degrade.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")
ANSWERS_PER_CHAT = 20
PENDING_TEXTS = 2_000  # answered questions whose wording waits in RAM for a possible 👎
DAY_S = 86_400
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
CREATE TABLE IF NOT EXISTS questions (
    answer_key TEXT PRIMARY KEY,
    user_hash TEXT NOT NULL,
    asked_at REAL NOT NULL,
    lang TEXT NOT NULL,
    topic TEXT NOT NULL,
    answered INTEGER NOT NULL,
    question TEXT
);
CREATE INDEX IF NOT EXISTS questions_by_time ON questions (asked_at);
"""
_TABLES_BY_AGE = (("answers", "created_at"), ("feedback", "created_at"), ("questions", "asked_at"))


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


@dataclass(frozen=True)
class Stats:
    """Usage over the last `days` days, for /stats."""

    days: int
    per_day: list[tuple[str, int, int]]  # (ISO date, answered, declined)
    per_topic: list[tuple[str, int]]  # answered questions by the topic of their first source
    up: int
    down: int

    @property
    def answered(self) -> int:
        return sum(a for _, a, _ in self.per_day)

    @property
    def declined(self) -> int:
        return sum(d for _, _, d in self.per_day)


@dataclass(frozen=True)
class GapQuestion:
    """A question staff should look at: declined, or answered and rated 👎."""

    question: str
    lang: str
    declined: bool


class Store:
    def __init__(self, path: Path, salt: str) -> None:
        self.path = path
        self._salt = salt.encode()
        self._failed = False
        self._pending: OrderedDict[str, str] = OrderedDict()  # answer key -> wording, RAM only
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
        self._local = threading.local()  # one connection per thread that uses the store
        self._guard("opening the store", None, self._create)

    def _create(self, db: sqlite3.Connection) -> None:
        # WAL survives in the file: a crash may lose the last rating, never corrupt the store.
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(_SCHEMA)

    def user_hash(self, user_id: int) -> str:
        return self._hash(str(user_id))

    def _hash(self, value: str) -> str:
        """Salted: a private chat's id is the user's id, so chats are never stored raw either."""
        return hashlib.sha256(self._salt + value.encode()).hexdigest()[:16]

    # -- plumbing --------------------------------------------------------------------------

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, opened on first use and kept: opening one per answer was a
        tenth of the bot's Python time under load. A failure drops it, so the next use reopens."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=2.0)
            db.execute("PRAGMA synchronous=NORMAL")  # with WAL: no write waits for an fsync
            self._local.db = db
        try:
            with db:
                yield db
        except BaseException:
            self._disconnect()
            raise

    def _disconnect(self) -> None:
        db = getattr(self._local, "db", None)
        self._local.db = None
        if db is not None:
            db.close()

    def _guard(self, action: str, default: T, work: Callable[[sqlite3.Connection], T]) -> T:
        try:
            with self._connect() as db:
                result = work(db)
        except (sqlite3.Error, OSError) as exc:
            if not self._failed:  # one line per outage, not one per message
                logger.error("store unavailable (%s while %s); answers continue without it", exc, action)
                self._failed = True
            return default
        if self._failed:
            logger.warning("store available again")
            self._failed = False
        return result

    def _write(self, action: str, default: T, work: Callable[[sqlite3.Connection], T]) -> Future[T]:
        """Queue a write on the writer thread; callers that need the result await the future."""
        return self._writer.submit(self._guard, action, default, work)

    def flush(self) -> None:
        """Wait until every queued write is done (shutdown, tests)."""
        self._write("flushing", None, lambda db: None).result()

    def close(self) -> None:
        self._writer.submit(self._disconnect)  # the writer's connection is closed in its own thread
        self._writer.shutdown(wait=True)
        self._disconnect()

    # -- answers, sources, ratings ----------------------------------------------------------

    def record_answer(
        self,
        answer_key: str,
        chat_key: str,
        user_id: int,
        *,
        question: str,
        lang: str,
        answered: bool,
        sources: list[dict[str, Any]],
    ) -> None:
        """Remember an answer for its buttons and for the statistics, without waiting for it."""
        user, chat = self.user_hash(user_id), self._hash(f"chat:{chat_key}")
        topic = str(sources[0].get("topic", "")) if sources else ""
        if answered:
            self._keep_pending(answer_key, question)

        def work(db: sqlite3.Connection) -> None:
            if sources:
                db.execute(
                    "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?)",
                    (answer_key, chat, user, json.dumps(sources), time.time()),
                )
                db.execute(
                    "DELETE FROM answers WHERE chat_key = ? AND answer_key NOT IN "
                    "(SELECT answer_key FROM answers WHERE chat_key = ? ORDER BY created_at DESC LIMIT ?)",
                    (chat, chat, ANSWERS_PER_CHAT),
                )
            db.execute(
                "INSERT OR REPLACE INTO questions VALUES (?, ?, ?, ?, ?, ?, ?)",
                (answer_key, user, time.time(), lang, topic, int(answered), None if answered else question),
            )

        self._write("saving an answer", None, work)

    def _keep_pending(self, answer_key: str, question: str) -> None:
        texts = self._pending
        texts[answer_key] = question
        while len(texts) > PENDING_TEXTS:
            texts.popitem(last=False)

    def sources(self, answer_key: str) -> list[dict[str, Any]] | None:
        def work(db: sqlite3.Connection) -> list[dict[str, Any]] | None:
            row = db.execute("SELECT sources FROM answers WHERE answer_key = ?", (answer_key,)).fetchone()
            return json.loads(row[0]) if row else None

        return self._guard("reading sources", None, work)

    def last_sources(self, chat_key: str) -> list[dict[str, Any]] | None:
        chat = self._hash(f"chat:{chat_key}")

        def work(db: sqlite3.Connection) -> list[dict[str, Any]] | None:
            row = db.execute(
                "SELECT sources FROM answers WHERE chat_key = ? ORDER BY created_at DESC LIMIT 1", (chat,)
            ).fetchone()
            return json.loads(row[0]) if row else None

        return self._guard("reading sources", None, work)

    def rate(self, answer_key: str, user_id: int, rating: int) -> Future[bool]:
        """Record (or change) a rating; resolves to False when the answer is no longer known.

        A 👎 keeps the question's wording (from RAM) so staff can see what went wrong; changing
        the vote to 👍 removes it again.
        """
        user = self.user_hash(user_id)
        wording = self._pending.get(answer_key) if rating < 0 else None

        def work(db: sqlite3.Connection) -> bool:
            if not db.execute("SELECT 1 FROM questions WHERE answer_key = ?", (answer_key,)).fetchone():
                return False
            db.execute("INSERT OR REPLACE INTO feedback VALUES (?, ?, ?, ?)", (answer_key, user, rating, time.time()))
            db.execute("UPDATE questions SET question = ? WHERE answer_key = ? AND answered = 1", (wording, answer_key))
            return True

        return self._write("saving a rating", False, work)

    def forget(self, user_id: int) -> Future[int]:
        """Delete every row about a user; resolves to how many were deleted."""
        user = self.user_hash(user_id)

        def work(db: sqlite3.Connection) -> int:
            return sum(
                db.execute(f"DELETE FROM {table} WHERE user_hash = ?", (user,)).rowcount for table, _ in _TABLES_BY_AGE
            )

        return self._write("forgetting a user", 0, work)

    def count_rows(self, user_id: int) -> int:
        """Rows stored about a user (what /vergessen would delete)."""
        user = self.user_hash(user_id)

        def work(db: sqlite3.Connection) -> int:
            return sum(
                int(db.execute(f"SELECT COUNT(*) FROM {table} WHERE user_hash = ?", (user,)).fetchone()[0])
                for table, _ in _TABLES_BY_AGE
            )

        return self._guard("counting rows", 0, work)

    def purge(self, retention_days: int, now: float | None = None) -> Future[int]:
        """Delete everything older than the retention period; resolves to the rows deleted."""
        cutoff = (now or time.time()) - retention_days * DAY_S

        def work(db: sqlite3.Connection) -> int:
            return sum(
                db.execute(f"DELETE FROM {table} WHERE {column} < ?", (cutoff,)).rowcount
                for table, column in _TABLES_BY_AGE
            )

        return self._write("purging old rows", 0, work)

    # -- staff reports ---------------------------------------------------------------------

    def stats(self, days: int, now: float | None = None) -> Stats:
        since = (now or time.time()) - days * DAY_S

        def work(db: sqlite3.Connection) -> Stats:
            per_day = db.execute(
                "SELECT date(asked_at, 'unixepoch'), SUM(answered), SUM(1 - answered) FROM questions "
                "WHERE asked_at >= ? GROUP BY 1 ORDER BY 1",
                (since,),
            ).fetchall()
            per_topic = db.execute(
                "SELECT topic, COUNT(*) FROM questions WHERE asked_at >= ? AND answered = 1 "
                "GROUP BY topic ORDER BY 2 DESC, 1",
                (since,),
            ).fetchall()
            up, down = db.execute(
                "SELECT COALESCE(SUM(rating > 0), 0), COALESCE(SUM(rating < 0), 0) FROM feedback WHERE created_at >= ?",
                (since,),
            ).fetchone()
            return Stats(days, [tuple(r) for r in per_day], [tuple(r) for r in per_topic], int(up), int(down))

        return self._guard("reading statistics", Stats(days, [], [], 0, 0), work)

    def gap_questions(self, days: int, now: float | None = None) -> list[GapQuestion]:
        """Declined and 👎-rated questions (the only stored wordings) of the last `days` days."""
        since = (now or time.time()) - days * DAY_S

        def work(db: sqlite3.Connection) -> list[GapQuestion]:
            rows = db.execute(
                "SELECT question, lang, answered FROM questions WHERE question IS NOT NULL AND asked_at >= ? "
                "ORDER BY asked_at",
                (since,),
            ).fetchall()
            return [GapQuestion(q, lang, not answered) for q, lang, answered in rows]

        return self._guard("reading questions", [], work)
