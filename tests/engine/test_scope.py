"""The scope check's vocabulary: a derivation of a word the guides use is known, another word is not."""

from __future__ import annotations

import pytest

from bot.engine.keyword import stem
from bot.engine.scope import ScopeCheck, is_name
from bot.kb.documents import BadFileError
from bot.kb.vocabulary import Vocabulary, parse_vocabulary

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


def test_in_english_only_a_capital_marks_a_name_in_german_every_noun_counts() -> None:
    assert is_name("Pinterest", "en") and is_name("iPhone", "en") and is_name("SEO", "en")
    assert not is_name("teenagers", "en") and not is_name("brand-new", "en")
    assert is_name("Wetter", "de")


def test_a_generic_noun_is_no_sign_of_another_topic() -> None:
    check = ScopeCheck({"de": [stem(w, "de") for w in ("Reichweite", "Posts")]})
    assert check.unknown_terms("Warum erreichen meine Posts weniger Leute?", "de") == []
    assert check.unknown_terms("Wie viel Reichweite bringt Pinterest?", "de") == ["Pinterest"]


@pytest.mark.parametrize(
    ("question", "lang", "unknown"),
    [
        ("hab von dieser business suite gehört, was is da drin und kostet das was?", "de", ["suite"]),
        ("bringt tiktok eher was wenn man aufm land n laden hat?", "de", ["land", "laden"]),
        ("does gdpr even apply to tiktok tho, anybody know?", "en", ["gdpr"]),
    ],
)
def test_chat_fillers_are_no_unknown_words(question: str, lang: str, unknown: list[str]) -> None:
    """Chat words such as "drin", "aufm", "eher" and "tho" say nothing about the topic: counted as unknown, they
    made the bot decline questions its guides answer."""
    check = ScopeCheck(
        {lang: [stem(w, lang) for w in ("business", "dieser", "gehört", "kostet", "tiktok", "bringt", "apply", "know")]}
    )
    assert check.unknown_terms(question, lang) == unknown


def test_the_vocabulary_file_lists_other_platforms_and_tiktoks_products_and_refuses_a_wrong_shape() -> None:
    vocabulary = parse_vocabulary(
        "aliases: {}\ncontext: {}\nplatforms:\n  - [Instagram, Insta]\n  - [Pinterest]\n"
        "features:\n  - [TikTok Shop, TikTok-Shop]\n"
    )
    assert vocabulary.platforms == [["Instagram", "Insta"], ["Pinterest"]]
    assert vocabulary.features == [["TikTok Shop", "TikTok-Shop"]]
    assert Vocabulary.from_json(vocabulary.to_json()) == vocabulary  # it reaches the engine through the index
    with pytest.raises(BadFileError, match="platforms must be a list of word lists"):
        parse_vocabulary("platforms: [Instagram, Pinterest]\n")
    with pytest.raises(BadFileError, match="features must be a list of word lists"):
        parse_vocabulary("features: TikTok Shop\n")


def test_a_loanword_the_other_languages_guides_use_is_known() -> None:
    german = [stem(w, "de") for w in ("brauchen", "Follower", "live")]
    check = ScopeCheck({"de": german, "en": [stem(w, "en") for w in ("session", "follower")]})
    assert check.unknown_terms("brauch ich follower für ne live session?", "de") == []
    assert check.unknown_terms("brauch ich follower für ne live sitzung?", "de") == ["sitzung"]


@pytest.mark.parametrize(
    ("question", "lang", "unknown"),
    [
        ("what r the rules for European ads, what gets u banned", "en", ["rules", "ads", "banned"]),
        ("Is Facebook for Gen X?", "en", ["Gen"]),
        ("What about Q&A on Instagram?", "en", ["Q&A"]),
        ("Wie schalte ich Q&A bei Instagram ein?", "de", ["Q&A"]),
    ],
)
def test_a_single_letter_is_no_unknown_word_but_q_and_a_is_one(
    check: ScopeCheck, question: str, lang: str, unknown: list[str]
) -> None:
    # Chat shorthand ("r", "u") and the letter of "Gen X" named no topic the guides lack; the
    # question was declined for them. "Q&A" is one word, and one the guides do not use.
    assert check.unknown_terms(question, lang) == unknown
