"""Bringing the index in line with the knowledge folder.

Unchanged chunks keep their embeddings (copied from the live collection, not recomputed), new
and edited ones are embedded, and the result goes live in one atomic manifest switch.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from tqdm import tqdm

from bot.config import Settings
from bot.ingest.formats import read_knowledge_file
from bot.kb.documents import (
    BadFileError,
    Chunk,
    Stale,
    chunk_document,
    iter_knowledge_files,
    parse_document,
    stale_sections,
)
from bot.kb.embeddings import KnowledgeEmbeddings, load_embeddings
from bot.kb.index import Manifest, data_collection_pattern, open_client, read_manifest, write_manifest
from bot.kb.vocabulary import VOCABULARY, VOCABULARY_FILE, parse_vocabulary, vocabulary_chunk

logger = logging.getLogger(__name__)

EMBED_BATCH = 16
# Chroma stores today's 700 records in 0.6 s at once, in 1.6 s sixteen at a time; but a store holds
# the GIL (256 records about 230 ms, sixteen about 40 ms), so beside answers (`/reload`) each batch
# is stored as it comes.
STORE_BATCH = 256


@dataclass
class IngestReport:
    """What an ingest run did, for the summary line and for tests."""

    files: int = 0
    chunks: int = 0
    added: int = 0
    changed: int = 0
    removed: int = 0
    embedded: int = 0
    seconds: float = 0.0
    rebuilt: bool = False
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    stale: list[Stale] = field(default_factory=list)  # sections past their review date, ingested all the same

    @property
    def ok(self) -> bool:
        return not self.skipped

    def summary(self) -> str:
        return (
            f"{self.files} files, {self.chunks} chunks: {self.added} added, {self.changed} changed, "
            f"{self.removed} removed ({self.embedded} embedded) in {self.seconds:.1f} s"
        )


def collect_chunks(settings: Settings, embeddings: KnowledgeEmbeddings, report: IngestReport) -> list[Chunk]:
    """Parse every knowledge file; bad ones are recorded in the report and left out."""
    root = settings.knowledge_dir
    if not root.is_dir():
        raise FileNotFoundError(f"Knowledge folder {root} does not exist.")
    chunks: list[Chunk] = []
    for path in iter_knowledge_files(root):
        rel = path.relative_to(root).as_posix()
        if rel == VOCABULARY_FILE:
            try:
                chunks.append(vocabulary_chunk(parse_vocabulary(path.read_text(encoding="utf-8"))))
            except (BadFileError, OSError, UnicodeDecodeError) as exc:
                report.skipped.append((rel, str(exc)))
            continue
        try:
            document = parse_document(rel, read_knowledge_file(path, settings.max_file_bytes))
        except BadFileError as exc:
            report.skipped.append((rel, str(exc)))
            logger.info("skipped %s: %s", rel, exc)
            continue
        except OSError as exc:
            report.skipped.append((rel, f"unreadable ({exc.strerror})"))
            continue
        report.files += 1
        chunks.extend(chunk_document(document, embeddings.count_tokens, embeddings.max_tokens))
    report.chunks = len(chunks)
    report.stale = stale_sections(chunks, date.today().isoformat())
    return chunks


def _batched(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def ingest(
    settings: Settings,
    embeddings: KnowledgeEmbeddings,
    *,
    rebuild: bool = False,
    show_progress: bool = True,
    store_batch: int = STORE_BATCH,
) -> IngestReport:
    """Sync the index with the knowledge folder; see the module docstring for the guarantees."""
    started = time.perf_counter()
    report = IngestReport()
    chunks = collect_chunks(settings, embeddings, report)
    if not chunks:
        raise BadFileError(f"No usable knowledge files in {settings.knowledge_dir}.")

    client = open_client(settings)
    old = read_manifest(client, settings)
    reusable = old is not None and not rebuild and old.embedding_model == embeddings.model_id
    if old is not None and not rebuild and not reusable:
        logger.warning("embedding model changed (%s): rebuilding", old.embedding_model)
    report.rebuilt = not reusable
    old_chunks = old.chunks if (old is not None and reusable) else {}
    new_chunks = {c.key: c.id for c in chunks}
    report.added = sum(key not in old_chunks for key in new_chunks)
    report.removed = sum(key not in new_chunks for key in old_chunks)
    report.changed = sum(key in old_chunks and old_chunks[key] != cid for key, cid in new_chunks.items())

    if reusable and old is not None and not (report.added or report.removed or report.changed):
        _drop_stale_collections(client, settings, keep={old.collection, old.previous})
        report.seconds = time.perf_counter() - started
        return report

    dimension = embeddings.dimension
    name = f"{settings.knowledge_collection}_{datetime.now(UTC):%Y%m%d%H%M%S}_{uuid.uuid4().hex[:6]}"
    collection = client.create_collection(
        name,
        embedding_function=None,
        configuration={"hnsw": {"space": "cosine"}},
        metadata={"embedding_model": embeddings.model_id, "dimension": dimension},
    )
    reused_ids: set[str] = set()
    if old is not None and old_chunks:
        keep = set(old_chunks.values())
        reused_ids = _copy_embeddings(client, old.collection, collection, [c for c in chunks if c.id in keep])
    fresh = [c for c in chunks if c.id not in reused_ids]
    # The vocabulary record is read by the engine, never searched: embedding its 5,000 tokens took
    # one core 11 s, a sixth of a build. It is stored with a fixed unit vector instead.
    searched = [c for c in fresh if c.metadata.get("kind") != VOCABULARY]
    unsearched = [c for c in fresh if c.metadata.get("kind") == VOCABULARY]
    if unsearched:
        _add(collection, unsearched, [_unit_vector(dimension)] * len(unsearched))
    batches = list(_batched(searched, EMBED_BATCH))
    # Batches are embedded side by side, one per engine instance (`bot/kb/threads.py`), and stored
    # in the order they were submitted, a few hundred records at a time.
    workers = ThreadPoolExecutor(max_workers=embeddings.side_by_side, thread_name_prefix="embed")
    try:
        embedded = workers.map(lambda batch: embeddings.embed_documents([c.embed_text for c in batch]), batches)
        pending: list[Chunk] = []
        pending_vectors: list[list[float]] = []
        with tqdm(total=len(searched), desc="Embedding", unit="chunk", disable=not show_progress, leave=False) as bar:
            for batch, vectors in zip(batches, embedded, strict=True):
                pending += batch
                pending_vectors += vectors
                bar.update(len(batch))
                if len(pending) >= store_batch:
                    _add(collection, pending, pending_vectors)
                    pending, pending_vectors = [], []
        if pending:
            _add(collection, pending, pending_vectors)
    finally:
        # A store that fails ends the run after the batches already running, not after all those
        # still queued: none is left embedding behind a failed `/reload` and the next one. (Run on its
        # own, ingest first stores after a few hundred records, so it notices a full disk there.)
        workers.shutdown(wait=True, cancel_futures=True)
    report.embedded = len(searched)

    previous = old.collection if old is not None else None
    write_manifest(
        client,
        settings,
        Manifest(
            collection=name,
            embedding_model=embeddings.model_id,
            dimension=dimension,
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            chunks=new_chunks,
            previous=previous,
        ),
    )
    _drop_stale_collections(client, settings, keep={name, previous})
    report.seconds = time.perf_counter() - started
    return report


def reingest(settings: Settings) -> IngestReport:
    """A re-ingest beside a running bot (`/reload`), with one embedding engine instance of its own.

    Sharing the answering instances, a batch of chunks at a time, made answers wait up to 5 s
    (docs/BENCHMARKS.md, "Real conditions"); one instance under the bot's thread policy leaves
    the other cores to the answers.
    """
    embeddings = load_embeddings(settings.embedding_model, engines=1)
    return ingest(settings, embeddings, show_progress=False, store_batch=EMBED_BATCH)


def _unit_vector(dimension: int) -> list[float]:
    return [1.0] + [0.0] * (dimension - 1)


def _add(collection: Any, chunks: list[Chunk], vectors: list[list[float]]) -> None:
    collection.add(
        ids=[c.id for c in chunks],
        documents=[c.text for c in chunks],
        metadatas=[c.metadata for c in chunks],
        embeddings=vectors,
    )


def _copy_embeddings(client: Any, source_name: str, target: Any, chunks: list[Chunk]) -> set[str]:
    """Carry unchanged chunks over with their vectors; returns the ids carried."""
    try:
        source = client.get_collection(source_name, embedding_function=None)
    except Exception:  # the old collection is gone: everything gets embedded afresh
        logger.warning("live collection %s not found; re-embedding everything", source_name)
        return set()
    copied: set[str] = set()
    for batch in _batched(chunks, 256):
        got = source.get(ids=[c.id for c in batch], include=["embeddings"])
        vectors = dict(zip(got["ids"], got["embeddings"], strict=True))
        present = [c for c in batch if c.id in vectors]
        if present:
            _add(target, present, [list(vectors[c.id]) for c in present])
            copied.update(c.id for c in present)
    return copied


def _drop_stale_collections(client: Any, settings: Settings, keep: set[str | None]) -> None:
    """Remove collections left by earlier runs or by a run that crashed before going live.

    The previous live collection is kept one generation: a running bot still reads it until it
    notices the new manifest (INDEX_CHECK_S), and must not lose it mid-question.
    """
    ours = data_collection_pattern(settings)
    for collection in client.list_collections():
        name = collection if isinstance(collection, str) else collection.name
        if ours.match(name) and name not in keep:
            client.delete_collection(name)
            logger.info("dropped stale collection %s", name)
