"""The Chroma store and the manifest that says which collection is live.

Ingest always writes into a fresh collection and then replaces the small manifest file
atomically, so a crash or kill at any point leaves the previous index whole and in use. The
manifest also records the embedding model and dimension that built the index, so a query with
another model is refused instead of returning silent garbage.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import chromadb
from chromadb.config import Settings as ChromaSettings

from bot.config import Settings
from bot.embeddings import KnowledgeEmbeddings
from bot.knowledge import Chunk

logger = logging.getLogger(__name__)


class IndexUnavailableError(RuntimeError):
    """Base for index problems whose message tells the user what to do."""


class IndexMissingError(IndexUnavailableError):
    """No index has been built yet."""


class IndexMismatchError(IndexUnavailableError):
    """The index was built with another embedding model than the one configured."""


@dataclass
class Manifest:
    """Which collection is live and how it was built."""

    collection: str
    embedding_model: str
    dimension: int
    built_at: str
    chunks: dict[str, str] = field(default_factory=dict)  # chunk key -> chunk id


def read_manifest(path: Path) -> Manifest | None:
    """The live manifest, or None when no index was ever completed."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Manifest(**data)
    except FileNotFoundError:
        return None
    except (ValueError, TypeError) as exc:
        raise IndexMissingError(
            f"The index manifest {path} is unreadable ({exc}). Rebuild it: python ingest.py --rebuild"
        ) from exc


def write_manifest(path: Path, manifest: Manifest) -> None:
    """Replace the manifest atomically: readers see the old or the new one, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".manifest-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(asdict(manifest), handle, ensure_ascii=False, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def open_client(settings: Settings) -> Any:
    """The embedded, persistent Chroma client for the data directory."""
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(
        path=str(settings.chroma_path),
        settings=ChromaSettings(anonymized_telemetry=False),
    )


def chunk_from_record(chunk_id: str, text: str, metadata: dict[str, Any]) -> Chunk:
    key = f"{metadata['file']}#{metadata['section']}#{metadata.get('part', 0)}"
    return Chunk(id=chunk_id, key=key, text=text, metadata=dict(metadata))


@dataclass(frozen=True)
class ScoredChunk:
    """A retrieved passage with its similarity (cosine, 1.0 = identical)."""

    chunk: Chunk
    score: float


class KnowledgeIndex:
    """Read side of the store: the live collection plus all its chunks in memory.

    The knowledge base is small (hundreds of sections), so keeping the texts in memory costs
    little and lets keyword search and the composer run without extra round trips.
    """

    def __init__(self, collection: Any, manifest: Manifest, chunks: list[Chunk]) -> None:
        self._collection = collection
        self.manifest = manifest
        self.chunks = chunks
        self.languages = frozenset(c.metadata["lang"] for c in chunks)

    @classmethod
    def open(cls, settings: Settings, embeddings: KnowledgeEmbeddings) -> KnowledgeIndex:
        """The live index, refused when it was built by another model than `embeddings`."""
        manifest = read_manifest(settings.manifest_path)
        if manifest is None:
            raise IndexMissingError(f"No knowledge index in {settings.data_dir}. Build it first: python ingest.py")
        # The name is compared first, so a mismatch is reported without loading the other model.
        if manifest.embedding_model != embeddings.model_id or manifest.dimension != embeddings.dimension:
            raise IndexMismatchError(
                f"The index was built with the embedding model {manifest.embedding_model!r} "
                f"(dimension {manifest.dimension}), but EMBEDDING_MODEL now selects {embeddings.model_id!r}. "
                f"Either set EMBEDDING_MODEL back, or rebuild the index: python ingest.py --rebuild"
            )
        client = open_client(settings)
        try:
            collection = client.get_collection(manifest.collection, embedding_function=None)
        except Exception as exc:
            raise IndexMissingError(
                f"The index collection {manifest.collection!r} is missing from "
                f"{settings.chroma_path}. Rebuild it: python ingest.py --rebuild"
            ) from exc
        records = collection.get(include=["documents", "metadatas"])
        chunks = [
            chunk_from_record(cid, doc or "", meta or {})
            for cid, doc, meta in zip(
                records["ids"], records["documents"] or [], records["metadatas"] or [], strict=True
            )
        ]
        chunks.sort(key=lambda c: (c.metadata["file"], c.id))
        return cls(collection, manifest, chunks)

    def dense_search(self, vector: list[float], k: int, lang: str | None) -> list[ScoredChunk]:
        """Nearest chunks by cosine similarity, restricted to `lang` when it has chunks."""
        where = {"lang": lang} if lang in self.languages else None
        result = self._collection.query(
            query_embeddings=[vector],
            n_results=min(k, len(self.chunks)),
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        return [
            ScoredChunk(chunk_from_record(cid, doc or "", meta or {}), 1.0 - float(dist))
            for cid, doc, meta, dist in zip(
                result["ids"][0],
                (result["documents"] or [[]])[0],
                (result["metadatas"] or [[]])[0],
                (result["distances"] or [[]])[0],
                strict=True,
            )
        ]
