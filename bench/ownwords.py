"""`python -m bench ownwords DIR`: no run of 10 or more words of a guide copied from a source.

The guides state facts from their sources in this project's own words. This check compares every
10-word run of each guide (case, punctuation and spacing ignored) with the text of every source
file in DIR (plain text, e.g. the excerpts read while writing a guide). Sources are not part of
the repository, so this runs where they are, not in the test suite.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from bot.kb.documents import parse_document

RUN = 10
_WORD = re.compile(r"[\wÄÖÜäöüß]+")


def runs(text: str, length: int = RUN) -> set[tuple[str, ...]]:
    words = [w.casefold() for w in _WORD.findall(text)]
    return {tuple(words[i : i + length]) for i in range(len(words) - length + 1)}


def copied_runs(guides: list[Path], sources: list[Path]) -> list[tuple[Path, str]]:
    """(guide, copied words) for every run a guide shares with any source."""
    seen: set[tuple[str, ...]] = set()
    for source in sources:
        seen |= runs(source.read_text(encoding="utf-8", errors="replace"))
    return [(guide, " ".join(run)) for guide in guides for run in sorted(runs(prose(guide)) & seen)]


def prose(guide: Path) -> str:
    """What a guide says in its own words: headings and section texts (source titles and URLs in
    the front matter and the declared questions are not prose)."""
    doc = parse_document(guide.name, guide.read_text(encoding="utf-8"))
    return "\n".join(f"{section.heading}\n{section.body}" for section in doc.sections)


def main(source_dir: Path, knowledge: Path) -> int:
    guides = sorted(knowledge.rglob("*.md"))
    sources = sorted(p for p in source_dir.rglob("*") if p.is_file())
    found = copied_runs(guides, sources)
    for guide, words in found:
        print(f"{guide.relative_to(knowledge)}: {words}")
    print(f"{len(guides)} guides against {len(sources)} source texts: {len(found)} copied runs of {RUN}+ words")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else Path("knowledge")))
