"""HTML, saved web pages, PDF, DOCX and URLs ingest like Markdown; broken ones are clear skips."""

from __future__ import annotations

import asyncio
import io
import struct
import tracemalloc
import zipfile
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import docx
import pytest
from aiohttp import web
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, StreamObject

import ingest as ingest_cli
from bot.config import Settings
from bot.engine.answerer import Answerer
from bot.ingest.formats import read_knowledge_file
from bot.ingest.sync import ingest
from bot.kb.documents import BadFileError, parse_document
from bot.kb.embeddings import KnowledgeEmbeddings

SHOP_PAGE = """<!doctype html>
<html lang="de"><head><title>Schaufenster | Beispiel-Shop</title>
<link rel="canonical" href="https://shop.example/live-tipps">
<script>var tracking = "Geheimer Tracking-Code";</script><style>p {color: red}</style></head>
<body>
<header><a href="/">Startseite</a> Menü Warenkorb</header>
<nav><ul><li>Impressum</li><li>Kontakt</li></ul></nav>
<main>
  <h1>LIVE-Tipps für Ladengeschäfte</h1>
  <h2>Wie oft sollte ein Laden live gehen?</h2>
  <p>Ein Laden sollte mindestens zweimal pro Woche live gehen, immer zur gleichen Uhrzeit.</p>
  <h2>Was braucht man für den ersten LIVE?</h2>
  <ul><li>Ein Stativ für das Smartphone</li><li>Gutes Licht von vorne</li></ul>
</main>
<aside>Newsletter abonnieren!</aside>
<footer>© Beispiel-Shop, alle Rechte vorbehalten</footer>
</body></html>
"""


def helvetica(writer: PdfWriter) -> DictionaryObject:
    """Page resources with Helvetica as /F1, so text operators yield text."""
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        }
    )
    return DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})})


def pdf_bytes(
    lines: list[str],
    title: str = "",
    password: str | None = None,
    more_pages: tuple[list[str], ...] = (),
    outline: tuple[str, ...] = (),
) -> bytes:
    """A real PDF with a text layer, built with pypdf: one page per list of lines, and outline
    entries (bookmarks) pointing at the first page."""
    writer = PdfWriter()
    for page_lines in (lines, *more_pages):
        page = writer.add_blank_page(width=595, height=842)
        page[NameObject("/Resources")] = helvetica(writer)
        commands = ["BT /F1 11 Tf 14 TL 50 800 Td"]
        for line in page_lines:
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            commands.append(f"({escaped}) Tj T*")
        commands.append("ET")
        stream = DecodedStreamObject()
        stream.set_data("\n".join(commands).encode("cp1252"))
        page[NameObject("/Contents")] = writer._add_object(stream)
    for entry in outline:
        writer.add_outline_item(title=entry, page_number=0)
    if title:
        writer.add_metadata({"/Title": title})
    if password:
        writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    document = docx.Document()
    document.add_heading("Recruiting-Leitfaden", level=1)
    document.add_heading("Welche Stellen lassen sich über TikTok besetzen?", level=2)
    document.add_paragraph(
        "Ausbildungsplätze lassen sich über TikTok besonders gut besetzen, weil dort viele Schüler sind."
    )
    document.add_paragraph("Kurze Einblicke in den Arbeitsalltag", style="List Bullet")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Kanal"
    table.rows[0].cells[1].text = "TikTok"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def compressed_pdf(content: bytes, repeat: int, pages: int = 1) -> bytes:
    """A PDF whose pages all show one Flate stream of `content` × `repeat`, compressed as it is written."""
    writer = PdfWriter()
    resources = helvetica(writer)
    packer = zlib.compressobj()
    stream = StreamObject()
    stream._data = b"".join(packer.compress(content) for _ in range(repeat)) + packer.flush()
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    contents = writer._add_object(stream)
    for _ in range(pages):
        page = writer.add_blank_page(width=595, height=842)
        page[NameObject("/Resources")] = resources
        page[NameObject("/Contents")] = contents
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def padded_docx(path: Path, megabytes: int) -> None:
    """A valid DOCX whose document.xml carries `megabytes` MB of blank space: a zip bomb of a few hundred KB."""
    with zipfile.ZipFile(io.BytesIO(docx_bytes())) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb:
        for member in source.infolist():
            data = source.read(member)
            if member.filename != "word/document.xml":
                bomb.writestr(member.filename, data)
                continue
            head, tail = data.split(b"<w:body>")
            with bomb.open(member.filename, "w") as xml:
                xml.write(head + b"<w:body>")
                for _ in range(megabytes):
                    xml.write(b" " * 1_000_000)
                xml.write(tail)


