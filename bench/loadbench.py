"""`python -m bench load`: the highest question rate the bot sustains, how it fares beside a busy
neighbour process, and its memory over 10,000 chats.

Every phase drives the bot as deployed (`python -m bot run` in a process of its own) through the
fake Bot API on loopback, so nothing leaves the machine. Each question comes from a chat the bot
has not seen before, except that every tenth chat asks a follow-up once its first answer is in.
Rates are offered open loop: users do not wait for each other, so a bot that cannot keep up
builds a queue, as it would in real life. Every phase has a hard time cap, so the command ends by
itself whatever the machine does. The figures go into the "## Load" section of docs/BENCHMARKS.md.
"""

from __future__ import annotations

import asyncio
import os
import platform
import random
import sys
import tempfile
import time
from collections import deque
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

from bench.benchmark import LOAD_HEADING, REPORT, cpu_name, percentile, process_memory_mb, running_bot, write_section
from bench.conditions import neighbours
from bench.evaluation import load_golden
from bot.config import Settings
from bot.engine.answerability import Judge
from bot.engine.answerer import Answerer
from bot.engine.keyword import BM25
from bot.kb.index import KnowledgeIndex
from bot.telegram.analytics import PENDING_TEXTS
from bot.telegram.memory import MAX_CONVERSATIONS

if TYPE_CHECKING:
    from tests.fakes.bot_api import FakeBotAPI

RATE_STEPS = (5, 10, 15, 20, 25, 30, 40, 50, 60, 80)  # offered questions per second, in this order
STEP_S = 15.0  # arrivals per step: a p95 over a few hundred questions at the rates that matter
DRAIN_S = 10.0  # after a step's arrivals, answers still missing by then count as lost
RATES_CAP_S = 240.0  # hard cap on the whole rising-rate phase
P95_LIMIT_MS = 200.0
NEIGHBOUR_RATE = 20  # q/s offered idle and then beside a busy process, the same bot
NEIGHBOUR_RATIO = 2.5  # p95 beside the neighbour, at most this times the idle p95
NEIGHBOUR_FIRST_CHAT = 30_000_000
SUSTAINED_SHARE = 0.95  # answers delivered per second, relative to the offered rate
FOLLOW_UP_EVERY = 10  # every tenth chat asks a follow-up once its first answer is in

MEMORY_CHATS = 10_000
SAMPLE_EVERY = 1_000  # chats between two RSS samples
IN_FLIGHT = 8  # memory phase: questions open at once, enough to keep the bot busy
MEMORY_CAP_S = 600.0  # hard cap on the memory phase
FLAT_FROM = 2_000  # growth is measured from here: imports, thread pools and allocator arenas are warm by then
FLAT_TOLERANCE = 0.15
RSS_LIMIT_MB = 800.0
RATE_LIMIT_PER_MINUTE = 1_000  # each user asks at most twice; the quota must not refuse the load
POLL_S = 0.01
RATES_FIRST_CHAT = 10_000_000
MEMORY_FIRST_CHAT = 20_000_000


@dataclass
class Asked:
    """One question pushed to the bot, and when its answer reached the fake Bot API."""

    chat_id: int
    first: bool  # the chat's first question (not a follow-up)
    pushed: float
    answered: float | None = None

    @property
    def latency_ms(self) -> float:
        assert self.answered is not None
        return 1000 * (self.answered - self.pushed)


