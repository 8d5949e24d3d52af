"""Fitting the answerability decision: `python -m bench calibrate`.

Every question of the golden set and the tuning halves (real-world and agency; never a held-out
half) is run through the engine; the judge's signals for the section it chose are the input, and
the label is whether an answer composed from that section holds the expected fact (an
out-of-scope question is never answered correctly). A logistic model is fitted on that; five-fold
cross-validation shows how it does on questions it was not fitted on, and the weights are printed
for `DECISION_WEIGHTS` in `bot/engine/answerability.py`.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.evaluation import QUESTION_SETS, GoldenItem, has_fact, load_golden, with_agency_documents
from bot.config import Settings
from bot.engine.answerability import ANSWER_PROBABILITY
from bot.engine.answerer import Answerer, Examined
from bot.engine.types import Turn

CALIBRATION_SETS = ("golden", "tune", "agency-tune")
FOLDS = 5
RIDGE = 1.0  # L2 penalty on the standardised weights: a few hundred questions, eleven signals


@dataclass(frozen=True)
class Sample:
    item: GoldenItem
    features: tuple[float, ...]
    answers: bool  # the chosen section gives the expected fact


def collect(answerer: Answerer, items: list[GoldenItem]) -> list[Sample]:
    samples = []
    for item in items:
        history: list[Turn] = []
        for earlier in item.history:
            history.append(answerer.ask(earlier, history).as_turn())
        examined = answerer.examine(item.question, history)
        if not isinstance(examined, Examined) or examined.verdict.signals is None:
            continue  # a notice (empty, too long, needs a subject) is not the judge's to decide
        forced = answerer.compose_extractive(examined.covered)
        label = item.in_scope and has_fact(forced.text, item.expected)
        samples.append(Sample(item, examined.verdict.signals.vector(), label))
    return samples


def fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Ridge-penalised logistic regression by Newton's method; returns raw-scale weights + bias."""
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.hstack([(x - mean) / std, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    penalty = np.eye(z.shape[1]) * RIDGE
    penalty[-1, -1] = 0.0  # the bias is not shrunk
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ w))
        gradient = z.T @ (p - y) + penalty @ w
        hessian = (z * (p * (1 - p))[:, None]).T @ z + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    coefficients = w[:-1] / std
    return np.append(coefficients, w[-1] - coefficients @ mean)


def probabilities(weights: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(x @ weights[:-1] + weights[-1])))


def outcome(samples: list[Sample], answered: np.ndarray) -> dict[str, float]:
    in_scope = [s.item.in_scope for s in samples]
    right = sum(a and s.answers for a, s in zip(answered, samples, strict=True))
    wrong = sum(a and not s.answers for a, s in zip(answered, samples, strict=True))
    declined = sum(not a and s.item.in_scope for a, s in zip(answered, samples, strict=True))
    return {
        "fact in answer": right / max(1, sum(in_scope)),
        "wrongly answered": wrong / max(1, len(samples)),
        "in-scope declined": declined / max(1, sum(in_scope)),
        "answerable at all": sum(s.answers for s in samples) / max(1, sum(in_scope)),
    }


def cross_validate(samples: list[Sample], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Each question's probability from a model fitted without its fold."""
    folds = np.arange(len(samples)) % FOLDS
    held = np.zeros(len(samples))
    for fold in range(FOLDS):
        weights = fit(x[folds != fold], y[folds != fold])
        held[folds == fold] = probabilities(weights, x[folds == fold])
    return held


def run_calibration(settings: Settings, answerer: Answerer) -> int:
    samples: list[Sample] = []
    for name in CALIBRATION_SETS:
        items = load_golden(QUESTION_SETS[name])
        if name.startswith("agency"):
            with tempfile.TemporaryDirectory() as workdir:
                samples += collect(with_agency_documents(settings, answerer, Path(workdir)), items)
        else:
            samples += collect(answerer, items)
        print(f"{name}: {len(items)} questions", flush=True)
    x = np.array([s.features for s in samples])
    y = np.array([float(s.answers) for s in samples])
    held = cross_validate(samples, x, y)
    print(f"\n{len(samples)} questions, {int(y.sum())} answerable from the chosen section")
    print("cross-validated, by probability bar:")
    for bar in (0.3, 0.4, 0.5, 0.6, 0.7):
        figures = ", ".join(f"{k} {v:.1%}" for k, v in outcome(samples, held >= bar).items())
        print(f"  {bar:.1f}{' (current)' if bar == ANSWER_PROBABILITY else ''}: {figures}")
    weights = fit(x, y)
    print("\nDECISION_WEIGHTS entry (signals in Signals.vector() order, then the bias):")
    print("    (" + ", ".join(f"{w:.3f}" for w in weights) + "),")
    return 0
