"""A linear map on question embeddings, fitted so that owners' questions land nearer the sections
that answer them.

A small multilingual model places "wie schnell checkt der algorythmus was ich sehen will?" about as
close to the section comparing TikTok with Instagram as to the one on how fast the algorithm
learns. The sections' declared questions are labelled examples of how people ask for each section;
`python -m bench adapt` fits a map `q -> q + q·Δ` on them (questions only: the stored passage
vectors stay as ingest wrote them, so nothing is re-embedded) and stores Δ per embedding model in
`adapters/`. Fitted on the declared questions alone, never on a question set, it ranks the
section holding the expected fact first, by dense similarity alone, for 86 % of the tuning half's
questions instead of 81 %; a map fitted on half the sections' questions still gained on questions
about the other half, so it carries over to documents an agency adds. On the 299 questions for
choosing variants, written by helpers who never saw the guides, the engine's facts-against-wrong-
answers curve lies 2 to 4 points of facts above the engine without it (docs/EXPERIMENTS.md).

The map only ranks: relevance, the scope signal calibrated on plain cosines, stays the plain cosine
of the question's own vector (the map spreads cosines far apart, and the threshold would no longer
mean anything), taken over the records the map puts nearest; for 98 % of the golden, tuning and
choosing questions that includes the plainly nearest text, and for the rest the best differs by
less than 0.008. A model without a fitted map (MiniLM ships none) ranks by its plain vector, and
its affinity signal is then the plain cosine's gap, weighed like its other signals with the
default model's weights.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np

ADAPTERS = Path(__file__).with_name("adapters")
log = logging.getLogger(__name__)


def adapter_path(model_id: str) -> Path:
    """Where the map for `model_id` lives: one file per embedding model."""
    return ADAPTERS / f"{re.sub(r'[^A-Za-z0-9.-]+', '_', model_id)}.npy"


class QueryAdapter:
    """Applies the fitted map to a question's embedding; the identity when none was fitted."""

    def __init__(self, delta: np.ndarray | None) -> None:
        self._delta = None if delta is None else np.asarray(delta, dtype=np.float32)

    @classmethod
    def for_model(cls, model_id: str, dimension: int) -> QueryAdapter:
        """The map fitted for `model_id`. One of another shape than the model's vectors cannot apply
        and is left out, loudly: the decision weights were fitted with the map in place."""
        path = adapter_path(model_id)
        if not path.is_file():
            return cls(None)
        delta = np.load(path)
        if delta.shape != (dimension, dimension):
            log.warning(
                "question map %s has shape %s, not (%d, %d): ranking without it",
                path.name,
                delta.shape,
                dimension,
                dimension,
            )
            return cls(None)
        return cls(delta)

    @property
    def fitted(self) -> bool:
        return self._delta is not None

    def __call__(self, vector: list[float]) -> list[float] | None:
        """The mapped vector to rank with; None when no map is fitted (rank by the vector itself)."""
        if self._delta is None:
            return None
        query = np.asarray(vector, dtype=np.float32)
        adapted = query + query @ self._delta
        norm = float(np.linalg.norm(adapted)) or 1.0
        return (adapted / norm).tolist()
