"""Settings: documented, validated, and every UI text exists in both languages."""

from __future__ import annotations

import subprocess
import sys

from bot.config import Settings, unknown_settings
from bot.engine.texts import TEXTS as ENGINE_TEXTS
from bot.telegram.texts import UI_TEXTS
from tests.helpers import REPO


def test_env_example_documents_every_setting_with_a_valid_default(tmp_path, monkeypatch) -> None:
    example = (REPO / ".env.example").read_text(encoding="utf-8")
    keys = {line.split("=", 1)[0] for line in example.splitlines() if line and not line.startswith("#")}
    assert keys == {name.upper() for name in Settings.model_fields}
    (tmp_path / ".env").write_text(example, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert Settings() == Settings(_env_file=None)  # the documented values are the defaults
    assert [s for s in unknown_settings() if s.source == ".env"] == []


def test_broken_setting_stops_with_a_message_naming_it(tmp_path) -> None:
    (tmp_path / ".env").write_text("TOP_K=zwei\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "Was ist TikTok?"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "TOP_K" in result.stderr and "Traceback" not in result.stderr


def test_id_lists_accept_commas() -> None:
    settings = Settings(_env_file=None, allowed_user_ids="1, 2,3", admin_user_ids="")  # type: ignore[arg-type]
    assert settings.allowed_user_ids == {1, 2, 3} and settings.restricted
    assert settings.admin_user_ids == frozenset()


def test_every_text_exists_in_german_and_english() -> None:
    assert ENGINE_TEXTS["de"].keys() == ENGINE_TEXTS["en"].keys()
    assert UI_TEXTS["de"].keys() == UI_TEXTS["en"].keys()
