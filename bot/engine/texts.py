"""The engine's own wording in German and English: notices, declines, the words around sources.

German users are addressed with "Sie": the audience is business owners and agency staff. The
Telegram front end keeps its interface texts (HTML, menus, commands) in `bot/telegram/texts.py`.
"""

from __future__ import annotations

import re

TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "out_of_scope": (
            "Dazu steht nichts in meinen Leitfäden, und raten möchte ich nicht. Ich helfe Ihnen gern bei diesen Themen:"
        ),
        "out_of_scope_related": (
            "Dazu steht nichts in meinen Leitfäden, und raten möchte ich nicht. "
            "Verwandt ist „{section}“ ({title}). Ich helfe Ihnen gern bei diesen Themen:"
        ),
        "verdict_on": "Zur Frage „{heading}“:\n{lead}",
        # A message asking several questions: one block per question, one line per unanswered one.
        "part": "Zu „{question}“:",
        "part_unanswered": "Zu „{question}“ steht nichts in meinen Leitfäden.",
        "part_unanswered_related": (
            "Zu „{question}“ steht nichts in meinen Leitfäden. Verwandt ist „{section}“ ({title})."
        ),
        "empty": "Bitte stellen Sie mir eine Frage zu TikTok, zum Beispiel: {example}",
        "too_long": (
            "Ihre Nachricht ist mit {length} Zeichen zu lang (höchstens {limit}). "
            "Bitte stellen Sie eine kurze, konkrete Frage."
        ),
        "needs_subject": ("Worauf bezieht sich Ihre Frage? Bitte nennen Sie das Thema, zum Beispiel: {example}"),
        "llm_unavailable": "(KI-Modus gerade nicht verfügbar: Antwort direkt aus der Wissensbasis.)",
        "llm_limit": "(Tageskontingent für KI-Antworten aufgebraucht: Antwort direkt aus der Wissensbasis.)",
        "sources": "Quellen",
        "as_of": "Stand",
        "business": "mein Unternehmen",
        "stale": "Stand {as_of} – kann veraltet sein.",
        "legal_note": (
            "Allgemeine Information, keine Rechtsberatung: verbindlich beraten Anwältin oder Anwalt, "
            "die IHK oder Ihre Datenschutzbeauftragten."
        ),
        "example": "Wie funktioniert die For-You-Seite?",
        # Small talk (bot/engine/smalltalk.py): one reply per kind, the last three followed by the topics.
        "small_talk_greeting": (
            "Hallo! Ich bin der TikTok-Berater und beantworte Fragen zu TikTok für Unternehmen: zum "
            "Algorithmus, zu LIVE, Werbung und Shop, Recruiting, Recht und Datenschutz – kurz und mit "
            "Quellen. Was möchten Sie wissen? Zum Beispiel: {example}"
        ),
        "small_talk_thanks": "Gern! Wenn Sie noch etwas zu TikTok wissen möchten, fragen Sie einfach.",
        "small_talk_goodbye": (
            "Auf Wiedersehen und viel Erfolg auf TikTok! Wenn Sie wieder eine Frage haben, schreiben Sie mir einfach."
        ),
        "small_talk_capabilities": (
            "Ich beantworte Fragen zu TikTok für Unternehmen aus meinen Leitfäden, auf Deutsch oder "
            "Englisch, kurz und mit Quellen, und verstehe Rückfragen im Zusammenhang. Fragen Sie mich "
            "zum Beispiel: {example} Meine Themen:"
        ),
        "small_talk_identity": (
            "Ich bin der TikTok-Berater, ein Bot für kleine und mittlere Unternehmen: Ich beantworte "
            "Fragen zu TikTok aus meinen Leitfäden, mit Quellen, und sage offen, wenn die Leitfäden "
            "etwas nicht abdecken. Meine Themen:"
        ),
        "small_talk_help": (
            "Schreiben Sie Ihre Frage einfach als Nachricht, auf Deutsch oder Englisch, zum Beispiel: "
            "{example} Rückfragen wie „Und wie lange dauert das?“ verstehe ich im Zusammenhang. Meine Themen:"
        ),
    },
    "en": {
        "out_of_scope": ("My guides don't cover that, and I'd rather not guess. I can help you with these topics:"),
        "out_of_scope_related": (
            "My guides don't cover that, and I'd rather not guess. Related: “{section}” ({title}). "
            "I can help with these topics:"
        ),
        "verdict_on": "On the question “{heading}”:\n{lead}",
        "part": "On “{question}”:",
        "part_unanswered": "My guides don't cover “{question}”.",
        "part_unanswered_related": "My guides don't cover “{question}”. Related: “{section}” ({title}).",
        "empty": "Please ask me a question about TikTok, for example: {example}",
        "too_long": (
            "Your message has {length} characters, more than the {limit} I accept. "
            "Please ask a short, specific question."
        ),
        "needs_subject": "What does your question refer to? Please name the topic, for example: {example}",
        "llm_unavailable": "(AI mode unavailable right now: answer straight from the knowledge base.)",
        "llm_limit": "(Daily quota of AI answers used up: answer straight from the knowledge base.)",
        "sources": "Sources",
        "as_of": "as of",
        "business": "my business",
        "stale": "As of {as_of} – may be out of date.",
        "legal_note": (
            "General information, not legal advice: for binding advice ask a lawyer, your chamber of "
            "commerce (IHK) or your data protection officer."
        ),
        "example": "How does the For You page work?",
        "small_talk_greeting": (
            "Hello! I'm TikTok-Berater and answer questions about TikTok for businesses: the algorithm, "
            "LIVE, ads and shop, recruiting, law and data protection – briefly and with sources. What "
            "would you like to know? For example: {example}"
        ),
        "small_talk_thanks": "Glad to help! If there's anything else about TikTok you'd like to know, just ask.",
        "small_talk_goodbye": "Goodbye, and good luck on TikTok! Whenever you have another question, just write to me.",
        "small_talk_capabilities": (
            "I answer questions about TikTok for businesses from my guides, in English or German, "
            "briefly and with sources, and I understand follow-up questions in context. Try for "
            "example: {example} My topics:"
        ),
        "small_talk_identity": (
            "I'm TikTok-Berater, a bot for small and medium-sized businesses: I answer questions about "
            "TikTok from my guides, with sources, and say plainly when the guides don't cover something. "
            "My topics:"
        ),
        "small_talk_help": (
            "Just send your question as a message, in English or German, for example: {example} I "
            "understand follow-ups like “And how long does that take?” in context. My topics:"
        ),
    },
}


