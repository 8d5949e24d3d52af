"""What the knowledge base can answer, in reading order: the guides' question headings.

Topic menus, example questions and suggested follow-ups all come from here, so they always match
the guides that are actually indexed.
"""

from __future__ import annotations

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


class Catalog:
    def __init__(self, chunks: Iterable[Chunk]) -> None:
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
            for c in chunks
            if int(c.metadata.get("part", 0)) == 0
        ]
        self._entries = sorted(entries, key=lambda e: (e.file, e.position))
        self._by_id = {e.id: e for e in self._entries}

    def entry(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def titles(self, lang: str) -> tuple[str, ...]:
        """Guide titles in `lang`, one per topic."""
        return tuple(dict.fromkeys(e.title for e in self._entries if e.lang == lang))

    def topics(self, lang: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.topic for e in self._entries if e.lang == lang))

    def questions(self, topic: str, lang: str) -> list[Entry]:
        """The sections of a topic's guide that are phrased as questions, in reading order."""
        return [e for e in self._entries if e.topic == topic and e.lang == lang and e.question.endswith("?")]

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
