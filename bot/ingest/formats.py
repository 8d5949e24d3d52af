"""Knowledge files of every supported format, turned into the Markdown that `parse_document` reads.

Agencies have HTML pages, saved web pages, PDFs and Word files, not just Markdown. Each format
is reduced to headings and paragraphs, so chunking by sections (and citing "guide › section")
works the same for all of them. Whatever cannot be read raises `BadFileError` with the reason
ingest shows next to the skipped file.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bot.kb.documents import BadFileError

_SPACE = re.compile(r"[ \t\u00a0]+")
_HYPHEN_BREAK = re.compile(r"(\w)-\n(\w)")


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
    return reader(raw, path)


def _text(raw: bytes, path: Path) -> str:
    if b"\x00" in raw:
        raise BadFileError("binary content, not text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadFileError(f"not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise BadFileError("empty file")
    return text.replace("\r\n", "\n")


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


def _html(raw: bytes, path: Path) -> str:
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


def _pdf(raw: bytes, path: Path) -> str:
    """Text of every page, words broken at line ends joined again; outline entries become sections."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            raise BadFileError("encrypted PDF (remove the password and save it again)")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = str(reader.metadata.get("/Title") or "").strip() if reader.metadata else ""
    except BadFileError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise BadFileError(f"broken PDF: {str(exc)[:120] or exc.__class__.__name__}") from None
    except Exception as exc:  # pypdf raises many kinds on damaged files; a skip beats a crash
        if "crypt" in str(exc).lower():
            raise BadFileError("encrypted PDF (remove the password and save it again)") from None
        raise BadFileError(f"broken PDF: {exc.__class__.__name__}") from None
    text = "\n\n".join(_paragraphs(page) for page in pages if page.strip())
    if not text.strip():
        raise BadFileError("no extractable text (scanned PDF? run OCR first)")
    return f"{_front_matter(title=title or path.stem, source=path.name)}{text}\n"


def _paragraphs(page: str) -> str:
    """Lines wrapped by the layout joined into paragraphs; blank lines and short lines end one."""
    page = _HYPHEN_BREAK.sub(r"\1\2", page.replace("\r", ""))
    paragraphs: list[str] = []
    current: list[str] = []
    for line in page.split("\n"):
        line = _clean(line)
        if not line:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        current.append(line)
        if line.endswith((".", "!", "?", ":")) and len(line) < 60:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)


# -- DOCX ------------------------------------------------------------------------------------


def _docx(raw: bytes, path: Path) -> str:
    """Word headings become Markdown headings, list paragraphs items, tables 'cell | cell' lines."""
    import docx

    try:
        document = docx.Document(io.BytesIO(raw))
    except Exception as exc:  # not a zip, not a Word document, damaged parts
        raise BadFileError(f"broken DOCX: {exc.__class__.__name__}") from None
    title = (document.core_properties.title or "").strip()
    lines = list(_docx_lines(document))
    if not title and lines and lines[0].startswith("# "):
        title = lines.pop(0)[2:]
    body = "\n".join(f"\n## {line[2:]}\n" if line.startswith("# ") else line for line in lines).strip()
    if not body:
        raise BadFileError("no text in the DOCX")
    return f"{_front_matter(title=title or path.stem, source=path.name)}{body}\n"


def _docx_lines(document: object) -> Iterator[str]:
    for paragraph in document.paragraphs:  # type: ignore[attr-defined]
        text = _clean(paragraph.text)
        if not text:
            continue
        style = (paragraph.style.name if paragraph.style is not None else "").lower()
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


_READERS: dict[str, Callable[[bytes, Path], str]] = {
    ".md": _text,
    ".txt": _text,
    ".html": _html,
    ".htm": _html,
    ".pdf": _pdf,
    ".docx": _docx,
}
