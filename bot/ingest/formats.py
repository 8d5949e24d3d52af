"""Knowledge files of every supported format, turned into the Markdown that `parse_document` reads.

Agencies have HTML pages, saved web pages, PDFs and Word files, not just Markdown. Each format
is reduced to headings and paragraphs, so chunking by sections (and citing "guide › section")
works the same for all of them. Whatever cannot be read raises `BadFileError` with the reason
ingest shows next to the skipped file.

The size limit holds for what a file becomes, not only for the file on disk: a DOCX is a zip and a
PDF holds compressed streams, and a few hundred KB of either can unpack to gigabytes (a 457 KB DOCX
of 150 MB XML once held ingest for minutes). Both are unpacked within `_expansion_limit`, and the
text any file yields is held to the limit a Markdown file has.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from bot.kb.documents import FRONT_MATTER, BadFileError

_SPACE = re.compile(r"[ \t\u00a0]+")
_HYPHEN_BREAK = re.compile(r"(\w)-\n(\w)")
_EXPANSION_FACTOR = 10


def read_knowledge_file(path: Path, max_bytes: int) -> str:
    """The file as Markdown (with front matter where the format carries metadata)."""
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        supported = ", ".join(sorted(_READERS))
        raise BadFileError(f"unsupported format {path.suffix or '(none)'} (use {supported})")
    size = path.stat().st_size
    if size > max_bytes:
        raise BadFileError(f"too large ({size:,} bytes, limit {max_bytes:,})")
    raw = path.read_bytes()
    if not raw.strip():
        raise BadFileError("empty file")
    return reader(raw, path, max_bytes)


def _expansion_limit(max_bytes: int) -> int:
    """What a DOCX or PDF within `max_bytes` may unpack to: ten times as much.

    A real file unpacks to its text, the markup around it and its images. Word's XML and a PDF's
    text operators take about twice the bytes of the text they carry (measured: 1.9 MB of
    formatted text, 4.2 MB unpacked DOCX; 2.8 MB of text, 4.7 MB of PDF page contents), and images
    do not shrink in a zip; so a file whose text fits the limit stays well below ten times it,
    while a bomb unpacks to hundreds of times its size. Following MAX_FILE_BYTES, whoever allows
    larger files allows larger contents; at the default 2 MB, parsing stops at 20 MB.
    """
    return _EXPANSION_FACTOR * max_bytes


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB".replace(".0 MB", " MB")


def _bounded(parts: Iterable[str], max_bytes: int) -> Iterator[str]:
    """The parts, refused as soon as their text together outgrows what a Markdown file may hold."""
    total = 0
    for part in parts:
        total += len(part.encode("utf-8"))
        if total > max_bytes:
            raise BadFileError(f"more than {_megabytes(max_bytes)} of text (the limit for a knowledge file)")
        yield part


def _text(raw: bytes, path: Path, max_bytes: int) -> str:
    if b"\x00" in raw:
        raise BadFileError("binary content, not text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadFileError(f"not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise BadFileError("empty file")
    return text.replace("\r\n", "\n")


# -- plain text ------------------------------------------------------------------------------

_MARKDOWN_HEADING = re.compile(r"^#{1,3}\s+\S", re.MULTILINE)
_UNDERLINE = re.compile(r"^\s*(?:={3,}|-{3,})\s*$")
_HEADING_MAX_WORDS = 10
_SENTENCE_END = (".", ",", ";", "!", "?")


def _plain_text(raw: bytes, path: Path, max_bytes: int) -> str:
    """Plain text as typed in handbooks and style guides: a line in capitals standing alone
    ("FARBEN UND SCHRIFT") or a line underlined with === or --- heads a section, the first one on
    top of the file being the title. Without that, a style guide became one long section cut into
    parts by length, each named after the file, and the parts of one document competed with each
    other for every question. A text file written in Markdown stays as it is."""
    text = _text(raw, path, max_bytes)
    front = FRONT_MATTER.match(text)
    head, body = (text[: front.end()], text[front.end() :]) if front else ("", text)
    if _MARKDOWN_HEADING.search(body):
        return text
    lines = body.split("\n")
    out: list[str] = []
    skip = False
    for i, line in enumerate(lines):
        if skip:
            skip = False
            continue
        underlined = i + 1 < len(lines) and bool(_UNDERLINE.match(lines[i + 1])) and _heading_like(line)
        alone = (i == 0 or not lines[i - 1].strip()) and _heading_like(line) and _in_capitals(line)
        if underlined or alone:
            level = "#" if not any(o.strip() for o in out) else "##"
            out += ["", f"{level} {_clean(line).rstrip(':')}", ""]
            skip = underlined
        else:
            out.append(line)
    return head + "\n".join(_lists_under_colons(out)).strip() + "\n"


def _lists_under_colons(lines: list[str]) -> list[str]:
    """Short lines standing together under a line that ends with a colon become list items, as
    typed without bullets: "Die Hausfarben sind verbindlich:" over "Sonnengelb #F2B705 (Hauptfarbe)"
    and three more colours. An answer then gives the whole list, not the line that announces it."""
    lines = list(lines)
    for i, line in enumerate(lines):
        if not line.rstrip().endswith(":") or line.startswith("#"):
            continue
        start = i + 1
        while start < len(lines) and not lines[start].strip():
            start += 1
        end = start
        while end < len(lines) and lines[end].strip() and _list_line(lines[end]):
            end += 1
        if end - start >= 2 and (end == len(lines) or not lines[end].strip()):
            lines[start:end] = [f"- {entry.strip()}" for entry in lines[start:end]]
    return lines


def _list_line(line: str) -> bool:
    text = line.strip()
    return (
        not text.startswith(("#", "-", "*", "•"))
        and len(text.split()) <= 2 * _HEADING_MAX_WORDS
        and not text.endswith(_SENTENCE_END)
    )


def _heading_like(line: str) -> bool:
    words = line.split()
    return 0 < len(words) <= _HEADING_MAX_WORDS and not line.rstrip().endswith(_SENTENCE_END)


def _in_capitals(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def _front_matter(**values: str) -> str:
    lines = [f"{key}: {_yaml_string(value)}" for key, value in values.items() if value]
    return "---\n" + "\n".join(lines) + "\n---\n\n" if lines else ""


def _yaml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


# -- HTML ------------------------------------------------------------------------------------

_NOISE = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "svg", "iframe", "template")
_NOISE_ROLES = ("navigation", "banner", "contentinfo", "search", "complementary")
_BLOCKS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote", "pre", "td", "th", "dt", "dd")


def _html(raw: bytes, path: Path, max_bytes: int) -> str:
    """Main text only (navigation, banners, scripts dropped); h1 is the title, h2-h6 sections."""
    from bs4 import BeautifulSoup, Tag

    soup = BeautifulSoup(raw, "html.parser")
    lang = ""
    if isinstance(soup.html, Tag):
        lang = str(soup.html.get("lang") or "").split("-")[0].lower()
    source = _canonical(soup) or path.name
    page_title = _clean(soup.title.get_text()) if soup.title else ""
    for element in soup.find_all(_NOISE):
        element.decompose()
    for element in soup.find_all(role=list(_NOISE_ROLES)):
        element.decompose()
    main = soup.find("main") or soup.find("article") or soup.body or soup

    lines: list[str] = []
    title = ""
    for block in main.find_all(_BLOCKS):
        if block.find(_BLOCKS):  # a container of other blocks: its children speak for it
            continue
        text = _clean(block.get_text(" "))
        if not text:
            continue
        name = block.name
        if name == "h1" and not title:
            title = text
        elif name[0] == "h" and name[1:].isdigit():
            lines.append(f"\n## {text}\n")
        elif name == "li":
            lines.append(f"- {text}")
        else:
            lines.append(f"\n{text}\n")
    body = "\n".join(lines).strip()
    if not body:
        raise BadFileError("no readable text in the HTML")
    meta = _front_matter(title=title or page_title, lang=lang if lang in ("de", "en") else "", source=source)
    return f"{meta}{body}\n"


def _canonical(soup: Any) -> str:
    """The page's own URL, so a saved page cites where it came from."""
    link = soup.find("link", rel="canonical")
    if link is not None and link.get("href"):
        return str(link["href"])
    og = soup.find("meta", property="og:url")
    return str(og["content"]) if og is not None and og.get("content") else ""


