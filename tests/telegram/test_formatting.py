"""Telegram formatting rules: escaping and splitting within 4096 characters."""

from __future__ import annotations

from html import escape

from bot.engine.types import Answer, Reference, Source
from bot.telegram.formatting import MAX_MESSAGE, answer_paragraphs, preview, split_html
from tests.fakes.bot_api import check_html


def test_split_keeps_paragraphs_whole_when_they_fit() -> None:
    paragraphs = [f"<b>Absatz {i}</b>\n" + "Wort " * 300 for i in range(8)]
    messages = split_html(paragraphs)
    assert len(messages) > 1
    assert all(len(m) <= MAX_MESSAGE for m in messages)
    assert "\n\n".join(messages) == "\n\n".join(paragraphs)  # split only between paragraphs
    assert all(check_html(m)[1] is None for m in messages)


def test_an_oversized_paragraph_is_cut_between_words_never_inside_an_entity() -> None:
    blob = escape("Händler & <Kunden> " * 600)
    messages = split_html([blob])
    assert len(messages) >= 2
    assert all(len(m) <= MAX_MESSAGE and check_html(m)[1] is None for m in messages)
    assert " ".join(messages).split() == blob.split()


def test_answer_html_escapes_text_and_sources() -> None:
    answer = Answer(
        question="q",
        text="A <b> & B",
        language="de",
        in_scope=True,
        sources=(Source("T<i>", "S&S", "de/x.md", 0.9, "2024-07"),),
    )
    html = "\n\n".join(answer_paragraphs(answer))
    assert "A &lt;b&gt; &amp; B" in html
    assert "<i>Quellen: T&lt;i&gt; › S&amp;S (Stand 2024-07)</i>" in html
    assert check_html(html)[1] is None


def test_sources_link_to_the_original_page_and_name_the_guide_section() -> None:
    source = Source(
        "Werbung",
        "Was kostet Werbung?",
        "de/werbung.md",
        0.9,
        "2026-11",
        references=(Reference("Budget", "TikTok Ads Help", "https://ads.tiktok.com/help/article/budget?a=1&b=2"),),
    )
    answer = Answer(question="q", text="Mindestens 50 US-Dollar.", language="de", in_scope=True, sources=(source,))
    html = answer_paragraphs(answer)[-1]
    assert "Werbung › Was kostet Werbung?" in html
    assert '<a href="https://ads.tiktok.com/help/article/budget?a=1&amp;b=2">TikTok Ads Help</a>' in html
    assert check_html(html)[1] is None


def test_an_inline_card_previews_the_lead_with_the_question_it_answers_never_that_question_alone() -> None:
    framed = Answer(
        question="q",
        text="Zur Frage „Kann ich Schüler unter 18 ansprechen?“:\nNein, nicht gezielt.\n• Ein Punkt.\n\nHinweis.",
        language="de",
        in_scope=True,
    )
    assert preview(framed) == "Zur Frage „Kann ich Schüler unter 18 ansprechen?“: Nein, nicht gezielt."
    plain = Answer(question="q", text="Ja, so.\n• Ein Punkt.", language="de", in_scope=True)
    assert preview(plain) == "Ja, so."
