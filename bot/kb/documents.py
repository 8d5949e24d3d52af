"""Turning knowledge files into citable chunks (the guide format is documented in docs/GUIDES.md).

A chunk is one heading section of a guide (split further only when it would not fit the
embedding model's input window), so every answer can cite "guide › section" and the section's
own sources. The further phrasings a section declares (`> question:`) become one more chunk of
kind "question" that points at its section, so a colloquial question can find the section by
the words owners use; a section that declares none (a document not written as a guide) gets one
chunk of kind "sentence" per sentence instead. Ids derive from path, section and content, which makes re-ingesting
unchanged files a no-op.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from langchain_text_splitters import RecursiveCharacterTextSplitter

from bot.kb.language import detect_language
from bot.kb.sentences import split_sentences

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml parses in a tenth of the time
_HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*#*\s*$")
_META_LINE = re.compile(r"^>\s*(sources|question|as_of|review_by|legal)\s*:\s*(.*?)\s*$", re.IGNORECASE)
SECTION = "section"
QUESTION = "question"
SENTENCE = "sentence"
FINDERS = frozenset({QUESTION, SENTENCE})  # chunks that only lead to their section
MIN_SENTENCE_WORDS = 4  # shorter units ("Preise:", "Stand 2025.") find nothing by themselves
FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)


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
    def finds_section(self) -> bool:
        """A declared question or a sentence: searched, never quoted on its own."""
        return self.metadata.get("kind") in FINDERS

    @property
    def embed_text(self) -> str:
        """Title and section ride along so a passage is findable by what it is about.

        Declared questions and sentences are embedded as they stand: each is matched on its own.
        """
        if self.finds_section:
            return self.text
        return f"{self.metadata['title']} – {self.metadata['section']}\n{self.text}"

    @property
    def questions(self) -> list[str]:
        """The further phrasings the section declares."""
        return list(json.loads(self.metadata.get("questions") or "[]"))

    @property
    def sources(self) -> list[dict[str, str]]:
        """The section's sources: title, publisher, url, date (any may be empty)."""
        return list(json.loads(self.metadata.get("sources") or "[]"))


@dataclass(frozen=True)
class Section:
    """A heading section of a document with what its closing `> key: value` lines declare."""

    heading: str
    body: str
    sources: tuple[dict[str, str], ...] = ()
    questions: tuple[str, ...] = ()
    as_of: str = ""
    review_by: str = ""
    legal: bool = False


@dataclass(frozen=True)
class Document:
    """A parsed knowledge file."""

    path: str  # relative to the knowledge folder, with forward slashes
    title: str
    lang: str
    topic: str
    sections: list[Section]
    menu: str = ""  # the label of the /themen button its topic sits under; empty: the title
    menu_order: int | None = None  # the button's place in /themen; None: after the numbered ones


def load_yaml(text: str) -> Any:
    """`yaml.safe_load`, in C where PyYAML was built with libyaml: the pure-Python parser took half
    a second of every build for the front matter of today's guides."""
    return yaml.load(text, Loader=_YAML_LOADER)  # a safe loader either way


def parse_document(rel_path: str, text: str) -> Document:
    """Split front matter and heading sections; plain text becomes one section."""
    meta: dict[str, Any] = {}
    match = FRONT_MATTER.match(text)
    if match:
        try:
            loaded = load_yaml(match.group(1))
        except yaml.YAMLError as exc:
            raise BadFileError(f"malformed front matter: {exc.__class__.__name__}") from None
        if not isinstance(loaded, dict):
            raise BadFileError("malformed front matter: expected 'key: value' lines")
        meta = loaded
        text = text[match.end() :]

    stem = Path(rel_path).stem
    title = str(meta.get("title") or "").strip()
    raw: list[tuple[str, str]] = []
    heading, lines = "", list[str]()
    for line in text.split("\n"):
        found = _HEADING.match(line)
        if found and len(found.group(1)) == 1 and not title:
            title = found.group(2)
            continue
        if found:
            if "\n".join(lines).strip():
                raw.append((heading, "\n".join(lines).strip()))
            heading, lines = found.group(2), []
        else:
            lines.append(line)
    if "\n".join(lines).strip():
        raw.append((heading, "\n".join(lines).strip()))
    title = title or stem.replace("-", " ").replace("_", " ").title()
    registry = _source_registry(meta)
    defaults = Section(
        heading="",
        body="",
        sources=tuple(registry.values()) if "source" in meta else (),
        as_of=_date_text(meta.get("as_of")),
        review_by=_date_text(meta.get("review_by")),
        legal=bool(meta.get("legal", False)),
    )
    sections = [_section(name or title, body, registry, defaults) for name, body in raw]
    sections = [section for section in sections if section.body]
    if not sections:
        raise BadFileError("no text besides headings")

    body_text = "\n".join(section.body for section in sections)
    return Document(
        path=rel_path,
        title=title,
        lang=str(meta.get("lang") or detect_language(body_text)),
        topic=str(meta.get("topic") or stem),
        sections=sections,
        menu=str(meta.get("menu") or "").strip(),
        menu_order=_menu_order(meta.get("menu_order")),
    )


