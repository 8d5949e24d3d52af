"""`python -m bench scale`: the engine on a knowledge base ten times today's size.

Agencies add their own documents, so the index will grow far beyond the shipped guides. This
builds, in a temporary folder, the shipped guides plus generated filler guides in the same form
(question headings whose first sentence answers, declared questions, a source per section) on
business topics beside TikTok, worded to compete in retrieval: they ask how long, what it costs,
who may, in German and English. Then it measures, next to today's knowledge base: ingest time
(`python ingest.py` as users run it), index size on disk, the answering process's peak RSS, warm
p50/p95 and the golden-set quality. Each measurement runs in a fresh process, so one knowledge
base's memory does not count against the other's. Writes the "## Scale" section of
docs/BENCHMARKS.md; `bench bench` keeps it.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.benchmark import REPORT, SCALE_HEADING, measure_warm, percentile, process_memory_mb, write_section
from bench.evaluation import QUESTION_SETS, evaluate_engine, load_golden
from bot.config import Settings
from bot.engine.answerer import Answerer
from bot.kb.threads import environment_for_child

FACTOR = 10
CHECKOUT = Path(__file__).resolve().parent.parent
TARGETS = {"ingest_s": 300.0, "p95_ms": 50.0, "quality_points": 2.0, "rss_mb": 800.0}

# Topics beside TikTok that a small business also reads about; each filler guide takes one.
SUBJECTS_DE = [
    ("Google-Unternehmensprofil", "das Google-Unternehmensprofil"),
    ("Newsletter", "ein Newsletter"),
    ("Kassensystem", "ein neues Kassensystem"),
    ("Messeauftritt", "ein Messeauftritt"),
    ("Webshop", "ein eigener Webshop"),
    ("Firmenwagen", "ein Firmenwagen"),
    ("Minijob", "ein Minijob"),
    ("Ladenumbau", "ein Ladenumbau"),
    ("Kundenkarte", "eine Kundenkarte"),
    ("Podcast", "ein Firmenpodcast"),
    ("Schaufenster", "die Schaufenstergestaltung"),
    ("Lieferdienst", "ein eigener Lieferdienst"),
    ("Buchhaltung", "die Buchhaltungssoftware"),
    ("Betriebsfeier", "eine Betriebsfeier"),
    ("Energieberatung", "eine Energieberatung"),
    ("Fotoshooting", "ein Produktfotoshooting"),
]
SUBJECTS_EN = [
    ("Google Business Profile", "a Google Business Profile"),
    ("newsletter", "a newsletter"),
    ("point of sale system", "a new point of sale system"),
    ("trade fair stand", "a trade fair stand"),
    ("online shop", "an own online shop"),
    ("company car", "a company car"),
    ("shop refit", "a shop refit"),
    ("loyalty card", "a loyalty card"),
    ("company podcast", "a company podcast"),
    ("delivery service", "an own delivery service"),
]
QUESTIONS_DE = [
    "Wie lange dauert {s}?",
    "Was kostet {s}?",
    "Wer darf sich um {s} kümmern?",
    "Brauche ich eine Genehmigung für {s}?",
    "Wie viele Mitarbeiter braucht {s}?",
    "Lohnt sich {s} für einen kleinen Betrieb?",
    "Welche Fehler passieren bei {s} am häufigsten?",
    "Wie messe ich den Erfolg von {s}?",
]
QUESTIONS_EN = [
    "How long does {s} take?",
    "What does {s} cost?",
    "Who may look after {s}?",
    "Do I need a permit for {s}?",
    "How many staff does {s} need?",
    "Is {s} worth it for a small business?",
    "What goes wrong most often with {s}?",
    "How do I measure the success of {s}?",
]
SENTENCES_DE = [
    "Für {s} rechnen kleine Betriebe mit etwa {n} Wochen Vorlauf.",
    "Die Kosten für {s} liegen nach Angaben des Verbands bei rund {n}00 Euro im Jahr.",
    "Wichtig ist, dass eine feste Person im Team für {s} zuständig ist.",
    "Viele Inhaber unterschätzen den Aufwand für {s} in den ersten {n} Monaten.",
    "Eine Genehmigung braucht {s} nur in Ausnahmefällen, etwa in einer Fußgängerzone.",
    "Den Erfolg von {s} zeigen Kennzahlen wie Anfragen, Umsatz und wiederkehrende Kunden.",
    "Wer {s} plant, sollte vorher mit {n} Stammkunden sprechen.",
    "Häufige Fehler bei {s} sind ein zu kleines Budget und fehlende Geduld.",
]
SENTENCES_EN = [
    "Small businesses should plan about {n} weeks of lead time for {s}.",
    "According to the trade association, {s} costs around {n}00 euros a year.",
    "It matters that one person in the team is responsible for {s}.",
    "Many owners underestimate the effort of {s} in the first {n} months.",
    "{s} only needs a permit in special cases, for example in a pedestrian zone.",
    "Enquiries, revenue and returning customers show whether {s} works.",
    "Anyone planning {s} should first talk to {n} regular customers.",
    "Common mistakes with {s} are too small a budget and too little patience.",
]
COLLOQUIAL_DE = [
    "wie lang braucht man für {k}",
    "was zahlt man so für {k}",
    "lohnt {k} sich überhaupt",
    "{k} ja oder nein",
]
COLLOQUIAL_EN = ["how long for {k} roughly", "whats {k} gonna cost me", "is {k} even worth it", "{k} yes or no"]


def filler_guide(number: int, lang: str, rng: random.Random) -> str:
    """One generated guide in the shipped guides' form (docs/GUIDES.md)."""
    de = lang == "de"
    subjects, questions, sentences, colloquial = (
        (SUBJECTS_DE, QUESTIONS_DE, SENTENCES_DE, COLLOQUIAL_DE)
        if de
        else (SUBJECTS_EN, QUESTIONS_EN, SENTENCES_EN, COLLOQUIAL_EN)
    )
    keyword, subject = subjects[number % len(subjects)]
    lines = [
        "---",
        f'title: "{"Leitfaden" if de else "Guide"} {number}: {keyword} ({"generiert" if de else "generated"})"',
        f"topic: filler-{number}",
        f"lang: {lang}",
        'as_of: "2026-11"',
        'review_by: "2027-11"',
        "sources:",
        "  filler:",
        '    title: "Generated filler for the scale benchmark"',
        '    publisher: "bench scale"',
        f'    url: "https://example.org/filler/{number}"',
        '    date: "2026-11"',
        "---",
        "",
        f"# {keyword}",
        "",
    ]
    for question in questions:
        body = rng.sample(sentences, 5)
        lines += [
            f"## {question.format(s=subject)}",
            "",
            " ".join(sentence.format(s=subject, n=rng.randint(2, 9)) for sentence in body),
            "",
            "> sources: filler",
            *(f"> question: {q.format(k=keyword.lower())}" for q in rng.sample(colloquial, 3)),
            "",
        ]
    return "\n".join(lines)


