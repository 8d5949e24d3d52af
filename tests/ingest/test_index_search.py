"""The index's nearest-neighbour search: exact, per language, sections found through their questions,
the same however the index was read from the store."""

from __future__ import annotations

import numpy as np
import pytest

import bot.kb.index as index_module
from bot.config import Settings
from bot.kb.documents import Chunk
from bot.kb.embeddings import KnowledgeEmbeddings
from bot.kb.index import KnowledgeIndex, Manifest

DIMENSION = 32


def section(cid: str, lang: str, name: str, kind: str = "section", part: int | str = 0) -> Chunk:
    meta = {"file": f"{lang}/{name}.md", "section": name, "lang": lang, "title": name, "kind": kind, "part": part}
    return Chunk(id=cid, key=f"{lang}/{name}#{part}", text=f"text of {name}", metadata=meta)


def unit(rng: np.random.Generator, around: np.ndarray | None = None, spread: float = 1.0) -> np.ndarray:
    noise = rng.normal(size=DIMENSION)
    vector = noise if around is None else around + spread * noise / np.linalg.norm(noise)
    return np.asarray(vector / np.linalg.norm(vector), dtype=np.float32)


def test_the_nearest_section_is_found_among_thousands_of_clustered_records_and_in_the_asked_language() -> None:
    rng = np.random.default_rng(7)
    filler_centre = unit(rng)
    chunks, vectors = [], []
    for number in range(3000):  # an agency's documents, all about much the same thing
        chunks.append(section(f"f{number}", "de", f"filler-{number}"))
        vectors.append(unit(rng, filler_centre, spread=0.3))
    target = unit(rng, filler_centre, spread=1.2)  # near the cluster, yet its own subject
    chunks += [
        section("guide", "de", "match"),
        section("guide-q", "de", "match", kind="question", part="q"),
        section("guide-en", "en", "match"),
    ]
    vectors += [unit(rng, target, spread=0.4), target, target]
    index = KnowledgeIndex(None, Manifest("c", "model", DIMENSION, "now"), chunks, np.stack(vectors))

    german = index.dense_search(list(target), k=3, lang="de")
    assert german[0].chunk.id == "guide"
    assert german[0].score > 0.99  # found through its declared question, the nearest record
    assert german[0].text_score < german[0].score  # relevance stays that of its own text
    assert all(hit.chunk.metadata["lang"] == "de" for hit in german)
    assert index.dense_search(list(target), k=1, lang="en")[0].chunk.id == "guide-en"
    assert {hit.chunk.id for hit in index.dense_search(list(target), k=2, lang="fr")} == {"guide", "guide-en"}


def test_an_index_read_page_by_page_searches_as_one_read_at_once(
    kb_settings: Settings, e5: KnowledgeEmbeddings, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = KnowledgeIndex.open(kb_settings, e5)
    monkeypatch.setattr(index_module, "LOAD_PAGE", 7)  # hundreds of pages instead of one
    paged = KnowledgeIndex.open(kb_settings, e5)

    assert [c.id for c in paged.chunks] == [c.id for c in whole.chunks]
    vector = e5.embed_query("Wie lange dauert ein Match im LIVE?")
    found = [(s.chunk.id, round(s.score, 6)) for s in paged.dense_search(vector, 5, "de")]
    assert found == [(s.chunk.id, round(s.score, 6)) for s in whole.dense_search(vector, 5, "de")]
    assert "5 Minuten" in paged.dense_search(vector, 1, "de")[0].chunk.text
