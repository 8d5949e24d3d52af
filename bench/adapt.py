"""Fitting the question map of `bot/engine/adapter.py`: `python -m bench adapt`.

Every declared question of the guides in the index is embedded as a question; Δ is fitted so that
`q + q·Δ` is nearest its own section's text among the sections of its language that declare
questions (softmax over cosines, a small L2 penalty on Δ keeping the map near the identity). No
question set is read: the golden set and the tuning halves stay fit to calibrate the decision on,
and the held-out halves untouched. Re-run after the guides' declared questions change much, then
`bench calibrate`.
"""

from __future__ import annotations

import numpy as np

from bot.engine.adapter import adapter_path
from bot.engine.answerer import Answerer

TEMPERATURE = 0.02  # e5 cosines of a question to the sections of one language span a few hundredths
PENALTY = 0.01
STEPS = 300
LEARNING_RATE = 1e-3


def training_pairs(answerer: Answerer) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str], list[str]]:
    """Question vectors, the row of each question's section, section vectors and both languages."""
    index = answerer.retriever.index
    # A long section's parts all carry its questions; the first part stands for the section.
    sections = [c for c in index.chunks if c.questions and int(c.metadata.get("part", 0)) == 0]
    vectors = index.vectors_of([c.id for c in sections])
    questions = [(q, row) for row, chunk in enumerate(sections) for q in chunk.questions]
    embed = answerer.retriever.embeddings
    asked = np.asarray([embed.embed_query(q) for q, _ in questions], dtype=np.float32)
    rows = np.asarray([row for _, row in questions])
    langs = [str(c.metadata["lang"]) for c in sections]
    return asked, rows, vectors, [langs[row] for row in rows], langs


def fit(
    asked: np.ndarray, rows: np.ndarray, sections: np.ndarray, asked_langs: list[str], langs: list[str]
) -> np.ndarray:
    """Δ by full-batch Adam from zero (the identity map): deterministic, no sampling to seed."""
    import torch  # a dependency of sentence-transformers; only this development tool needs it

    q = torch.tensor(asked)
    s = torch.nn.functional.normalize(torch.tensor(sections), dim=1)
    target = torch.tensor(rows)
    other_language = torch.tensor(np.asarray(asked_langs)[:, None] != np.asarray(langs)[None, :])
    delta = torch.zeros(q.shape[1], q.shape[1], requires_grad=True)
    optimiser = torch.optim.Adam([delta], lr=LEARNING_RATE)
    for _ in range(STEPS):
        adapted = torch.nn.functional.normalize(q + q @ delta, dim=1)
        logits = (adapted @ s.T / TEMPERATURE).masked_fill(other_language, -1e9)
        loss = torch.nn.functional.cross_entropy(logits, target) + PENALTY * (delta**2).sum()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return delta.detach().numpy()


def run_adapt(answerer: Answerer) -> int:
    """Fits and stores the map for the embedding model in use; the decision weights then need a refit."""
    asked, rows, sections, asked_langs, langs = training_pairs(answerer)
    if not len(asked):
        print("No declared questions in the index: nothing to fit.")
        return 1
    delta = fit(asked, rows, sections, asked_langs, langs)
    path = adapter_path(answerer.retriever.embeddings.model_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, delta.astype(np.float16))
    print(f"Fitted on {len(asked)} declared questions of {len(sections)} sections: {path}")
    return 0
