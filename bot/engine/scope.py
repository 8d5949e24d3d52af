"""Does the knowledge base cover a question? The second opinion next to dense relevance.

Dense similarity alone cannot tell "How does the Pinterest algorithm work?" from a covered
question about TikTok's algorithm: both score alike. What gives the first away is a name the
guides never mention. So a question whose nouns (German capitalises them; in English, and in
German typed in lower case, all content words count) include one the knowledge base does not
know needs a clearly higher relevance to be answered. A word counts as known when the guides use
it, a derivation (by ending, or in German by prefix: "bestrafen" ~ "Strafe"), a compound of known
parts ("Spielzeugladen"), a loanword the guides in the other language use ("Session"), an alias
from knowledge/vocabulary.yaml ("Lehrling" ~ "Auszubildende"), or a close spelling
("Algorythmus"); scene-setting words ("Bäckerei", "Friseursalon") never decide the topic.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left
from collections.abc import Iterable

from rapidfuzz import fuzz, process

from bot.engine.keyword import GERMAN_NOUN, STOPWORDS, AliasMap, compound_parts, stem

_ENGLISH_WORD = re.compile(r"[A-Za-z][\w'&-]*")
# Nouns that name no subject matter: "Leute" in a question about reach says nothing about its topic.
_GENERIC_NOUNS = frozenset(
    """
    leute menschen person personen sache sachen ding dinge frage fragen problem probleme art weise
    möglichkeit möglichkeiten grund gründe beispiel beispiele tipp tipps idee ideen zeit mal
    people person persons thing things question questions problem problems way ways reason reasons
    example examples tip tips idea ideas time times
    """.split()
)
_MIN_STEM = 5  # a shorter shared beginning ("face", "insta") says nothing about a relation
_PREFIXES = ("be", "ver", "er", "ent", "zer", "ge")  # German derives verbs and nouns with these
_LOWER_WORD = re.compile(r"\b[a-zäöüß][a-zäöüß-]{3,}\b")
_TYPO_SCORE = 88  # rapidfuzz ratio from which a rare word counts as a misspelling of a known one
_MIN_TYPO_LEN = 6
_MAX_SUFFIX = 3  # "europ" ~ "european", "germani" ~ "german": a derivation, not another word


def is_name(word: str, lang: str) -> bool:
    """Whether an unknown word names something, rather than says something the guides word differently.

    A capital marks a name ("Pinterest", "iPhone", "SEO"; in German any noun typed properly),
    while a lower-case word ("teenagers", "versteuern") is as likely a synonym of something the
    guides do cover.
    """
    return not word.islower()


class ScopeCheck:
    """Knows the vocabulary of the indexed guides, per language."""

    def __init__(
        self,
        vocabulary: dict[str, Iterable[str]],
        aliases: AliasMap | None = None,
        context: dict[str, list[str]] | None = None,
        platforms: list[list[str]] | None = None,
        features: list[list[str]] | None = None,
    ) -> None:
        self._vocabulary = {lang: frozenset(words) for lang, words in vocabulary.items()}
        self._sorted = {lang: sorted(words) for lang, words in self._vocabulary.items()}
        self._aliases = aliases or AliasMap({})
        self._context = {lang: frozenset(w.lower() for w in words) for lang, words in (context or {}).items()}
        # Compounds count by their last part ("Friseursalon"); parts shorter than 4 letters are too common.
        self._context_tails = {lang: tuple(w for w in words if len(w) >= 4) for lang, words in self._context.items()}
        self._platforms = [_any_name(names) for names in platforms or []]
        self._features = [_any_name(names) for names in features or []]
        self._platform_terms = {
            lang: frozenset(stem(name.lower(), lang) for names in platforms or [] for name in names)
            for lang in self._vocabulary
        }

    def platforms_named(self, text: str) -> list[re.Pattern[str]]:
        """The other platforms (vocabulary `platforms`) that `text` names, each as the pattern that
        finds it under any of its names in a section."""
        return [platform for platform in self._platforms if platform.search(text)]

    def features_named(self, text: str) -> list[re.Pattern[str]]:
        """TikTok's own products (vocabulary `features`: TikTok Shop, LIVE, Pixel) that `text`
        names, each as the pattern that finds it under any of its names."""
        return [feature for feature in self._features if feature.search(text)]

    def names_a_platform(self, term: str, lang: str) -> bool:
        """Whether a keyword term is the name of another platform ("insta", "youtub")."""
        return term in self._platform_terms.get(lang, ())

    def unknown_terms(self, question: str, lang: str) -> list[str]:
        """Nouns and names in the question that no guide mentions."""
        known = self._vocabulary.get(lang, frozenset())
        if lang == "de":
            candidates = GERMAN_NOUN.findall(question.strip())
            if not candidates:  # typed in lower case: every content word may be the subject
                candidates = [w for w in _LOWER_WORD.findall(question) if w not in STOPWORDS]
        else:
            candidates = [w for w in _ENGLISH_WORD.findall(question) if w.lower() not in STOPWORDS]
        # A single letter names nothing on its own ("Gen Z" is known by "Gen"; "Q&A" is one word).
        return [word for word in candidates if len(word) > 1 and not self._known(word, lang, known)]

    def _known(self, word: str, lang: str, known: frozenset[str]) -> bool:
        """Known as it is, as a derivation or compound of known words, or by its first hyphenated part.

        In "Shopify-Shop" and "DSGVO-konform" the first part names the specific thing.
        """
        word = re.sub(r"['’]s$", "", word.lower())
        head = next((p for p in re.split(r"[-'’.]", word) if p), "")
        root = stem(head, lang)
        return (
            head in STOPWORDS
            or head in _GENERIC_NOUNS
            or root in known
            or self.sets_the_scene(head, lang)
            or self._alias_known(root, lang, known)
            or self._derived(root, lang, known)
            or is_compound(head, lang, known)
            or is_prefixed(root, lang, known)
            or self._misspelled(root, lang)
            or self._known_in_other_language(head, lang)
        )

    def _known_in_other_language(self, word: str, lang: str) -> bool:
        """A loanword: owners write "Live-Session" or "Insights" in German, and the parallel guide in
        the other language uses the word, so the topic is covered."""
        return any(stem(word, other) in known for other, known in self._vocabulary.items() if other != lang)

    def sets_the_scene(self, word: str, lang: str) -> bool:
        """A context word from the vocabulary, or a compound ending in one ("Friseursalon")."""
        word = word.lower()
        return word in self._context.get(lang, ()) or word.endswith(self._context_tails.get(lang, ()))

    def _alias_known(self, root: str, lang: str, known: frozenset[str]) -> bool:
        group = self._aliases.group_of(root, lang)
        return group is not None and group in known

    def _misspelled(self, root: str, lang: str) -> bool:
        """A rare word one or two letters off a known one ("algorythmus", "impresum")."""
        if len(root) < _MIN_TYPO_LEN:
            return False
        return (
            process.extractOne(root, self._sorted.get(lang, []), scorer=fuzz.ratio, score_cutoff=_TYPO_SCORE)
            is not None
        )

    def _derived(self, root: str, lang: str, known: frozenset[str]) -> bool:
        """True when a known stem and this one differ only by a short ending the stemmer left.

        Stemmers keep derivations apart ("Europe" -> "europ", "European" -> "european"), yet a
        guide about the European Union covers a question about Europe.
        """
        if len(root) < _MIN_STEM:
            return False
        if any(root[:cut] in known for cut in range(max(_MIN_STEM, len(root) - _MAX_SUFFIX), len(root))):
            return True  # this word extends a known one
        ordered = self._sorted.get(lang, [])
        at = bisect_left(ordered, root)
        return any(  # a known word extends this one
            len(word) - len(root) <= _MAX_SUFFIX
            for word in itertools.takewhile(lambda w: w.startswith(root), itertools.islice(ordered, at, None))
        )


def is_prefixed(root: str, lang: str, known: frozenset[str]) -> bool:
    """True when a German stem and a known one differ only by an unstressed prefix: a question
    whether the EU can "bestrafen" TikTok is about the section on a "Strafe". `known` holds stems."""
    if lang != "de":
        return False
    return any(
        (root.startswith(prefix) and len(root) - len(prefix) >= _MIN_STEM and root[len(prefix) :] in known)
        or (len(root) >= _MIN_STEM and prefix + root in known)
        for prefix in _PREFIXES
    )


def is_compound(word: str, lang: str, known: frozenset[str]) -> bool:
    """True when the word splits into known parts, allowing a linking element: "Spielzeugladen",
    and "Nutzerdaten" in a section that speaks of "Daten seiner Nutzer". `known` holds stems."""
    return bool(compound_parts(word, lang, known))


def _any_name(names: list[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(re.escape(name) for name in names) + r")\b", re.IGNORECASE)
