"""Questions typed in capitals ("WIE ALT MUSS MAN FÜR LIVE SEIN").

Capitals carry meaning in German: they mark nouns, and an unknown capitalised word counts as a
name no guide mentions (`bot/engine/scope.py`). A question typed all in capitals would be a row
of unknown names and declined, so it is read in lower case, as a question typed that way is.
"""

from __future__ import annotations

import re

_LETTERS = re.compile(r"[^\W\d_]")
_MIN_WORDS = 3  # "DSGVO?" or "TikTok LIVE" name something; three words in capitals are shouting


def unshout(question: str) -> str:
    """`question` in lower case when it has no lower-case letter and at least three words ("ß" has
    no capital in everyday typing, so "WIE GROß …" is in capitals too)."""
    words = [w for w in question.split() if _LETTERS.search(w)]
    if len(words) >= _MIN_WORDS and not any(ch.islower() and ch != "ß" for ch in _LETTERS.findall(question)):
        return question.lower()
    return question
