"""The live index: one snapshot of everything derived from it, swapped whole when a new index goes live.

`ingest.py` or /reload builds a new collection and switches the manifest; `refresh` picks that up
and replaces the snapshot in one assignment, so questions in flight finish on the old one and
nobody sees a gap.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from bot.config import Settings
from bot.engine.catalog import Catalog
from bot.engine.retrieval import Fusion, Retrieval, Retriever
from bot.engine.scope import ScopeCheck
from bot.kb.embeddings import KnowledgeEmbeddings
from bot.kb.index import KnowledgeIndex

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexSnapshot:
    """Everything derived from one live index; swapped as a whole when a new index goes live."""

    index: KnowledgeIndex
    retriever: Retriever
    catalog: Catalog
    scope: ScopeCheck

    @classmethod
    def of(cls, index: KnowledgeIndex, embeddings: KnowledgeEmbeddings, fusion: Fusion) -> IndexSnapshot:
        retriever = Retriever(index, embeddings, fusion=fusion)
        scope = ScopeCheck(
            {lang: retriever.keyword_index(lang)[1].vocabulary for lang in index.languages},
            retriever.aliases,
            index.vocabulary.context,
            index.vocabulary.platforms,
            index.vocabulary.features,
        )
        return cls(index, retriever, Catalog(index.chunks), scope)


class LiveIndex:
    """The current `IndexSnapshot`, following the manifest."""

    def __init__(
        self, settings: Settings, embeddings: KnowledgeEmbeddings, index: KnowledgeIndex, fusion: Fusion
    ) -> None:
        self.settings = settings
        self.embeddings = embeddings
        self.fusion = fusion
        self.snapshot = IndexSnapshot.of(index, embeddings, fusion)
        self._refresh_lock = threading.Lock()

    def refresh(self) -> bool:
        """Switch to the index that is live in the store now, if it is a newer one.

        Returns True when it switched. A problem while loading the new index keeps the old one
        (logged), so a half-finished operation elsewhere never takes answers away.
        """
        with self._refresh_lock:
            current = self.snapshot.index
            live = current.live_manifest(self.settings)
            if live is None or live.collection == current.manifest.collection:
                return False
            index = KnowledgeIndex.open(self.settings, self.embeddings)
            self.snapshot = IndexSnapshot.of(index, self.embeddings, self.fusion)
            logger.warning("switched to the index built at %s (%d chunks)", live.built_at, len(index.chunks))
            return True

    def search(self, query: str, lang: str, k: int) -> Retrieval:
        """Searches the snapshot in memory: an index replaced in the store, or a Chroma server that
        went away, does not interrupt answers."""
        return self.snapshot.retriever.search(query, lang, k=k)
