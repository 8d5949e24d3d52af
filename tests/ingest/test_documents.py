"""Documents an agency adds that were not written as guides: their facts are found sentence by sentence."""

from __future__ import annotations

from bot.config import Settings
from bot.engine.answerer import Answerer
from bot.ingest.sync import ingest
from bot.kb.documents import SENTENCE, chunk_document, parse_document
from bot.kb.embeddings import KnowledgeEmbeddings

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
