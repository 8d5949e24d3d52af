"""The durable inbox: every update is on disk before Telegram may forget it.

Telegram deletes an update once the bot confirms it (the next getUpdates, or a webhook's 200).
python-telegram-bot confirms a batch as soon as it has fetched it, so a crash (kill -9, OOM, a
host restart) after the first answer of a burst lost the rest silently. Here an update is
written to SQLite (WAL) first and confirmed afterwards; it stays pending until the bot has
replied, and a restart answers what is still pending.

Exactly once, as far as a crash allows: an update counts as done as soon as the bot's first
reply to it is delivered, so a crash while an answer is being finished does not send it twice.
Done rows keep only the update id (the text is overwritten at once; the write-ahead log's copy
goes at the hourly checkpoint or on shutdown), so an update Telegram delivers
again, because the crash came before it was confirmed, is recognised and skipped; those ids are
purged after a day, when Telegram has forgotten the update too. Pending updates older than
`INBOX_MAX_AGE_S` are dropped with a log line instead of being answered days late.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

logger = logging.getLogger(__name__)

KEEP_DONE_S = 86_400  # Telegram keeps an unconfirmed update for 24 hours; after that no repeat comes
PURGE_EVERY_S = 3_600
_SCHEMA = """
CREATE TABLE IF NOT EXISTS inbox (
    update_id INTEGER PRIMARY KEY,
    received_at REAL NOT NULL,
    payload TEXT,            -- the raw update while it waits; NULL once done
    done_at REAL
);
CREATE INDEX IF NOT EXISTS inbox_pending ON inbox (done_at, received_at);
"""
_ANSWERING: ContextVar[int | None] = ContextVar("answering", default=None)  # the update a handler works on


class AnotherInstanceError(RuntimeError):
    """A second bot process on the same token and data folder: it would answer everything twice."""


@dataclass(frozen=True)
class Pending:
    update: dict[str, Any]  # the raw update as Telegram sent it
    received_at: float


class Inbox:
    """One SQLite file in DATA_DIR; small synchronous writes (WAL, synchronous=NORMAL).

    NORMAL survives a killed process, which is the common crash; a power cut may lose the last
    few milliseconds of writes, and those updates then come again from Telegram unconfirmed.
    Calls come from the event loop and are short (no fsync per write), so no thread hop.

    A failing disk (full, read-only) must not silence the bot: updates are then answered
    without the guarantee, and the fault is logged once per outage.
    """

    def __init__(self, path: Path, max_age_s: float) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_file = _exclusive(path.with_suffix(".lock"))
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA secure_delete=ON")  # a done update's text is overwritten, not just unlinked
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()
        self._max_age_s = max_age_s
        self._faulty = False
        self._next_purge = 0.0

    def accept(self, updates: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Store the updates not seen before, in one transaction; returns those (the rest are repeats)."""
        now = time.time()
        fresh: list[dict[str, Any]] = []
        with self._lock, self._fault_logged("storing updates"):
            if now >= self._next_purge:  # hourly: ids of done updates are needed for a day only,
                self._db.execute("DELETE FROM inbox WHERE done_at < ?", (now - KEEP_DONE_S,))
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # and the log's old page images not at all
                self._next_purge = now + PURGE_EVERY_S
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for update in updates:
                    cursor = self._db.execute(
                        "INSERT OR IGNORE INTO inbox (update_id, received_at, payload) VALUES (?, ?, ?)",
                        (int(update["update_id"]), now, json.dumps(update, ensure_ascii=False)),
                    )
                    if cursor.rowcount:
                        fresh.append(update)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return fresh
        return updates  # not durable, but answered

    def done(self, update_id: int) -> None:
        """The update is answered (or needs no answer): forget its content, keep its id a day."""
        with self._lock, self._fault_logged("marking an update done"):
            self._db.execute(
                "UPDATE inbox SET payload = NULL, done_at = ? WHERE update_id = ? AND done_at IS NULL",
                (time.time(), update_id),
            )

    @contextmanager
    def answering(self, update_id: int) -> Iterator[None]:
        """Within this block (and the tasks it starts), a delivered message answers `update_id`."""
        token = _ANSWERING.set(update_id)
        try:
            yield
        finally:
            _ANSWERING.reset(token)

    def delivered(self) -> None:
        """A message went out for the update being handled: a restart must not answer it again."""
        update_id = _ANSWERING.get()
        if update_id is not None:
            self.done(update_id)

    @contextmanager
    def _fault_logged(self, what: str) -> Iterator[None]:
        """Swallow a disk fault, logging the first of an outage and the recovery."""
        try:
            yield
        except sqlite3.Error as exc:
            if not self._faulty:
                logger.error("inbox unusable while %s (%s): answering without crash safety", what, exc)
            self._faulty = True
            return
        if self._faulty:
            logger.warning("inbox usable again")
        self._faulty = False

    def pending(self) -> list[Pending]:
        """Updates still to answer, oldest first; those past the maximum age are dropped here."""
        cutoff = time.time() - self._max_age_s
        with self._lock:
            dropped = self._db.execute(
                "UPDATE inbox SET payload = NULL, done_at = ? WHERE done_at IS NULL AND received_at < ?",
                (time.time(), cutoff),
            ).rowcount
            rows = self._db.execute(
                "SELECT payload, received_at FROM inbox WHERE done_at IS NULL ORDER BY update_id"
            ).fetchall()
        if dropped:
            logger.warning("dropped %d unanswered updates older than %.0f s", dropped, self._max_age_s)
        return [Pending(json.loads(payload), received_at) for payload, received_at in rows]

    def purge(self) -> int:
        """Delete the ids of updates done long enough ago that Telegram cannot send them again."""
        with self._lock:
            return int(self._db.execute("DELETE FROM inbox WHERE done_at < ?", (time.time() - KEEP_DONE_S,)).rowcount)

    def close(self) -> None:
        with self._lock, self._fault_logged("closing"):
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the log holds old page images, texts among them
            self._db.close()
        self._lock_file.close()  # releases the instance lock


