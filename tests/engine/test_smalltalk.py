"""Small talk: greetings, thanks, goodbyes and questions about the bot get a friendly reply, and a
question that merely opens with a greeting is still answered from the knowledge base."""

from __future__ import annotations

import pytest

from bench.evaluation import has_fact
from bot.engine.answerer import Answerer
from bot.engine.smalltalk import Kind, recognise, strip_opening

MATCH_FACT = ["5 Minuten", "fünf Minuten", "5-minütig"]


@pytest.mark.parametrize(
    ("message", "kind", "language"),
    [
        ("hallo!", Kind.GREETING, "de"),
        ("Moin", Kind.GREETING, "de"),
        ("Servus", Kind.GREETING, "de"),
        ("Guten Tag", Kind.GREETING, "de"),
        ("Hallooo 👋", Kind.GREETING, "de"),
        ("Hallo, ich hätte eine Frage", Kind.GREETING, "de"),
        ("ich hab ne frage", Kind.GREETING, "de"),
        ("hätte da mal ne kurze frage", Kind.GREETING, "de"),
        ("hi there", Kind.GREETING, "en"),
        ("thx", Kind.THANKS, "en"),
        ("vielen dank!!", Kind.THANKS, "de"),
        ("danke dir", Kind.THANKS, "de"),
        ("Danek", Kind.THANKS, "de"),
        ("Super, danke für die schnelle Antwort!", Kind.THANKS, "de"),
        ("tschüss", Kind.GOODBYE, "de"),
        ("Tschuess", Kind.GOODBYE, "de"),
        ("bye", Kind.GOODBYE, None),
        ("wer bist du eigentlich", Kind.IDENTITY, "de"),
        ("Are you a bot?", Kind.IDENTITY, "en"),
        ("was kannst du so?", Kind.CAPABILITIES, "de"),
        ("Hi, was kannst du?", Kind.CAPABILITIES, "de"),
        ("what can you do", Kind.CAPABILITIES, "en"),
        ("Hilfe", Kind.HELP, "de"),
        ("help", Kind.HELP, "en"),
    ],
)
def test_small_talk_is_recognised_with_its_typing_variants(message: str, kind: Kind, language: str | None) -> None:
    small_talk = recognise(message)
    assert small_talk is not None
    assert (small_talk.kind, small_talk.language) == (kind, language)


@pytest.mark.parametrize(
    "message",
    [
        "Hallo, wie lange darf ein LIVE dauern?",
        "hilfe unter nem video von unserem kunden eskaliert grad alles, wen ruf ich an??",
        "Was kannst du mir über LIVE-Geschenke sagen?",
        "Wie funktioniert das?",  # a follow-up, not a question about the bot
        "Und?",  # fillers alone
        "Dance",  # one wrong letter away from "danke" is a different word
        "Tag der offenen Tür auf TikTok?",
    ],
)
def test_anything_more_than_small_talk_is_not_small_talk(message: str) -> None:
    assert recognise(message) is None


def test_only_an_opening_set_off_by_punctuation_is_taken_from_a_question() -> None:
    assert strip_opening("Hallo zusammen, wie lange darf ein LIVE dauern?") == "wie lange darf ein LIVE dauern?"
    assert strip_opening("Danke! Und was kostet Werbung?") == "Und was kostet Werbung?"
    assert strip_opening("Kurze Frage: wie lange dauert ein Match?") == "wie lange dauert ein Match?"
    assert strip_opening("Tag der offenen Tür auf TikTok?") == "Tag der offenen Tür auf TikTok?"
    assert strip_opening("Top-Marken auf TikTok?") == "Top-Marken auf TikTok?"
    assert strip_opening("So, wie lange dauert das?") == "So, wie lange dauert das?"  # a filler opens nothing
    assert strip_opening("Hallo!") == "Hallo!"


