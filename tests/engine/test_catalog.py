"""The catalog of guide sections behind menus, suggestions and pointer buttons."""

from __future__ import annotations

from bot.engine.catalog import Catalog
from bot.kb.documents import Chunk


def part(number: int) -> Chunk:
    metadata = {"file": "de/a.md", "section": "Wie lange dauert ein Match?", "title": "LIVE", "topic": "live"}
    metadata |= {"lang": "de", "position": 0, "part": number, "kind": "section"}
    return Chunk(id=f"chunk-{number}", key=f"de/a.md#Wie lange dauert ein Match?#{number}", text="…", metadata=metadata)


def test_a_later_part_of_a_long_section_stands_for_the_section() -> None:
    # A decline pointing to the second part of a long section once got no button for it.
    catalog = Catalog([part(0), part(1)])
    first, later = catalog.entry("chunk-0"), catalog.entry("chunk-1")
    assert first is not None and later is first
    assert later.id == "chunk-0"  # the button opens the section from its start
    assert catalog.entry("unknown") is None
