"""The scope check's vocabulary: a derivation of a word the guides use is known, another word is not."""

from __future__ import annotations

import pytest

from bot.keyword import stem
from bot.scope import ScopeCheck

GUIDE_WORDS = ("European", "German", "strategic", "Facebook", "international", "Instagram")


@pytest.fixture
def check() -> ScopeCheck:
    return ScopeCheck({"en": [stem(w, "en") for w in GUIDE_WORDS]})


@pytest.mark.parametrize(
    ("question", "word"),
    [("What about Europe?", "Europe"), ("What about Germany?", "Germany"), ("What about strategy?", "strategy")],
)
def test_a_derivation_of_a_known_word_is_known(check: ScopeCheck, question: str, word: str) -> None:
    assert word not in check.unknown_terms(question, "en")


@pytest.mark.parametrize(
    ("question", "word"),
    [("What about Facetime?", "Facetime"), ("What about the internet?", "internet"), ("What about Insta?", "Insta")],
)
def test_a_word_that_merely_shares_a_beginning_stays_unknown(check: ScopeCheck, question: str, word: str) -> None:
    assert check.unknown_terms(question, "en") == [word]
