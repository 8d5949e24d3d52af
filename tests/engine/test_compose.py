"""The extractive composer on hand-made sections: which sentences an answer is built from."""

from __future__ import annotations

import pytest

from bot.engine.extractive import compose
from bot.engine.retrieval import Hit
from bot.engine.texts import text, without_frame
from bot.kb.documents import Chunk
from bot.kb.sentences import split_sentences

FINES = """Ja, TikTok wurde mehrfach bestraft. Bekannte Beispiele:
- Die FTC einigte sich 2019 auf 5,7 Millionen US-Dollar.
- Die ICO verhängte 2023 12,7 Millionen Pfund.
- Die DPC verhängte 2023 345 Millionen Euro.

Zuständig ist die Behörde in Irland, weil TikTok dort seinen EU-Sitz hat."""


def hit(text: str, section: str = "") -> Hit:
    return Hit(
        Chunk(id=section or "c1", key="k", text=text, metadata={"section": section}),
        score=0.9,
        dense=0.9,
        keyword=0.0,
        similarity=0.9,
    )


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
    english = "It is an offence under section 33(2) no. 1 DDG. Update the imprint."
    assert split_sentences(english) == ["It is an offence under section 33(2) no. 1 DDG.", "Update the imprint."]


MATCHES = "A match is a duel between two LIVE creators. Viewers on both sides send gifts to their creator."
MATCH_LENGTH = "A match lasts five minutes. Whoever collects more gifts wins."
SPEAKER = "A seller offered a wooden speaker for 49 euros. It sold out within the LIVE."


def test_the_second_half_of_a_two_part_question_comes_from_the_section_whose_heading_asks_it() -> None:
    question = "whats a match in tiktok live and how long does one go?"
    sections = [hit(MATCHES, "What are matches?"), hit(MATCH_LENGTH, "How long does a match last?")]
    composition = compose(question, "en", sections, lambda term: 1.0)
    assert composition.lead == "A match is a duel between two LIVE creators."
    assert "A match lasts five minutes." in composition.points
    assert [h.chunk.id for h in composition.used] == ["What are matches?", "How long does a match last?"]


def test_a_figure_from_a_section_about_something_else_is_never_the_second_half() -> None:
    question = "whats a match in tiktok live and what does it cost?"
    sections = [hit(MATCHES, "What are matches?"), hit(SPEAKER, "How did a seller sell a speaker in a LIVE?")]
    composition = compose(question, "en", sections, lambda term: 1.0)
    assert not any("49 euros" in point for point in composition.points)


def test_sharing_only_a_word_every_guide_uses_is_no_second_half() -> None:
    question = "was ist der tiktok shop und was kostet er?"
    shop = "Der TikTok Shop ist ein Marktplatz in der App. Händler verkaufen dort direkt."
    ads = "Eine Kampagne braucht mindestens 50 Euro Tagesbudget. Eine Anzeigengruppe mindestens 20 Euro."
    sections = [hit(shop, "Was ist der TikTok Shop?"), hit(ads, "Was kostet Werbung auf TikTok?")]
    idf = {"tiktok": 0.15}.get
    composition = compose(question, "de", sections, lambda term: idf(term, 2.0))
    assert not any("50 Euro" in point for point in composition.points)


RECRUITING = "Ja, TikTok eignet sich für die Personalsuche. Betriebe zeigen dort ihren Alltag."
YOUNG_ONLY = "Nein, TikTok erreicht inzwischen alle Altersgruppen. Dies gilt auch für Handwerksbetriebe."


def test_another_sections_yes_or_no_or_a_sentence_leaning_on_its_neighbour_is_never_borrowed() -> None:
    # Both sentences of the second section match the question better than the first section's,
    # but "Nein, ..." answers that section's own heading and "Dies ..." needs the sentence before it.
    question = "erreicht tiktok auch handwerksbetriebe aller altersgruppen?"
    sections = [
        hit(RECRUITING, "Eignet sich TikTok für die Personalsuche?"),
        hit(YOUNG_ONLY, "Ist TikTok nur etwas für Junge?"),
    ]
    composition = compose(question, "de", sections, lambda term: 1.0)
    assert composition.points == ("Betriebe zeigen dort ihren Alltag.",)
    assert [h.chunk.id for h in composition.used] == ["Eignet sich TikTok für die Personalsuche?"]


UNDER_18 = "Nein, nicht mit personalisierter Werbung. Unter 18 sieht niemand solche Anzeigen."


def test_a_yes_or_no_to_a_narrower_heading_says_which_question_it_answers() -> None:
    heading = "Kann ich Schüler unter 18 gezielt mit Azubi-Anzeigen ansprechen?"
    broad = compose("kann ich mit anzeigen azubis suchen?", "de", [hit(UNDER_18, heading)], lambda term: 1.0)
    assert broad.verdict_on == heading
    same = compose(heading, "de", [hit(UNDER_18, heading)], lambda term: 1.0)
    assert same.verdict_on is None


def test_a_lead_that_is_no_yes_or_no_needs_no_frame() -> None:
    section = hit(RECRUITING.removeprefix("Ja, "), "Wofür eignet sich TikTok?")
    composition = compose("was zählt im algorithmus?", "de", [section], lambda term: 1.0)
    assert composition.verdict_on is None


def test_a_handbook_chapter_is_no_question_a_yes_or_no_could_answer() -> None:
    chapter = hit("Nein, Rohmaterial wird nicht verkauft. Es bleibt zwölf Monate im Archiv.", "3.2 Rohmaterial")
    composition = compose("kann ich das rohmaterial kaufen?", "de", [chapter], lambda term: 1.0)
    assert composition.verdict_on is None


def test_a_yes_or_no_leading_a_list_names_its_question_too() -> None:
    composition = compose(
        "musste tiktok schon mal zahlen?", "de", [hit(FINES, "Welche Strafe bekam TikTok in Irland?")], lambda t: 1.0
    )
    assert composition.lead.startswith("Ja, TikTok wurde mehrfach bestraft.")
    assert composition.verdict_on == "Welche Strafe bekam TikTok in Irland?"


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_line_naming_the_question_is_its_own_line_and_no_fact_of_the_answer(lang: str) -> None:
    answer = text(lang, "verdict_on", heading="Kann ich Schüler unter 18 ansprechen?", lead="Nein, nicht gezielt.")
    first, lead = answer.split("\n")
    assert "Kann ich Schüler unter 18 ansprechen?" in first and lead == "Nein, nicht gezielt."
    assert without_frame(f"{answer}\n• Ein Punkt.") == "Nein, nicht gezielt.\n• Ein Punkt."
    assert without_frame("Nein, nicht gezielt.") == "Nein, nicht gezielt."


def test_a_bare_yes_leads_together_with_the_sentence_that_says_what_it_means() -> None:
    body = "Yes. Spark Ads let you promote an existing post. Views count for the post. Budgets start at 50 dollars."
    composition = compose(
        "what do ads cost?", "en", [hit(body, "Can I use an existing video as an ad?")], lambda t: 1.0
    )
    assert composition.lead == "Yes. Spark Ads let you promote an existing post."


def test_the_lines_naming_the_owners_questions_are_no_part_of_the_answer() -> None:
    named = text("de", "part", question="Was kostet Lebensmittelwerbung?")
    unanswered = text("en", "part_unanswered", question="Which yeast do I need?")
    answer = f"{named}\nEs gibt kein festes Mindestbudget.\n\n{unanswered}"
    assert without_frame(answer).strip() == "Es gibt kein festes Mindestbudget."
