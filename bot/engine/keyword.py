"""Keyword search: Okapi BM25 over Snowball-stemmed German and English tokens.

Dense embeddings blur exact names and figures ("Musical.ly", "COPPA", "5 Minuten"); a keyword
index catches them. The corpus is small, so a plain in-memory BM25 is both simplest and fastest.
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections import Counter
from collections.abc import Sequence

import snowballstemmer

_DIGIT_GROUP = re.compile(r"(?<=\d)[.,'’\u202f\u00a0 ](?=\d{3}\b)")
# German capitalises nouns (not the first word of a sentence); inner dots, hyphens and ampersands
# stay in the word, so "Musical.ly", "TikTok-Live" and "Q&A" are one noun each.
GERMAN_NOUN = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-ZÄÖÜ][\wÄÖÜäöüß]*(?:[.\-&][\wÄÖÜäöüß]+)*")
_TOKEN = re.compile(r"[a-zäöüß0-9]+")
_STEMMERS = {"de": "german", "en": "english"}

STOPWORDS = frozenset(
    """
    der die das den dem des ein eine einen einem einer eines und oder aber ist sind war waren
    wird werden wurde wurden sein hat haben hatte hatten wie was wer wo wann warum wieso weshalb
    welche welcher welches welchen ich du er sie es wir ihr mein meine dein unser kann können
    darf dürfen muss müssen soll sollte nicht kein keine mit für auf von zu zum zur im in ins
    am an beim vom über auch noch schon nur sehr mehr gibt man mich mir sich uns bei nach als
    ob dass wenn denn so da dort hier damit dabei dafür davon dazu bitte eigentlich genau
    the a an and or but is are was were be been being has have had how what who where when why
    which i you he she it we they my your our their can could may must should not no with for
    on of to in at by from about into this that these those do does did there here its please
    tell me us them than then so if
    """.split()
) | frozenset(
    # How people type: question words, auxiliaries, fillers and chat abbreviations carry no topic.
    """
    wieviel wieviele viel viele welchen welchem wem wen weshalb woher wohin womit wofür worauf
    hab habe hast hatte hätte habt würd würde würden wär wäre wären bin bist seid kannst könnte
    könnten musst müsste sollst sollten willst will wollen mag möchte möchten geht gehts gibts gibt's
    mal halt echt eben eig eigentl ja nee ne nen nem ner n so sowas irgendwie irgendwo irgendwas
    gern gerne grad gerade jetzt schon noch immer einfach wirklich ganz ziemlich etwa ca bzw usw
    überhaupt denn doch nun also quasi realistisch ungefähr grob kurz bisschen paar etwas insgesamt
    ich's gibt's is isses hat's aufm aufn drauf dran drin drüber nochmal nochmals bissl bissel sollt
    rein raus rauf runter rüber hinein herein heraus hinaus
    heute heutzutage derzeit momentan mittlerweile inzwischen zurzeit aktuell today nowadays currently
    nirgends nirgendwo dauernd ständig eher eh sogar sonst läuft läufts riesen riesig riesige riesigen mega krass
    mach mache machen machst macht machte gemacht make makes making
    many much would will shall might got get gets getting gonna wanna really actually just like
    stuff thing things now still already even also any some very quite pretty maybe u ur im ive
    beachten beachte beachtet achten achte aufpassen
    overall altogether generally basically
    dont doesnt cant wont bc btw pls thx ok okay yeah tho literally anybody anyone somebody someone
    gotta kinda sorta lol
    re ve ll don isn aren doesn didn won wasn weren couldn shouldn wouldn haven hasn hadn
    """.split()
)


_local = threading.local()


def _stemmer(lang: str) -> snowballstemmer.stemmer:
    """One stemmer per thread and language: Snowball stemmers keep per-word state and break
    when two threads stem at once (answers are composed in worker threads)."""
    stemmers = _local.__dict__.setdefault("stemmers", {})
    if lang not in stemmers:
        stemmers[lang] = snowballstemmer.stemmer(_STEMMERS.get(lang, "german"))
    return stemmers[lang]


# "um den Clip abzunicken", "freizugeben": a separable verb's zu-infinitive is the verb ("abnicken").
# "Auszubildende" keeps its "zu": it names a person, and the guides' vocabulary is built on it.
_ZU_INFINITIVE = re.compile(
    r"^(?!auszubild)(ab|an|auf|aus|ein|frei|mit|nach|vor|zurück|weg|los|fest|her|hin|hoch|dar|um|durch)zu(\w{3,}en)$"
)


@functools.lru_cache(maxsize=200_000)
def stem(word: str, lang: str) -> str:
    """Snowball stems are pure functions of the word, and stemming is the engine's hottest loop:
    the guides' vocabulary is small, so each word is stemmed once per process."""
    word = word.lower()
    if lang == "de":
        word = _ZU_INFINITIVE.sub(r"\1\2", word)
    return str(_stemmer(lang).stemWord(word))


_LINKS = ("es", "s", "n", "en", "e", "")  # German linking elements between compound parts
_MIN_PART = 3


def compound_parts(word: str, lang: str, known: frozenset[str]) -> tuple[str, ...]:
    """The known stems a compound splits into, allowing a linking element ("Datenschutzstrafe":
    datenschutz, straf), the longest known first part first, or nothing. `known` holds stems."""
    for cut in range(len(word) - _MIN_PART, _MIN_PART - 1, -1):
        head, tail = word[:cut], word[cut:]
        whole_tail = stem(tail, lang)
        tail_parts = (whole_tail,) if whole_tail in known else _tail_parts(tail, lang, known)
        if not tail_parts:
            continue
        for link in _LINKS:
            if head.endswith(link) and len(head) - len(link) >= _MIN_PART:
                base = head[: len(head) - len(link)] if link else head
                for part in (stem(base, lang), base):
                    if part in known:
                        return (part, *tail_parts)
    return ()