def declare_size(path: Path, name: str, size: int) -> None:
    """Rewrite the central directory to say `name` unpacks to its first `size` bytes (CRC included)."""
    with zipfile.ZipFile(path) as archive, archive.open(name) as member:
        crc = zlib.crc32(member.read(size))
    data = bytearray(path.read_bytes())
    entry = struct.unpack_from("<I", data, data.rindex(b"PK\x05\x06") + 16)[0]
    while data[entry + 46 : entry + 46 + struct.unpack_from("<H", data, entry + 28)[0]] != name.encode():
        entry = data.index(b"PK\x01\x02", entry + 4)
    struct.pack_into("<I", data, entry + 16, crc)
    struct.pack_into("<I", data, entry + 24, size)
    path.write_bytes(bytes(data))


def test_html_keeps_the_main_text_and_its_headings(tmp_path: Path) -> None:
    page = tmp_path / "live-tipps.html"
    page.write_text(SHOP_PAGE, encoding="utf-8")
    document = parse_document("live-tipps.html", read_knowledge_file(page, 1_000_000))

    assert document.title == "LIVE-Tipps für Ladengeschäfte"
    assert document.lang == "de" and document.sections[0].sources[0]["url"] == "https://shop.example/live-tipps"
    assert [section.heading for section in document.sections] == [
        "Wie oft sollte ein Laden live gehen?",
        "Was braucht man für den ersten LIVE?",
    ]
    everything = "\n".join(section.body for section in document.sections)
    assert "- Ein Stativ für das Smartphone" in everything
    for noise in ("Tracking-Code", "Impressum", "Warenkorb", "Newsletter", "alle Rechte", "color: red"):
        assert noise not in everything


STYLE_GUIDE_TXT = """STYLEGUIDE TIKTOK – BÄCKEREI KORNFELD
Stand: März 2025, abgestimmt mit der Inhaberin

WORUM ES GEHT

Kornfeld ist eine Bäckerei mit fünf Filialen in Kassel. Der Kanal zeigt die Backstube, nicht die Preise.
Ein Satz in GROSSBUCHSTABEN mitten im Absatz bleibt Text.

FARBEN UND SCHRIFT

Die Hausfarben sind verbindlich, auch für Untertitel und Thumbnails:

Weizengelb #E8B923 (Hauptfarbe, Flächen)
Ofenbraun #5C3317 (Schrift auf hellem Grund)

KEINE PREISE IM BILD.

Ansprechpartner
---------------

Freigaben erteilt ausschließlich Frau Berger aus dem Marketing, per E-Mail bis 14 Uhr.
"""


def test_plain_text_headings_in_capitals_or_underlined_become_sections(tmp_path: Path) -> None:
    path = tmp_path / "styleguide.txt"
    path.write_text(STYLE_GUIDE_TXT, encoding="utf-8")
    document = parse_document("styleguide.txt", read_knowledge_file(path, 1_000_000))

    assert document.title == "STYLEGUIDE TIKTOK – BÄCKEREI KORNFELD"
    assert [section.heading for section in document.sections] == [
        "STYLEGUIDE TIKTOK – BÄCKEREI KORNFELD",  # what stands under the title, named by it
        "WORUM ES GEHT",
        "FARBEN UND SCHRIFT",
        "Ansprechpartner",
    ]
    colours = document.sections[2].body
    assert "- Weizengelb #E8B923 (Hauptfarbe, Flächen)\n- Ofenbraun #5C3317" in colours  # listed under its colon
    assert "KEINE PREISE IM BILD." in colours  # a sentence, not a heading
    assert "GROSSBUCHSTABEN" in document.sections[1].body


