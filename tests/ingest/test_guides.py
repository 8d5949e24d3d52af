"""The guides in knowledge/ keep the promises of docs/GUIDES.md: every section sourced and dated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.kb.documents import BadFileError, Document, chunk_document, parse_document
from tests.helpers import KNOWLEDGE, REPO

GUIDES = sorted(KNOWLEDGE.glob("*/*.md"))
RELEASE_DAY = "2026-11-26"  # no section may be past its review date when it ships


def guide(path: Path) -> Document:
    return parse_document(path.relative_to(KNOWLEDGE).as_posix(), path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", GUIDES, ids=lambda p: p.relative_to(KNOWLEDGE).as_posix())
def test_every_section_names_a_source_a_reader_can_open_and_is_dated(path: Path) -> None:
    doc = guide(path)
    for section in doc.sections:
        assert any(s["url"].startswith(("https://", "http://")) for s in section.sources), section.heading
        assert section.as_of and section.review_by, section.heading
        assert section.review_by[:10] >= RELEASE_DAY[: len(section.review_by[:10])], section.heading
        assert section.questions, f"{section.heading}: no declared phrasings"
        assert "> " not in section.body, f"{section.heading}: a metadata line was left in the text"


@pytest.mark.parametrize("path", GUIDES, ids=lambda p: p.relative_to(KNOWLEDGE).as_posix())
def test_no_claim_rests_on_general_knowledge(path: Path) -> None:
    text = path.read_text(encoding="utf-8").lower()
    assert "allgemein bekannt" not in text and "general knowledge" not in text


def test_every_german_guide_has_an_english_counterpart_with_the_same_sections() -> None:
    by_topic: dict[str, dict[str, Document]] = {}
    for path in GUIDES:
        doc = guide(path)
        by_topic.setdefault(doc.topic, {})[doc.lang] = doc
    for topic, docs in by_topic.items():
        assert set(docs) == {"de", "en"}, topic
        assert len(docs["de"].sections) == len(docs["en"].sections), topic


def test_no_question_is_in_two_of_the_tuning_choosing_and_held_out_sets() -> None:
    def load(name: str) -> list[dict[str, object]]:
        lines = (REPO / "tests" / "data" / name).read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    for tune, held in (
        ("realworld_tune.jsonl", "realworld_heldout.jsonl"),
        ("realworld_dev.jsonl", "realworld_heldout.jsonl"),
        ("realworld_tune.jsonl", "realworld_dev.jsonl"),
        ("agency_tune.jsonl", "agency_heldout.jsonl"),
    ):
        tuning, held_out = load(tune), load(held)
        assert held_out and tuning
        assert not {i["id"] for i in tuning} & {i["id"] for i in held_out}
        assert not {str(i["question"]).casefold() for i in tuning} & {str(i["question"]).casefold() for i in held_out}


GUIDE = """---
title: "Test"
topic: t
lang: de
as_of: "2026-11"
review_by: "2027-05"
sources:
  a:
    title: "Seite A"
    publisher: "TikTok Support"
    url: "https://support.tiktok.com/a"
    date: "2025-08"
---

## Wie alt muss man für LIVE sein?

Mindestens 18 Jahre.

> sources: a
> question: ab wann darf ich live gehen
> question: Wie alt muss mein Azubi sein?
> review_by: 2027-01
"""


def test_closing_metadata_lines_become_sources_questions_and_dates_not_text() -> None:
    section = parse_document("de/t.md", GUIDE).sections[0]
    assert section.body == "Mindestens 18 Jahre."
    assert section.sources == (
        {"title": "Seite A", "publisher": "TikTok Support", "url": "https://support.tiktok.com/a", "date": "2025-08"},
    )
    assert section.questions == ("ab wann darf ich live gehen", "Wie alt muss mein Azubi sein?")
    assert (section.as_of, section.review_by) == ("2026-11", "2027-01")


def test_a_section_citing_an_unknown_source_id_is_a_clear_error() -> None:
    with pytest.raises(BadFileError, match="unknown source ids: b"):
        parse_document("de/t.md", GUIDE.replace("> sources: a", "> sources: a, b"))


def test_every_guide_places_its_topic_in_the_menu_like_its_counterpart() -> None:
    places: dict[str, set[int | None]] = {}
    for path in GUIDES:
        doc = guide(path)
        assert doc.menu, f"{path.name}: no menu label"
        places.setdefault(doc.topic, set()).add(doc.menu_order)
    assert all(len(orders) == 1 and None not in orders for orders in places.values()), places


def test_menu_fields_reach_the_chunks_only_where_declared() -> None:
    def metadata(text: str) -> dict[str, object]:
        chunk = next(chunk_document(parse_document("de/t.md", text), len, 10_000))
        return chunk.metadata

    placed = GUIDE.replace("topic: t\n", 'topic: t\nmenu: "Preise"\nmenu_order: 45\n')
    assert (metadata(placed)["menu"], metadata(placed)["menu_order"]) == ("Preise", 45)
    assert "menu" not in metadata(GUIDE) and "menu_order" not in metadata(GUIDE)  # ids as before


def test_a_menu_order_that_is_not_a_whole_number_is_a_clear_error() -> None:
    with pytest.raises(BadFileError, match="'menu_order' must be a whole number"):
        parse_document("de/t.md", GUIDE.replace("topic: t\n", "topic: t\nmenu_order: zehn\n"))