# -- PDF -------------------------------------------------------------------------------------

# Every page is parsed on its own, and page objects compress so well that a small file can hold
# 100,000 of them; a guide longer than this is a book to split anyway.
_MAX_PDF_PAGES = 2_000


def _pdf(raw: bytes, path: Path, max_bytes: int) -> str:
    """Text of every page, words broken at line ends joined again; lines that are entries of the
    outline (the bookmarks Word exports for headings) or stand alone in capitals become sections,
    and a line repeated on most pages (a running header or footer) is dropped."""
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import LimitReachedError, PdfReadError

    limit = _expansion_limit(max_bytes)
    try:
        with apply_configuration(  # pypdf's caps on what one stream decompresses to, 75 MB by default
            zlib_maximum_output_length=limit,
            lzw_maximum_output_length=limit,
            run_length_maximum_output_length=limit,
            array_based_stream_maximum_output_length=limit,
        ):
            reader = PdfReader(io.BytesIO(raw))
            if reader.is_encrypted and not reader.decrypt(""):
                raise BadFileError("encrypted PDF (remove the password and save it again)")
            if len(reader.pages) > _MAX_PDF_PAGES:
                raise BadFileError(f"{len(reader.pages):,} pages (limit {_MAX_PDF_PAGES:,})")
            pages = list(_bounded(_pdf_pages(reader, limit), max_bytes))
            title = str(reader.metadata.get("/Title") or "").strip() if reader.metadata else ""
            headings = _outline_titles(reader)
    except BadFileError:
        raise
    except LimitReachedError as exc:  # pypdf's caps, on stream sizes among them
        raise BadFileError(f"too large once unpacked (limit {_megabytes(limit)}): {str(exc)[:120]}") from None
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise BadFileError(f"broken PDF: {str(exc)[:120] or exc.__class__.__name__}") from None
    except Exception as exc:  # pypdf raises many kinds on damaged files; a skip beats a crash
        if "crypt" in str(exc).lower():
            raise BadFileError("encrypted PDF (remove the password and save it again)") from None
        raise BadFileError(f"broken PDF: {exc.__class__.__name__}") from None
    running = _running_lines(pages)
    text = "\n\n".join(_paragraphs(page, headings, running) for page in pages if page.strip())
    if not text.strip():
        raise BadFileError("no extractable text (scanned PDF? run OCR first)")
    return f"{_front_matter(title=title or path.stem, source=path.name)}{text}\n"


