"""Development tools: `python -m bench {eval,bench,adapt,calibrate,load,faults,conditions,scale,ownwords}`,
run from a checkout.

They read the question sets in `tests/data/` and write `docs/BENCHMARKS.md`, which is why they
live outside the installed package.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench.conditions import POLICIES, POLICY_QUESTIONS
from bench.evaluation import QUESTION_SETS
from bot.config import ConfigError, startup_settings
from bot.engine.answerer import Answerer
from bot.kb.embeddings import EmbeddingModelError
from bot.kb.index import IndexUnavailableError
from bot.kb.threads import apply_thread_policy


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description="TikTok-Berater development tools")
    sub = parser.add_subparsers(dest="command", required=True)
    evaluate = sub.add_parser("eval", help="score the golden question set")
    evaluate.add_argument("--baseline", action="store_true", help="also run a tutorial-style RAG")
    evaluate.add_argument("--fusions", action="store_true", help="compare every fusion variant")
    evaluate.add_argument("--json", action="store_true", help="print the metrics as JSON")
    evaluate.add_argument(
        "--answer-mode", choices=["extractive", "llm"], default="extractive", help="which composer to score"
    )
    evaluate.add_argument(
        "--set",
        dest="question_set",
        choices=list(QUESTION_SETS),
        default="golden",
        help="which question set: golden, the tuning or held-out half of the real-world or agency questions, "
        "or the real-world questions for choosing between variants (dev)",
    )
    evaluate.add_argument(
        "--held-out",
        action="store_const",
        const="held-out",
        dest="question_set",
        help="score the held-out real-world half (same as --set held-out)",
    )
    sub.add_parser("bench", help="measure quality, latency, cold start, ingest and memory; writes docs/BENCHMARKS.md")
    sub.add_parser("adapt", help="fit the question map on the guides' declared questions (then calibrate)")
    sub.add_parser("calibrate", help="fit the answerability decision on the golden set and the tuning halves")
    sub.add_parser("load", help="only the load test: highest sustained rate, memory over 10,000 chats")
    sub.add_parser("faults", help="kill -9 under load and restart: questions lost or answered twice")
    conditions = sub.add_parser("conditions", help="warm answers with busy neighbour processes and during a reload")
    conditions.add_argument("--policy", help=argparse.SUPPRESS)  # one policy's timings as JSON, for the comparison
    conditions.add_argument("--count", type=int, default=POLICY_QUESTIONS, help=argparse.SUPPRESS)
    scale = sub.add_parser("scale", help="ingest, latency, memory and quality on a knowledge base ten times the size")
    scale.add_argument("--answering", action="store_true", help=argparse.SUPPRESS)  # the measuring child process
    scale.add_argument("--every", type=int, default=1, help=argparse.SUPPRESS)  # every n-th question, for tests
    own = sub.add_parser("ownwords", help="no run of 10+ words of a guide copied from the source texts in DIR")
    own.add_argument("sources", type=Path, help="folder of plain-text source excerpts")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    policy = POLICIES[args.policy] if getattr(args, "policy", None) else None
    if policy is None or policy.serve:  # a compared policy keeps the environment it was started with
        apply_thread_policy("serve")  # answers are measured as the bot serves them
    if args.command == "ownwords":
        from bench.ownwords import main as ownwords

        return ownwords(args.sources, Path("knowledge"))
    settings = startup_settings()
    try:
        answerer = Answerer.load(settings)  # also the check that an index exists, before minutes of work
    except (IndexUnavailableError, EmbeddingModelError, ConfigError) as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.command == "load":
        from bench.loadbench import run_load_benchmark

        run_load_benchmark(settings, answerer)
        return 0
    if args.command == "conditions":
        from bench.conditions import policy_timings, run_conditions_benchmark

        if policy is not None:
            print(json.dumps(policy_timings(answerer, args.count)))
        else:
            run_conditions_benchmark(settings, answerer)
        return 0
    if args.command == "scale":
        from bench.scale import answering_figures, run_scale_benchmark

        if args.answering:
            print(json.dumps(answering_figures(answerer, args.every)))
        else:
            run_scale_benchmark(settings)
        return 0
    if args.command == "faults":
        from bench.faults import run_fault_benchmark

        run_fault_benchmark(settings, answerer)
        return 0
    if args.command == "bench":
        from bench.benchmark import run_benchmarks

        run_benchmarks(settings, answerer)
        return 0
    if args.command == "adapt":
        from bench.adapt import run_adapt

        return run_adapt(answerer)
    if args.command == "calibrate":
        from bench.calibrate import run_calibration

        return run_calibration(settings, answerer)
    from bench.evaluation import run_eval_command

    return run_eval_command(
        settings, answerer, args.baseline, args.fusions, args.json, args.answer_mode, args.question_set
    )


if __name__ == "__main__":
    sys.exit(main())
