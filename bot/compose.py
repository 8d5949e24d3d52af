"""The extractive composer: an answer built only from sentences of the retrieved passages.

Every guide section opens with a sentence that answers its heading's question, so that sentence
leads; the key points are the sentences that share the most (and the rarest) terms with the
question, with figures preferred when the question asks for a number, a date or a duration.
Nothing is generated, so nothing can be invented.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.keyword import tokenize
from bot.retrieval import Hit

MAX_POINTS = 4
_RANK_WEIGHT = (1.0, 0.55, 0.4, 0.3, 0.25)
_NO_SPLIT_BEFORE = re.compile(
    r"\b(?:[A-Za-zÄÖÜäöü]|bzw|ca|etc|usw|vgl|Dr|Nr|Mio|Mrd|inkl|evtl|ggf|vs|St|No|\d{1,2})\.$"
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ„\"“(\d])")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_QUANTITY = re.compile(
    r"\b(wie\s*viele?|wieviele?|wie\s+lange?|wie\s+hoch|wie\s+groß|wie\s+alt|wann|seit\s+wann|"
    r"welche[mnrs]?\s+(?:jahr|monat|datum|zahl)|zahlen|how\s+(?:many|much|long|old|big|high)|"
    r"when|what\s+year|which\s+year|figures|numbers)\b",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Composition:
    """The answer text in parts, plus the hits whose sentences were used."""

    lead: str
    points: tuple[str, ...]
    used: tuple[Hit, ...]


def split_sentences(body: str) -> list[str]:
    """Sentences and bullet items of a section body, in reading order."""
    units: list[str] = []
    for block in re.split(r"\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)])\s)", body):
        text = " ".join(_BULLET.sub("", line).strip() for line in block.splitlines()).strip()
        if not text:
            continue
        pending = ""
        for piece in _SENTENCE_END.split(text):
            pending = f"{pending} {piece}".strip() if pending else piece
            if not _NO_SPLIT_BEFORE.search(pending):
                units.append(pending)
                pending = ""
        if pending:
            units.append(pending)
    return units


def compose(question: str, lang: str, hits: list[Hit], idf: Callable[[str], float]) -> Composition:
    """Pick a lead sentence and up to four key points from the ranked hits."""
    terms = set(tokenize(question, lang))
    wants_figure = bool(_QUANTITY.search(question))

    def score(sentence: str, rank: int) -> float:
        stems = set(tokenize(sentence, lang))
        overlap = sum(idf(t) for t in terms & stems)
        if wants_figure and _DIGIT.search(sentence):
            overlap += 1.5
        return overlap * _RANK_WEIGHT[min(rank, len(_RANK_WEIGHT) - 1)]

    top_sentences = split_sentences(hits[0].chunk.text)
    lead = top_sentences[0]
    candidates: list[tuple[float, int, int, str]] = []
    for rank, hit in enumerate(hits):
        for position, sentence in enumerate(split_sentences(hit.chunk.text)):
            if rank == 0 and position == 0:
                continue
            candidates.append((score(sentence, rank), rank, position, sentence))

    chosen = [c for c in sorted(candidates, key=lambda c: -c[0]) if c[0] > 0][:MAX_POINTS]
    if len(chosen) < 2:  # too little overlap to judge: the section's own next sentences
        seen = {c[3] for c in chosen}
        chosen += [c for c in candidates if c[1] == 0 and c[3] not in seen][: 2 - len(chosen)]
    chosen.sort(key=lambda c: (c[1], c[2]))
    used_ranks = {0} | {c[1] for c in chosen}
    return Composition(
        lead=lead,
        points=tuple(c[3] for c in chosen),
        used=tuple(hits[r] for r in sorted(used_ranks)),
    )
