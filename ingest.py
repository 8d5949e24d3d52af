"""Build or update the knowledge index: `python ingest.py [--rebuild] [--if-missing] [--add-url URL]`.

Exit status: 0 all files ingested, 1 some files were skipped (the rest is live), 2 nothing
could be done (the previous index, if any, stays live).
"""

from __future__ import annotations

import argparse
import sys

from bot.config import startup_settings
from bot.ingest.fetch import FetchError, add_url
from bot.ingest.sync import ingest
from bot.kb.documents import BadFileError
from bot.kb.embeddings import EmbeddingModelError, load_embeddings
from bot.kb.index import IndexUnavailableError, open_client, read_manifest
from bot.kb.threads import apply_thread_policy


def main(argv: list[str] | None = None) -> int:
    apply_thread_policy("ingest")  # before the engine loads: batches side by side, one per core
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="start from an empty index")
    parser.add_argument("--if-missing", action="store_true", help="do nothing when an index already exists")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--add-url", action="append", default=[], metavar="URL", help="save a web page into the knowledge folder first"
    )
    args = parser.parse_args(argv)

    settings = startup_settings()
    try:
        for url in args.add_url:
            print(f"saved {url} as {add_url(url, settings.knowledge_dir, settings.max_file_bytes)}")
        if args.if_missing and read_manifest(open_client(settings), settings) is not None:
            return 0
        embeddings = load_embeddings(settings.embedding_model)
        report = ingest(settings, embeddings, rebuild=args.rebuild, show_progress=not args.quiet)
    except (BadFileError, FileNotFoundError, EmbeddingModelError, IndexUnavailableError, FetchError) as exc:
        print(f"Ingest failed: {exc}", file=sys.stderr)
        return 2
    for file, reason in report.skipped:
        print(f"skipped {file}: {reason}", file=sys.stderr)
    for stale in report.stale:  # still answered, with a "may be out of date" line
        print(f"past its review date ({stale.review_by}): {stale.file} › {stale.section}", file=sys.stderr)
    print(report.summary())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