def test_a_text_file_written_in_markdown_keeps_its_own_headings(tmp_path: Path) -> None:
    path = tmp_path / "notizen.txt"
    path.write_text("# Notizen\n\n## Drehtage\n\nGEDREHT WIRD MONTAGS\n\nab sechs Uhr.\n", encoding="utf-8")
    document = parse_document("notizen.txt", read_knowledge_file(path, 1_000_000))
    assert [section.heading for section in document.sections] == ["Drehtage"]


def test_a_fact_in_a_plain_text_style_guide_is_answered_from_and_cited_with_its_section(
    small_kb: Settings, e5: KnowledgeEmbeddings
) -> None:
    (small_kb.knowledge_dir / "styleguide-kornfeld.txt").write_text(STYLE_GUIDE_TXT, encoding="utf-8")
    assert ingest(small_kb, e5, show_progress=False).ok

    answerer = Answerer.load(small_kb)
    colours = answerer.ask("Welchen Farbcode hat das Weizengelb?")
    assert colours.in_scope and "#E8B923" in colours.text and "#5C3317" in colours.text  # the whole list
    assert colours.sources[0].section == "FARBEN UND SCHRIFT"
    approval = answerer.ask("Bis wann muss die Freigabe per E-Mail kommen?")
    assert approval.in_scope and "14 Uhr" in approval.text
    assert approval.sources[0].section == "Ansprechpartner"


def test_pdf_text_with_hyphenation_joined(tmp_path: Path) -> None:
    pdf = tmp_path / "handout.pdf"
    pdf.write_bytes(
        pdf_bytes(["Der For-You-Algo-", "rithmus zeigt neue Videos zuerst", "einer kleinen Testgruppe."], "Handout")
    )
    document = parse_document("handout.pdf", read_knowledge_file(pdf, 1_000_000))
    assert document.title == "Handout"
    assert "Der For-You-Algorithmus zeigt neue Videos zuerst einer kleinen Testgruppe." in document.sections[0].body


def test_pdf_outline_entries_and_lines_in_capitals_become_sections_and_running_headers_go(tmp_path: Path) -> None:
    header = "KURZCLIP KOLLEKTIV – HANDBUCH"
    pdf = tmp_path / "handbuch.pdf"
    pdf.write_bytes(
        pdf_bytes(
            [
                header,
                "Freigaben",
                "Der Kunde hat 48 Stunden Zeit, einen Entwurf",
                "freizugeben.",
                "RECHNUNGEN",
                "Rechnungen gehen am Monatsende per E-Mail hinaus.",
            ],
            "Handbuch",
            more_pages=(
                [header, "Drehtage", "Gedreht wird montags ab sechs Uhr in der Backstube."],
                [header, "Archiv", "Rohmaterial wird nach der Freigabe drei Monate aufbewahrt."],
            ),
            outline=("Freigaben", "Drehtage", "Archiv"),
        )
    )
    document = parse_document("handbuch.pdf", read_knowledge_file(pdf, 1_000_000))

    assert [section.heading for section in document.sections] == ["Freigaben", "RECHNUNGEN", "Drehtage", "Archiv"]
    assert document.sections[0].body == "Der Kunde hat 48 Stunden Zeit, einen Entwurf freizugeben."
    assert all(header not in section.body for section in document.sections)


