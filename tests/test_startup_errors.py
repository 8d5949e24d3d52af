"""Start-up errors as the user meets them: one line naming the fix, exit status 2, no secret in any output.

Every case runs the real command in its own process with all secret settings set to recognisable
values, and greps everything it printed for any piece of them.
"""

from __future__ import annotations

import asyncio
import signal

import pytest

from bot.config import Settings
from tests.fakes.bot_api import FakeBotAPI
from tests.helpers import free_port, run_bot, start_telegram_bot

TOKEN = "7412589630:AAHstartUpTestSecretXyZ0123456789abc"  # well-shaped, unknown to the fake Bot API
SECRETS = {
    "LLM_API_KEY": "sk-llm-Kq7Zp2Vw9Rt4Yx8Bn3Mc",
    "CHROMA_AUTH_TOKEN": "chroma-Jd6Hs1Lf5Gk0Qa9Wz2Ue",
    "WEBHOOK_SECRET": "hook-Pm4Nc8Xb2Vr6Ty1Iu5Oe",
    "USER_HASH_SALT": "salt-Ek3Dw7Sq1Az5Xc9Fv2Gb",
}
UNRESOLVABLE = "http://nonexistent.invalid/bot"  # .invalid never resolves (RFC 2606): no network needed


def assert_no_secret(output: str, *tokens: str) -> None:
    """No piece of 12 characters of any secret: a secret cut, quoted or URL-encoded in part shows up too."""
    for secret in (*SECRETS.values(), *tokens):
        pieces = {secret[i : i + 12] for i in range(len(secret) - 11)}
        leaked = sorted(piece for piece in pieces if piece in output)
        assert not leaked, f"{secret!r} leaked: {leaked}"


