"""Command line: `python -m bot {run,chat,ask,doctor}` (also installed as `tiktok-berater`).

The development tools (evaluation, benchmarks) live outside the package: `python -m bench`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import asdict

from bot.config import ConfigError, Settings, startup_settings
from bot.engine.answerer import Answerer
from bot.engine.llm import GenerativeResponder
from bot.engine.responder import ExtractiveResponder, Responder
from bot.engine.types import Turn
from bot.kb.embeddings import EmbeddingModelError
from bot.kb.index import IndexUnavailableError
from bot.kb.threads import apply_thread_policy
from bot.terminal import render_plain


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="TikTok-Berater")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start the bot (terminal chat when no Telegram token is set)")
    sub.add_parser("chat", help="terminal chat; reads piped stdin one question per line")
    ask = sub.add_parser("ask", help="ask questions, in order, as one conversation")
    ask.add_argument("questions", nargs="+")
    ask.add_argument("--json", action="store_true", help="one JSON object per line")
    sub.add_parser("doctor", help="check settings, index, models, Chroma, Telegram and the LLM")
    return parser


async def _ask(responder: Responder, questions: list[str], as_json: bool) -> None:
    history: list[Turn] = []
    for question in questions:
        answer = await responder.ask(question, history)
        history.append(answer.as_turn())
        if as_json:
            record = {
                "question": answer.question,
                "answer": answer.text,
                "language": answer.language,
                "in_scope": answer.in_scope,
                "confidence": round(answer.confidence, 4),
                "sources": [asdict(s) for s in answer.sources],
            }
            print(json.dumps(record, ensure_ascii=False), flush=True)
        else:
            print(render_plain(answer) + "\n", flush=True)


def make_responder(settings: Settings, answerer: Answerer) -> Responder:
    """The composer ANSWER_MODE selects; LLM mode without a model is a configuration error."""
    if settings.answer_mode == "extractive":
        return ExtractiveResponder(answerer)
    if not settings.llm_model:
        raise ConfigError(
            "ANSWER_MODE=llm needs LLM_MODEL (and LLM_BASE_URL, LLM_API_KEY where the endpoint wants them)"
        )
    return GenerativeResponder(answerer, settings)


def main(argv: list[str] | None = None) -> int:
    apply_thread_policy("serve")  # before any engine loads
    args = _parser().parse_args(argv)
    if args.command == "doctor":  # before loading settings: a broken setting is one of its findings
        from bot.doctor import main as doctor

        return doctor()
    settings = startup_settings()

    try:
        answerer = Answerer.load(settings)
        responder = make_responder(settings, answerer)
    except (IndexUnavailableError, EmbeddingModelError, ConfigError) as exc:
        print(exc, file=sys.stderr)
        return 2

    if args.command == "ask":
        asyncio.run(_ask(responder, args.questions, args.json))
    elif args.command == "run" and settings.telegram_bot_token is not None:
        from bot.telegram.app import run_telegram

        return run_telegram(settings, answerer, responder)
    else:
        from bot.terminal import run_chat

        if args.command == "run":
            print(
                "No TELEGRAM_BOT_TOKEN set: starting the terminal chat. To connect Telegram, put "
                "TELEGRAM_BOT_TOKEN=<token from @BotFather> into .env and run again.\n",
                file=sys.stderr,
            )
        asyncio.run(run_chat(responder))
    return 0
