"""Small talk: greetings, thanks, goodbyes and questions about the bot itself.

"Hallo" or "Danke" is no question for the knowledge base: searched, it finds nothing, and the
bot would decline a greeting. Such messages get a short, friendly reply that points to what the
bot can do instead. Only a message that is *nothing but* small talk counts: "Hallo, wie lange
darf ein LIVE dauern?" has words left over once the greeting is taken away, so it is a question
and goes to retrieval as usual, without the greeting that would blur the search.

Messages are matched as sequences of known phrases and filler words ("danke dir", "wer bist du
eigentlich"), after a normalisation that absorbs the usual typing variants: case, punctuation,
emoji, apostrophes, stretched letters ("hallooo", "danke!!"), umlauts typed as "ue", "ß" as "ss";
a single longer word may also carry one typo ("danek", "thnaks").
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.engine.types import Turn


class Kind(StrEnum):
    """What the small talk is about; each kind has its reply in `bot/engine/texts.py`."""

    GREETING = "greeting"
    THANKS = "thanks"  # also a bare acknowledgement ("ok", "super")
    GOODBYE = "goodbye"
    CAPABILITIES = "capabilities"  # "Was kannst du?"
    IDENTITY = "identity"  # "Wer bist du?"
    HELP = "help"


@dataclass(frozen=True)
class SmallTalk:
    """A message that is nothing but small talk: what it is about and the language it is in."""

    kind: Kind
    language: str | None  # "de" or "en" when the words tell ("moin", "thx"), else None


# Kind, language (None: said in both) and phrases; "{a|b|}" spells variants, the last one empty.
# No kind marks fillers: words that may surround small talk but are none on their own.
_PHRASES: tuple[tuple[Kind | None, str | None, tuple[str, ...]], ...] = (
    (
        Kind.GREETING,
        "de",
        (
            "hallo",
            "hallöchen",
            "halli hallo",
            "moin",
            "moin moin",
            "moinsen",
            "servus",
            "grüß {gott|dich|sie|euch}",
            "grüezi",
            "{schönen |einen schönen |}guten {morgen|tag|abend}",
            "n abend",
            "nabend",
            "tag",
            "tach",
            "huhu",
            "wie {gehts|geht es} {dir|ihnen|euch|}",
            "was geht",
            "{ich habe |ich hab |ich hätte |habe |hab |hätte |}{da |}{eine |ne |mal eine |mal ne |}{kurze |}frage",
        ),
    ),
    (Kind.GREETING, None, ("hi", "hey", "hej", "heyho", "yo", "ahoi")),
    (
        Kind.GREETING,
        "en",
        (
            "hello",
            "hiya",
            "howdy",
            "greetings",
            "good {morning|afternoon|evening|day}",
            "morning",
            "whats up",
            "sup",
            "how are you {doing|}",
            "{how is|hows} it going",
            "how do you do",
            "{i have |}{a |}{quick |}question",
        ),
    ),
    (
        Kind.THANKS,
        "de",
        (
            "danke {schön|sehr|vielmals|dir|ihnen|euch|}",
            "dankeschön",
            "{vielen|herzlichen|tausend|besten|lieben|vielen lieben|vielen herzlichen|recht herzlichen} dank",
            "dank dir",
            "{danke |}für {die |deine |ihre |eure |}{schnelle |}{antwort|info|infos|hilfe|auskunft|tipps}",
            "alles klar",
            "verstanden",
            "super",
            "toll",
            "prima",
            "perfekt",
            "klasse",
            "gut",
            "sehr gut",
        ),
    ),
    (Kind.THANKS, None, ("merci", "ok", "okay", "oki", "cool", "top")),
    (
        Kind.THANKS,
        "en",
        (
            "thanks {a lot|so much|a bunch|}",
            "thank you {very much|so much|}",
            "thank u",
            "thx",
            "thanx",
            "thnx",
            "ty",
            "tysm",
            "many thanks",
            "much appreciated",
            "cheers",
            "thanks for the {help|info|answer|tips}",
            "great",
            "perfect",
            "awesome",
            "nice",
            "good",
            "got it",
            "understood",
        ),
    ),
    (
        Kind.GOODBYE,
        "de",
        (
            "tschüss",
            "tschüssi",
            "tschau",
            "auf {wiedersehen|wiederhören|bald}",
            "bis {bald|später|dann|morgen|zum nächsten mal}",
            "machs gut",
            "mach es gut",
            "{einen |}schönen {tag|abend} noch",
            "schönes wochenende",
            "gute nacht",
            "ade",
            "adieu",
            "{viele|liebe|beste|mit freundlichen} grüße",
            "lg",
            "mfg",
            "das wars",
            "das war es",
        ),
    ),
    (Kind.GOODBYE, None, ("ciao", "bye")),
    (
        Kind.GOODBYE,
        "en",
        (
            "bye bye",
            "goodbye",
            "good bye",
            "see {you|ya} {later|soon|}",
            "cya",
            "later",
            "take care",
            "have a {nice|good|great} day",
            "good night",
            "farewell",
            "{best|kind|} regards",
        ),
    ),
    (
        Kind.CAPABILITIES,
        "de",
        (
            "was {kannst du|können sie|könnt ihr|kann der bot|kann dieser bot}",
            "was {weißt du|wissen sie|machst du|machen sie}",
            "was kann {ich|man} {dich|sie|} fragen",
            "{wobei|womit} {kannst du|können sie} {mir |}helfen",
            "welche themen {kennst du|kennen sie|gibt es|hast du|haben sie|}",
            "worüber kann ich {dich|sie} fragen",
        ),
    ),
    (
        Kind.CAPABILITIES,
        "en",
        (
            "what {can|do} you do",
            "what can i ask {you|}",
            "what do you know",
            "how can you help {me|}",
            "what can you help {me |}with",
            "what are you {able to do|good for}",
            "{what|which} topics {do you cover|}",
            "what are your topics",
        ),
    ),
    (
        Kind.IDENTITY,
        "de",
        (
            "wer {bist du|sind sie|seid ihr|ist da}",
            "was {bist du|sind sie}",
            "{bist du|sind sie} {ein bot|ein chatbot|ein mensch|ein roboter|eine ki|echt}",
            "mit wem {spreche|rede|schreibe} ich",
            "wie {heißt du|heißen sie}",
        ),
    ),
    (
        Kind.IDENTITY,
        "en",
        (
            "who are you",
            "what are you",
            "are you {a bot|a chatbot|a human|a robot|a person|a real person|an ai|real}",
            "who am i {talking|speaking} to",
            "who is this",
            "{whats|what is} your name",
        ),
    ),
    (
        Kind.HELP,
        "de",
        (
            "hilfe",
            "{ich brauche|brauche} hilfe",
            "hilf mir",
            "helfen sie mir",
            "{kannst du|können sie} mir helfen",
            "wie funktionierst du",
            "wie funktioniert {der|dieser} bot",
            "wie {benutze|nutze} ich {dich|sie|den bot|diesen bot}",
            "anleitung",
        ),
    ),
    (
        Kind.HELP,
        "en",
        (
            "help",
            "help me",
            "{i need|need} help",
            "{can|could} you help me",
            "how do you work",
            "how does {the|this} bot work",
            "how do i use {you|the bot|this bot}",
        ),
    ),
    (
        None,
        "de",
        ("du", "dir", "ihnen", "zusammen", "leute", "und", "nochmal", "noch mal", "alles", "eigentlich", "denn", "ja"),
    ),
    (None, "en", ("you", "there", "everyone", "folks", "and", "again", "actually", "yes", "yeah")),
    (
        None,
        None,
        ("bot", "berater", "tiktok berater", "lieber bot", "so", "jo", "na", "oh", "ah", "also", "haha", "lol", "hm"),
    ),
)
# What a message holding several kinds is answered as: the most specific one ("Hallo, was kannst du?").
_PRIORITY = (Kind.CAPABILITIES, Kind.HELP, Kind.IDENTITY, Kind.GOODBYE, Kind.THANKS, Kind.GREETING)
_MAX_WORDS = 12  # longer than any run of small talk: a question, so no need to scan it
# The words typed often enough to be mistyped. A typo is a letter left out, added or swapped with
# its neighbour; a wrong letter is not, since that turns real words into small talk ("Dance").
_TYPO_PRONE = ("hallo", "hello", "danke", "dankeschön", "thanks", "tschüss", "servus", "goodbye")
_TYPO_MIN = 4  # letters (doubles folded) a word needs before a typo is assumed
_VARIANT = re.compile(r"\{([^}]*)\}")
_WORD = re.compile(r"[\w'’]+")
_STRETCH = re.compile(r"(\w)\1+")
_SPELLED_UMLAUTS = (("ae", "ä"), ("oe", "ö"), ("ue", "ü"))
# What sets an opening off from the question after it; a hyphen only between spaces ("Top-Marken").
_BREAK = re.compile(r"[,.;:!?\n]|\s[–—-]\s")

Entry = tuple[Kind | None, str | None]


def _fold(word: str) -> str:
    """A word as matched: lower case, no apostrophe, no doubled letter, umlauts as umlauts.

    Doubled letters are folded on both sides, so "hallooo", "halllo" and "hallo" all read "halo",
    and "tschüß", "tschuess" and "tschüss" all read "tschüs".
    """
    word = _STRETCH.sub(r"\1", word.lower().replace("ß", "ss").replace("'", "").replace("’", ""))
    for spelled, umlaut in _SPELLED_UMLAUTS:
        word = word.replace(spelled, umlaut)
    return word


def _words(message: str) -> list[tuple[str, int, int]]:
    """The folded words of `message` with where each starts and ends; punctuation and emoji drop out."""
    return [(_fold(m.group()), m.start(), m.end()) for m in _WORD.finditer(message) if _fold(m.group())]


def _variants(phrase: str) -> list[str]:
    """ "guten {morgen|tag}" → ["guten morgen", "guten tag"]."""
    parts = _VARIANT.split(phrase)  # literal text at even positions, variant groups at odd ones
    options = [part.split("|") if i % 2 else [part] for i, part in enumerate(parts)]
    return [" ".join("".join(choice).split()) for choice in itertools.product(*options)]


def _table() -> dict[tuple[str, ...], Entry]:
    table: dict[tuple[str, ...], Entry] = {}
    for kind, lang, phrases in _PHRASES:
        for phrase in phrases:
            for variant in _variants(phrase):
                table[tuple(word for word, _, _ in _words(variant))] = (kind, lang)
    return table


_TABLE = _table()
_LONGEST = max(len(words) for words in _TABLE)
_TYPO_TARGETS = {_fold(word): _TABLE[(_fold(word),)] for word in _TYPO_PRONE}


def _phrases(words: list[str]) -> Iterator[tuple[int, Entry]]:
    """The known phrases `words` begin with, longest first, each with how many words it ends after.

    Stops at the first word that belongs to none.
    """
    position = 0
    while position < len(words):
        for length in range(min(_LONGEST, len(words) - position), 0, -1):
            entry = _TABLE.get(tuple(words[position : position + length]))
            if entry is not None:
                break
        else:
            length, entry = 1, _typo_of(words[position])
            if entry is None:
                return
        position += length
        yield position, entry


def recognise(message: str) -> SmallTalk | None:
    """The small talk `message` is, or None when it holds anything else (a question, a topic)."""
    words = [word for word, _, _ in _words(message)]
    if not words or len(words) > _MAX_WORDS:
        return None
    matched = list(_phrases(words))
    if not matched or matched[-1][0] < len(words):
        return None
    kinds = {kind for _, (kind, _) in matched if kind is not None}
    if not kinds:
        return None  # fillers alone ("und?", "so") are no small talk either
    languages = Counter(lang for _, (_, lang) in matched if lang is not None).most_common()
    language = languages[0][0] if languages and (len(languages) == 1 or languages[0][1] > languages[1][1]) else None
    return SmallTalk(next(kind for kind in _PRIORITY if kind in kinds), language)


def without_small_talk(history: Sequence[Turn]) -> list[Turn]:
    """The conversation's questions: "Danke" between two of them is none that a follow-up refers to."""
    return [turn for turn in history if recognise(turn.question) is None]


