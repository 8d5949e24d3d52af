"""Language detection decides the answer's language and every UI text."""

from __future__ import annotations

import pytest

from bot.kb.language import detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Wie lange dauert ein Match?", "de"),
        ("Lohnt sich TikTok für meinen Laden?", "de"),
        ("Darf ich das DSGVO-konform nutzen?", "de"),
        ("Was ist die For-You-Seite?", "de"),
        ("How long does a match last?", "en"),
        ("When was TikTok launched?", "en"),
        ("Is TikTok worth it for my shop?", "en"),
        ("What is the For You page?", "en"),
    ],
)
def test_questions_are_recognised(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_no_evidence_keeps_the_conversation_language() -> None:
    assert detect_language("COPPA?", default="en") == "en"
    assert detect_language("COPPA?", default="de") == "de"
