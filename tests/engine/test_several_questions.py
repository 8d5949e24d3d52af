"""A message asking several questions gets each answered from its own section, or named as not covered."""

from __future__ import annotations

from bench.evaluation import has_fact
from bot.engine.answerer import Answerer
from bot.engine.texts import without_frame

MATCH_LENGTH = ["5 Minuten", "fünf Minuten", "5-minütig"]


def test_two_questions_are_answered_each_from_its_own_section(answerer: Answerer) -> None:
    answer = answerer.ask("Wie lange dauert ein Match im TikTok-Live? Und wann hat ByteDance Musical.ly gekauft?")
    assert answer.in_scope
    assert has_fact(answer.text, MATCH_LENGTH) and has_fact(answer.text, ["November 2017"])
    sections = [s.section for s in answer.sources]
    assert any("Match" in s for s in sections) and any("Musical.ly" in s for s in sections)
    # each block is introduced by the question it answers, in the order asked
    assert answer.text.index("Zu „Wie lange dauert") < answer.text.index("Zu „Wann hat ByteDance")


def test_english_questions_are_answered_each_in_english(answerer: Answerer) -> None:
    answer = answerer.ask("How long does a LIVE match last? And when did ByteDance buy Musical.ly?")
    assert answer.in_scope and answer.language == "en"
    assert has_fact(answer.text, ["5 minutes", "five minutes"]) and has_fact(answer.text, ["November 2017"])
    assert all(s.file.startswith("en/") for s in answer.sources)


def test_a_question_the_guides_do_not_cover_is_named_not_answered_from_another_section(answerer: Answerer) -> None:
    answer = answerer.ask("Wie lange dauert ein Match im TikTok-Live? Und wie backe ich ein Roggenbrot mit Sauerteig?")
    assert answer.in_scope and has_fact(answer.text, MATCH_LENGTH)
    assert "Zu „Wie backe ich ein Roggenbrot mit Sauerteig?“ steht nichts in meinen Leitfäden." in answer.text
    assert "Match" in answer.sources[0].section
    assert "Zu „Wie backe ich ein Roggenbrot mit Sauerteig?“:" not in answer.text  # no block answers it
    # the line quotes the owner's question and is no fact of the answer
    assert "Roggenbrot" not in without_frame(answer.text)


def test_a_message_whose_questions_the_guides_do_not_cover_is_declined_as_a_whole(answerer: Answerer) -> None:
    answer = answerer.ask("Wie backe ich ein Roggenbrot mit Sauerteig? Und welche Hefe nehme ich dafür?")
    assert not answer.in_scope and answer.declined and not answer.sources
    assert answer.text.startswith("Dazu steht nichts in meinen Leitfäden")


def test_a_later_question_may_lean_on_the_one_before(answerer: Answerer) -> None:
    answer = answerer.ask("Was sind Matches bei TikTok-Lives? Und wie lange dauert so eins?")
    assert answer.in_scope and has_fact(answer.text, MATCH_LENGTH)


def test_the_conversation_goes_on_from_the_last_question_answered(answerer: Answerer) -> None:
    both = answerer.ask("Was kostet Werbung auf TikTok mindestens? Und wann hat ByteDance Musical.ly gekauft?")
    follow = answerer.ask("Und für wie viel Geld?", [both.as_turn()])
    assert follow.in_scope and has_fact(follow.text, ["1 Milliarde", "eine Milliarde"])


def test_questions_one_section_answers_get_one_answer_without_headings(answerer: Answerer) -> None:
    answer = answerer.ask("Wie lange dauert ein Match im TikTok-Live? Und wie lange geht so ein Match?")
    assert answer.in_scope and has_fact(answer.text, MATCH_LENGTH)
    assert not answer.text.startswith("Zu „") and answer.text.count("Ein Match im TikTok-Live dauert") == 1


def test_a_question_the_guides_do_not_cover_may_point_to_a_related_section(answerer: Answerer) -> None:
    # A monthly turnover is a figure no guide gives (what TikTok pays per 1,000 views, which a guide
    # now answers with "no fixed rate", is no monthly turnover).
    answer = answerer.ask(
        "Wie lange dauert ein Match im TikTok-Live? Und wie viel Umsatz macht ein Creator mit 10.000 Followern im Monat?"
    )
    assert answer.in_scope and has_fact(answer.text, MATCH_LENGTH)
    line = next(line for line in answer.text.splitlines() if "10.000 Followern" in line)
    assert line.startswith(
        "Zu „Wie viel Umsatz macht ein Creator mit 10.000 Followern im Monat?“ steht nichts in meinen Leitfäden. "
        "Verwandt ist „"
    )
    assert "Verwandt" not in without_frame(answer.text)  # a pointer, not part of the answer


def test_small_talk_beside_a_question_is_left_out_not_declined(answerer: Answerer) -> None:
    answer = answerer.ask("Wie lange dauert ein Match im TikTok-Live? Und wie geht es Ihnen?")
    assert answer.in_scope and has_fact(answer.text, MATCH_LENGTH)
    assert "nichts in meinen Leitfäden" not in answer.text


def test_a_short_question_in_an_english_message_is_searched_in_english(answerer: Answerer) -> None:
    answer = answerer.ask("How long does a LIVE match last? And the TikTok Shop?")
    assert answer.language == "en" and all(s.file.startswith("en/") for s in answer.sources)


def test_a_question_left_open_points_to_its_own_topic_not_back_to_the_answer_before_it(answerer: Answerer) -> None:
    answer = answerer.ask("Wie oft soll ich posten? Und wie viele Follower brauche ich für den TikTok Shop?")
    assert answer.in_scope and "posten" in answer.sources[0].section
    assert "Verwandt ist „Was sind Affiliate-Creator im TikTok Shop?“" in answer.text
    assert answer.suggestions[0].question == "Was sind Affiliate-Creator im TikTok Shop?"  # one tap reads it