@pytest.mark.parametrize(
    ("message", "language", "reply"),
    [
        ("Hallo", "de", "Was möchten Sie wissen?"),
        ("Moin!", "de", "Was möchten Sie wissen?"),
        ("hi there", "en", "What would you like to know?"),
        ("Danke", "de", "Gern!"),
        ("thx", "en", "Glad to help!"),
        ("tschüss", "de", "Auf Wiedersehen"),
        ("bye", "de", "Auf Wiedersehen"),  # no language in the word: the conversation's, German by default
        ("goodbye", "en", "Goodbye"),
    ],
)
def test_greetings_thanks_and_goodbyes_get_a_short_friendly_reply(
    answerer: Answerer, message: str, language: str, reply: str
) -> None:
    answer = answerer.ask(message)
    assert reply in answer.text and answer.language == language
    assert "Leitfäden" not in answer.text and "guides don't cover" not in answer.text
    assert not answer.in_scope and not answer.declined  # a notice: not counted as a question
    assert not answer.sources


@pytest.mark.parametrize(
    ("message", "language"),
    [("Was kannst du?", "de"), ("Wer bist du?", "de"), ("Hilfe", "de"), ("What can you do?", "en")],
)
def test_questions_about_the_bot_are_answered_with_its_topics(answerer: Answerer, message: str, language: str) -> None:
    answer = answerer.ask(message)
    assert answer.language == language and not answer.declined
    assert answer.topics == answerer.topics(language) and len(answer.topics) >= 5
    assert "Dazu steht nichts" not in answer.text and "don't cover" not in answer.text


def test_small_talk_keeps_the_language_of_the_conversation(answerer: Answerer) -> None:
    first = answerer.ask("How many users does TikTok have?")
    assert answerer.ask("bye", [first.as_turn()]).language == "en"
    assert answerer.ask("ok", [first.as_turn()]).language == "en"


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Hallo, wie lange dauert ein Match im TikTok-Live?", "de"),
        ("Guten Tag! Wie lange dauert ein Match im TikTok-Live?", "de"),
        ("Hi, how long does a match in a TikTok LIVE last?", "en"),
    ],
)
def test_a_question_after_a_greeting_is_answered_from_the_knowledge_base(
    answerer: Answerer, question: str, language: str
) -> None:
    answer = answerer.ask(question)
    assert answer.in_scope and answer.language == language and answer.sources
    assert has_fact(answer.text, [*MATCH_FACT, "5 minutes", "five minutes"])


def test_a_greeting_in_front_does_not_cost_an_answer(answerer: Answerer) -> None:
    assert answerer.ask("What is the For You page on TikTok?").in_scope
    assert answerer.ask("Hi, what is the For You page on TikTok?").in_scope  # declined while "Hi" was searched too


def test_a_follow_up_after_a_greeting_asks_for_its_subject(answerer: Answerer) -> None:
    greeting = answerer.ask("Hallo")
    answer = answerer.ask("Wie lange dauert das?", [greeting.as_turn()])
    assert "Worauf bezieht sich Ihre Frage?" in answer.text


def test_a_conversation_opened_with_a_greeting_carries_on(answerer: Answerer) -> None:
    greeting = answerer.ask("Hallo!")
    first = answerer.ask("Was sind Matches bei TikTok-Lives?", [greeting.as_turn()])
    follow = answerer.ask("Und wie lange dauert so eins?", [greeting.as_turn(), first.as_turn()])
    assert first.in_scope and follow.in_scope
    assert has_fact(follow.text, MATCH_FACT)


def test_thanks_between_two_questions_is_not_what_a_follow_up_refers_to(answerer: Answerer) -> None:
    first = answerer.ask("Wie viele Nutzer hat TikTok in Deutschland?")
    thanks = answerer.ask("Danke!", [first.as_turn()])
    follow = answerer.ask("Und weltweit?", [first.as_turn(), thanks.as_turn()])
    assert follow.question == "Wie viele Nutzer hat TikTok weltweit?"
    assert follow.in_scope and "Milliarde" in follow.text
