"""The extractive composer on hand-made sections: which sentences an answer is built from."""

from __future__ import annotations

from bot.engine.extractive import compose
from bot.engine.retrieval import Hit
from bot.kb.documents import Chunk
from bot.kb.sentences import split_sentences

FINES = """Ja, TikTok wurde mehrfach bestraft. Bekannte Beispiele:
- Die FTC einigte sich 2019 auf 5,7 Millionen US-Dollar.
- Die ICO verhängte 2023 12,7 Millionen Pfund.
- Die DPC verhängte 2023 345 Millionen Euro.

Zuständig ist die Behörde in Irland, weil TikTok dort seinen EU-Sitz hat."""


def hit(text: str) -> Hit:
    return Hit(Chunk(id="c1", key="k", text=text), score=0.9, dense=0.9, keyword=0.0)


def test_a_list_announced_right_after_the_lead_is_the_answer_whole_and_only_the_list() -> None:
    composition = compose("Welche Strafe bekam TikTok in Irland?", "de", [hit(FINES)], lambda term: 1.0)
    assert composition.lead == "Ja, TikTok wurde mehrfach bestraft. Bekannte Beispiele:"
    assert composition.points == (
        "Die FTC einigte sich 2019 auf 5,7 Millionen US-Dollar.",
        "Die ICO verhängte 2023 12,7 Millionen Pfund.",
        "Die DPC verhängte 2023 345 Millionen Euro.",
    )


def test_without_a_list_the_best_matching_sentences_follow_the_lead() -> None:
    body = "TikTok startete 2016. Die App kam 2017 international heraus. Der Sitz ist in Peking."
    composition = compose("Wo sitzt TikTok?", "de", [hit(body)], lambda term: 1.0)
    assert composition.lead == "TikTok startete 2016."
    assert "Der Sitz ist in Peking." in composition.points


def test_legal_citations_stay_inside_their_sentence() -> None:
    body = "Antworten Sie binnen eines Monats (Art. 12 Abs. 3 DSGVO). Danach folgt der nächste Satz."
    assert split_sentences(body) == [
        "Antworten Sie binnen eines Monats (Art. 12 Abs. 3 DSGVO).",
        "Danach folgt der nächste Satz.",
    ]
