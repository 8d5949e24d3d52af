"""The durable inbox on its own: repeats recognised, old questions dropped, texts not kept."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.telegram import inbox as inbox_module
from bot.telegram.inbox import AnotherInstanceError, Inbox


def update(update_id: int, text: str = "Wie lange dauert ein Match?") -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"}, "text": text},
    }


def test_an_update_telegram_sends_again_is_taken_once(tmp_path: Path) -> None:
    inbox = Inbox(tmp_path / "inbox.sqlite3", max_age_s=3600)
    assert inbox.accept([update(7), update(8)]) == [update(7), update(8)]
    assert inbox.accept([update(8), update(9)]) == [update(9)]  # 8 again: not answered twice
    inbox.done(7)
    assert inbox.accept([update(7)]) == []  # answered, then delivered again after a crash
    assert [p.update["update_id"] for p in inbox.pending()] == [8, 9]
    inbox.close()


def test_pending_updates_survive_a_restart_and_old_ones_are_dropped_with_a_log_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "inbox.sqlite3"
    inbox = Inbox(path, max_age_s=600)
    monkeypatch.setattr(inbox_module.time, "time", lambda: 1_000_000.0)
    inbox.accept([update(1)])  # stored long ago
    monkeypatch.undo()
    inbox.accept([update(2)])
    inbox.close()
    reopened = Inbox(path, max_age_s=600)
    with caplog.at_level(logging.WARNING):
        assert [p.update["update_id"] for p in reopened.pending()] == [2]
    assert "dropped 1 unanswered updates older than 600 s" in caplog.text
    reopened.close()


def test_an_answered_question_leaves_no_text_in_the_files(tmp_path: Path) -> None:
    inbox = Inbox(tmp_path / "inbox.sqlite3", max_age_s=3600)
    inbox.accept([update(1, "Zwetschgenkuchen-Geheimnis")])
    inbox.done(1)
    inbox.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert b"Zwetschgenkuchen" not in stored


def test_a_second_inbox_on_the_same_file_is_refused(tmp_path: Path) -> None:
    first = Inbox(tmp_path / "inbox.sqlite3", max_age_s=3600)
    with pytest.raises(AnotherInstanceError, match="Another instance of this bot is already running"):
        Inbox(tmp_path / "inbox.sqlite3", max_age_s=3600)
    first.close()
    Inbox(tmp_path / "inbox.sqlite3", max_age_s=3600).close()  # free again once the first is gone
