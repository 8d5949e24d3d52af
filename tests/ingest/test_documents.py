"""Documents an agency adds that were not written as guides: their facts are found sentence by sentence."""

from __future__ import annotations

import textwrap

from bot.config import Settings
from bot.engine.answerer import Answerer
from bot.ingest.sync import ingest
from bot.kb.documents import SENTENCE, chunk_document, parse_document
from bot.kb.embeddings import KnowledgeEmbeddings
from bot.kb.index import KnowledgeIndex

HANDBOOK = """# Handbuch der Agentur

## 4. Abläufe mit Kunden

Jedes Projekt beginnt mit einem Briefing beim Kunden vor Ort. Die Projektleitung schreibt danach
ein Konzept mit drei Ideen für Kurzvideos. Gedreht wird in der Regel an einem Tag pro Monat. Der
Schnitt dauert meist drei Arbeitstage. Der Kunde hat nach Erhalt eines Entwurfs 48 Stunden Zeit,
ihn freizugeben oder Änderungen zu verlangen. Danach gilt der Entwurf als freigegeben. Musik
wählen wir ausschließlich aus der kommerziellen Bibliothek. Rohmaterial archivieren wir zwei Jahre
lang auf einem Server in Frankfurt. Rechnungen stellen wir am Monatsende.
"""


def test_a_section_without_declared_questions_is_found_by_each_of_its_sentences(e5: KnowledgeEmbeddings) -> None:
    doc = parse_document("de/handbuch.md", HANDBOOK)
    chunks = list(chunk_document(doc, e5.count_tokens, e5.max_tokens))
    sentences = [c for c in chunks if c.metadata["kind"] == SENTENCE]
    assert len(sentences) >= 8 and all(c.finds_section for c in sentences)
    assert any("48 Stunden" in c.embed_text for c in sentences)


def test_a_fact_deep_in_a_handbook_section_is_found_and_leads_the_answer(
    small_kb: Settings, e5: KnowledgeEmbeddings
) -> None:
    (small_kb.knowledge_dir / "de" / "handbuch.md").write_text(HANDBOOK, encoding="utf-8")
    ingest(small_kb, e5, show_progress=False)
    answer = Answerer.load(small_kb).ask("wie lange hat der kunde zeit, einen entwurf freizugeben?")
    assert answer.in_scope and answer.sources[0].file == "de/handbuch.md"
    assert "48 Stunden" in answer.text.split("\n")[0]  # the sentence that answers leads, not the first one