def inbox_path(data_dir: Path, token: str) -> Path:
    """One inbox per bot token in a data folder: update ids are only unique per bot."""
    return data_dir / f"inbox-{hashlib.sha256(token.encode()).hexdigest()[:12]}.sqlite3"


def _exclusive(path: Path) -> Any:
    """Hold an OS lock on `path` for as long as the file stays open (released by a crash too)."""
    handle = path.open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise AnotherInstanceError(
            f"Another instance of this bot is already running with the same TELEGRAM_BOT_TOKEN and "
            f"DATA_DIR ({path.parent}). Stop it first; a second bot needs its own token from @BotFather."
        ) from None
    return handle


class InboxProcessor(BaseUpdateProcessor):
    """Handles updates concurrently and marks each done in the inbox once its handlers finished.

    An update whose handling is cancelled (shutdown deadline) stays pending for the next start.
    """

    def __init__(self, inbox: Inbox, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._inbox = inbox
        self._in_flight: set[asyncio.Task[Any]] = set()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not isinstance(update, Update):
            await coroutine
            return
        task = asyncio.current_task()
        assert task is not None
        self._in_flight.add(task)
        try:
            with self._inbox.answering(update.update_id):
                await coroutine
        finally:
            self._in_flight.discard(task)
        self._inbox.done(update.update_id)

    async def drain(self, seconds: float) -> int:
        """Let running handlers finish for up to `seconds`; cancel the rest. Returns how many were cut."""
        if self._in_flight:
            _, unfinished = await asyncio.wait(set(self._in_flight), timeout=seconds)
            for task in unfinished:
                task.cancel()
            await asyncio.gather(*unfinished, return_exceptions=True)
            return len(unfinished)
        return 0

    async def initialize(self) -> None:
        """Nothing to set up: the inbox is opened by whoever owns it."""

    async def shutdown(self) -> None:
        """Nothing to release here: the inbox is closed by whoever owns it."""
