"""Sentences and list items of a section body: what the composer quotes and what ingest embeds
one by one for documents not written as guides."""

from __future__ import annotations

import re
from dataclasses import dataclass

# An abbreviation ("Nr.", "no. 1") ends no sentence, and neither does a bare "Yes." or "Ja.": it
# says nothing without the sentence that follows ("Yes. Spark Ads let you promote ...").
_NO_SPLIT_BEFORE = re.compile(
    r"\b(?:[A-Za-zÄÖÜäöü]|bzw|ca|etc|usw|vgl|Dr|Nr|Mio|Mrd|inkl|evtl|ggf|vs|St|[Nn]o|Art|Abs|Az|Rn|Ziff|lit|\d{1,2})\.$"
    r"|^(?i:ja|nein|yes|no)[.!]$"
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ„\"“(\d])")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


@dataclass(frozen=True)
class Unit:
    """A sentence of a section body, or one item of a bulleted or numbered list."""

    text: str
    item: bool


def split_units(body: str) -> list[Unit]:
    """Sentences and list items of a section body, in reading order."""
    units: list[Unit] = []
    for block in re.split(r"\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)])\s)", body):
        item = bool(_BULLET.match(block.lstrip("\n")))
        text = " ".join(_BULLET.sub("", line).strip() for line in block.splitlines()).strip()
        if not text:
            continue
        pending = ""
        for piece in _SENTENCE_END.split(text):
            pending = f"{pending} {piece}".strip() if pending else piece
            if not _NO_SPLIT_BEFORE.search(pending):
                units.append(Unit(pending, item))
                pending = ""
        if pending:
            units.append(Unit(pending, item))
    return units


def split_sentences(body: str) -> list[str]:
    return [unit.text for unit in split_units(body)]
