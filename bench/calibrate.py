"""Fitting the answerability decision: `python -m bench calibrate`.

Every question of the golden set and the tuning halves (real-world and agency; never a held-out
half) is run through the engine; the judge's signals for each candidate section are the input, and
the label is whether an answer led by that section holds the expected fact (an out-of-scope
question is never answered correctly). Two logistic models are fitted on that: the ranking on
every candidate, the decision on the candidates the ranking puts first. Five-fold
cross-validation (by question) shows how both do on questions they were not fitted on, and the
weights are printed for `CALIBRATIONS` in `bot/engine/answerability.py`.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from bench.evaluation import QUESTION_SETS, GoldenItem, has_fact, load_golden, with_agency_documents
from bot.config import Settings
from bot.engine.answerability import ANSWER_PROBABILITY
from bot.engine.answerer import Answerer, Examined
from bot.engine.types import Turn

CALIBRATION_SETS = ("golden", "tune", "agency-tune")
FOLDS = 5
RIDGE = 1.0  # L2 penalty on the standardised weights: a few hundred questions, thirteen signals


@dataclass(frozen=True)
class Sample:
    """One candidate section for one question."""

    question: int  # which question it belongs to (the judge picks among a question's candidates)
    item: GoldenItem
    features: tuple[float, ...]
    answers: bool  # an answer led by this section gives the expected fact
    eligible: bool = True  # may lead at all (a question asked plainly for a figure needs a section holding one)


def collect(answerer: Answerer, items: list[GoldenItem], first: int = 0) -> list[Sample]:
    samples = []
    for number, item in enumerate(items, first):
        history: list[Turn] = []
        for earlier in item.history:
            history.append(answerer.ask(earlier, history).as_turn())
        # A question that may stand alone is weighed in the reading the current weights prefer
        # (`Answerer.examine`); a refit can shift that choice, so re-run after one.
        examined = answerer.examine(item.question, history)
        if not isinstance(examined, Examined):
            continue  # a notice (empty, too long, needs a subject) is not the judge's to decide
        covered = examined.covered
        for candidate in examined.verdict.weighed:
            others = [w.hit for w in examined.verdict.weighed if w is not candidate]
            led = replace(covered.found, hits=[candidate.hit, *others][: answerer.settings.top_k])
            forced = answerer.compose_extractive(replace(covered, found=led))
            label = item.in_scope and has_fact(forced.text, item.expected)
            samples.append(Sample(number, item, candidate.signals.vector(), label, candidate.signals.eligible))
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


def leaders(samples: list[Sample], rank: np.ndarray) -> list[int]:
    """Per question, the index of the candidate `rank` puts first, eligible ones first (as the judge)."""
    best: dict[int, int] = {}
    for index, sample in enumerate(samples):
        key = (sample.eligible, rank[index])
        current = best.get(sample.question)
        if current is None or key > (samples[current].eligible, rank[current]):
            best[sample.question] = index
    return list(best.values())


def outcome(samples: list[Sample], chosen: list[int], probability: np.ndarray, bar: float) -> dict[str, float]:
    """What users would see: per question, the leading candidate answers if likely enough."""
    led = [(probability[i], samples[i]) for i in chosen]
    in_scope = sum(s.item.in_scope for _, s in led)
    answerable = {s.question for s in samples if s.answers}
    return {
        "fact in answer": sum(p >= bar and s.answers for p, s in led) / max(1, in_scope),
        "wrongly answered": sum(p >= bar and not s.answers for p, s in led) / max(1, len(led)),
        "in-scope declined": sum(p < bar and s.item.in_scope for p, s in led) / max(1, in_scope),
        "led by an answering section": sum(s.answers for _, s in led) / max(1, in_scope),
        "some candidate answers": len(answerable) / max(1, in_scope),
    }


def cross_validate(
    samples: list[Sample], x: np.ndarray, y: np.ndarray, fitted_on: list[int] | None = None
) -> np.ndarray:
    """Each candidate's probability from a model fitted without its question's fold, on the
    candidates `fitted_on` only where given (the decision learns from the ranking's leaders)."""
    folds = np.array([s.question % FOLDS for s in samples])
    usable = np.zeros(len(samples), dtype=bool)
    usable[fitted_on if fitted_on is not None else slice(None)] = True
    held = np.zeros(len(samples))
    for fold in range(FOLDS):
        train = usable & (folds != fold)
        weights = fit(x[train], y[train])
        held[folds == fold] = probabilities(weights, x[folds == fold])
    return held


def run_calibration(settings: Settings, answerer: Answerer) -> int:
    samples: list[Sample] = []
    asked = 0
    for name in CALIBRATION_SETS:
        items = load_golden(QUESTION_SETS[name])
        if name.startswith("agency"):
            with tempfile.TemporaryDirectory() as workdir:
                samples += collect(with_agency_documents(settings, answerer, Path(workdir)), items, asked)
        else:
            samples += collect(answerer, items, asked)
        asked += len(items)
        print(f"{name}: {len(items)} questions", flush=True)
    x = np.array([s.features for s in samples])
    y = np.array([float(s.answers) for s in samples])
    rank = cross_validate(samples, x, y)
    ranked_first = leaders(samples, rank)
    decide = cross_validate(samples, x, y, fitted_on=ranked_first)
    chosen = leaders(samples, decide)  # as the judge: the likeliest eligible candidate leads
    probability = decide * np.array([s.eligible for s in samples])  # no eligible one: declined
    print(f"\n{len(chosen)} questions, {len(samples)} candidate sections, {int(y.sum())} of them answer")
    print("cross-validated, by probability bar:")
    for bar in (0.3, 0.4, 0.5, 0.6, 0.7):
        figures = ", ".join(f"{k} {v:.1%}" for k, v in outcome(samples, chosen, probability, bar).items())
        print(f"  {bar:.1f}{' (current)' if bar == ANSWER_PROBABILITY else ''}: {figures}")
    print("\nCALIBRATIONS entry for bot/engine/answerability.py:")
    print("        ranking=(" + ", ".join(f"{w:.3f}" for w in fit(x, y)) + "),")
    print("        decision=(" + ", ".join(f"{w:.3f}" for w in fit(x[ranked_first], y[ranked_first])) + "),")
    return 0
