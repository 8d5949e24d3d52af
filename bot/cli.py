"""Command line: `python -m bot {run,chat,ask,eval,bench,doctor}` (also installed as `tiktok-berater`)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import asdict

from bot.answer import Answerer
from bot.config import ConfigError, startup_settings
from bot.embeddings import EmbeddingModelError
from bot.followup import Turn
from bot.index import IndexUnavailableError
from bot.render import render_plain
from bot.responder import Responder, make_responder


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="TikTok-Berater")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start the bot (terminal chat when no Telegram token is set)")
    sub.add_parser("chat", help="terminal chat; reads piped stdin one question per line")
    ask = sub.add_parser("ask", help="ask questions, in order, as one conversation")
    ask.add_argument("questions", nargs="+")
    ask.add_argument("--json", action="store_true", help="one JSON object per line")
    evaluate = sub.add_parser("eval", help="score the golden question set")
    evaluate.add_argument("--baseline", action="store_true", help="also run a tutorial-style RAG")
    evaluate.add_argument("--fusions", action="store_true", help="compare every fusion variant")
    evaluate.add_argument("--json", action="store_true", help="print the metrics as JSON")
    evaluate.add_argument(
        "--answer-mode", choices=["extractive", "llm"], default="extractive", help="which composer to score"
    )
    bench = sub.add_parser("bench", help="measure latency, cold start, ingest and memory")
    bench.add_argument(
        "--load", action="store_true", help="only the load test: highest sustained rate, memory over 10,000 chats"
    )
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


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "doctor":  # before loading settings: a broken setting is one of its findings
        from bot.doctor import main as doctor

        return doctor()
    settings = startup_settings()

    if args.command == "bench" and args.load:
        from bot.loadbench import run_load_benchmark

        run_load_benchmark(settings)
        return 0
    if args.command == "bench":
        from bot.benchmark import run_benchmarks

        run_benchmarks(settings)
        return 0
    try:
        answerer = Answerer.load(settings)
        responder = make_responder(settings, answerer)
    except (IndexUnavailableError, EmbeddingModelError, ConfigError) as exc:
        print(exc, file=sys.stderr)
        return 2

    if args.command == "ask":
        asyncio.run(_ask(responder, args.questions, args.json))
    elif args.command == "eval":
        from bot.evaluation import run_eval_command

        return run_eval_command(settings, answerer, args.baseline, args.fusions, args.json, args.answer_mode)
    elif args.command == "run" and settings.telegram_bot_token is not None:
        from bot.telegram.app import run_telegram

        return run_telegram(settings, answerer, responder)
    else:
        from bot.chat import run_chat

        if args.command == "run":
            print(
                "No TELEGRAM_BOT_TOKEN set: starting the terminal chat. To connect Telegram, put "
                "TELEGRAM_BOT_TOKEN=<token from @BotFather> into .env and run again.\n",
                file=sys.stderr,
            )
        asyncio.run(run_chat(responder))
    return 0
