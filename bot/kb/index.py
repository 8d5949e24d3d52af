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
from dataclasses import asdict, dataclass, field
from typing import Any

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings

from bot.config import Settings
from bot.kb.documents import SECTION, Chunk
from bot.kb.embeddings import KnowledgeEmbeddings
from bot.kb.vocabulary import VOCABULARY, Vocabulary

logger = logging.getLogger(__name__)

MANIFEST_ID = "live"


class IndexUnavailableError(RuntimeError):
    """Base for index problems whose message tells the user what to do."""


# Records taken per search: a section's text and its questions compete for places.
QUERY_POOL = 24
LOAD_PAGE = 1000  # records read from Chroma at a time when an index is opened


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
    score: float  # its closest record (text, declared questions, sentences) to the ranking vector: ranks
    text_score: float = 0.0  # the section's own text only: the calibrated relevance signal


class KnowledgeIndex:
    """Read side of the store: the live collection's chunks and vectors in memory, searched exactly.

    The knowledge base is small (hundreds of sections, tens of thousands of records for a large
    agency), so keeping texts and vectors in memory costs little (a vector is 1.5 KB) and lets keyword
    search, the composer and the nearest-neighbour search run without round trips to Chroma.
    Chroma's approximate (HNSW) search is not used for answers: on a knowledge base ten times
    today's, with the filler guides of `python -m bench scale` clustered apart from the guides,
    it returned none of the ten nearest records for "Was ist der CCPA?" (mean recall@10 over
    golden questions 0.69; 0.94 with ef_search 500, still 0 for some), while the exact search
    over all vectors takes 1-2 ms there.
    """

    def __init__(self, client: Any, manifest: Manifest, chunks: list[Chunk], vectors: np.ndarray) -> None:
        """`vectors[i]` is the embedding of `chunks[i]`."""
        self._client = client
        self.manifest = manifest
        self.chunks = [c for c in chunks if c.metadata.get("kind", SECTION) == SECTION]  # what answers quote
        record = next((c for c in chunks if c.metadata.get("kind") == VOCABULARY), None)
        self.vocabulary = Vocabulary.from_json(record.text) if record else Vocabulary()
        self._by_id = {c.id: c for c in self.chunks}
        parts = {(*_place(c), int(c.metadata.get("part", 0))): c.id for c in self.chunks}
        # A declared question leads to its section's first part, a sentence to the part holding it.
        self._parent = {
            c.id: parts.get((*_place(c), int(c.metadata.get("in_part", 0))), "") for c in chunks if c.finds_section
        }
        self.languages = frozenset(c.metadata["lang"] for c in self.chunks)
        self._ids = [c.id for c in chunks]
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        self._vectors = (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)
        langs = [c.metadata.get("lang") for c in chunks]
        self._rows = {lang: np.array([i for i, x in enumerate(langs) if x == lang]) for lang in self.languages}
        self._every_row = np.arange(len(chunks))  # a language without chunks searches them all

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
        chunks: list[Chunk] = []
        vectors: list[np.ndarray] = []
        try:
            collection = client.get_collection(manifest.collection, embedding_function=None)
            # Page by page: at 12,000 records one read of everything held 650 MB at its peak; in pages
            # of 1,000 the bot peaked at half its former RSS (333 MB against 666 MB, `bench scale` size).
            for offset in range(0, collection.count(), LOAD_PAGE):
                page = collection.get(include=["documents", "metadatas", "embeddings"], limit=LOAD_PAGE, offset=offset)
                chunks += [
                    chunk_from_record(cid, doc or "", meta or {})
                    for cid, doc, meta in zip(
                        page["ids"], page["documents"] or [], page["metadatas"] or [], strict=True
                    )
                ]
                vectors.append(np.asarray(page["embeddings"], dtype=np.float32).reshape(-1, manifest.dimension))
        except Exception as exc:
            if _is_not_found(exc):
                raise IndexMissingError(
                    f"The index collection {manifest.collection!r} is missing from {settings.chroma_location}. "
                    "Rebuild it: python ingest.py --rebuild"
                ) from exc
            raise IndexUnreachableError(f"Cannot read the index from {settings.chroma_location}: {exc}") from exc
        matrix = np.concatenate(vectors) if vectors else np.zeros((0, manifest.dimension), dtype=np.float32)
        order = sorted(range(len(chunks)), key=lambda i: (chunks[i].metadata["file"], chunks[i].id))
        return cls(client, manifest, [chunks[i] for i in order], matrix[order])

    def live_manifest(self, settings: Settings) -> Manifest | None:
        """The manifest as it is now in the store, to notice an index that went live since."""
        return read_manifest(self._client, settings)

    def dense_search(
        self, vector: list[float], k: int, lang: str | None, ranking: list[float] | None = None
    ) -> list[ScoredChunk]:
        """Nearest sections by cosine similarity, restricted to `lang` when it has chunks.

        A section scores as well as the closest of its own text, the questions it declares and (in a
        document not written as a guide) its sentences. `ranking`, the question's vector mapped for
        ranking (`bot/engine/adapter.py`), orders the sections and gives their score; the text score
        stays the plain cosine of `vector`, the scale relevance is calibrated on.
        """
        best: dict[str, float] = {}
        own: dict[str, float] = {}
        plains = []
        for cid, similarity, plain in self._nearest(vector, ranking or vector, max(2 * k, QUERY_POOL), lang):
            section_id = self._parent.get(cid, cid)
            if section_id not in self._by_id:  # the vocabulary record, or a question whose section is gone
                continue
            best[section_id] = max(best.get(section_id, -1.0), similarity)
            plains.append(plain)
            if section_id == cid:
                own[cid] = plain
        # A section found only through its questions counts, for relevance, as the least similar text.
        floor = min(own.values(), default=min(plains, default=0.0))
        scored = [ScoredChunk(self._by_id[cid], score, own.get(cid, floor)) for cid, score in best.items()]
        return sorted(scored, key=lambda s: -s.score)[:k]

    def vectors_of(self, chunk_ids: list[str]) -> np.ndarray:
        """The stored (unit-length) vectors of these records, in their order."""
        row = {cid: i for i, cid in enumerate(self._ids)}
        return self._vectors[[row[cid] for cid in chunk_ids]]

    def _nearest(
        self, vector: list[float], ranking: list[float], n: int, lang: str | None
    ) -> list[tuple[str, float, float]]:
        """(record id, similarity to `ranking`, cosine to `vector`) of the `n` records in `lang` (any
        language when it has no chunks) nearest `ranking`, nearest first."""
        rows = self._rows.get(lang, self._every_row) if lang is not None else self._every_row
        n = min(n, len(rows))
        if n == 0:
            return []
        ranked = (self._vectors @ _unit(ranking))[rows]
        top = np.argpartition(-ranked, n - 1)[:n]
        top = top[np.argsort(-ranked[top], kind="stable")]
        plain = ranked[top] if ranking is vector else self._vectors[rows[top]] @ _unit(vector)
        return [(self._ids[rows[i]], float(ranked[i]), float(p)) for i, p in zip(top, plain, strict=True)]


def _unit(vector: list[float]) -> np.ndarray:
    array = np.asarray(vector, dtype=np.float32)
    return array / (np.linalg.norm(array) or 1.0)