MISCONFIGURED = {
    "short token": (
        {"TELEGRAM_BOT_TOKEN": "12345:Kq7Zp2-too-short"},
        "TELEGRAM_BOT_TOKEN: not a bot token",
        "as @BotFather shows it",
    ),
    "token with 'bot' in front": (
        {"TELEGRAM_BOT_TOKEN": f"bot{TOKEN}"},
        "TELEGRAM_BOT_TOKEN: not a bot token",
        "expected digits, a colon and about 35 letters",
    ),
    "token with foreign characters": (
        {"TELEGRAM_BOT_TOKEN": TOKEN.replace("Secret", "Se+cr/t")},
        "TELEGRAM_BOT_TOKEN: not a bot token",
        "letters, digits, - or _",
    ),
    "base URL without http://": (
        {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": "api.telegram.org/bot"},
        "TELEGRAM_API_BASE_URL: must start with http:// or https://",
        "e.g. https://api.telegram.org/bot",
    ),
    "base URL without /bot": (
        {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": "http://localhost:8081"},
        "TELEGRAM_API_BASE_URL: must start with http:// or https:// and end in /bot",
        "http://localhost:8081/bot",
    ),
    "token pasted onto the base URL": (
        {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": f"https://api.telegram.org/bot{TOKEN}"},
        "TELEGRAM_API_BASE_URL: must start with http:// or https:// and end in /bot",
        "the token is appended to it",
    ),
    "webhook URL without https://": (
        {"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "bot.example.com/telegram"},
        "WEBHOOK_URL: must start with http:// or https://",
        "e.g. https://bot.example.com/telegram",
    ),
    "plain-http webhook with Telegram's servers": (
        {"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "http://bot.example.com:8080/telegram"},
        "WEBHOOK_URL: Telegram delivers webhooks only to https:// addresses on port 443, 80, 88 or 8443",
        "a self-hosted Bot API server accepts others",
    ),
    "LLM URL without http://": (
        {"ANSWER_MODE": "llm", "LLM_MODEL": "gpt-4o-mini", "LLM_BASE_URL": "localhost:11434"},
        "LLM_BASE_URL: must start with http:// or https://",
        "http://localhost:11434",
    ),
}


@pytest.mark.parametrize(("env", "problem", "fix"), MISCONFIGURED.values(), ids=MISCONFIGURED.keys())
def test_a_malformed_setting_stops_run_with_one_line_before_any_request(
    small_kb: Settings, env: dict[str, str], problem: str, fix: str
) -> None:
    result = run_bot(small_kb, "run", stdin="", **SECRETS, **env)  # the index is never reached
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert problem in result.stderr and fix in result.stderr
    assert result.stdout == ""
    assert_no_secret(result.stdout + result.stderr, TOKEN, env.get("TELEGRAM_BOT_TOKEN", TOKEN))


@pytest.mark.parametrize(("env", "problem", "fix"), MISCONFIGURED.values(), ids=MISCONFIGURED.keys())
def test_doctor_names_a_malformed_setting_and_its_fix(
    small_kb: Settings, env: dict[str, str], problem: str, fix: str
) -> None:
    result = run_bot(small_kb, "doctor", **SECRETS, **env)
    assert result.returncode == 1
    assert "❌ Settings: Invalid setting" in result.stdout
    assert problem in result.stdout and fix in result.stdout
    assert "Traceback" not in result.stderr
    assert_no_secret(result.stdout + result.stderr, TOKEN, env.get("TELEGRAM_BOT_TOKEN", TOKEN))


async def test_a_token_the_bot_api_rejects_stops_run_with_the_fix(api: FakeBotAPI, kb_settings: Settings) -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api.base_url}  # type: ignore[attr-defined]
    result = await asyncio.to_thread(run_bot, kb_settings, "run", **SECRETS, **env)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "Telegram rejected TELEGRAM_BOT_TOKEN: copy the current token from @BotFather (/mybots → your bot → "
        "API Token) into .env."
    ]
    assert_no_secret(result.stdout + result.stderr, TOKEN)


async def test_a_base_url_that_is_no_bot_api_stops_run_with_the_fix(api: FakeBotAPI, kb_settings: Settings) -> None:
    wrong = api.base_url.removesuffix("/bot") + "/api/bot"  # type: ignore[attr-defined]
    env = {"TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_BASE_URL": wrong}
    result = await asyncio.to_thread(run_bot, kb_settings, "run", **SECRETS, **env)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert f"The Bot API at {wrong} answered 404 Not Found" in result.stderr
    assert "TELEGRAM_API_BASE_URL must be the address of a Bot API server ending in /bot" in result.stderr
    assert_no_secret(result.stdout + result.stderr, api.token)


async def test_a_webhook_telegram_refuses_stops_run_with_its_reason_instead_of_retrying(
    api: FakeBotAPI, kb_settings: Settings
) -> None:
    api.refuse_webhook = "Bad Request: bad webhook: Failed to resolve host: Name or service not known"
    env = {
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,  # type: ignore[attr-defined]
        "WEBHOOK_URL": "https://bot.example.invalid/telegram",
        "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": str(free_port()),
    }
    result = await asyncio.to_thread(run_bot, kb_settings, "run", **SECRETS, **env)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "Telegram refused registering the webhook (Bad webhook: failed to resolve host: name or service not "
        "known): set WEBHOOK_URL to a public https:// address on port 443, 80, 88 or 8443, or leave it empty "
        "for long polling"
    ]
    assert len(api.calls_of("setWebhook")) == 1  # told once, not retried forever
    assert_no_secret(result.stdout + result.stderr, api.token)


async def test_an_unreachable_bot_api_is_waited_for_with_one_line_and_sigterm_still_stops(
    api: FakeBotAPI, kb_settings: Settings
) -> None:
    """An outage at start is not a misconfiguration: the bot waits for Telegram, and `docker stop` still works."""
    base = f"http://127.0.0.1:{free_port()}/bot"
    process = await start_telegram_bot(api, kb_settings, TELEGRAM_API_BASE_URL=base, **SECRETS)
    assert process.stderr is not None
    try:
        first = (await asyncio.wait_for(process.stderr.readline(), timeout=90)).decode()
        assert f"connecting to the Bot API at {base} (check TELEGRAM_API_BASE_URL) failed" in first
        await asyncio.sleep(1.0)
        assert process.returncode is None  # still waiting, not dead
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, rest = await asyncio.wait_for(process.communicate(), timeout=10)
    assert process.returncode == 0
    assert rest == b""  # the retries log nothing more while the failure stays the same
    assert_no_secret(first + (stdout + rest).decode(), api.token)


TELEGRAM_UNREACHABLE = {
    "refused": (
        "http://127.0.0.1:{port}/bot",
        "❌ Telegram: http://127.0.0.1:{port}/bot: connection refused (nothing listens there)",
        "Fix: Start the server at 127.0.0.1:{port}, or correct the host and port in TELEGRAM_API_BASE_URL",
    ),
    "unresolvable": (
        UNRESOLVABLE,
        "❌ Telegram: http://nonexistent.invalid/bot: the host nonexistent.invalid cannot be found",
        "Fix: Check the spelling of nonexistent.invalid in TELEGRAM_API_BASE_URL",
    ),
    "no Bot API": (
        "{fake}/wrong/bot",
        "❌ Telegram: {fake}/wrong/bot answered 404 Not Found",
        "Fix: TELEGRAM_API_BASE_URL must be a Bot API server's address ending in /bot",
    ),
    "rejected token": (
        "{fake}/bot",
        "❌ Telegram: the token was rejected (401 Unauthorized)",
        "Fix: Copy the current token from @BotFather (/mybots → your bot → API Token) into TELEGRAM_BOT_TOKEN.",
    ),
}


@pytest.mark.parametrize(("url", "verdict", "fix"), TELEGRAM_UNREACHABLE.values(), ids=TELEGRAM_UNREACHABLE.keys())
async def test_doctor_tells_why_telegram_cannot_be_used_and_the_fix(
    api: FakeBotAPI, kb_settings: Settings, url: str, verdict: str, fix: str
) -> None:
    values = {"port": str(free_port()), "fake": api.base_url.removesuffix("/bot")}  # type: ignore[attr-defined]
    url, verdict, fix = (text.format(**values) for text in (url, verdict, fix))
    result = await asyncio.to_thread(
        run_bot, kb_settings, "doctor", TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=url, **SECRETS
    )
    assert result.returncode == 1
    assert verdict in result.stdout and fix in result.stdout
    assert "1 problem(s) found." in result.stdout
    assert "Traceback" not in result.stderr
    assert_no_secret(result.stdout + result.stderr, TOKEN)


def test_doctor_says_why_it_cannot_reach_the_llm(kb_settings: Settings) -> None:
    env = {"ANSWER_MODE": "llm", "LLM_MODEL": "gpt-4o-mini", "LLM_BASE_URL": "http://nonexistent.invalid/v1"}
    result = run_bot(kb_settings, "doctor", **SECRETS, **env)
    assert result.returncode == 1
    assert "❌ LLM: http://nonexistent.invalid/v1: the host nonexistent.invalid cannot be found" in result.stdout
    assert "Fix: Check the spelling of nonexistent.invalid in LLM_BASE_URL" in result.stdout
    assert_no_secret(result.stdout + result.stderr)


def test_doctor_calls_the_parts_left_out_not_configured_not_failed(kb_settings: Settings) -> None:
    result = run_bot(kb_settings, "doctor", **SECRETS)
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    assert "➖ Telegram: not configured (no TELEGRAM_BOT_TOKEN; `run` opens the terminal chat)" in lines
    assert "➖ Webhook: not configured (no WEBHOOK_URL; `run` fetches updates by long polling)" in lines
    assert "➖ LLM: not configured (ANSWER_MODE=extractive answers with the guides' own sentences)" in lines
    assert any(line.startswith("➖ Chroma server: not configured (no CHROMA_HOST;") for line in lines)
    assert "All checks passed." in lines
    assert_no_secret(result.stdout + result.stderr)
