"""The Chroma store (embedded, or a Chroma server) and the manifest that says what is live.

Ingest always writes into a fresh collection and then replaces one small manifest record, so a
crash or kill at any point leaves the previous index whole and in use. The manifest lives in
Chroma itself (one record in `<KNOWLEDGE_COLLECTION>.manifest`), so the embedded store and a
shared server behave alike and several knowledge bases can sit side by side on one server. It
also records the embedding model and dimension that built the index, so a query with another
model is refused instead of returning silent garbage.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import chromadb
from chromadb.config import Settings as ChromaSettings

from bot.config import Settings
from bot.kb.documents import SECTION, Chunk
from bot.kb.embeddings import KnowledgeEmbeddings
from bot.kb.vocabulary import VOCABULARY, Vocabulary

logger = logging.getLogger(__name__)

MANIFEST_ID = "live"


class IndexUnavailableError(RuntimeError):
    """Base for index problems whose message tells the user what to do."""


# Records asked of Chroma per search: a section's text and its questions compete for places.
QUERY_POOL = 24
# A search first asks this many times the records without a language filter and drops the other
# language's itself: Chroma's metadata filter cost more than the whole rest of the query (5.8 vs
# 2.4 ms on 709 records). Only when too few records in the language come back does it filter.
UNFILTERED_FACTOR = 3


class IndexMissingError(IndexUnavailableError):
    """No index has been built yet."""


class IndexMismatchError(IndexUnavailableError):
    """The index was built with another embedding model than the one configured."""


class IndexUnreachableError(IndexUnavailableError):
    """The Chroma server does not answer; it is worth trying again later."""


@dataclass
class Manifest:
    """Which collection is live and how it was built."""

    collection: str
    embedding_model: str
    dimension: int
    built_at: str
    chunks: dict[str, str] = field(default_factory=dict)  # chunk key -> chunk id
    previous: str | None = None  # kept one generation, for bots still reading it


def open_client(settings: Settings) -> Any:
    """A Chroma client: HTTP to CHROMA_HOST when set, else the embedded store in the data dir."""
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if settings.chroma_host:
            token = settings.chroma_auth_token
            headers = {"Authorization": f"Bearer {token.get_secret_value()}"} if token else None
            return chromadb.HttpClient(
                host=settings.chroma_host,
                port=settings.chroma_port,
                ssl=settings.chroma_ssl,
                headers=headers,
                settings=chroma_settings,
            )
        settings.chroma_path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)
    except Exception as exc:  # chromadb raises plain ValueError/ConnectError for an unreachable server
        raise IndexUnreachableError(f"Cannot reach {settings.chroma_location}: {exc}") from exc


def manifest_collection_name(settings: Settings) -> str:
    return f"{settings.knowledge_collection}.manifest"


def data_collection_pattern(settings: Settings) -> re.Pattern[str]:
    """Names of this knowledge base's data collections (and of no other one on the server)."""
    return re.compile(rf"^{re.escape(settings.knowledge_collection)}_\d{{14}}_[0-9a-f]{{6}}$")


def read_manifest(client: Any, settings: Settings) -> Manifest | None:
    """The live manifest, or None when no index was ever completed."""
    try:
        collection = client.get_collection(manifest_collection_name(settings), embedding_function=None)
        record = collection.get(ids=[MANIFEST_ID], include=["documents"])
    except Exception as exc:
        if _is_not_found(exc):
            return None
        raise IndexUnreachableError(f"Cannot read the index manifest from {settings.chroma_location}: {exc}") from exc
    if not record["ids"]:
        return None
    try:
        return Manifest(**json.loads((record["documents"] or [""])[0] or ""))
    except (ValueError, TypeError) as exc:
        raise IndexMissingError(
            f"The index manifest is unreadable ({exc}). Rebuild it: python ingest.py --rebuild"
        ) from exc


def write_manifest(client: Any, settings: Settings, manifest: Manifest) -> None:
    """Replace the manifest in one write: readers see the old or the new one, never a mix."""
    collection = client.get_or_create_collection(manifest_collection_name(settings), embedding_function=None)
    collection.upsert(
        ids=[MANIFEST_ID],
        documents=[json.dumps(asdict(manifest), ensure_ascii=False)],
        embeddings=[[1.0]],  # Chroma stores a vector with every record; this one is never searched
    )


def _is_not_found(exc: Exception) -> bool:
    return "does not exist" in str(exc) or exc.__class__.__name__ in {"NotFoundError", "InvalidCollectionException"}


def _place(chunk: Chunk) -> tuple[str, str]:
    return (str(chunk.metadata["file"]), str(chunk.metadata["section"]))


def chunk_from_record(chunk_id: str, text: str, metadata: dict[str, Any]) -> Chunk:
    key = f"{metadata['file']}#{metadata['section']}#{metadata.get('part', 0)}"
    return Chunk(id=chunk_id, key=key, text=text, metadata=dict(metadata))


@dataclass(frozen=True)
class ScoredChunk:
    """A retrieved passage with its similarity (cosine, 1.0 = identical)."""

    chunk: Chunk
    score: float  # the closer of the section's own text and its declared questions: ranks
    text_score: float = 0.0  # the section's own text only: the calibrated relevance signal


