"""What the knowledge base can answer, in reading order: the guides' question headings.

Topic menus, example questions and suggested follow-ups all come from here, so they always match
the guides that are actually indexed: a guide with a new topic is in the menu once it is ingested.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.kb.documents import Chunk


@dataclass(frozen=True)
class Entry:
    """One guide section, offered as a question a user can ask."""

    id: str  # the chunk id of the section's first part
    question: str
    title: str
    topic: str
    lang: str
    file: str
    position: int


@dataclass(frozen=True)
class MenuItem:
    """One button of the topic menu: the topics whose guides share a menu label."""

    label: str
    topics: tuple[tuple[str, str], ...]  # (topic, language of its guides), in menu order


@dataclass(frozen=True)
class _Guide:
    """What a guide's front matter says about its place in the menu."""

    topic: str
    lang: str
    title: str
    label: str  # `menu`, else the title
    order: float  # `menu_order`; a guide without one comes after the numbered ones


class Catalog:
    def __init__(self, chunks: Iterable[Chunk]) -> None:
        chunks = list(chunks)
        first_parts = [c for c in chunks if int(c.metadata.get("part", 0)) == 0]
        entries = [
            Entry(
                id=c.id,
                question=c.metadata["section"],
                title=c.metadata["title"],
                topic=c.metadata["topic"],
                lang=c.metadata["lang"],
                file=c.metadata["file"],
                position=int(c.metadata.get("position", 0)),
            )
            for c in first_parts
        ]
        self._entries = sorted(entries, key=lambda e: (e.file, e.position))
        self._by_id = {e.id: e for e in self._entries}
        # A long section's later parts stand for the section, as its first part does: an answer or a
        # pointer led by one gets the section's button and suggestions.
        by_section = {(e.file, e.question): e for e in self._entries}
        for c in chunks:
            section = by_section.get((c.metadata["file"], c.metadata["section"]))
            if section is not None:
                self._by_id.setdefault(c.id, section)
        self._guides = {
            c.metadata["file"]: _Guide(
                topic=c.metadata["topic"],
                lang=c.metadata["lang"],
                title=c.metadata["title"],
                label=c.metadata.get("menu") or c.metadata["title"],
                order=c.metadata.get("menu_order", math.inf),
            )
            for c in sorted(first_parts, key=lambda c: c.metadata["file"])
        }

    def entry(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def titles(self, lang: str) -> tuple[str, ...]:
        """Guide titles in `lang`, one per topic."""
        return tuple(dict.fromkeys(e.title for e in self._entries if e.lang == lang))

    def questions(self, topic: str, lang: str) -> list[Entry]:
        """The sections of a topic's guide that are phrased as questions, in reading order."""
        return [e for e in self._entries if e.topic == topic and e.lang == lang and e.question.endswith("?")]

    def menu(self, lang: str) -> list[MenuItem]:
        """The topic menu in `lang`, from the guides' front matter: one button per topic that has
        example questions, topics with the same `menu` label on one button, ordered by
        `menu_order`, then title. A topic without a guide in `lang` is offered in the language it has.
        """
        asked = {e.file for e in self._entries if e.question.endswith("?")}  # a button must open something
        by_topic: dict[str, list[_Guide]] = {}
        for file, guide in self._guides.items():
            if file in asked:
                by_topic.setdefault(guide.topic, []).append(guide)
        placed = []  # per topic, the guide that names and places it
        for guides in by_topic.values():
            own = [g for g in guides if g.lang == lang] or [g for g in guides if g.lang == guides[0].lang]
            placed.append(min(own, key=_rank))
        buttons: dict[str, list[_Guide]] = {}
        for guide in sorted(placed, key=_rank):
            buttons.setdefault(guide.label, []).append(guide)
        return [MenuItem(label, tuple((g.topic, g.lang) for g in guides)) for label, guides in buttons.items()]

    def examples(self, item: MenuItem, limit: int) -> list[Entry]:
        """Up to `limit` example questions for a menu button, a fair share from each of its topics."""
        share = max(1, limit // len(item.topics))
        return [e for topic, lang in item.topics for e in self.questions(topic, lang)[:share]]

    def suggestions(self, used: Sequence[str], related: Sequence[str], limit: int = 3) -> list[Entry]:
        """Follow-up questions: sections retrieval found related, then the next sections of the guide.

        `used` are the chunk ids the answer quoted, `related` the other retrieved chunk ids.
        """
        used_entries = [self._by_id[i] for i in used if i in self._by_id]
        if not used_entries:
            return []
        anchor = used_entries[0]
        excluded = {(e.file, e.question) for e in used_entries}
        same_guide = [e for e in self._entries if e.file == anchor.file]
        after = [e for e in same_guide if e.position > anchor.position]
        before = [e for e in same_guide if e.position < anchor.position]
        pool = [self._by_id[i] for i in related if i in self._by_id] + after + before
        picked: list[Entry] = []
        for entry in pool:
            key = (entry.file, entry.question)
            if entry.question.endswith("?") and entry.lang == anchor.lang and key not in excluded:
                picked.append(entry)
                excluded.add(key)
            if len(picked) == limit:
                break
        return picked


def _rank(guide: _Guide) -> tuple[float, str, str]:
    return (guide.order, guide.title.casefold(), guide.topic)
