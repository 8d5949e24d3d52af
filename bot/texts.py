"""User-facing texts of the engine in German and English.

German users are addressed with "Sie": the audience is business owners and agency staff.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "out_of_scope": (
            "Dazu steht nichts in meiner Wissensbasis, und raten möchte ich nicht. "
            "Ich helfe Ihnen gern bei diesen Themen:"
        ),
        "empty": "Bitte stellen Sie mir eine Frage zu TikTok, zum Beispiel: {example}",
        "too_long": (
            "Ihre Nachricht ist mit {length} Zeichen zu lang (höchstens {limit}). "
            "Bitte stellen Sie eine kurze, konkrete Frage."
        ),
        "sources": "Quellen",
        "as_of": "Stand",
        "example": "Wie funktioniert die For-You-Seite?",
    },
    "en": {
        "out_of_scope": (
            "My knowledge base does not cover that, and I would rather not guess. "
            "I can help you with these topics:"
        ),
        "empty": "Please ask me a question about TikTok, for example: {example}",
        "too_long": (
            "Your message has {length} characters, more than the {limit} I accept. "
            "Please ask a short, specific question."
        ),
        "sources": "Sources",
        "as_of": "as of",
        "example": "How does the For You page work?",
    },
}


def text(lang: str, key: str, **values: object) -> str:
    """The text `key` in `lang` (English for any language other than German)."""
    template = TEXTS["de" if lang == "de" else "en"][key]
    return template.format(**values) if values else template
