"""Elliptical follow-ups swap one part of the previous question instead of inheriting all of it."""

from __future__ import annotations

import pytest

from bot.engine.followup import expand_ellipsis, is_follow_up, may_stand_alone
from bot.engine.types import Turn


def after(question: str) -> list[Turn]:
    return [Turn(question, question, "de", True, "")]


@pytest.mark.parametrize(
    ("previous", "follow_up", "expanded"),
    [
        ("Wie viele Nutzer hat TikTok in Deutschland?", "Und weltweit?", "Wie viele Nutzer hat TikTok weltweit?"),
        ("Wie viele Nutzer hat TikTok weltweit?", "Und in China?", "Wie viele Nutzer hat TikTok in China?"),
        (
            "Was verlangt die DSGVO in Europa von Firmen?",
            "Und in den USA?",
            "Was verlangt die DSGVO in den USA von Firmen?",
        ),
        ("Wie viele Nutzer hat TikTok?", "Und in Deutschland?", "Wie viele Nutzer hat TikTok in Deutschland?"),
        (
            "Wie viele Downloads hatte TikTok bis Ende 2021?",
            "Und 2023?",
            "Wie viele Downloads hatte TikTok bis Ende 2023?",
        ),
        (
            "Wie viele Downloads hatte TikTok 2021?",
            "Und im Jahr 2023?",
            "Wie viele Downloads hatte TikTok im Jahr 2023?",
        ),
        (
            "Wie viele Aufrufe hatte das Video im Februar 2024?",
            "Und im Juli 2024?",
            "Wie viele Aufrufe hatte das Video im Juli 2024?",
        ),
        ("Wie finde ich Azubis auf TikTok?", "Und auf Instagram?", "Wie finde ich Azubis auf Instagram?"),
        ("How many users does TikTok have in Germany?", "And worldwide?", "How many users does TikTok have worldwide?"),
        (
            "How many users does TikTok have in Germany?",
            "What about in China?",
            "How many users does TikTok have in China?",
        ),
    ],
)
def test_the_new_part_replaces_its_counterpart(previous: str, follow_up: str, expanded: str) -> None:
    assert expand_ellipsis(follow_up, after(previous)) == expanded


@pytest.mark.parametrize(
    "follow_up",
    [
        "Und wie lange dauert so eins?",  # a new question about the same subject
        "Und fünf Monate später?",  # no part to swap
        "Und Märkte?",
        "Und was ist mit Instagram?",  # swaps the subject, not a part: the ordinary rules handle it
        "Und damit?",
        "Und in welchem Land ist TikTok am beliebtesten?",  # a question word: not an ellipsis
        "Wie viele Nutzer hat TikTok in China?",  # stands on its own
    ],
)
def test_other_questions_are_left_to_the_ordinary_follow_up_rules(follow_up: str) -> None:
    assert expand_ellipsis(follow_up, after("Wie viele Nutzer hat TikTok in Deutschland?")) is None


def test_without_a_conversation_nothing_is_expanded() -> None:
    assert expand_ellipsis("Und weltweit?", []) is None


@pytest.mark.parametrize(
    ("question", "points_back"),
    [
        ("wie lang bleiben die gespeichert?", True),  # "die" with no noun after it
        ("muss ich die jetzt löschen wo er weg ist?", True),
        ("wieviel hält bytedance da noch dran?", True),
        ("und was is maximal erlaubt?", True),
        ("Muss ich die Musik bezahlen?", False),  # "die" is the article of its own noun
        ("Wie hoch sind die Gebühren im TikTok Shop?", False),
        ("Wie viele Nutzer hat TikTok in Deutschland?", False),
        ("How many TikTok users are there in Europe?", False),  # "there" after "are" points nowhere
        ("Can I sell there too?", True),
        ("wie lange dauert das bis er mich kennt", True),  # "er" stands for the algorithm asked about
        ("kann ich das später wieder ändern?", True),  # "das" with no noun after it
        ("auch wenn ich nichts bezahlt bekommen hab?", True),  # a condition on the question before
        ("selbst wenn ich nur zwei Videos poste?", True),
        ("even if i was not paid?", True),
    ],
)
def test_pronouns_that_point_back_make_a_follow_up(question: str, points_back: bool) -> None:
    assert is_follow_up(question, "de") is points_back


@pytest.mark.parametrize(
    ("question", "may"),
    [
        ("Was ist der CCPA?", True),  # short, but names its subject
        ("wir wollen das pixel einbauen, brauchen wir dafür eine einwilligung?", True),  # "dafür" points inside
        ("Und wie lange dauert das?", False),  # nothing of its own: a follow-up
        ("Und wann?", False),
        ("Wie viele Nutzer hat TikTok in Deutschland?", False),  # no cue: a question of its own anyway
    ],
)
def test_a_follow_up_by_its_cues_may_still_be_a_new_question(question: str, may: bool) -> None:
    ads = [Turn("Was kostet Werbung?", "Was kostet Werbung?", "de", True, "Werbung")]
    assert may_stand_alone(question, "de", ads) is may
    assert not may_stand_alone(question, "de", [])  # nothing to follow
