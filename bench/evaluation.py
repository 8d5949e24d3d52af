"""Scoring the engine on the golden question set in `tests/data/golden.jsonl`.

A passage or answer "has the fact" when it contains one of the item's expected strings after
normalising case, spaces and digit grouping (260.000 = 260,000). Hits are judged by content,
not by file names, so the measure survives re-organising the guides.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bot.config import Settings
from bot.engine.answerer import Answerer
from bot.engine.keyword import join_digit_groups
from bot.engine.llm import GenerativeResponder
from bot.engine.responder import ExtractiveResponder, Responder
from bot.engine.retrieval import Fusion
from bot.engine.texts import without_frame
from bot.engine.types import Turn
from bot.kb.index import KnowledgeIndex
from bot.kb.language import detect_language

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
GOLDEN_PATH = DATA / "golden.jsonl"
# Questions typed the way owners type, written by people who had not read the guides (the tuning
# half grew by a second, independent batch, ids "rw2-", the held-out half by a third, ids "pb-"); the
# held-out half is scored, never tuned or calibrated on (tests/ingest/test_guides.py keeps the halves
# apart).
QUESTION_SETS = {
    "golden": GOLDEN_PATH,
    "tune": DATA / "realworld_tune.jsonl",
    # Written after the weights in place were fitted, and never fitted on: for choosing between
    # variants of the engine on questions neither was tuned on (docs/EXPERIMENTS.md).
    "dev": DATA / "realworld_dev.jsonl",
    "held-out": DATA / "realworld_heldout.jsonl",
    "agency-tune": DATA / "agency_tune.jsonl",
    "agency-held-out": DATA / "agency_heldout.jsonl",
}
# Documents an agency adds that were not written as guides (a handbook, terms as a saved web
# page, a style guide); the agency question sets are asked of the guides plus these.
AGENCY_DOCUMENTS = DATA / "agency"


def with_agency_documents(settings: Settings, answerer: Answerer, workdir: Path) -> Answerer:
    """An engine over the guides plus the agency documents, built in `workdir`."""
    from bot.ingest.sync import ingest

    knowledge = workdir / "knowledge"
    shutil.copytree(settings.knowledge_dir, knowledge)
    shutil.copytree(AGENCY_DOCUMENTS, knowledge / "agentur")
    extended = settings.model_copy(update={"knowledge_dir": knowledge, "data_dir": workdir / "data"})
    ingest(extended, answerer.embeddings, show_progress=False)
    return Answerer(extended, answerer.embeddings, KnowledgeIndex.open(extended, answerer.embeddings))


@dataclass(frozen=True)
class GoldenItem:
    id: str
    lang: str
    question: str
    in_scope: bool
    expected: tuple[str, ...] = ()
    history: tuple[str, ...] = ()
    topic: str = ""


def load_golden(path: Path = GOLDEN_PATH) -> list[GoldenItem]:
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            data = json.loads(line)
            items.append(
                GoldenItem(
                    id=data["id"],
                    lang=data["lang"],
                    question=data["question"],
                    in_scope=bool(data["in_scope"]),
                    expected=tuple(data.get("expected", ())),
                    history=tuple(data.get("history", ())),
                    topic=data.get("topic", ""),
                )
            )
    return items


# Ways of writing the same unit: a fact is in an answer whether it says "50 US-Dollar" or "$50".
_MAGNITUDE = r"(\s*(?:mio\.?|millionen|million|mrd\.?|milliarden|milliarde|billion|bn)(?!\w))?"
_UNITS = (  # a symbol in front moves behind the amount and its magnitude: "€345 million" = "345 million euros"
    (re.compile(r"\$\s*(\d[\d.,]*)" + _MAGNITUDE), r"\1\2 usd"),
    (re.compile(r"(?<=\d)\s*(?:us-dollar|us dollars?|dollars?|usd)\b"), " usd"),
    (re.compile(r"€\s*(\d[\d.,]*)" + _MAGNITUDE), r"\1\2 eur"),
    (re.compile(r"(?<=\d)\s*(?:euros?|eur|€)(?!\w)"), " eur"),
    (re.compile(r"(?<=\d)\s*(?:prozent|per cent|percent|%)"), "%"),
    (re.compile(r"(?<=\d)\s*(?:mio\.?|millionen|million)(?!\w)"), " mio"),
    (re.compile(r"(?<=\d)\s*(?:mrd\.?|milliarden|milliarde|billion|bn)(?!\w)"), " mrd"),
    (re.compile(r"(?<=\d (?:mio|mrd))\s*(?:euros?|€)(?!\w)"), " eur"),
    (re.compile(r"(?<=\d (?:mio|mrd))\s*(?:us-dollar|us dollars?|dollars?)\b"), " usd"),
)


def normalize(text: str) -> str:
    text = join_digit_groups(text.casefold())
    text = re.sub(r"(?<=\d),(?=\d)", ".", text)  # decimal comma: 25,7 = 25.7
    text = re.sub(r"[\u2010-\u2015]", "-", text)
    text = re.sub(r"\s+", " ", text)
    for pattern, replacement in _UNITS:
        text = pattern.sub(replacement, text)
    return text


def has_fact(text: str, expected: Iterable[str]) -> bool:
    haystack = normalize(without_frame(text))  # a quoted heading is no fact given
    return any(normalize(fact) in haystack for fact in expected)


@dataclass
class ItemResult:
    item: GoldenItem
    answer: str
    answered: bool  # in scope in the engine's judgement
    rank: int | None  # first retrieved passage with the fact (1-based), None if not in top 10
    fact_in_answer: bool
    relevance: float
    # The fact is also in the answer when the question comes after one on another topic, as in a
    # chat (None: a follow-up, out of scope, or no other topic in the set).
    after_other_topic: bool | None = None


@dataclass
class Metrics:
    """The figures of one run, per language and overall."""

    name: str
    by_lang: dict[str, dict[str, float]] = field(default_factory=dict)
    seconds: float = 0.0

    def row(self, lang: str) -> dict[str, float]:
        return self.by_lang.get(lang, {})


def _share(flags: list[bool]) -> float:
    return sum(flags) / len(flags) if flags else float("nan")


def summarize(name: str, results: list[ItemResult], seconds: float) -> Metrics:
    metrics = Metrics(name=name, seconds=seconds)
    for lang in ("de", "en", "all"):
        subset = [r for r in results if lang == "all" or r.item.lang == lang]
        covered = [r for r in subset if r.item.in_scope]
        plain = [r for r in covered if not r.item.history]
        follow = [r for r in covered if r.item.history]
        scope_out = [r for r in subset if not r.item.in_scope]
        metrics.by_lang[lang] = {
            "questions": len(subset),
            "hit@1": _share([r.rank == 1 for r in covered]),
            "hit@3": _share([r.rank is not None and r.rank <= 3 for r in covered]),
            "mrr": sum(1 / r.rank for r in covered if r.rank) / len(covered) if covered else float("nan"),
            "fact_in_answer": _share([r.fact_in_answer for r in plain]),
            "follow_up_fact": _share([r.fact_in_answer for r in follow]),
            "after_other_topic": _share([r.after_other_topic for r in plain if r.after_other_topic is not None]),
            "declined_out_of_scope": _share([not r.answered for r in scope_out]),
            "wrongly_declined": _share([not r.answered for r in covered]),
            # The expensive mistake: an answer that looks sure but does not hold the fact, or
            # answers a question the guides do not cover.
            "wrongly_answered": _share(
                [r.answered and not r.fact_in_answer for r in covered] + [r.answered for r in scope_out]
            ),
        }
    return metrics


def evaluate_engine(
    answerer: Answerer, items: list[GoldenItem], name: str, responder: Responder | None = None
) -> tuple[Metrics, list[ItemResult]]:
    """Ask every item (follow-ups after their history) and judge answer and ranking.

    `responder` selects the composer (the LLM with `--answer-mode llm`); ranking is the engine's.
    """
    return asyncio.run(_evaluate(answerer, responder or ExtractiveResponder(answerer), items, name))


async def _evaluate(
    answerer: Answerer, responder: Responder, items: list[GoldenItem], name: str
) -> tuple[Metrics, list[ItemResult]]:
    results = []
    started = time.perf_counter()
    asked_alone: dict[str, Turn] = {}
    for item in _progress(items, name):
        history: list[Turn] = []
        for earlier in item.history:
            history.append((await responder.ask(earlier, history)).as_turn())
        answer = await responder.ask(item.question, history)
        after_other_topic = None
        if not history:
            asked_alone[item.question] = answer.as_turn()
            before = _another_topic(items, item) if item.in_scope else None
            if before is not None:
                if before.question not in asked_alone:
                    asked_alone[before.question] = (await responder.ask(before.question, [])).as_turn()
                switched = await responder.ask(item.question, [asked_alone[before.question]])
                after_other_topic = switched.in_scope and has_fact(switched.text, item.expected)
        lang = detect_language(item.question, default=history[-1].language if history else "de")
        query = answer.standalone_question or item.question  # what the engine searched with
        ranking = answerer.retriever.search(query, lang, k=10).hits
        rank = next((i for i, h in enumerate(ranking, 1) if has_fact(h.chunk.embed_text, item.expected)), None)
        results.append(
            ItemResult(
                item=item,
                answer=answer.text,
                answered=answer.in_scope,
                rank=rank if item.in_scope else None,
                fact_in_answer=answer.in_scope and has_fact(answer.text, item.expected),
                relevance=answer.confidence,
                after_other_topic=after_other_topic,
            )
        )
    return summarize(name, results, time.perf_counter() - started), results


def _another_topic(items: list[GoldenItem], item: GoldenItem) -> GoldenItem | None:
    """The nearest question before `item` (wrapping round) on another named topic in its language."""
    at = items.index(item)
    for other in reversed(items[at + 1 :] + items[:at]):
        if other.in_scope and not other.history and other.lang == item.lang and other.topic not in ("", item.topic):
            return other
    return None


def _progress(items: list[GoldenItem], what: str) -> Iterable[GoldenItem]:
    """A progress bar on a terminal (nothing in a log): a run of hundreds of questions takes minutes."""
    return tqdm(items, desc=what, unit="question", file=sys.stderr, leave=False, disable=None)


def evaluate_baseline(settings: Settings, items: list[GoldenItem]) -> Metrics:
    """A tutorial-style RAG for comparison: 1000/200 character chunks, MiniLM, dense only.

    It has no memory, no scope check and no composer: its answer is the best chunk.
    """
    import chromadb
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from bot.kb.documents import iter_knowledge_files
    from bot.kb.embeddings import load_embeddings

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    docs = []
    for path in iter_knowledge_files(settings.knowledge_dir):
        if path.suffix in (".md", ".txt"):
            text = path.read_text(encoding="utf-8", errors="replace")
            docs.extend(splitter.create_documents([text], metadatas=[{"file": str(path)}]))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        client = chromadb.PersistentClient(path=tmp)
        store = Chroma.from_documents(
            [Document(page_content=d.page_content, metadata=d.metadata) for d in docs],
            embedding=load_embeddings("all-MiniLM-L6-v2"),
            client=client,
            collection_name="baseline",
        )
        results = []
        for item in _progress(items, "baseline"):
            ranking = store.similarity_search(item.question, k=10)
            rank = next((i for i, d in enumerate(ranking, 1) if has_fact(d.page_content, item.expected)), None)
            best = ranking[0].page_content if ranking else ""
            results.append(
                ItemResult(item, best, True, rank if item.in_scope else None, has_fact(best, item.expected), 0.0)
            )
        client.delete_collection("baseline")
    return summarize("baseline: 1000/200 splitter, MiniLM, dense only", results, time.perf_counter() - started)


def relevance_report(results: list[ItemResult]) -> str:
    """Where the in-scope and out-of-scope relevance scores lie, for calibrating the threshold."""
    inside = sorted(r.relevance for r in results if r.item.in_scope and not r.item.history)
    outside = sorted(r.relevance for r in results if not r.item.in_scope)
    if not inside or not outside:
        return ""
    return (
        f"relevance in scope: min {inside[0]:.3f}, 5th pct {inside[len(inside) // 20]:.3f}; "
        f"out of scope: max {outside[-1]:.3f}, median {outside[len(outside) // 2]:.3f}"
    )


COLUMNS = [
    ("hit@1", "hit@1"),
    ("hit@3", "hit@3"),
    ("MRR", "mrr"),
    ("fact in answer", "fact_in_answer"),
    ("follow-ups", "follow_up_fact"),
    ("after another topic", "after_other_topic"),
    ("out of scope declined", "declined_out_of_scope"),
    ("in scope declined", "wrongly_declined"),
    ("wrongly answered", "wrongly_answered"),
]


def markdown_table(runs: list[Metrics]) -> str:
    """One row per run and language."""

    def cell(value: float, key: str) -> str:
        if value != value:  # NaN: no such questions in this subset
            return "–"
        return f"{value:.3f}" if key == "mrr" else f"{100 * value:.1f} %"

    lines = [
        "| run | lang | n | " + " | ".join(title for title, _ in COLUMNS) + " |",
        "|---|---|---|" + "---|" * len(COLUMNS),
    ]
    for run in runs:
        for lang in ("de", "en", "all"):
            row = run.row(lang)
            cells = " | ".join(cell(row[key], key) for _, key in COLUMNS)
            lines.append(f"| {run.name} | {lang} | {int(row['questions'])} | {cells} |")
    return "\n".join(lines)


def run_all(
    settings: Settings,
    answerer: Answerer,
    baseline: bool,
    fusions: bool,
    responder: Responder | None = None,
    question_set: str = "golden",
) -> tuple[list[Metrics], list[ItemResult]]:
    items = load_golden(QUESTION_SETS[question_set])
    mode = "llm" if isinstance(responder, GenerativeResponder) else "extractive"
    main, results = evaluate_engine(answerer, items, f"engine ({answerer.retriever.fusion.value}, {mode})", responder)
    runs = [main]
    if fusions:
        for fusion in Fusion:
            if fusion is not answerer.retriever.fusion:
                variant = Answerer(settings, answerer.retriever.embeddings, answerer.retriever.index, fusion)
                runs.append(evaluate_engine(variant, items, f"engine ({fusion.value})")[0])
    if baseline:
        runs.append(evaluate_baseline(settings, items))
    return runs, results


def run_eval_command(
    settings: Settings,
    answerer: Answerer,
    baseline: bool,
    fusions: bool,
    as_json: bool,
    answer_mode: str,
    question_set: str = "golden",
) -> int:
    if answer_mode == "llm" and not (settings.llm_model and settings.llm_base_url):
        print("LLM evaluation skipped: no endpoint configured (set LLM_BASE_URL and LLM_MODEL).")
        return 0
    with tempfile.TemporaryDirectory() as workdir:
        if question_set.startswith("agency"):
            answerer = with_agency_documents(settings, answerer, Path(workdir))
        responder: Responder | None = None
        if answer_mode == "llm":
            responder = GenerativeResponder(answerer, settings.model_copy(update={"answer_mode": "llm"}))
        runs, results = run_all(settings, answerer, baseline, fusions, responder, question_set)
    if as_json:
        print(json.dumps([{"name": r.name, **r.by_lang} for r in runs], indent=1))
    else:
        print(markdown_table(runs))
        print(relevance_report(results))
        _print_misses(results, print_fn=lambda s: print(s, file=sys.stderr))
    return 0


def _print_misses(results: list[ItemResult], print_fn: Callable[[str], Any]) -> None:
    for r in results:
        wrong_scope = r.answered != r.item.in_scope
        if wrong_scope or (r.item.in_scope and not r.fact_in_answer):
            why = "scope" if wrong_scope else f"rank {r.rank}"
            print_fn(f"MISS {r.item.id} [{why}, rel {r.relevance:.3f}] {r.item.question}")
