"""Turning knowledge files into citable chunks.

A chunk is one heading section of a guide (split further only when it would not fit the
embedding model's input window), so every answer can cite "guide › section". Ids derive from
path, section and content, which makes re-ingesting unchanged files a no-op.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from langchain_text_splitters import RecursiveCharacterTextSplitter

from bot.kb.language import detect_language

_HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*#*\s*$")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)


class BadFileError(ValueError):
    """A knowledge file that cannot be ingested; the message is the reason shown to the user."""


@dataclass(frozen=True)
class Chunk:
    """One retrievable, citable passage."""

    id: str
    key: str  # file + section + part: identifies "the same place" across edits
    text: str  # the section body, what answers quote
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def embed_text(self) -> str:
        """Title and section ride along so a passage is findable by what it is about."""
        return f"{self.metadata['title']} – {self.metadata['section']}\n{self.text}"


@dataclass(frozen=True)
class Document:
    """A parsed knowledge file."""

    path: str  # relative to the knowledge folder, with forward slashes
    title: str
    lang: str
    topic: str
    as_of: str
    source: str
    sections: list[tuple[str, str]]  # (heading, body)


def parse_document(rel_path: str, text: str) -> Document:
    """Split front matter and heading sections; plain text becomes one section."""
    meta: dict[str, Any] = {}
    match = _FRONT_MATTER.match(text)
    if match:
        try:
            loaded = yaml.safe_load(match.group(1))
        except yaml.YAMLError as exc:
            raise BadFileError(f"malformed front matter: {exc.__class__.__name__}") from None
        if not isinstance(loaded, dict):
            raise BadFileError("malformed front matter: expected 'key: value' lines")
        meta = loaded
        text = text[match.end() :]

    stem = Path(rel_path).stem
    title = str(meta.get("title") or "").strip()
    sections: list[tuple[str, str]] = []
    heading, lines = "", list[str]()
    for line in text.split("\n"):
        found = _HEADING.match(line)
        if found and len(found.group(1)) == 1 and not title:
            title = found.group(2)
            continue
        if found:
            if "\n".join(lines).strip():
                sections.append((heading, "\n".join(lines).strip()))
            heading, lines = found.group(2), []
        else:
            lines.append(line)
    if "\n".join(lines).strip():
        sections.append((heading, "\n".join(lines).strip()))
    title = title or stem.replace("-", " ").replace("_", " ").title()
    sections = [(name or title, body) for name, body in sections]
    if not sections:
        raise BadFileError("no text besides headings")

    body_text = "\n".join(body for _, body in sections)
    return Document(
        path=rel_path,
        title=title,
        lang=str(meta.get("lang") or detect_language(body_text)),
        topic=str(meta.get("topic") or stem),
        as_of=str(meta.get("as_of") or ""),
        source=str(meta.get("source") or ""),
        sections=sections,
    )


def chunk_document(doc: Document, count_tokens: Callable[[str], int], max_tokens: int) -> Iterator[Chunk]:
    """Yield one chunk per section, splitting only what exceeds the model's window."""
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=max_tokens,
        chunk_overlap=max_tokens // 8,
        length_function=count_tokens,
        separators=["\n\n", "\n", ". ", " ", ""],
        keep_separator="end",  # a part ends with its full stop instead of the next one starting with it
    )
    for position, (section, body) in enumerate(doc.sections):
        header = f"{doc.title} – {section}\n"
        parts = [body] if count_tokens(header + body) <= max_tokens else splitter.split_text(body)
        for part_no, part in enumerate(parts):
            key = f"{doc.path}#{section}#{part_no}"
            metadata = {
                "file": doc.path,
                "title": doc.title,
                "section": section,
                "lang": doc.lang,
                "topic": doc.topic,
                "as_of": doc.as_of,
                "source": doc.source,
                "part": part_no,
                "position": position,  # reading order, for menus and suggestions
            }
            # Metadata is part of the identity: a new "as_of" must reach the stored chunk too.
            identity = json.dumps([part, metadata], ensure_ascii=False, sort_keys=True)
            chunk_id = hashlib.sha256(identity.encode()).hexdigest()[:24]
            yield Chunk(id=chunk_id, key=key, text=part, metadata=metadata)


def iter_knowledge_files(root: Path) -> Iterator[Path]:
    """Every file under the knowledge folder, hidden ones excluded, in a stable order."""
    for path in sorted(root.rglob("*")):
        if path.is_file() and not any(p.startswith(".") for p in path.relative_to(root).parts):
            yield path
