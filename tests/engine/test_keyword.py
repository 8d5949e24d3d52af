"""Keyword analysis: stemming, digit groups, and safety when answers are composed in parallel."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from bot.engine.keyword import BM25, tokenize

TEXT = (
    "Die Zuschauer schicken ihren Lieblingscreatorn Geschenke, Spielzeugläden verkaufen "
    "Holzlautsprecher und Datenschutzbehörden verhängen Strafen. "
) * 20


def test_stems_drop_stopwords_and_join_digit_groups() -> None:
    assert tokenize("Das Video hatte 260.000 Aufrufe", "de") == ["video", "260000", "aufruf"]
    assert tokenize("The videos had 260,000 views", "en") == ["video", "260000", "view"]


def test_bm25_prefers_the_document_with_the_rare_term() -> None:
    docs = [tokenize(t, "de") for t in ("Matches dauern fünf Minuten", "Geschenke im Live", "Live und Geschenke")]
    scores = BM25(docs).scores(tokenize("Wie lange dauert ein Match?", "de"))
    assert scores[0] > 0 and scores[0] == max(scores)


def test_tokenizing_from_many_threads_gives_the_same_result() -> None:
    # Answers are composed in worker threads; a shared Snowball stemmer garbles words there.
    expected = tokenize(TEXT, "de")
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: all(tokenize(TEXT, "de") == expected for _ in range(30)), range(32)))
    assert all(results)
