"""Settings a user cannot get wrong silently: unknown names, log levels, id lists, the README table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, UnknownSetting, load_settings, settings_table, startup_settings
from bot.config import unknown_settings as found_unknown
from tests.helpers import REPO


def unknown(name: str) -> UnknownSetting | None:
    return next((setting for setting in found_unknown() if setting.name == name), None)


def test_misspelt_access_list_in_env_file_stops_the_start(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("ALLOWED_USERS=42\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "Was ist TikTok?"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "ALLOWED_USERS: unknown setting, did you mean ALLOWED_USER_IDS?" in result.stderr
    assert "open to everyone" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_harmless_typo_warns_once_with_the_setting_meant(capsys: pytest.CaptureFixture[str]) -> None:
    Path(".env").write_text("LOG_LEVL=INFO\nTOP_K=4\n", encoding="utf-8")
    settings = startup_settings()
    assert settings.top_k == 4  # the start goes on
    err = capsys.readouterr().err
    assert err.count("LOG_LEVL") == 1
    assert "Warning: LOG_LEVL: unknown setting, did you mean LOG_LEVEL? (in .env)" in err


def test_env_file_reports_every_unknown_name() -> None:
    Path(".env").write_text("COMPLETELY_UNRELATED=1\nADMIN_IDS=\n", encoding="utf-8")
    assert unknown("COMPLETELY_UNRELATED") == UnknownSetting("COMPLETELY_UNRELATED", ".env", None, False)
    # An access list misspelt without a value grants nothing to anyone: a warning, no stop.
    assert unknown("ADMIN_IDS") == UnknownSetting("ADMIN_IDS", ".env", "ADMIN_USER_IDS", False)
    assert load_settings() == Settings(_env_file=None)


def test_environment_reports_only_lookalikes_and_stops_only_for_numeric_ids(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ALLOWED_USERS", "42, 43")  # e.g. docker-compose's env_file: .env
    monkeypatch.setenv("ALLOWED_HOSTS", "localhost,example.com")  # another program's (Django)
    monkeypatch.setenv("LLM_MODELL", "gpt-4o-mini")
    monkeypatch.setenv("EDITOR_MODEL", "vim")  # no setting starts with EDITOR_
    assert unknown("ALLOWED_USERS") == UnknownSetting("ALLOWED_USERS", "environment", "ALLOWED_USER_IDS", True)
    hosts = unknown("ALLOWED_HOSTS")
    assert hosts is not None and not hosts.blocking
    assert unknown("LLM_MODELL") == UnknownSetting("LLM_MODELL", "environment", "LLM_MODEL", False)
    assert unknown("EDITOR_MODEL") is None
    with pytest.raises(ConfigError, match=r"ALLOWED_USERS: unknown setting, did you mean ALLOWED_USER_IDS\?"):
        load_settings()


def test_log_level_is_a_checked_choice_in_any_case(capsys: pytest.CaptureFixture[str]) -> None:
    assert Settings(_env_file=None, log_level="debug").log_level == "DEBUG"  # type: ignore[call-arg, arg-type]
    Path(".env").write_text("LOG_LEVEL=verbose\n", encoding="utf-8")
    with pytest.raises(SystemExit) as stop:
        startup_settings()
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.strip() == (
        "Invalid setting in the environment or .env: LOG_LEVEL: 'verbose' is not a logging level; "
        "use one of DEBUG, INFO, WARNING, ERROR, CRITICAL"
    )


def test_id_list_explains_its_format(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_USER_IDS", "12345678, @alice")
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert (
        "ALLOWED_USER_IDS: '@alice' is not a numeric Telegram id; use numbers separated by commas, "
        "e.g. 12345678,87654321"
    ) in str(error.value)
    assert "int()" not in str(error.value)
    monkeypatch.setenv("ALLOWED_USER_IDS", "12345678; -100123")
    assert load_settings().allowed_user_ids == {12345678, -100123}


def test_readme_table_lists_every_setting_as_settings_defines_it() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    table = "\n".join(line for line in section.splitlines() if line.startswith("|"))
    assert table == settings_table(), "README's settings table is stale: paste the output of python -m bot.config"
    assert table.count("\n| `") == len(Settings.model_fields)
