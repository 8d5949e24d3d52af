"""The command line as a user runs it: separate processes, real index, real output."""

from __future__ import annotations

import json

from bot.config import Settings
from tests.helpers import run_bot


def test_ask_json_prints_one_object_per_question_as_one_conversation(kb_settings: Settings) -> None:
    result = run_bot(kb_settings, "ask", "Was sind Matches im TikTok-Live?", "Und wie lange dauert eins?", "--json")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in records] == [
        "Was sind Matches im TikTok-Live?",
        "Und wie lange dauert eins?",
    ]
    assert all(r["language"] == "de" and r["in_scope"] for r in records)
    assert "5 Minuten" in records[1]["answer"] or "fünf Minuten" in records[1]["answer"]
    source = records[0]["sources"][0]
    assert set(source) >= {"title", "section", "file", "score"}
    assert source["file"].startswith("de/") and 0 < source["score"] <= 1


def test_chat_reads_piped_questions_line_by_line(kb_settings: Settings) -> None:
    result = run_bot(kb_settings, "chat", stdin="Wann wurde Douyin gestartet?\nWie backe ich Brot?\n")
    assert result.returncode == 0, result.stderr
    assert "September 2016" in result.stdout
    assert "Quellen:" in result.stdout
    assert "nichts in meinen Leitfäden" in result.stdout


def test_run_without_token_opens_the_terminal_chat_and_says_how_to_connect(kb_settings: Settings) -> None:
    result = run_bot(kb_settings, "run", stdin="How many markets is TikTok available in?\n")
    assert result.returncode == 0, result.stderr
    assert "150" in result.stdout
    assert "TELEGRAM_BOT_TOKEN" in result.stderr


def test_missing_index_is_a_clear_error(tmp_path, kb_settings: Settings) -> None:
    empty = kb_settings.model_copy(update={"data_dir": tmp_path / "nothing"})
    result = run_bot(empty, "ask", "Was ist TikTok?")
    assert result.returncode == 2
    assert "python ingest.py" in result.stderr
    assert "Traceback" not in result.stderr


def test_model_mismatch_is_refused_with_the_fix(kb_settings: Settings) -> None:
    result = run_bot(kb_settings, "ask", "Was ist TikTok?", EMBEDDING_MODEL="all-MiniLM-L6-v2")
    assert result.returncode == 2
    assert "python ingest.py --rebuild" in result.stderr
    assert "Traceback" not in result.stderr
