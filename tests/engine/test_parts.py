"""A message asking several questions is split into the questions it asks, and only into those."""

from __future__ import annotations

import pytest

from bot.engine.parts import MAX_QUESTIONS, asked_questions, asking_sentence


def test_two_questions_are_asked_separately_and_the_scene_stays_with_the_first() -> None:
    assert asked_questions(
        "Wir sind eine Bäckerei in Kiel. Wie oft sollen wir posten? Und gibt es eine beste Uhrzeit?"
    ) == [
        "Wir sind eine Bäckerei in Kiel. Wie oft sollen wir posten?",
        "Und gibt es eine beste Uhrzeit?",
    ]
    assert asked_questions("How long does a LIVE match last? And when did ByteDance buy Musical.ly?") == [
        "How long does a LIVE match last?",
        "And when did ByteDance buy Musical.ly?",
    ]


@pytest.mark.parametrize(
    "message",
    [
        "What do I get with a business account? Link in bio, contact button, analytics?",  # spells out the first
        "wem gehört tiktok eigentlich genau? bytedance ist chinesisch oder?",  # a tag question
        "Ist das erlaubt? Oder muss ich das melden?",  # an alternative
        "Warum das denn?? Kann ich das irgendwie zurückholen",  # no question mark after the second
        "Wie lange dauert ein Match im TikTok-Live?",
    ],
)
def test_what_spells_out_or_continues_a_question_stays_with_it(message: str) -> None:
    assert asked_questions(message) == [message]


def test_a_long_list_of_questions_is_answered_as_a_few() -> None:
    message = " ".join(f"Wie funktioniert Punkt {n}?" for n in range(10))
    asked = asked_questions(message)
    assert len(asked) == MAX_QUESTIONS
    assert " ".join(asked) == message  # nothing asked is lost


def test_an_answer_names_a_question_by_its_asking_sentence() -> None:
    assert (
        asking_sentence("Wir sind eine Bäckerei in Kiel. Und gibt es eine beste Uhrzeit?")
        == "Gibt es eine beste Uhrzeit?"
    )
    rambling = "Wie " + "sehr " * 40 + "lohnt sich das?"
    assert asking_sentence(rambling).endswith("…") and len(asking_sentence(rambling)) < 110


def test_a_question_is_named_by_the_sentence_that_asks_not_a_greeting_or_line_after_it() -> None:
    assert asking_sentence("Und gibt es eine beste Uhrzeit? Danke. LG Anna") == "Gibt es eine beste Uhrzeit?"
    assert asking_sentence("Wir sind eine Bäckerei\nWie oft   sollen wir posten?") == "Wie oft sollen wir posten?"


def test_a_greeting_before_a_question_neither_hides_it_nor_names_it() -> None:
    asked = asked_questions("Wie oft sollen wir posten? Hey, gibt es auch eine beste Uhrzeit?")
    assert asked == ["Wie oft sollen wir posten?", "Hey, gibt es auch eine beste Uhrzeit?"]
    assert asking_sentence(asked[1]) == "Gibt es auch eine beste Uhrzeit?"
    assert asking_sentence("Sag mal, wie lange dauert ein Match?") == "Wie lange dauert ein Match?"
    assert asking_sentence("Und?") == "Und?"  # a lead-in alone is still what was asked
    assert asked_questions("Wie oft sollten wir posten? Hallo zusammen, wie lange dauert ein Match?") == [
        "Wie oft sollten wir posten?",
        "Hallo zusammen, wie lange dauert ein Match?",
    ]
    assert asking_sentence("Hi Leute, wie lange dauert ein Match?") == "Wie lange dauert ein Match?"
    assert asking_sentence("So-called creators, are they paid?") == "So-called creators, are they paid?"
