"""The terminal chat: the same engine and conversation memory as in Telegram, on stdin/stdout."""

from __future__ import annotations

import sys
from collections import deque
from typing import TextIO

from bot.answer import Answerer
from bot.followup import Turn
from bot.render import render_plain

HISTORY_TURNS = 6
_QUIT = {"exit", "quit", "q", "tschüss", "ende"}


def run_chat(answerer: Answerer, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
    """Answer line by line until end of input or a quit word; prompts only on a terminal."""
    interactive = stdin.isatty()
    if interactive:
        stdout.write("TikTok-Berater – fragen Sie los (Deutsch oder English). Ende mit 'exit' oder Ctrl-D.\n")
    history: deque[Turn] = deque(maxlen=HISTORY_TURNS)
    while True:
        if interactive:
            stdout.write("\n> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        question = line.strip()
        if question.lower() in _QUIT:
            break
        if not question and not interactive:
            continue
        answer = answerer.ask(question, list(history))
        if question:
            history.append(answer.as_turn())
        stdout.write(render_plain(answer) + "\n")
        if not interactive:
            stdout.write("\n")
        stdout.flush()
