"""The terminal front end: the same engine and conversation memory as in Telegram, on stdin/stdout.

`render_plain` is also what `python -m bot ask` prints.
"""

from __future__ import annotations

import asyncio
import sys
from collections import deque
from typing import TextIO

from bot.engine.responder import Delta, Done, Responder
from bot.engine.texts import text
from bot.engine.types import Answer, Turn

HISTORY_TURNS = 6
_QUIT = {"exit", "quit", "q", "tschüss", "ende"}


async def run_chat(responder: Responder, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
    """Answer line by line until end of input or a quit word; prompts only on a terminal.

    In LLM mode the answer appears as it is written, then once more complete with its sources.
    """
    interactive = stdin.isatty()
    if interactive:
        stdout.write("TikTok-Berater – fragen Sie los (Deutsch oder English). Ende mit 'exit' oder Ctrl-D.\n")
    history: deque[Turn] = deque(maxlen=HISTORY_TURNS)
    while True:
        if interactive:
            stdout.write("\n> ")
            stdout.flush()
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            break
        question = line.strip()
        if question.lower() in _QUIT:
            break
        if not question and not interactive:
            continue
        streamed = False
        async for event in responder.stream(question, list(history)):
            if isinstance(event, Delta) and interactive:
                stdout.write(event.text)
                stdout.flush()
                streamed = True
            elif isinstance(event, Done):
                if streamed:
                    stdout.write("\n\n")
                if question:
                    history.append(event.answer.as_turn())
                stdout.write(render_plain(event.answer) + "\n")
        if not interactive:
            stdout.write("\n")
        stdout.flush()


def render_plain(answer: Answer) -> str:
    """The answer, then either its sources or, when declined, what the bot can help with."""
    lines = [answer.text]
    if answer.sources:
        lines += ["", f"{text(answer.language, 'sources')}:"]
        for number, source in enumerate(answer.sources, start=1):
            stand = f" ({text(answer.language, 'as_of')} {source.as_of})" if source.as_of else ""
            bullet = f"[{number}]" if answer.numbered else "-"
            lines.append(f"{bullet} {source.label}{stand}")
            lines += [f"    {ref.label}: {ref.url}" for ref in source.references if ref.url]
    elif answer.topics:
        lines += [f"- {topic}" for topic in answer.topics]
    return "\n".join(lines)