def _menu_order(value: Any) -> int | None:
    """A whole number or nothing: a typo must not silently move a topic to the end of the menu."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadFileError("malformed front matter: 'menu_order' must be a whole number")
    return value


def _date_text(value: Any) -> str:
    """YAML reads 2026-11-01 as a date; the guides mean the text."""
    return str(value or "").strip()


def _source_registry(meta: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The front matter's `sources` by id; an old single `source:` string becomes one entry."""
    registry: dict[str, dict[str, str]] = {}
    declared = meta.get("sources") or {}
    if not isinstance(declared, dict):
        raise BadFileError("malformed front matter: 'sources' must map ids to title, publisher, url, date")
    for source_id, fields in declared.items():
        if not isinstance(fields, dict):
            raise BadFileError(f"malformed front matter: source {source_id!r} needs title, publisher, url, date")
        registry[str(source_id)] = {key: _date_text(fields.get(key)) for key in ("title", "publisher", "url", "date")}
    if meta.get("source") and not registry:
        source = str(meta["source"]).strip()
        url = source if source.startswith(("http://", "https://")) else ""
        registry["source"] = {"title": "" if url else source, "publisher": "", "url": url, "date": ""}
    return registry


def _section(heading: str, body: str, registry: dict[str, dict[str, str]], defaults: Section) -> Section:
    """A section with its closing metadata lines taken off the text and applied."""
    lines = body.split("\n")
    values: dict[str, list[str]] = {}
    while lines:
        last = lines[-1].strip()
        found = _META_LINE.match(last)
        if last and not found:
            break
        lines.pop()
        if found:
            values.setdefault(found.group(1).lower(), []).insert(0, found.group(2))
    sources = defaults.sources
    if "sources" in values:
        ids = [i.strip() for line in values["sources"] for i in line.split(",") if i.strip()]
        unknown = [i for i in ids if i not in registry]
        if unknown:
            raise BadFileError(f"section {heading!r} cites unknown source ids: {', '.join(unknown)}")
        sources = tuple(registry[i] for i in ids)
    legal = values.get("legal", [str(defaults.legal)])[-1].strip().lower() in {"true", "yes", "ja", "1"}
    return Section(
        heading=heading,
        body="\n".join(lines).strip(),
        sources=sources,
        questions=tuple(q for q in values.get("question", []) if q),
        as_of=values.get("as_of", [defaults.as_of])[-1],
        review_by=values.get("review_by", [defaults.review_by])[-1],
        legal=legal,
    )


