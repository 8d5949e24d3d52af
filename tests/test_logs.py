"""Logs: secrets never appear, whatever logs them; users' messages only with LOG_PERSONAL_DATA."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Iterator

import httpx
import pytest

from bot.config import Settings
from bot.ingest.sync import ingest
from bot.kb.embeddings import KnowledgeEmbeddings
from bot.logs import REDACTED, RedactSecrets, setup_logging
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.llm import FakeLLM
from tests.helpers import start_telegram_bot

TOKEN = "7412589630:AAHlogTestTokenXyZ0123456789abcdefg"
SECRETS = {
    "WEBHOOK_SECRET": "webhook-secret-Kx81",
    "LLM_API_KEY": "sk-llm-key-Qw73",
    "CHROMA_AUTH_TOKEN": "chroma-token-Pz55",
    "USER_HASH_SALT": "salt-Jm29",
}
USER_ID = 731964285
NAME = "Ottilie"
QUESTION = "Wie lange dauert ein Match im LIVE, fragt die Zwetschgenbäckerei?"
MARKERS = ["Zwetschgenbäckerei", NAME, str(USER_ID)]


async def debug_session(api: FakeBotAPI, llm: FakeLLM, settings: Settings, **env: str) -> str:
    """A DEBUG run of `python -m bot run` that answers one question (LLM mode) and stops on SIGTERM."""
    api.token = TOKEN
    process = await start_telegram_bot(
        api,
        settings,
        LOG_LEVEL="DEBUG",
        ANSWER_MODE="llm",
        LLM_BASE_URL=f"{llm.base}/v1",  # type: ignore[attr-defined]
        LLM_MODEL="fake-model",
        **SECRETS,
        **env,
    )
    try:
        await api.wait_for("setMyCommands", count=2, timeout=60)
        await api.send_text(QUESTION, chat_id=USER_ID, user=api.user(USER_ID, first_name=NAME))
        reply = await api.wait_for("sendMessage", chat_id=USER_ID, timeout=60)
        assert reply[0].status == 200
        process.send_signal(signal.SIGTERM)  # the answer under way still finishes, and logs
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, stderr.decode()
    assert llm.requests, "the question went through the LLM"
    return (stdout + stderr).decode()


@pytest.fixture
def indexed(small_kb: Settings, e5: KnowledgeEmbeddings) -> Settings:
    ingest(small_kb, e5, show_progress=False)
    return small_kb


async def test_a_debug_run_logs_no_secret_and_no_message(api: FakeBotAPI, llm: FakeLLM, indexed: Settings) -> None:
    output = await debug_session(api, llm, indexed)
    # It really logged at DEBUG, from python-telegram-bot, httpx and the LLM client.
    assert "DEBUG telegram.ext.ExtBot Calling Bot API endpoint `sendMessage`" in output
    assert f"bot{REDACTED}/getUpdates" in output and "INFO httpx HTTP Request" in output
    assert "DEBUG openai" in output
    leaks = [s for s in [TOKEN, TOKEN.split(":")[1], *SECRETS.values(), *MARKERS] if s in output]
    assert leaks == [], output


async def test_log_personal_data_shows_messages_but_still_no_secret(
    api: FakeBotAPI, llm: FakeLLM, indexed: Settings
) -> None:
    output = await debug_session(api, llm, indexed, LOG_PERSONAL_DATA="true")
    assert all(marker in output for marker in MARKERS)
    assert [s for s in [TOKEN, *SECRETS.values()] if s in output] == []


@pytest.fixture
def records() -> Iterator[list[str]]:
    """Lines a root handler writes once `setup_logging` has put its filters on it (restored after)."""
    root, httpx_logger = logging.getLogger(), logging.getLogger("httpx")
    saved_level, saved_handlers, saved_httpx = root.level, root.handlers[:], httpx_logger.level
    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(logging.Formatter("%(message)s").format(record))  # type: ignore[method-assign]
    root.handlers = [handler]
    try:
        yield lines
    finally:
        root.handlers, root.level = saved_handlers, saved_level
        httpx_logger.setLevel(saved_httpx)


def test_a_traceback_with_the_token_in_its_url_is_redacted(records: list[str]) -> None:
    setup_logging("DEBUG", [TOKEN, "sk-llm-key-Qw73"])
    url = f"https://api.telegram.org/bot{TOKEN}/getMe"
    try:
        httpx.Response(401, request=httpx.Request("GET", url)).raise_for_status()
    except httpx.HTTPStatusError:
        logging.getLogger("httpcore.connection").exception("call to %s failed", url)
    logging.getLogger("some.library").debug("headers %s", {"Authorization": "Bearer sk-llm-key-Qw73"})
    logging.getLogger("other").info("encoded %s", f"/bot{TOKEN.replace(':', '%3A')}/getMe")

    text = "\n".join(records)
    assert "HTTPStatusError: Client error '401 Unauthorized' for url" in text and "Traceback" in text
    assert TOKEN not in text and "AAHlogTestTokenXyZ" not in text and "sk-llm-key" not in text
    assert f"bot{REDACTED}/getMe" in text


@pytest.mark.parametrize(
    "value",
    [
        "Authorization: Bearer abc.def-ghi",
        "(b'authorization', b'Basic dXNlcjpwYXNz')",
        "{'url': 'https://x/hook', 'secret_token': 'random-per-start'}",
        "X-Telegram-Bot-Api-Secret-Token=random-per-start&x=1",
        "GET /bot1234567:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/getMe",
    ],
)
def test_credentials_of_known_shapes_are_redacted_without_being_configured(value: str) -> None:
    redacted = RedactSecrets([]).redact(value)
    assert not any(s in redacted for s in ("abc.def", "dXNlcjpw", "random-per-start", "AAAAAAAAAA")), redacted
    assert REDACTED in redacted


def test_telegram_contents_are_hidden_but_the_endpoint_stays(records: list[str]) -> None:
    setup_logging("DEBUG", [])
    ptb = logging.getLogger("telegram.ext.ExtBot")
    ptb.debug(
        "Calling Bot API endpoint `%s` with parameters `%s`", "sendMessage", {"chat_id": USER_ID, "text": "Hallo"}
    )
    ptb.debug("Getting updates: %s", [17, 18])
    logging.getLogger("telegram.ext.Updater").debug("Webhook received data: %s", '{"message": {"text": "Hallo"}}')
    assert records == [
        "Calling Bot API endpoint `sendMessage` with parameters `[hidden, see LOG_PERSONAL_DATA]`",
        "Getting updates: [17, 18]",
        "Webhook received data: [hidden, see LOG_PERSONAL_DATA]",
    ]