def pick(table: dict[str, dict[str, str]], lang: str, key: str, **values: object) -> str:
    """The text `key` of `table` in `lang` (English for any language other than German)."""
    template = table["de" if lang == "de" else "en"][key]
    return template.format(**values) if values else template


def text(lang: str, key: str, **values: object) -> str:
    """An engine text in `lang`."""
    return pick(TEXTS, lang, key, **values)


# The lines that name a question: the heading a yes or no answers ("verdict_on") and the owner's own
# questions in an answer to several. They quote, and are no part of the answer itself (the
# evaluation looks for facts in what follows).
_FRAME = re.compile(
    "|".join(
        "^" + re.escape(template.split("{lead}")[0]).replace(re.escape("{heading}"), "[^\n]*") + "\n?"
        for table in TEXTS.values()
        for template in (table["verdict_on"], table["part"].replace("{question}", "{heading}"))
    )
    + "".join(
        "|^" + re.sub(r"\\\{\w+\\\}", "[^\\n]*", re.escape(table[key])) + "$"
        for table in TEXTS.values()
        for key in ("part_unanswered", "part_unanswered_related")
    ),
    re.MULTILINE,
)


def without_frame(answer: str) -> str:
    """An answer's text without the lines naming questions (the heading a yes or no answers, the
    owner's questions in an answer to several)."""
    return _FRAME.sub("", answer)
