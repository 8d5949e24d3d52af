"""Hybrid retrieval: dense (exact cosine over the index's vectors) and keyword (BM25), fused.

Passages in the question's language are searched; the dense cosine of the best passage is the
relevance signal that decides whether the knowledge base covers a question at all.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from enum import StrEnum

from bot.engine.adapter import QueryAdapter
from bot.engine.keyword import BM25, AliasMap, compound_parts, tokenize
from bot.engine.types import section_key
from bot.kb.documents import Chunk
from bot.kb.embeddings import KnowledgeEmbeddings
from bot.kb.index import KnowledgeIndex

DENSE_POOL = 30
# Sections found by keywords alone that enter fusion: more could never reach the top k, since a
# section outside the dense pool ranks by its keyword score only.
KEYWORD_POOL = 30
RRF_K = 60
# The dense spread fusion stretches to 0..1 is at least this wide (cosine). Among many documents on
# other subjects the nearest records crowd into a band a few thousandths wide; stretched, such
# noise would outweigh the strongest keyword match: "Und wann war das? (Musical.ly)" went to a
# dozen sections asking "wann" instead of the one on Musical.ly (a knowledge base three times
# today's). On today's guides the spread is wider in nearly every question: no answer changes.
MIN_DENSE_SPAN = 0.015


class Fusion(StrEnum):
    """How dense and keyword rankings combine; the evaluation compares all of them."""

    DENSE = "dense"
    KEYWORD = "keyword"
    RRF = "rrf"
    WEIGHTED = "weighted"


# Measured with `python -m bench eval --fusions` (docs/BENCHMARKS.md): once sections carry the
# phrasings owners use (declared questions) and the alias groups, BM25 catches the exact words
# ("Drehtag", "Impressum", "CML") that dense similarity blurs. Weighted fusion ranks best on the
# tuning half of the real-world questions (hit@1 87 % vs 81 % dense) and the golden set (98 % vs 95 %).
DEFAULT_FUSION = Fusion.WEIGHTED


@dataclass(frozen=True)
class Hit:
    """A ranked passage with the evidence behind its rank."""

    chunk: Chunk
    score: float  # the fused score that ranked it
    dense: float  # cosine similarity to the question
    keyword: float  # BM25 score, 0 when no term matched
    similarity: float  # ranking vector (the mapped question, else the question) to the closest record

    @property
    def section(self) -> str:
        """The guide section the passage belongs to, whichever of its parts it is (`section_key`)."""
        return section_key(self.chunk.metadata["file"], self.chunk.metadata["section"])


@dataclass(frozen=True)
class Retrieval:
    """The ranked passages for one query plus its relevance (best dense cosine)."""

    hits: list[Hit]
    relevance: float


class Retriever:
    """Searches one index with one embedding model."""

    def __init__(
        self,
        index: KnowledgeIndex,
        embeddings: KnowledgeEmbeddings,
        fusion: Fusion = DEFAULT_FUSION,
        keyword_weight: float = 0.3,
    ) -> None:
        self.index = index
        self.embeddings = embeddings
        self.fusion = fusion
        self.keyword_weight = keyword_weight
        self.adapter = QueryAdapter.for_model(embeddings.model_id, index.manifest.dimension)
        self.aliases = AliasMap(index.vocabulary.aliases)
        self._by_lang: dict[str, tuple[list[Chunk], BM25]] = {}
        self._terms: dict[str, frozenset[str]] = {}
        for lang in index.languages:
            chunks = [c for c in index.chunks if c.metadata["lang"] == lang]
            # A section's declared questions count as its words: they carry the owners' vocabulary.
            documents = [self.terms(" ".join([c.embed_text, *c.questions]), lang) for c in chunks]
            self._by_lang[lang] = (chunks, BM25(documents))
            self._terms.update({c.id: frozenset(doc) for c, doc in zip(chunks, documents, strict=True)})

    def terms(self, text: str, lang: str) -> list[str]:
        """Stemmed tokens plus the alias groups they belong to: what keyword search compares."""
        return self.aliases.expand(tokenize(text, lang), lang)

    def query_terms(self, text: str, lang: str, vocabulary: frozenset[str]) -> list[str]:
        """A question's terms, and for a German compound the guides never use, its known parts: a
        question on a "Datenschutzstrafe" is one on "Datenschutz" and "Strafe" to keyword search."""
        terms = self.terms(text, lang)
        if lang != "de":
            return terms
        return terms + [
            part for term in terms if term not in vocabulary for part in compound_parts(term, lang, vocabulary)
        ]

    def section_terms(self, chunk: Chunk) -> frozenset[str]:
        """What a section says, as keyword terms: its text, title, heading and declared questions."""
        return self._terms.get(chunk.id, frozenset())

    def keyword_index(self, lang: str) -> tuple[list[Chunk], BM25]:
        """The chunks and BM25 index for `lang` (falling back to any language present)."""
        return self._by_lang.get(lang) or next(iter(self._by_lang.values()))

    def search(self, query: str, lang: str, k: int = 5) -> Retrieval:
        vector = self.embeddings.embed_query(query)
        ranking = self.adapter(vector)
        if self.fusion is Fusion.DENSE:  # no keyword scoring to pay for
            found = self.index.dense_search(vector, k, lang, ranking)
            hits = [Hit(s.chunk, s.score, s.text_score, 0.0, s.score) for s in found]
            return Retrieval(hits, max((s.text_score for s in found), default=0.0))
        dense = {s.chunk.id: s for s in self.index.dense_search(vector, DENSE_POOL, lang, ranking)}
        chunks, bm25 = self.keyword_index(lang)
        scores = bm25.scores(self.query_terms(query, lang, bm25.vocabulary))
        keyword = {chunks[number].id: score for number, score in scores.items()}
        relevance = max((s.text_score for s in dense.values()), default=0.0)

        floor = min((s.score for s in dense.values()), default=0.0)
        by_keyword = heapq.nlargest(
            KEYWORD_POOL, (n for n, score in scores.items() if score > 0), key=scores.__getitem__
        )
        candidates = {chunks[number].id: chunks[number] for number in by_keyword}
        candidates.update({cid: s.chunk for cid, s in dense.items()})
        dense_of = {cid: dense[cid].score if cid in dense else floor for cid in candidates}
        keyword_of = {cid: keyword.get(cid, 0.0) for cid in candidates}
        fused = self._fuse(dense_of, keyword_of)
        ranked = sorted(candidates, key=lambda cid: fused[cid], reverse=True)[:k]
        text_floor = min((s.text_score for s in dense.values()), default=0.0)
        text_of = {cid: dense[cid].text_score if cid in dense else text_floor for cid in candidates}
        hits = [Hit(candidates[c], fused[c], text_of[c], keyword_of[c], dense_of[c]) for c in ranked]
        return Retrieval(hits, relevance)

    def _fuse(self, dense: dict[str, float], keyword: dict[str, float]) -> dict[str, float]:
        if self.fusion is Fusion.KEYWORD:
            return {cid: keyword[cid] + 1e-3 * dense[cid] for cid in dense}  # dense breaks ties
        if self.fusion is Fusion.RRF:
            d_rank = _ranks(dense)
            k_rank = _ranks(keyword)
            return {cid: 1 / (RRF_K + d_rank[cid]) + 1 / (RRF_K + k_rank[cid]) for cid in dense}
        return weighted_fusion(dense, keyword, self.keyword_weight)


def weighted_fusion(dense: dict[str, float], keyword: dict[str, float], weight: float) -> dict[str, float]:
    """Both scales stretched to 0..1 within the candidates: e5 cosines crowd into a narrow band,
    so raw values would let BM25 decide nearly everything."""
    low, high = min(dense.values()), max(dense.values())
    span = max(high - low, MIN_DENSE_SPAN)
    top_keyword = max(keyword.values()) or 1.0
    return {cid: (1 - weight) * (dense[cid] - low) / span + weight * keyword[cid] / top_keyword for cid in dense}


def _ranks(scores: dict[str, float]) -> dict[str, int]:
    order = sorted(scores, key=lambda cid: scores[cid], reverse=True)
    return {cid: rank for rank, cid in enumerate(order, start=1)}