def test_docx_headings_become_sections(tmp_path: Path) -> None:
    path = tmp_path / "recruiting.docx"
    path.write_bytes(docx_bytes())
    document = parse_document("recruiting.docx", read_knowledge_file(path, 1_000_000))
    assert document.title == "Recruiting-Leitfaden"
    name, body = document.sections[0].heading, document.sections[0].body
    assert name == "Welche Stellen lassen sich über TikTok besetzen?"
    assert "Ausbildungsplätze" in body and "- Kurze Einblicke in den Arbeitsalltag" in body
    assert "Kanal | TikTok" in body


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("locked.pdf", pdf_bytes(["Vertraulich"], password="geheim"), "encrypted PDF"),
        ("damaged.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage", "broken PDF"),
        ("scan.pdf", pdf_bytes([]), "no extractable text"),
        ("damaged.docx", b"PK\x03\x04 not really a zip", "broken DOCX"),
        ("empty.html", b"<html><body><nav>Menu</nav></body></html>", "no readable text in the HTML"),
        ("slides.pptx", b"PK\x03\x04", "unsupported format .pptx"),
    ],
)
def test_unreadable_files_are_refused_with_their_reason(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(BadFileError, match=reason):
        read_knowledge_file(path, 1_000_000)


def test_a_docx_that_unpacks_beyond_ten_times_the_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    padded_docx(path, 150)
    assert path.stat().st_size < 1_000_000
    with pytest.raises(BadFileError, match=r"^unpacks to 150\.8 MB \(limit 10 MB\)$"):
        read_knowledge_file(path, 1_000_000)


def test_a_docx_whose_directory_understates_a_member_is_read_only_as_far_as_declared(tmp_path: Path) -> None:
    path = tmp_path / "liar.docx"
    padded_docx(path, 150)
    declare_size(path, "word/document.xml", 2_000)  # the CRC matches those 2,000 bytes, so zipfile cannot tell
    tracemalloc.start()
    try:
        with pytest.raises(BadFileError, match="broken DOCX"):
            read_knowledge_file(path, 1_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 30_000_000  # the 150 MB never exist in memory


def test_a_pdf_stream_that_unpacks_beyond_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.pdf"
    path.write_bytes(compressed_pdf(b" " * 1_000_000, 150))
    assert path.stat().st_size < 1_000_000
    with pytest.raises(BadFileError, match=r"^too large once unpacked \(limit 10 MB\)"):
        read_knowledge_file(path, 1_000_000)


def test_pdf_pages_sharing_one_large_stream_count_it_once_per_page(tmp_path: Path) -> None:
    path = tmp_path / "shared.pdf"
    path.write_bytes(compressed_pdf(b"0 0 m 595 842 l S\n" * 1000, 100, pages=200))  # 1.8 MB, 200 times
    with pytest.raises(BadFileError, match=r"^the page contents unpack to more than 10 MB \(the limit\)$"):
        read_knowledge_file(path, 1_000_000)


def test_a_pdf_with_more_pages_than_a_guide_has_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "pages.pdf"
    path.write_bytes(compressed_pdf(b"BT /F1 11 Tf 50 800 Td (Seite) Tj ET\n", 1, pages=2_001))
    with pytest.raises(BadFileError, match=r"^2,001 pages \(limit 2,000\)$"):
        read_knowledge_file(path, 1_000_000)


def many_paragraphs_docx(count: int) -> bytes:
    document = docx.Document()
    for _ in range(count):
        document.add_paragraph("Ein Laden sollte zweimal pro Woche live gehen, immer zur gleichen Uhrzeit. " * 6)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (
            "long.pdf",
            compressed_pdf(b"BT /F1 11 Tf 50 800 Td (Ein Laden sollte zweimal pro Woche live gehen.) Tj ET\n", 5_000),
        ),
        ("long.docx", many_paragraphs_docx(500)),
    ],
)
def test_more_text_than_a_knowledge_file_may_hold_is_refused(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert len(content) < 200_000
    with pytest.raises(BadFileError, match=r"^more than 0\.2 MB of text \(the limit for a knowledge file\)$"):
        read_knowledge_file(path, 200_000)


def test_every_format_answers_next_to_the_guides_and_reingest_is_a_no_op(
    small_kb: Settings, e5: KnowledgeEmbeddings
) -> None:
    root = small_kb.knowledge_dir
    (root / "de" / "live-tipps.html").write_text(SHOP_PAGE, encoding="utf-8")
    (root / "de" / "recruiting.docx").write_bytes(docx_bytes())
    (root / "de" / "handout.pdf").write_bytes(
        pdf_bytes(["Der Algorithmus zeigt neue Videos zuerst", "einer kleinen Testgruppe von Nutzern."], "Handout")
    )
    (root / "de" / "locked.pdf").write_bytes(pdf_bytes(["Vertraulich"], password="geheim"))

    report = ingest(small_kb, e5, show_progress=False)
    assert report.files == 5 and not report.ok
    assert report.skipped == [("de/locked.pdf", "encrypted PDF (remove the password and save it again)")]

    answerer = Answerer.load(small_kb)
    live = answerer.ask("Wie oft sollte ein Laden live gehen?")
    assert "zweimal pro Woche" in live.text
    assert live.sources[0].title == "LIVE-Tipps für Ladengeschäfte"
    assert live.sources[0].section == "Wie oft sollte ein Laden live gehen?"
    assert "Ausbildungsplätze" in answerer.ask("Welche Stellen lassen sich über TikTok besetzen?").text

    again = ingest(small_kb, e5, show_progress=False)
    assert (again.added, again.changed, again.removed, again.embedded) == (0, 0, 0, 0)


def test_a_long_article_as_text_and_as_html_ingests_cleanly(small_kb: Settings, e5: KnowledgeEmbeddings) -> None:
    paragraphs = [
        f"Im Abschnitt {n} geht es um die Frage, wie ein kleiner Betrieb mit Video Kunden gewinnt. "
        f"Die Inhaberin probiert jede Woche ein neues Format aus und notiert, was davon ankommt. "
        f"Nach {n + 2} Wochen zeigt sich, dass kurze, ehrliche Einblicke besser wirken als Werbung."
        for n in range(40)
    ]
    root = small_kb.knowledge_dir
    (root / "artikel.txt").write_text("\n\n".join(paragraphs), encoding="utf-8")
    html = "".join(f"<h2>Teil {n}</h2><p>{p}</p>" for n, p in enumerate(paragraphs))
    (root / "artikel.html").write_text(f"<html lang='de'><body><article><h1>Artikel</h1>{html}</article></body></html>")

    report = ingest(small_kb, e5, show_progress=False)
    assert report.ok and report.files == 4
    files = {c.metadata["file"] for c in Answerer.load(small_kb).live.snapshot.index.chunks}
    assert {"artikel.txt", "artikel.html"} <= files


@pytest.fixture
async def web_page() -> AsyncIterator[str]:
    """A web server on loopback serving one HTML page and one PDF."""

    async def page(request: web.Request) -> web.Response:
        return web.Response(
            text=SHOP_PAGE.replace('<link rel="canonical" href="https://shop.example/live-tipps">', ""),
            content_type="text/html",
        )

    async def binary(request: web.Request) -> web.Response:
        return web.Response(body=b"%PDF-1.7", content_type="application/pdf")

    app = web.Application()
    app.router.add_get("/blog/live-tipps", page)
    app.router.add_get("/file.pdf", binary)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    await runner.cleanup()


def use_env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    monkeypatch.setenv("KNOWLEDGE_DIR", str(settings.knowledge_dir))
    monkeypatch.setenv("DATA_DIR", str(settings.data_dir))


async def test_add_url_saves_the_page_and_ingests_it(
    small_kb: Settings, web_page: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_env(monkeypatch, small_kb)
    url = f"{web_page}/blog/live-tipps"
    assert await asyncio.to_thread(ingest_cli.main, ["--quiet", "--add-url", url]) == 0
    saved = small_kb.knowledge_dir / "web" / f"127-0-0-1-{web_page.rsplit(':', 1)[1]}-blog-live-tipps.html"
    assert saved.exists()
    assert "saved" in capsys.readouterr().out

    answer = Answerer.load(small_kb).ask("Wie oft sollte ein Laden live gehen?")
    assert "zweimal pro Woche" in answer.text
    assert (
        parse_document("x.html", read_knowledge_file(saved, 1_000_000)).sections[0].sources[0]["url"] == url
    )  # cites the URL


async def test_add_url_fails_clearly_offline_and_for_non_html(
    small_kb: Settings, web_page: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_env(monkeypatch, small_kb)
    assert await asyncio.to_thread(ingest_cli.main, ["--quiet"]) == 0
    capsys.readouterr()

    assert await asyncio.to_thread(ingest_cli.main, ["--quiet", "--add-url", "http://127.0.0.1:9/page"]) == 2
    err = capsys.readouterr().err
    assert "Could not fetch http://127.0.0.1:9/page" in err and "no internet access" in err

    assert await asyncio.to_thread(ingest_cli.main, ["--quiet", "--add-url", f"{web_page}/file.pdf"]) == 2
    assert "not an HTML page" in capsys.readouterr().err
    assert not (small_kb.knowledge_dir / "web").exists()
    assert Answerer.load(small_kb).ask("When did Douyin launch?").in_scope  # the index is untouched
