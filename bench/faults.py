"""`python -m bench faults`: kill -9 under load, restart, and count what users would notice.

The bot runs as deployed (`python -m bot run`, its own process) against the fake Bot API on
loopback. In each round new chats ask at a steady rate and the bot is killed with SIGKILL at a
random moment while answers are under way; the next round starts it again on the same data
folder. At the end every chat should hold exactly one answer: a chat with none is a lost
question, one with two a duplicate. The figures go into the "## Faults" section of
docs/BENCHMARKS.md.
"""

from __future__ import annotations

import asyncio
import random
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bench.benchmark import FAULTS_HEADING, REPORT, deployed_bot_env, write_section
from bench.evaluation import load_golden
from bot.config import Settings
from bot.engine.answerer import Answerer

if TYPE_CHECKING:
    from tests.fakes.bot_api import FakeBotAPI

ROUNDS = 5
ASK_RATE = 40.0  # questions per second while a round runs: above what the bot answers on 2 cores, so a backlog builds
KILL_AFTER_S = (0.5, 2.5)  # the kill comes this long after a round's first question, at random
SETTLE_S = 120.0  # the last start answers everything still pending within this, or it counts as lost
FIRST_CHAT = 30_000_000


@dataclass
class FaultRun:
    asked: int
    lost: int
    duplicated: int
    pending_at_kill: list[int]  # per round, questions not yet answered when the bot was killed
    first_answer_s: list[float]  # per restart, process start to the first answer of a pending question
    # For each duplicate: how long before the kill Telegram received its first copy (ms). A copy
    # that arrives while the bot has not yet read Telegram's reply is the one window left.
    duplicate_before_kill_ms: list[float]


def _one_message_questions(answerer: Answerer) -> list[str]:
    """Golden questions whose answer is a single message, so one chat's messages count its answers."""
    questions = [item.question for item in load_golden() if item.in_scope and not item.history]
    return [q for q in questions if len(answerer.ask(q).text) < 3000]


async def _start(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def _rounds(settings: Settings, questions: list[str], workdir: Path) -> FaultRun:
    from tests.fakes.bot_api import FakeBotAPI

    api = FakeBotAPI()
    base_url = await api.start()
    rng = random.Random(13)
    env = deployed_bot_env(settings, workdir, api.token, base_url)
    asked: list[int] = []  # chats that sent their question
    pending_at_kill: list[int] = []
    first_answer_s: list[float] = []
    kills: list[float] = []

    def answers(chat: int) -> int:
        return sum(1 for call in api.sent_to(chat) if call.status == 200)

    try:
        for round_no in range(ROUNDS + 1):
            waiting = [chat for chat in asked if answers(chat) == 0]
            started = time.perf_counter()
            bot = await _start(env)
            try:
                if waiting:
                    await _any_answered(api, waiting)
                    first_answer_s.append(time.perf_counter() - started)
                if round_no == ROUNDS:  # the last start only answers what is left
                    await _all_answered(api, asked)
                    await asyncio.sleep(2.0)  # a duplicate would show up now
                    continue
                await api.wait_for("setMyCommands", count=2 * (round_no + 1), timeout=120)
                kill_at = time.perf_counter() + rng.uniform(*KILL_AFTER_S)
                chat = FIRST_CHAT + round_no * 1_000
                while time.perf_counter() < kill_at:
                    await api.send_text(questions[chat % len(questions)], chat_id=chat)
                    asked.append(chat)
                    chat += 1
                    await asyncio.sleep(1.0 / ASK_RATE)
                kills.append(time.perf_counter())
                bot.send_signal(signal.SIGKILL)
                await bot.wait()
                pending_at_kill.append(sum(1 for chat in asked if answers(chat) == 0))
            finally:
                if bot.returncode is None:
                    bot.send_signal(signal.SIGTERM)
                    await asyncio.wait_for(bot.wait(), timeout=30)
    finally:
        await api.stop()
    counts = Counter(answers(chat) for chat in asked)
    firsts = [min(c.at for c in api.sent_to(chat) if c.status == 200) for chat in asked if answers(chat) > 1]
    before_kill = [1000 * min(k - at for k in kills if k >= at) for at in firsts if any(k >= at for k in kills)]
    return FaultRun(
        asked=len(asked),
        lost=counts[0],
        duplicated=sum(n for number, n in counts.items() if number > 1),
        pending_at_kill=pending_at_kill,
        first_answer_s=first_answer_s,
        duplicate_before_kill_ms=before_kill,
    )


async def _any_answered(api: FakeBotAPI, chats: list[int]) -> None:
    while not any(call.status == 200 for chat in chats for call in api.sent_to(chat)):
        await asyncio.sleep(0.01)


async def _all_answered(api: FakeBotAPI, chats: list[int]) -> None:
    deadline = time.perf_counter() + SETTLE_S
    while time.perf_counter() < deadline and not all(
        any(call.status == 200 for call in api.sent_to(chat)) for chat in chats
    ):
        await asyncio.sleep(0.05)


def render(run: FaultRun) -> str:
    """The "## Faults" section of docs/BENCHMARKS.md."""
    ok = run.lost == 0 and run.duplicated == 0
    lines = [
        FAULTS_HEADING,
        "",
        f"Produced by `python -m bench faults` on {datetime.now(UTC):%Y-%m-%d}: {ROUNDS} rounds of questions "
        f"from new chats at {ASK_RATE:.0f} per second, each round ended by SIGKILL at a random moment "
        f"{KILL_AFTER_S[0]}–{KILL_AFTER_S[1]} s in; the bot restarts on the same data folder, and a last "
        "start answers what is left. Every chat asked one question whose answer is one message.",
        "",
        "| measure | result | target |",
        "|---|---|---|",
        f"| questions asked | {run.asked} | |",
        "| waiting for an answer at each kill (a backlog: questions come faster than 2 cores answer) | "
        f"{', '.join(map(str, run.pending_at_kill))} | |",
        f"| questions lost after restart | {run.lost} | 0 {'✅' if run.lost == 0 else '❌'} |",
        f"| questions answered twice | {run.duplicated} | 0 {'✅' if run.duplicated == 0 else '❌'} |",
        f"| restart to first answer of a pending question, median (max) | "
        f"{statistics.median(run.first_answer_s):.1f} s ({max(run.first_answer_s):.1f} s) | |",
        "",
        "The restart time is mostly loading the embedding model and the index (the cold start above); "
        "pending questions are queued before new updates are fetched."
        + (
            f" Each duplicate's first copy reached Telegram "
            f"{', '.join(f'{ms:.1f}' for ms in run.duplicate_before_kill_ms)} ms before the kill: the bot "
            "had not yet read Telegram's confirmation (its event loop was busy with other answers), so the "
            "restart could not know the answer was out. That window, from Telegram's receipt of a message "
            "until the bot reads the reply, is the one left: a kill inside it repeats one answer, and no "
            "question is ever lost in it."
            if run.duplicate_before_kill_ms
            else ""
        )
        + ("" if ok else " Any other loss or duplicate is a defect to investigate."),
        "",
    ]
    return "\n".join(lines)


def run_fault_benchmark(settings: Settings, answerer: Answerer) -> None:
    """Run the rounds and refresh only the "## Faults" section of docs/BENCHMARKS.md."""
    questions = _one_message_questions(answerer)
    with tempfile.TemporaryDirectory() as tmp:
        run = asyncio.run(_rounds(settings, questions, Path(tmp)))
    section = render(run)
    write_section(REPORT, section)
    print(section)