class Crowd:
    """The simulated users of one bot process.

    Answers are matched to questions by chat and order from the calls the fake Bot API records
    with their arrival times, so nobody waits per question and the driver, which shares the
    machine with the bot, stays cheap. A sendMessage to a chat with no open question is a
    duplicate.
    """

    def __init__(self, api: FakeBotAPI, first_chat_id: int) -> None:
        golden = [item for item in load_golden() if item.in_scope]
        self._singles = [item.question for item in golden if not item.history]
        self._pairs = [(item.history[-1], item.question) for item in golden if item.history]
        self._api = api
        self._first_chat_id = first_chat_id
        self._matched = 0  # fake-API calls already looked at
        self._open: dict[int, deque[Asked]] = {}  # chat id -> its unanswered questions, oldest first
        self._follow_ups: dict[int, str] = {}  # chat id -> what it asks once its first answer is in
        self._due: deque[tuple[int, str]] = deque()  # follow-ups whose first answer is in
        self.chats = 0  # distinct chats that asked
        self.first_answers = 0  # distinct chats that got an answer
        self.open = 0
        self.duplicated = 0

    async def ask(self) -> Asked:
        """A due follow-up if there is one, else the first question of a new chat."""
        self.collect()
        if self._due:
            (chat_id, question), first = self._due.popleft(), False
        else:
            chat_id, first = self._first_chat_id + self.chats, True
            if self.chats % FOLLOW_UP_EVERY == FOLLOW_UP_EVERY - 1:
                question, self._follow_ups[chat_id] = self._pairs[self.chats // FOLLOW_UP_EVERY % len(self._pairs)]
            else:
                question = self._singles[self.chats % len(self._singles)]
            self.chats += 1
        asked = Asked(chat_id, first, time.perf_counter())
        self._open.setdefault(chat_id, deque()).append(asked)
        self.open += 1
        await self._api.send_text(question, chat_id=chat_id)
        return asked

    def collect(self) -> None:
        """Match the answers the bot sent since the last call."""
        calls = self._api.calls
        for call in calls[self._matched :]:
            if call.method != "sendMessage" or call.status != 200:
                continue
            chat_id = int(call.params["chat_id"])
            waiting = self._open.get(chat_id)
            if not waiting:
                self.duplicated += 1
                continue
            asked = waiting.popleft()
            asked.answered = call.at
            self.open -= 1
            if not waiting:
                del self._open[chat_id]
            if asked.first:
                self.first_answers += 1
                if chat_id in self._follow_ups:
                    self._due.append((chat_id, self._follow_ups.pop(chat_id)))
        self._matched = len(calls)

    async def settle(self, asked: list[Asked], timeout: float) -> None:
        """Wait until every question in `asked` is answered, or `timeout` seconds have passed."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            self.collect()
            if all(a.answered is not None for a in asked):
                return
            await asyncio.sleep(POLL_S)


def _latencies(asked: list[Asked]) -> list[float]:
    return [a.latency_ms for a in asked if a.answered is not None]


@dataclass
class Step:
    """One offered rate and what came of it."""

    offered: int  # questions per second
    questions: int
    achieved: float  # answers delivered per second
    p50: float  # ms, update pushed to answer sent
    p95: float
    lost: int  # not answered within DRAIN_S after the step
    duplicated: int
    bot_cpu_ms: float  # CPU time of the bot process per question asked in the step
    bench_cpu_ms: float  # CPU time of this process (fake Bot API and users) per question

    @property
    def shortfall(self) -> str:
        """Why the step does not count as sustained; empty when it does."""
        reasons = [
            f"p95 {self.p95:.0f} ms > {P95_LIMIT_MS:.0f} ms" if self.p95 > P95_LIMIT_MS else "",
            f"{self.lost} lost" if self.lost else "",
            f"{self.duplicated} duplicated" if self.duplicated else "",
            f"only {self.achieved:.1f} answers/s" if self.achieved < SUSTAINED_SHARE * self.offered else "",
        ]
        return ", ".join(r for r in reasons if r)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _step(crowd: Crowd, rate: int, rng: random.Random, bot_pid: int) -> Step:
    """`rate` x STEP_S questions at uniformly random moments of the step: Poisson arrivals given
    their count, so bursts happen as in real traffic and every step offers exactly its rate."""
    count = round(rate * STEP_S)
    duplicated = crowd.duplicated
    bot_cpu, own_cpu = cpu_seconds(bot_pid), time.process_time()
    started = time.perf_counter()
    asked = []
    for offset in sorted(rng.uniform(0, STEP_S) for _ in range(count)):
        await asyncio.sleep(max(0.0, started + offset - time.perf_counter()))
        asked.append(await crowd.ask())
    await crowd.settle(asked, DRAIN_S)
    bot_cpu, own_cpu = cpu_seconds(bot_pid) - bot_cpu, time.process_time() - own_cpu
    latencies = _latencies(asked)
    last = max((a.answered for a in asked if a.answered is not None), default=started)
    return Step(
        offered=rate,
        questions=count,
        achieved=len(latencies) / max(STEP_S, last - started),
        p50=percentile(latencies, 50) if latencies else float("inf"),
        p95=percentile(latencies, 95) if latencies else float("inf"),
        lost=count - len(latencies),
        duplicated=crowd.duplicated - duplicated,
        bot_cpu_ms=1000 * bot_cpu / count,
        bench_cpu_ms=1000 * own_cpu / count,
    )


@dataclass
class RatesRun:
    steps: list[Step]
    stopped: str  # why the stepping ended

    @property
    def best(self) -> int | None:
        """The highest offered rate sustained with p95 within the limit and nothing lost."""
        return max((s.offered for s in self.steps if not s.shortfall), default=None)


async def _rising_rates(settings: Settings, workdir: Path) -> RatesRun:
    """Offer RATE_STEPS one after the other until one is not sustained or the time cap is near."""
    rng = random.Random(5)
    steps: list[Step] = []
    stopped = "every step sustained"
    async with running_bot(settings, workdir, RATE_LIMIT_PER_MINUTE) as (api, bot):
        crowd = Crowd(api, RATES_FIRST_CHAT)
        started = time.perf_counter()
        for rate in RATE_STEPS:
            if time.perf_counter() - started + STEP_S + DRAIN_S > RATES_CAP_S:
                stopped = f"time cap of {RATES_CAP_S:.0f} s reached"
                break
            step = await _step(crowd, rate, rng, bot.pid)
            steps.append(step)
            print(
                f"  {rate} q/s: {step.achieved:.1f} answers/s, p50 {step.p50:.0f} ms, p95 {step.p95:.0f} ms, "
                f"{step.lost} lost, {step.duplicated} duplicated",
                file=sys.stderr,
            )
            if step.shortfall:
                stopped = f"{rate} q/s not sustained ({step.shortfall})"
                break
    return RatesRun(steps, stopped)


@dataclass
class NeighbourRun:
    """The same offered rate to one bot, first idle, then beside a process that keeps a core busy."""

    idle: Step
    busy: Step

    @property
    def ratio(self) -> float:
        return self.busy.p95 / self.idle.p95

    @property
    def met(self) -> bool:
        return self.ratio <= NEIGHBOUR_RATIO and not (self.idle.lost or self.busy.lost)


async def _beside_a_neighbour(settings: Settings, workdir: Path) -> NeighbourRun:
    """A deployment is rarely alone on its machine: a backup, an ingest or a second bot holds a
    core exactly when questions come in. One warm bot, NEIGHBOUR_RATE q/s idle, then the same rate
    with a `while True: pass` process beside it."""
    rng = random.Random(7)
    async with running_bot(settings, workdir, RATE_LIMIT_PER_MINUTE) as (api, bot):
        crowd = Crowd(api, NEIGHBOUR_FIRST_CHAT)
        idle = await _step(crowd, NEIGHBOUR_RATE, rng, bot.pid)
        with neighbours(1):
            busy = await _step(crowd, NEIGHBOUR_RATE, rng, bot.pid)
    run = NeighbourRun(idle, busy)
    print(f"  {NEIGHBOUR_RATE} q/s idle p95 {idle.p95:.0f} ms, beside a neighbour {busy.p95:.0f} ms", file=sys.stderr)
    return run


ENGINE_STAGES = {  # the parts of one answer, timed where the engine does them
    "embedding the question": (None, "embed_query"),  # the class is the configured backend's
    "vector search (exact, in memory)": (KnowledgeIndex, "dense_search"),
    "keyword search (BM25)": (BM25, "scores"),
    "answerability": (Judge, "judge"),
    "composing": (Answerer, "compose_extractive"),
}
PROFILE_ROUNDS = 2


def engine_profile(answerer: Answerer) -> dict[str, float]:
    """Milliseconds per warm answer in each stage, and in all of `Answerer.ask`, over the golden
    questions: the engine's share of the bot's CPU time per question."""
    questions = [item.question for item in load_golden()]
    spent = dict.fromkeys([*ENGINE_STAGES, "whole answer"], 0.0)

    def timed(stage: str, method: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                spent[stage] += time.perf_counter() - started

        return wrapper

    for question in questions[:5]:
        answerer.ask(question)  # warm
    with ExitStack() as patches:
        for stage, (owner, name) in ENGINE_STAGES.items():
            cls = owner or type(answerer.live.embeddings)
            patches.enter_context(patch.object(cls, name, timed(stage, getattr(cls, name))))
        ask = timed("whole answer", answerer.ask)
        for _ in range(PROFILE_ROUNDS):
            for question in questions:
                ask(question)
    answers = PROFILE_ROUNDS * len(questions)
    return {stage: 1000 * seconds / answers for stage, seconds in spent.items()}


@dataclass
class MemoryRun:
    samples: list[tuple[int, float]]  # (chats answered, RSS of the bot process in MB)
    questions: int
    seconds: float
    p50: float
    p95: float
    lost: int
    duplicated: int
    peak_mb: float  # the bot process's high-water mark over the whole phase

    @property
    def growth(self) -> float | None:
        """Relative RSS growth from FLAT_FROM chats to the last sample (None before FLAT_FROM)."""
        base = dict(self.samples).get(FLAT_FROM)
        return None if base is None else self.samples[-1][1] / base - 1

    @property
    def complete(self) -> bool:
        return self.samples[-1][0] >= MEMORY_CHATS

    @property
    def flat(self) -> bool:
        growth = self.growth
        return self.complete and growth is not None and growth <= FLAT_TOLERANCE


async def _many_chats(settings: Settings, workdir: Path) -> MemoryRun:
    """MEMORY_CHATS new chats, IN_FLIGHT questions open at a time, the bot's RSS every SAMPLE_EVERY chats.

    Closed loop (a new question as soon as one is answered): as fast as the bot answers, without
    a queue that would show up as memory of its own.
    """
    async with running_bot(settings, workdir, RATE_LIMIT_PER_MINUTE) as (api, bot):
        crowd = Crowd(api, MEMORY_FIRST_CHAT)
        samples = [(0, process_memory_mb(bot.pid, "VmRSS"))]
        asked: list[Asked] = []
        started = time.perf_counter()
        deadline = started + MEMORY_CAP_S
        while samples[-1][0] < MEMORY_CHATS and time.perf_counter() < deadline:
            crowd.collect()
            while crowd.open < IN_FLIGHT and crowd.chats < MEMORY_CHATS:
                asked.append(await crowd.ask())
                if crowd.chats == MEMORY_CHATS:  # the last chats get DRAIN_S for their answers, as a step does
                    deadline = min(deadline, time.perf_counter() + DRAIN_S)
            if crowd.first_answers >= samples[-1][0] + SAMPLE_EVERY:
                samples.append((samples[-1][0] + SAMPLE_EVERY, process_memory_mb(bot.pid, "VmRSS")))
                print(f"  {samples[-1][0]} chats: RSS {samples[-1][1]:.0f} MB", file=sys.stderr)
            await asyncio.sleep(POLL_S)
        await crowd.settle(asked, DRAIN_S)
        seconds = time.perf_counter() - started
        await asyncio.sleep(0.5)  # late duplicates would arrive now
        crowd.collect()
        peak = process_memory_mb(bot.pid)
    latencies = _latencies(asked)
    return MemoryRun(
        samples=samples,
        questions=len(asked),
        seconds=seconds,
        p50=percentile(latencies, 50),
        p95=percentile(latencies, 95),
        lost=len(asked) - len(latencies),
        duplicated=crowd.duplicated,
        peak_mb=peak,
    )


def _mark(ok: bool) -> str:
    return "✅" if ok else "❌"


def render(rates: RatesRun, neighbour: NeighbourRun, memory: MemoryRun, engine: dict[str, float]) -> str:
    """The "## Load" section of docs/BENCHMARKS.md."""
    best = rates.best
    growth = memory.growth
    growth_text = "n/a" if growth is None else f"{100 * growth:+.1f} %"
    lines = [
        LOAD_HEADING,
        "",
        f"Produced by `python -m bench load` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} cores, {cpu_name()}, Python {platform.python_version()}. The bot runs as "
        "`python -m bot run` in its own process, polling the fake Bot API on loopback; the benchmark process "
        "plays Telegram and the users on the same cores. Latency: update pushed to the answer's "
        "sendMessage arriving at the fake API. Do not edit by hand: re-run the command.",
        "",
        "| measure | target | measured | |",
        "|---|---|---|---|",
        f"| Highest sustained rate (p95 <= {P95_LIMIT_MS:.0f} ms, 0 lost) | | "
        f"{'none' if best is None else f'{best} questions/s'} | |",
        f"| p95 at {NEIGHBOUR_RATE} q/s beside a busy neighbour, relative to idle | <= {NEIGHBOUR_RATIO}x | "
        f"{neighbour.ratio:.2f}x ({neighbour.busy.p95:.0f} vs {neighbour.idle.p95:.0f} ms) | {_mark(neighbour.met)} |",
        f"| Bot RSS growth from {FLAT_FROM:,} to {memory.samples[-1][0]:,} chats | <= +{100 * FLAT_TOLERANCE:.0f} % "
        f"| {growth_text} | {_mark(memory.flat)} |",
        f"| Bot peak RSS over {memory.samples[-1][0]:,} chats | <= {RSS_LIMIT_MB:.0f} MB | {memory.peak_mb:.0f} MB "
        f"| {_mark(memory.complete and memory.peak_mb <= RSS_LIMIT_MB)} |",
        "",
        f"Rising rates: open loop, {STEP_S:.0f} s per step, arrival moments uniformly random within the step "
        f"(Poisson), each question from a new chat except one follow-up per {FOLLOW_UP_EVERY} chats; a step "
        f"counts as sustained with p95 <= {P95_LIMIT_MS:.0f} ms, nothing lost or duplicated and at least "
        f"{100 * SUSTAINED_SHARE:.0f} % of the offered rate answered per second. Stopped: {rates.stopped}.",
        "",
        "| offered q/s | questions | answers/s | p50 ms | p95 ms | lost | duplicated | sustained "
        "| bot CPU ms/question | benchmark CPU ms/question |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *(
            f"| {s.offered} | {s.questions} | {s.achieved:.1f} | {s.p50:.0f} | {s.p95:.0f} | {s.lost} | "
            f"{s.duplicated} | {_mark(not s.shortfall)} | {s.bot_cpu_ms:.0f} | {s.bench_cpu_ms:.0f} |"
            for s in rates.steps
        ),
        "",
        f"Beside a neighbour: a fresh bot offered {NEIGHBOUR_RATE} q/s for {STEP_S:.0f} s idle, then the same "
        "rate for as long with a `while True: pass` process holding one core (a backup, an ingest, a second bot). "
        f"Beside it the bot needed {NEIGHBOUR_RATE * neighbour.busy.bot_cpu_ms / 1000:.2f} cores of CPU for this rate, "
        f"with {(os.cpu_count() or 1) - 1} left to share with the benchmark process.",
        "",
        "| condition | questions | answers/s | p50 ms | p95 ms | lost | bot CPU ms/question |",
        "|---|---|---|---|---|---|---|",
        *(
            f"| {name} | {s.questions} | {s.achieved:.1f} | {s.p50:.0f} | {s.p95:.0f} | {s.lost} | {s.bot_cpu_ms:.0f} |"
            for name, s in (("idle", neighbour.idle), ("one busy neighbour", neighbour.busy))
        ),
        "",
        *_where_the_time_goes(rates, engine),
        f"Memory: {memory.questions:,} questions from {memory.samples[-1][0]:,} distinct chats "
        f"({IN_FLIGHT} open at a time, a new one as soon as one is answered) in {memory.seconds:.0f} s, "
        f"{memory.questions / memory.seconds:.1f} questions/s, p50 {memory.p50:.0f} ms, p95 {memory.p95:.0f} ms, "
        f"{memory.lost} lost, {memory.duplicated} duplicated. RSS of the bot process (VmRSS) after every "
        f"{SAMPLE_EVERY:,} chats answered:",
        "",
        "| chats | " + " | ".join(f"{chats:,}" for chats, _ in memory.samples) + " |",
        "|---|" + "---|" * len(memory.samples),
        "| RSS MB | " + " | ".join(f"{mb:.0f}" for _, mb in memory.samples) + " |",
        "",
        "What grows with the chats is the bot's per-chat state, and all of it is bounded: the conversation "
        "memory (a chat's last turns, dropped after MEMORY_TTL_S of silence and beyond "
        f"{MAX_CONVERSATIONS:,} chats), the rate limiter (users of the last minute only) and the wording "
        f"of the last {PENDING_TEXTS:,} answered questions, held in RAM for a possible 👎.",
        "",
    ]
    return "\n".join(lines)


def _where_the_time_goes(rates: RatesRun, engine: dict[str, float]) -> list[str]:
    """The profile behind the rates: the engine's stages next to the bot's CPU time per question."""
    whole = engine["whole answer"]
    stages = {stage: ms for stage, ms in engine.items() if stage != "whole answer"}
    stages["other engine work (follow-ups, scope, notices)"] = max(0.0, whole - sum(stages.values()))
    busiest = rates.steps[-1]
    return [
        f"Where the time goes. At {busiest.offered} q/s the bot process used {busiest.bot_cpu_ms:.0f} ms of CPU "
        f"per question and the benchmark process (fake Bot API and users) {busiest.bench_cpu_ms:.0f} ms: together "
        f"{busiest.offered * (busiest.bot_cpu_ms + busiest.bench_cpu_ms) / 1000:.2f} of the {os.cpu_count()} cores "
        "on average, before bursts. Of the bot's share, the engine takes what the table below measures "
        f"(warm answers to the golden questions, {PROFILE_ROUNDS} rounds, one at a time); the rest, about "
        f"{max(0.0, busiest.bot_cpu_ms - whole):.0f} ms, is Telegram I/O (getUpdates, sendMessage, "
        "python-telegram-bot), the durable inbox and the analytics writes.",
        "",
        "| engine stage | ms per answer |",
        "|---|---|",
        *(f"| {stage} | {ms:.1f} |" for stage, ms in stages.items()),
        f"| whole answer | {whole:.1f} |",
        "",
    ]


async def _phases(settings: Settings) -> tuple[RatesRun, NeighbourRun, MemoryRun]:
    """Each phase gets a fresh bot, so an overloaded step leaves no backlog in the next one's figures."""
    with tempfile.TemporaryDirectory() as tmp:
        print("load: rising rates ...", file=sys.stderr)
        rates = await _rising_rates(settings, Path(tmp) / "rates")
        print(f"load: {NEIGHBOUR_RATE} q/s beside a busy neighbour ...", file=sys.stderr)
        neighbour = await _beside_a_neighbour(settings, Path(tmp) / "neighbour")
        print(f"load: {MEMORY_CHATS:,} chats ...", file=sys.stderr)
        memory = await _many_chats(settings, Path(tmp) / "memory")
    return rates, neighbour, memory


def run_load_benchmark(settings: Settings, answerer: Answerer) -> None:
    """Run the three phases and refresh only the "## Load" section of docs/BENCHMARKS.md."""
    rates, neighbour, memory = asyncio.run(_phases(settings))
    section = render(rates, neighbour, memory, engine_profile(answerer))
    write_section(REPORT, section)
    print(section)
