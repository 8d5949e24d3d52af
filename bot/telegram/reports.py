"""Staff reports: usage statistics as text and chart, and the knowledge gaps users ran into.

Free of Telegram: the handlers fetch the rows from the store and send what these functions
build. Gaps are grouped by meaning with the bot's own embedding model, so "Kostet TikTok
Werbung was?" and "Was kosten Anzeigen auf TikTok?" count as one missing guide section.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from bot.kb.embeddings import KnowledgeEmbeddings
from bot.telegram.analytics import GapQuestion, Stats
from bot.telegram.texts import text

# Measured with e5 query embeddings: paraphrases ("Was kostet Werbung auf TikTok?" / "Kostet
# TikTok Werbung was?", also across languages) score 0.91-0.94, different questions on TikTok
# up to 0.88. Erring on the side of separate groups keeps distinct gaps visible.
SAME_GAP = 0.895
GAPS_SHOWN = 10
VARIANTS_SHOWN = 2
DAYS_LISTED = 14


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "–"


def stats_text(stats: Stats, lang: str) -> str:
    """The /stats message (Telegram HTML)."""
    total = stats.answered + stats.declined
    if not total:
        return text(lang, "stats_empty", days=stats.days)
    lines = [
        text(lang, "stats_title", days=stats.days),
        text(
            lang,
            "stats_totals",
            total=total,
            answered=stats.answered,
            share=_share(stats.answered, total),
            declined=stats.declined,
        ),
        text(lang, "stats_feedback", up=stats.up, down=stats.down),
        "",
        text(lang, "stats_topics"),
        *(f"• {escape(topic or '–')}: {count}" for topic, count in stats.per_topic),
        "",
        text(lang, "stats_days"),
        *(f"{day}: {answered} / {declined}" for day, answered, declined in stats.per_day[-DAYS_LISTED:]),
    ]
    return "\n".join(lines)


def stats_chart(stats: Stats, lang: str) -> bytes:
    """Questions per day as stacked bars (PNG). Slow-ish (matplotlib): call it off the event loop."""
    import matplotlib

    matplotlib.use("Agg")  # no display on a server
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    days = [day[5:] for day, _, _ in stats.per_day]  # MM-DD
    answered = [a for _, a, _ in stats.per_day]
    declined = [d for _, _, d in stats.per_day]
    figure = Figure(figsize=(8, 4), dpi=100)
    axes = figure.subplots()
    axes.bar(days, answered, color="#25a18e", label=text(lang, "chart_answered"))
    axes.bar(days, declined, bottom=answered, color="#fe4a49", label=text(lang, "chart_declined"))
    axes.set_title(text(lang, "stats_chart", days=stats.days))
    axes.legend(loc="upper left")
    axes.tick_params(axis="x", labelrotation=45)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


@dataclass
class Gap:
    """Similar questions the knowledge base could not serve, most asked first."""

    questions: list[str] = field(default_factory=list)
    declined: int = 0
    down: int = 0

    @property
    def count(self) -> int:
        return len(self.questions)


def group_gaps(questions: Sequence[GapQuestion], embeddings: KnowledgeEmbeddings) -> list[Gap]:
    """Greedy grouping by cosine similarity to each group's first question."""
    if not questions:
        return []
    vectors = [embeddings.embed_query(q.question) for q in questions]
    groups: list[tuple[list[float], Gap]] = []
    for item, vector in zip(questions, vectors, strict=True):
        best = max(groups, key=lambda g: _cosine(g[0], vector), default=None)
        if best is None or _cosine(best[0], vector) < SAME_GAP:
            best = (vector, Gap())
            groups.append(best)
        gap = best[1]
        gap.questions.append(item.question)
        gap.declined += item.declined
        gap.down += not item.declined
    return sorted((g for _, g in groups), key=lambda g: g.count, reverse=True)


def gaps_text(gaps: Sequence[Gap], days: int, lang: str) -> str:
    """The /luecken message (Telegram HTML)."""
    if not gaps:
        return text(lang, "gaps_none", days=days)
    lines = [text(lang, "gaps_title", days=days)]
    for gap in gaps[:GAPS_SHOWN]:
        marks = text(lang, "gaps_marks", declined=gap.declined, down=gap.down)
        lines.append(text(lang, "gaps_line", count=gap.count, question=escape(gap.questions[0])) + f" {marks}")
        others = list(dict.fromkeys(q for q in gap.questions[1:] if q != gap.questions[0]))[:VARIANTS_SHOWN]
        if others:
            lines.append(text(lang, "gaps_variants", others=escape(" | ".join(others))))
    return "\n".join(lines)


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = (sum(x * x for x in a) * sum(y * y for y in b)) ** 0.5
    return dot / norm if norm else 0.0