def _tail_parts(tail: str, lang: str, known: frozenset[str]) -> tuple[str, ...]:
    # one more level for three-part compounds ("Datenschutzgesetze")
    if len(tail) < 2 * _MIN_PART:
        return ()
    for cut in range(_MIN_PART, len(tail) - _MIN_PART + 1):
        first, second = stem(tail[:cut], lang), stem(tail[cut:], lang)
        if first in known and second in known:
            return (first, second)
    return ()


def join_digit_groups(text: str) -> str:
    """ "260.000", "260,000" and "260 000" all become "260000", so figures compare as written."""
    return _DIGIT_GROUP.sub("", text)


def tokenize(text: str, lang: str) -> list[str]:
    """Lowercase, join digit groups ("260.000" -> "260000"), drop stopwords, stem."""
    return list(_tokens(text, lang))


# "US" in capitals is the country ("TikTok in the US", "in the U.S."), not the pronoun "us". In
# compounds ("US-Geschäft", "US-Dollar") and in "US$" it stays out as before: counted as the country,
# compounds drew questions on the USA to sections that mention the US business in passing.
_US = re.compile(r"\bU\.?S\.?(?![\wÄÖÜäöüß.$-])(?!\s*(?i:dollars?)\b)")


@functools.lru_cache(maxsize=20_000)
def _tokens(text: str, lang: str) -> tuple[str, ...]:
    # Guide sentences recur in every answer that quotes them: their tokens are computed once.
    words = _TOKEN.findall(join_digit_groups(_US.sub("USA", text).lower()))
    return tuple(stem(w, lang) for w in words if w not in STOPWORDS and (len(w) > 1 or w.isdigit()))


class BM25:
    """Okapi BM25 over a fixed list of documents (one per chunk).

    Scoring walks the postings of the query's terms only, so a question costs what its words
    occur in, not the size of the knowledge base: agencies add documents by the hundred.
    """

    def __init__(self, documents: Sequence[list[str]], k1: float = 1.5, b: float = 0.75) -> None:
        lengths = [len(doc) for doc in documents]
        average = (sum(lengths) / len(documents)) if documents else 0.0
        norms = [k1 * (1 - b + b * length / (average or 1)) for length in lengths]
        self._postings: dict[str, list[tuple[int, float]]] = {}  # term -> (document, saturated tf)
        for number, doc in enumerate(documents):
            for term, tf in Counter(doc).items():
                self._postings.setdefault(term, []).append((number, tf * (k1 + 1) / (tf + norms[number])))
        n = len(documents)
        self._idf = {t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self._postings.items()}
        self.vocabulary = frozenset(self._idf)  # every stemmed term of the indexed documents

    def idf(self, term: str) -> float:
        return self._idf.get(term, 0.0)

    def scores(self, query: list[str]) -> dict[int, float]:
        """Document number -> score, for the documents that share a term with the query."""
        out: dict[int, float] = {}
        for term in dict.fromkeys(query):
            idf = self._idf.get(term)
            if idf is None:
                continue
            for number, saturated in self._postings[term]:
                out[number] = out.get(number, 0.0) + idf * saturated
        return out


_WORDS = re.compile(r"[\s-]+")


class AliasMap:
    """Words that mean the same here (knowledge/vocabulary.yaml) share one extra token.

    Keyword search then matches "Lehrling" in a question with "Auszubildende" in a guide, and the
    answerability check counts such a word as covered.
    """

    def __init__(self, groups: dict[str, list[list[str]]]) -> None:
        self._canonical: dict[str, dict[str, str]] = {}
        # A member of several words ("live gehen", "watch time") joins its group as that phrase
        # only: word by word, every "gehen" was a livestream and every "time" a watch time.
        self._phrases: dict[str, dict[str, list[tuple[tuple[str, ...], str]]]] = {}
        for lang, lang_groups in groups.items():
            table = self._canonical.setdefault(lang, {})
            phrases = self._phrases.setdefault(lang, {})
            for group in lang_groups:
                # A name of several words that are mostly stopwords ("For-You-Seite") cannot be matched
                # word by word: its one remaining word ("Seite") would stand for the whole.
                members = [
                    member
                    for word in group
                    if (member := tuple(tokenize(word, lang))) and len(member) >= len(_WORDS.split(word.strip()))
                ]
                if not members:
                    continue
                canonical = f"~{members[0][0]}"
                for member in members:
                    if len(member) == 1:
                        table.setdefault(member[0], canonical)
                    else:
                        phrases.setdefault(member[0], []).append((member, canonical))

    def expand(self, tokens: Sequence[str], lang: str) -> list[str]:
        """The tokens plus the shared token of every alias group they (or a phrase of them) belong to."""
        table = self._canonical.get(lang, {})
        phrases = self._phrases.get(lang, {})
        found = [table[t] for t in tokens if t in table]
        for i, token in enumerate(tokens):
            for phrase, canonical in phrases.get(token, ()):
                if tuple(tokens[i : i + len(phrase)]) == phrase:
                    found.append(canonical)
        return [*tokens, *found]

    def group_of(self, token: str, lang: str) -> str | None:
        return self._canonical.get(lang, {}).get(token)