# A client's style guide as agencies keep it: plain text, no headings, longer than the embedding
# model's window, so it is one section stored in several parts.
STYLE_NOTES = "\n\n".join(
    [
        "Styleguide Mühlenbäckerei Korn",
        "Die Mühlenbäckerei Korn backt seit 1962 in Freiberg und hat heute neun Filialen im Erzgebirge.",
        "Auf TikTok sprechen wir die Kundschaft mit du an und antworten auf Kommentare innerhalb eines Tages.",
        "Gedreht wird nur vor Ladenöffnung, damit keine Kundinnen und Kunden ungefragt im Bild sind.",
        "Jedes Video beginnt mit einer Nahaufnahme von Teig, Mehl oder einem Ofen in der Backstube.",
        "Die Bäckermeisterin Jana Korn erscheint in höchstens jedem dritten Video, so hat sie es gewünscht.",
        "Untertitel stehen in jedem Video, weil viele Zuschauer ohne Ton schauen.",
        "Musik kommt ausschließlich aus der kommerziellen Bibliothek von TikTok, nie aus den Charts.",
        "Preise nennen wir in Videos nicht, weil sie sich je Filiale unterscheiden können.",
        "Die Lehrlinge dürfen nur gefilmt werden, wenn ihre schriftliche Einwilligung im Büro vorliegt.",
        "Neue Sorten stellen wir immer am Donnerstag vor, dem Tag mit den meisten Bestellungen.",
        "Beschwerden in Kommentaren beantworten wir nicht öffentlich, sondern bitten um eine Nachricht.",
        "Das Logo erscheint nur im Abspann und nie im ersten Bild eines Videos.",
        "Für Aktionen zu Ostern und Weihnachten plant die Agentur vier Wochen Vorlauf ein.",
        "Videos über Zutaten nennen immer die Mühle, von der das Mehl stammt, nämlich die Talmühle in Halsbrücke.",
        "Kinder werden in Videos der Bäckerei grundsätzlich nicht gezeigt, auch nicht von hinten.",
        "Die Sprecherstimme in Erklärvideos ist immer die von Jana Korn oder ihrem Bruder Tobias.",
        "Hashtags setzen wir sparsam ein, höchstens drei pro Video, darunter immer der Name der Stadt.",
        "Nach jedem Dreh prüft die Filialleitung die Aufnahmen, bevor sie geschnitten werden.",
        "Rohmaterial wird nach der Freigabe drei Monate aufbewahrt und danach gelöscht.",
        "Die Schrift in Einblendungen ist die Nunito, fett für Titel und normal für Untertitel.",
        "Drehtage sind der erste und der dritte Montag im Monat, jeweils von sechs bis neun Uhr.",
        "Die Filiale am Obermarkt dient als Kulisse für Verkaufsszenen, weil sie die hellste Theke hat.",
        "Zum Abschluss jedes Monats schickt die Agentur einen Bericht mit Aufrufen und neuen Followern.",
        "Ideen für Videos sammelt die Filialleitung in einer gemeinsamen Liste, die die Agentur monatlich sichtet.",
        "Trends greifen wir nur auf, wenn sie zur Backstube passen und keine fremden Marken zeigen.",
        "Gewinnspiele veranstalten wir höchstens zweimal im Jahr und immer mit schriftlichen Teilnahmebedingungen.",
        "Kooperationen mit anderen Betrieben aus der Region kennzeichnen wir in jedem Video als Werbung.",
        "Die Brotsorten werden im Video mit ihrem vollen Namen genannt, nie abgekürzt.",
        "Aufnahmen aus der Backstube zeigen immer saubere Arbeitsflächen und Mitarbeitende mit Haube.",
        "Die Agentur antwortet auf Nachrichten der Bäckerei an Werktagen bis spätestens 16 Uhr.",
        "Fragen zu Allergenen beantwortet nie die Agentur, sondern immer die Bäckerei selbst.",
        "Bei schlechtem Wetter verlegen wir Außenaufnahmen auf den nächsten Drehtag.",
        "Die Hausfarbe der Bäckerei ist das Mühlengrün mit dem Farbcode #2E7D32 für Flächen und Schrift.",
    ]
)


def test_a_fact_in_a_later_part_of_a_long_document_is_answered_from_that_part(
    small_kb: Settings, e5: KnowledgeEmbeddings
) -> None:
    doc = parse_document("de/styleguide.txt", STYLE_NOTES)
    parts = [c for c in chunk_document(doc, e5.count_tokens, e5.max_tokens) if c.metadata["kind"] == "section"]
    assert len(parts) > 1  # else this test would not test what it says
    (small_kb.knowledge_dir / "de" / "styleguide.txt").write_text(STYLE_NOTES, encoding="utf-8")
    ingest(small_kb, e5, show_progress=False)
    # The sentence itself is the nearest record: the part it leads to must hold it.
    sentence = "Fragen zu Allergenen beantwortet nie die Agentur, sondern immer die Bäckerei selbst."
    nearest = KnowledgeIndex.open(small_kb, e5).dense_search(e5.embed_query(sentence), 1, "de")[0]
    assert sentence in nearest.chunk.text and nearest.chunk.metadata["part"] > 0
    answer = Answerer.load(small_kb).ask("Welchen Farbcode hat das Mühlengrün?")
    assert answer.in_scope and "#2E7D32" in answer.text


def test_a_sentence_wrapped_over_lines_still_leads_to_the_part_that_holds_it(e5: KnowledgeEmbeddings) -> None:
    wrapped = textwrap.fill(STYLE_NOTES.replace("\n\n", " "), width=70)  # a handbook typed with hard line breaks
    doc = parse_document("de/styleguide.txt", wrapped)
    chunks = list(chunk_document(doc, e5.count_tokens, e5.max_tokens))
    parts = [c.text for c in chunks if c.metadata["kind"] == "section"]
    assert len(parts) > 1
    for sentence in (c for c in chunks if c.metadata["kind"] == SENTENCE):
        held_in = sentence.metadata.get("in_part", 0)
        assert " ".join(sentence.text.split())[:40] in " ".join(parts[held_in].split())
    assert any(c.metadata.get("in_part", 0) > 0 for c in chunks if "Allergenen" in c.text)
    # A section in one part: its sentences carry no part number (their ids stay as they were).
    handbook = list(chunk_document(parse_document("de/handbuch.md", HANDBOOK), e5.count_tokens, e5.max_tokens))
    assert all("in_part" not in c.metadata for c in handbook)