def _pdf_pages(reader: Any, limit: int) -> Iterator[str]:
    """Each page's text, once the page contents read so far stay within `limit`.

    pypdf bounds each stream, not the file: pages may share one large content stream, and each
    page parses it again, so the contents are counted per page, as the text extraction sees them.
    """
    unpacked = 0
    for page in reader.pages:
        contents = page.get_contents()
        unpacked += len(contents.get_data()) if contents is not None else 0
        if unpacked > limit:
            raise BadFileError(f"the page contents unpack to more than {_megabytes(limit)} (the limit)")
        yield page.extract_text() or ""


def _outline_titles(reader: Any) -> frozenset[str]:
    """The titles of the PDF's outline, at any depth, in lower case; none when it has none or it
    cannot be read (a broken outline costs the sections, not the file)."""
    titles: set[str] = set()

    def walk(items: Any) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            elif getattr(item, "title", None):
                titles.add(_clean(str(item.title)).lower())

    try:
        walk(reader.outline)
    except Exception:  # pypdf raises many kinds on damaged outlines
        return frozenset()
    return frozenset(titles)


def _running_lines(pages: list[str]) -> frozenset[str]:
    """Lines on more than half of three or more pages: headers and footers, not content."""
    if len(pages) < 3:
        return frozenset()
    seen: dict[str, int] = {}
    for page in pages:
        for line in {_clean(line) for line in page.split("\n")} - {""}:
            seen[line] = seen.get(line, 0) + 1
    return frozenset(line for line, count in seen.items() if count > len(pages) / 2)