def build_knowledge(target: Path, source: Path, factor: int = FACTOR) -> int:
    """The shipped guides plus filler until the words are `factor` times as many; returns the files written."""
    shutil.copytree(source, target)
    shipped = sum(len(p.read_text(encoding="utf-8").split()) for p in source.rglob("*.md"))
    rng = random.Random(10)
    words, number = 0, 0
    while words < (factor - 1) * shipped:
        lang = "en" if number % 3 == 2 else "de"  # about the shipped guides' mix
        text = filler_guide(number, lang, rng)
        (target / lang).mkdir(exist_ok=True)
        (target / lang / f"filler-{number:04d}.md").write_text(text, encoding="utf-8")
        words += len(text.split())
        number += 1
    return number


@dataclass(frozen=True)
class ScaleRun:
    name: str
    files: int
    chunks: int
    ingest_s: float
    disk_mb: float
    measured: dict[str, float]  # from the answering process: p50, p95, rss, quality


def _env(knowledge: Path, data: Path) -> dict[str, str]:
    return {**environment_for_child(), "HF_HUB_OFFLINE": "1", "KNOWLEDGE_DIR": str(knowledge), "DATA_DIR": str(data)}


def measure(name: str, knowledge: Path, data: Path, every: int = 1) -> ScaleRun:
    """Ingest `knowledge` into the empty `data` folder, then measure answers in a fresh process."""
    env = _env(knowledge, data)
    done = subprocess.run(
        [sys.executable, "ingest.py", "--quiet"], cwd=CHECKOUT, env=env, capture_output=True, text=True, check=True
    )
    summary = done.stdout.strip().splitlines()[-1]  # "N files, M chunks: ... in S s"
    files, chunks = (int(summary.split()[i].rstrip(",")) for i in (0, 2))
    seconds = float(summary.rsplit(" in ", 1)[1].removesuffix(" s"))
    disk = sum(f.stat().st_size for f in data.rglob("*") if f.is_file()) / 2**20
    answered = subprocess.run(
        [sys.executable, "-m", "bench", "scale", "--answering", "--every", str(every)],
        cwd=CHECKOUT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return ScaleRun(name, files, chunks, seconds, disk, json.loads(answered.stdout.splitlines()[-1]))


def answering_figures(answerer: Answerer, every: int = 1) -> dict[str, float]:
    """Run in the measuring process: warm latency, golden and tuning-half quality, peak RSS.

    `every` > 1 asks only every n-th question of each set: a test affords the pipeline, not the figures.
    """
    timings = measure_warm(answerer, every)
    metrics, _ = evaluate_engine(answerer, load_golden()[::every], "scale")
    owners, _ = evaluate_engine(answerer, load_golden(QUESTION_SETS["tune"])[::every], "scale")
    return {
        "p50": percentile(timings, 50),
        "p95": percentile(timings, 95),
        "fact_de": 100 * metrics.row("de")["fact_in_answer"],
        "fact_en": 100 * metrics.row("en")["fact_in_answer"],
        "follow_ups": 100 * metrics.row("all")["follow_up_fact"],
        "declined": 100 * metrics.row("all")["declined_out_of_scope"],
        "tune_fact": 100 * owners.row("all")["fact_in_answer"],
        "tune_wrong": 100 * owners.row("all")["wrongly_answered"],
        "tune_declined": 100 * owners.row("all")["declined_out_of_scope"],
        "rss": process_memory_mb(os.getpid()),
    }


def scale_section(today: ScaleRun, grown: ScaleRun) -> str:
    def mark(ok: bool) -> str:
        return "✅" if ok else "❌"

    quality = {
        "fact_de": "German facts",
        "fact_en": "English facts",
        "follow_ups": "follow-ups",
        "declined": "out of scope declined",
    }
    drops = {name: today.measured[key] - grown.measured[key] for key, name in quality.items()}
    worst = max(drops, key=lambda name: drops[name])
    rows = [
        ("files", f"{today.files}", f"{grown.files}", ""),
        ("chunks", f"{today.chunks:,}", f"{grown.chunks:,}", ""),
        (
            "ingest into an empty index",
            f"{today.ingest_s:.1f} s",
            f"{grown.ingest_s:.1f} s",
            f"≤ {TARGETS['ingest_s']:.0f} s {mark(grown.ingest_s <= TARGETS['ingest_s'])}",
        ),
        ("index on disk", f"{today.disk_mb:.0f} MB", f"{grown.disk_mb:.0f} MB", ""),
        (
            "peak RSS of the answering process",
            f"{today.measured['rss']:.0f} MB",
            f"{grown.measured['rss']:.0f} MB",
            f"≤ {TARGETS['rss_mb']:.0f} MB {mark(grown.measured['rss'] <= TARGETS['rss_mb'])}",
        ),
        ("warm answer p50", f"{today.measured['p50']:.1f} ms", f"{grown.measured['p50']:.1f} ms", ""),
        (
            "warm answer p95",
            f"{today.measured['p95']:.1f} ms",
            f"{grown.measured['p95']:.1f} ms",
            f"≤ {TARGETS['p95_ms']:.0f} ms {mark(grown.measured['p95'] <= TARGETS['p95_ms'])}",
        ),
        (
            "golden: fact in answer, German",
            f"{today.measured['fact_de']:.1f} %",
            f"{grown.measured['fact_de']:.1f} %",
            "",
        ),
        (
            "golden: fact in answer, English",
            f"{today.measured['fact_en']:.1f} %",
            f"{grown.measured['fact_en']:.1f} %",
            "",
        ),
        ("golden: follow-ups", f"{today.measured['follow_ups']:.1f} %", f"{grown.measured['follow_ups']:.1f} %", ""),
        (
            "golden: out of scope declined",
            f"{today.measured['declined']:.1f} %",
            f"{grown.measured['declined']:.1f} %",
            "",
        ),
        (
            "golden: largest drop in quality",
            "",
            f"{drops[worst]:.1f} points ({worst})",
            f"≤ {TARGETS['quality_points']:.0f} points {mark(drops[worst] <= TARGETS['quality_points'])}",
        ),
        *(
            (
                f"owners' questions (tuning half): {name}",
                f"{today.measured[key]:.1f} %",
                f"{grown.measured[key]:.1f} %",
                "",
            )
            for key, name in (
                ("tune_fact", "fact in answer"),
                ("tune_wrong", "wrongly answered"),
                ("tune_declined", "uncovered declined"),
            )
        ),
    ]
    return "\n".join(
        [
            SCALE_HEADING,
            "",
            f"Produced by `python -m bench scale` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Today's knowledge base "
            f"next to one {FACTOR} times its size: the "
            "shipped guides plus generated filler guides in the same form (question headings, declared questions, "
            "a source per section) on business topics beside TikTok (Google profile, newsletter, till system, "
            "trade fair, ...), asking how long, what it costs and who may, in German and English, so they "
            "compete in retrieval. Ingest is `python ingest.py` into an empty folder; answers are measured in a "
            'fresh process per knowledge base (golden questions, warm). Targets from the issue "Fast under real '
            'conditions".',
            "",
            "| measure | today | ten times | target |",
            "|---|---|---|---|",
            *(f"| {name} | {a} | {b} | {target} |" for name, a, b, target in rows),
            "",
        ]
    )


def run_scale_benchmark(settings: Settings, report: Path = REPORT, factor: int = FACTOR, every: int = 1) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        today = measure("today", settings.knowledge_dir, root / "today", every)
        knowledge = root / "knowledge"
        build_knowledge(knowledge, settings.knowledge_dir, factor)
        print(f"scale: ingesting {factor} x the knowledge base ...", file=sys.stderr)
        grown = measure("grown", knowledge, root / "grown", every)
    section = scale_section(today, grown)
    write_section(report, section)
    print(section)
    return section