def strip_opening(message: str) -> str:
    """`message` without the small talk it opens with ("Hallo, wie lange …?" → "wie lange …?").

    A greeting in front only blurs the search: "Hi, what is the For You page?" was declined where
    the bare question was answered. Only an opening set off by punctuation is taken away, so "Tag
    der offenen Tür" keeps its "Tag" and "Und wie lange?" its "Und"; all small talk is kept whole.
    """
    words = _words(message)
    cut, spoken = 0, False
    for count, (kind, _) in _phrases([word for word, _, _ in words]):
        spoken = spoken or kind is not None
        if spoken and count < len(words) and _BREAK.search(message, words[count - 1][2], words[count][1]):
            cut = words[count][1]
    return message[cut:]


def _typo_of(word: str) -> Entry | None:
    if len(word) < _TYPO_MIN:
        return None
    return next((entry for target, entry in _TYPO_TARGETS.items() if _one_typo_apart(word, target)), None)


def _one_typo_apart(typed: str, word: str) -> bool:
    """Whether `typed` is `word` with one letter left out, one added, or two neighbours swapped."""
    if abs(len(typed) - len(word)) > 1 or typed == word:
        return False
    start = next((i for i, (x, y) in enumerate(zip(typed, word, strict=False)) if x != y), min(len(typed), len(word)))
    if len(typed) == len(word):
        return typed[start : start + 2] == word[start : start + 2][::-1] and typed[start + 2 :] == word[start + 2 :]
    longer, shorter = (typed, word) if len(typed) > len(word) else (word, typed)
    return longer[start + 1 :] == shorter[start:]