def _paragraphs(page: str, headings: frozenset[str], running: frozenset[str]) -> str:
    """Lines wrapped by the layout joined into paragraphs; blank lines and short lines end one, and
    a heading (an outline entry, or a line in capitals) stands as one."""
    page = _HYPHEN_BREAK.sub(r"\1\2", page.replace("\r", ""))
    paragraphs: list[str] = []
    current: list[str] = []
    for line in page.split("\n"):
        line = _clean(line)
        if line in running:
            continue
        if not line or (_heading_like(line) and (line.lower() in headings or _in_capitals(line))):
            if current:
                paragraphs.append(" ".join(current))
                current = []
            if line:
                paragraphs.append(f"## {line.rstrip(':')}")
            continue
        current.append(line)
        if line.endswith((".", "!", "?", ":")) and len(line) < 60:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)


# -- DOCX ------------------------------------------------------------------------------------


def _docx(raw: bytes, path: Path, max_bytes: int) -> str:
    """Word headings become Markdown headings, list paragraphs items, tables 'cell | cell' lines."""
    import docx

    package = _unpacked_zip(raw, _expansion_limit(max_bytes))
    try:
        document = docx.Document(io.BytesIO(package))
    except Exception as exc:  # not a Word document, damaged parts
        raise BadFileError(f"broken DOCX: {exc.__class__.__name__}") from None
    title = (document.core_properties.title or "").strip()
    lines = list(_bounded(_docx_lines(document), max_bytes))
    if not title and lines and lines[0].startswith("# "):
        title = lines.pop(0)[2:]
    body = "\n".join(f"\n## {line[2:]}\n" if line.startswith("# ") else line for line in lines).strip()
    if not body:
        raise BadFileError("no text in the DOCX")
    return f"{_front_matter(title=title or path.stem, source=path.name)}{body}\n"


def _unpacked_zip(raw: bytes, limit: int) -> bytes:
    """The zip with every member unpacked within `limit` and stored uncompressed, for python-docx.

    The central directory says what each member unpacks to, so a bomb is refused before any
    decompression. It may lie, though, and python-docx reads members whole, which decompresses all
    there is before cutting at the declared size; reading each member only up to its declared size
    here (zipfile then checks the CRC) and handing python-docx stored copies leaves nothing to expand.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = archive.infolist()
            unpacked = sum(member.file_size for member in members)
            if unpacked > limit:
                raise BadFileError(f"unpacks to {_megabytes(unpacked)} (limit {_megabytes(limit)})")
            stored = io.BytesIO()
            with zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as copy:
                for member in members:
                    if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                        raise BadFileError(f"broken DOCX: {member.filename} uses a compression Word does not write")
                    with archive.open(member) as data:
                        copy.writestr(member.filename, data.read(member.file_size))
    except BadFileError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, ValueError) as exc:
        raise BadFileError(f"broken DOCX: {str(exc)[:120] or exc.__class__.__name__}") from None
    return stored.getvalue()


def _docx_lines(document: object) -> Iterator[str]:
    for paragraph in document.paragraphs:  # type: ignore[attr-defined]
        text = _clean(paragraph.text)
        if not text:
            continue
        found = paragraph.style  # python-docx looks the style up anew, and slowly, on every access
        style = (found.name if found is not None else "").lower()
        if style in ("title", "heading 1"):
            yield f"# {text}"
        elif style.startswith("heading"):
            yield f"\n## {text}\n"
        elif "list" in style:
            yield f"- {text}"
        else:
            yield f"\n{text}\n"
    for table in document.tables:  # type: ignore[attr-defined]
        for row in table.rows:
            cells = [_clean(cell.text) for cell in row.cells]
            if any(cells):
                yield " | ".join(cells)


_READERS: dict[str, Callable[[bytes, Path, int], str]] = {
    ".md": _text,
    ".txt": _plain_text,
    ".html": _html,
    ".htm": _html,
    ".pdf": _pdf,
    ".docx": _docx,
}