class KnowledgeIndex:
    """Read side of the store: the live collection plus all its chunks in memory.

    The knowledge base is small (hundreds of sections), so keeping the texts in memory costs
    little and lets keyword search and the composer run without extra round trips.
    """

    def __init__(self, client: Any, collection: Any, manifest: Manifest, chunks: list[Chunk]) -> None:
        self._client = client
        self._collection = collection
        self.manifest = manifest
        self.chunks = [c for c in chunks if c.metadata.get("kind", SECTION) == SECTION]  # what answers quote
        record = next((c for c in chunks if c.metadata.get("kind") == VOCABULARY), None)
        self.vocabulary = Vocabulary.from_json(record.text) if record else Vocabulary()
        self._by_id = {c.id: c for c in self.chunks}
        first_parts = {_place(c): c.id for c in self.chunks if c.metadata.get("part", 0) == 0}
        self._parent = {c.id: first_parts.get(_place(c), "") for c in chunks if c.finds_section}
        self.size = len(chunks)  # sections and the questions and sentences that find them, as stored
        self._lang = {c.id: c.metadata.get("lang") for c in chunks}
        self._records_per_lang = Counter(self._lang.values())
        self.languages = frozenset(c.metadata["lang"] for c in self.chunks)

    @classmethod
    def open(cls, settings: Settings, embeddings: KnowledgeEmbeddings, client: Any = None) -> KnowledgeIndex:
        """The live index, refused when it was built by another model than `embeddings`."""
        client = client or open_client(settings)
        manifest = read_manifest(client, settings)
        if manifest is None:
            raise IndexMissingError(
                f"No knowledge index {settings.knowledge_collection!r} in {settings.chroma_location}. "
                "Build it first: python ingest.py"
            )
        # The name is compared first, so a mismatch is reported without loading the other model.
        if manifest.embedding_model != embeddings.model_id or manifest.dimension != embeddings.dimension:
            raise IndexMismatchError(
                f"The index was built with the embedding model {manifest.embedding_model!r} "
                f"(dimension {manifest.dimension}), but EMBEDDING_MODEL now selects {embeddings.model_id!r}. "
                f"Either set EMBEDDING_MODEL back, or rebuild the index: python ingest.py --rebuild"
            )
        try:
            collection = client.get_collection(manifest.collection, embedding_function=None)
            records = collection.get(include=["documents", "metadatas"])
        except Exception as exc:
            if _is_not_found(exc):
                raise IndexMissingError(
                    f"The index collection {manifest.collection!r} is missing from {settings.chroma_location}. "
                    "Rebuild it: python ingest.py --rebuild"
                ) from exc
            raise IndexUnreachableError(f"Cannot read the index from {settings.chroma_location}: {exc}") from exc
        chunks = [
            chunk_from_record(cid, doc or "", meta or {})
            for cid, doc, meta in zip(
                records["ids"], records["documents"] or [], records["metadatas"] or [], strict=True
            )
        ]
        chunks.sort(key=lambda c: (c.metadata["file"], c.id))
        return cls(client, collection, manifest, chunks)

    def live_manifest(self, settings: Settings) -> Manifest | None:
        """The manifest as it is now in the store, to notice an index that went live since."""
        return read_manifest(self._client, settings)

    def dense_search(self, vector: list[float], k: int, lang: str | None) -> list[ScoredChunk]:
        """Nearest sections by cosine similarity, restricted to `lang` when it has chunks.

        A section scores as well as the closest of its own text, the questions it declares and (in a
        document not written as a guide) its sentences.
        """
        wanted = min(max(2 * k, QUERY_POOL), self.size)
        if lang in self.languages:
            nearest = self._query(vector, min(UNFILTERED_FACTOR * wanted, self.size), None)
            hits = [hit for hit in nearest if self._lang.get(hit[0]) == lang]
            if len(hits) < min(wanted, self._records_per_lang[lang]):  # the other language crowded it out
                hits = self._query(vector, wanted, {"lang": lang})
            hits = hits[:wanted]
        else:
            hits = self._query(vector, wanted, None)
        best: dict[str, float] = {}
        own: dict[str, float] = {}
        for cid, dist in hits:
            section_id = self._parent.get(cid, cid)
            if section_id not in self._by_id:  # the vocabulary record, or a question whose section is gone
                continue
            similarity = 1.0 - float(dist)
            best[section_id] = max(best.get(section_id, -1.0), similarity)
            if section_id == cid:
                own[cid] = similarity
        # A section found only through its questions counts, for relevance, as the least similar text.
        floor = min(own.values(), default=min(best.values(), default=0.0))
        scored = [ScoredChunk(self._by_id[cid], score, own.get(cid, floor)) for cid, score in best.items()]
        return sorted(scored, key=lambda s: -s.score)[:k]

    def _query(self, vector: list[float], n: int, where: dict[str, Any] | None) -> list[tuple[str, float]]:
        """(record id, cosine distance), nearest first."""
        try:
            # Only ids and distances: the texts are in memory already, and shipping them from
            # Chroma for every candidate was half the time of a warm answer.
            result = self._collection.query(query_embeddings=[vector], n_results=n, where=where, include=["distances"])
        except Exception as exc:
            if _is_not_found(exc):  # replaced twice by ingests since this index was opened
                raise IndexMissingError(f"The collection {self.manifest.collection!r} is gone") from exc
            raise IndexUnreachableError(f"The knowledge store does not answer: {exc}") from exc
        return list(zip(result["ids"][0], (float(d) for d in (result["distances"] or [[]])[0]), strict=True))