def chunk_document(doc: Document, count_tokens: Callable[[str], int], max_tokens: int) -> Iterator[Chunk]:
    """Yield one chunk per section (split only what exceeds the model's window), then its declared
    questions, or, for a section that declares none, its sentences."""
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=max_tokens,
        chunk_overlap=max_tokens // 8,
        length_function=count_tokens,
        separators=["\n\n", "\n", ". ", " ", ""],
        keep_separator="end",  # a part ends with its full stop instead of the next one starting with it
    )
    for position, section in enumerate(doc.sections):
        header = f"{doc.title} – {section.heading}\n"
        body = section.body
        parts = [body] if count_tokens(header + body) <= max_tokens else splitter.split_text(body)
        metadata = {
            "file": doc.path,
            "title": doc.title,
            "section": section.heading,
            "lang": doc.lang,
            "topic": doc.topic,
            "as_of": section.as_of,
            "review_by": section.review_by,
            "legal": section.legal,
            "sources": json.dumps(list(section.sources), ensure_ascii=False),
            "questions": json.dumps(list(section.questions), ensure_ascii=False),
            "position": position,  # reading order, for menus and suggestions
            **_menu_metadata(doc),
        }
        for part_no, part in enumerate(parts):
            key = f"{doc.path}#{section.heading}#{part_no}"
            yield _chunk(key, part, {**metadata, "kind": SECTION, "part": part_no})
        # Questions lead to their section's first part, sentences to the part holding them, by file,
        # heading and part number, not by id: editing one sentence re-embeds that sentence and its
        # part (and the sentences the edit moves into another part), nothing else.
        # One entry for all the declared questions: it finds the right section more often than one
        # per question, and ingest is faster (docs/EXPERIMENTS.md).
        if section.questions:
            yield _chunk(
                f"{doc.path}#{section.heading}#q",
                "\n".join(section.questions),
                {**metadata, "kind": QUESTION, "part": "q"},
            )
            continue
        # A document not written as a guide (a handbook, terms, a saved page) states its facts in
        # long sections under headings that ask nothing: each sentence is found on its own, so
        # "Wie lange hat der Kunde für die Freigabe?" finds the one sentence on the 48 hours. It
        # leads to the part that holds it: a style guide without headings is one long section in
        # several parts, and the colour code in its third part is no answer from its first.
        sentences = dict.fromkeys(s for s in split_sentences(body) if len(s.split()) >= MIN_SENTENCE_WORDS)
        flat = [" ".join(text.split()) for text in parts]
        part_no = 0
        for sentence in sentences:
            part = "s" + hashlib.sha256(sentence.encode()).hexdigest()[:12]  # stable when others move
            part_no = _part_holding(sentence, flat, part_no)
            # Only later parts are named: a one-part section's sentences keep the ids they had.
            held_in = {"in_part": part_no} if part_no else {}
            key = f"{doc.path}#{section.heading}#{part}"
            yield _chunk(key, sentence, {**metadata, "kind": SENTENCE, "part": part, **held_in})


def _part_holding(sentence: str, flat_parts: list[str], start: int) -> int:
    """The first part from `start` on that holds the sentence (parts overlap), or, for one cut at
    a part's end, its beginning; else `start`. Sentences come in reading order, so each search
    starts at the previous sentence's part: a long PDF is not searched whole for every sentence.
    Parts are compared with single spaces (`flat_parts`): the sentence splitter joins a
    paragraph's hard-wrapped lines, the parts keep them."""
    whole = " ".join(sentence.split())
    for text in (whole, whole[:40]):
        found = next((n for n in range(start, len(flat_parts)) if text in flat_parts[n]), None)
        if found is not None:
            return found
    return start


def _menu_metadata(doc: Document) -> dict[str, Any]:
    """The guide's place in the topic menu, only where declared: Chroma stores no None, and a
    document without menu fields keeps the chunk ids it had before they existed."""
    declared = {"menu": doc.menu or None, "menu_order": doc.menu_order}
    return {key: value for key, value in declared.items() if value is not None}


def _chunk(key: str, text: str, metadata: dict[str, Any]) -> Chunk:
    # Metadata is part of the identity: a new "as_of" must reach the stored chunk too.
    identity = json.dumps([text, metadata], ensure_ascii=False, sort_keys=True)
    return Chunk(id=hashlib.sha256(identity.encode()).hexdigest()[:24], key=key, text=text, metadata=metadata)


def is_past(review_by: str, today: str) -> bool:
    """Whether a review date (YYYY-MM or YYYY-MM-DD) has passed on `today` (YYYY-MM-DD).

    A month means its whole month: "2027-05" is past from June 2027 on.
    """
    review_by = review_by.strip()[:10]
    return bool(review_by) and review_by < today[: len(review_by)]


@dataclass(frozen=True)
class Stale:
    """A guide section past its review date."""

    file: str
    title: str
    section: str
    review_by: str


def stale_sections(chunks: Iterable[Chunk], today: str) -> list[Stale]:
    """The sections (first parts only) whose review date has passed, in file order."""
    found = {
        (c.metadata["file"], c.metadata["section"]): Stale(
            c.metadata["file"], c.metadata["title"], c.metadata["section"], str(c.metadata.get("review_by", ""))
        )
        for c in chunks
        if c.metadata.get("kind", SECTION) == SECTION and is_past(str(c.metadata.get("review_by", "")), today)
    }
    return [found[key] for key in sorted(found)]


def iter_knowledge_files(root: Path) -> Iterator[Path]:
    """Every file under the knowledge folder, hidden ones excluded, in a stable order."""
    for path in sorted(root.rglob("*")):
        if path.is_file() and not any(p.startswith(".") for p in path.relative_to(root).parts):
            yield path
