"""German/English detection for questions, answers and UI texts.

Only two languages matter here, and questions are short, so counting function words beats a
statistical detector: it is instant, has no model to load and is right on three-word questions.
"""

from __future__ import annotations

import re

Language = str  # "de" or "en"
SUPPORTED = ("de", "en")

_WORD = re.compile(r"[a-zäöüß]+")
_GERMAN = frozenset(
    """
    der die das den dem des ein eine einen einem einer und oder aber ist sind waren wird
    werden wie wer wo wann warum wieso weshalb welche welcher welches wieviel viele viel
    ich du er sie es wir ihr mein dein unser euer kann können darf dürfen muss müssen soll
    sollte lohnt nicht kein keine mit für auf von zu im ins am beim vom zum zur über unter
    auch noch schon nur sehr mehr gibt gab hat haben hatte man mich dich sich uns mir dir
    damit dabei dafür davon dazu dort hier jetzt heute bei nach bis als ob dass wenn denn
    lange lang funktioniert geht machen mache macht erkläre erzähl erzähle bitte danke hallo
    """.split()
)
_ENGLISH = frozenset(
    """
    the a and or but is are were will be been being how what who where when why which
    many much i you he she it we they my your our their can could may must should shall
    worth not no with for on of to at by from about into over under still only very
    more there here this that these those do does did done have has had get got make makes
    please thanks hello hi long work works explain tell me us them its than then if
    """.split()
)


def detect_language(text: str, default: Language = "de") -> Language:
    """Return "de" or "en"; `default` decides when the text gives no evidence either way."""
    lowered = text.lower()
    words = _WORD.findall(lowered)
    german = sum(word in _GERMAN for word in words) + 2 * len(re.findall(r"[äöüß]", lowered))
    english = sum(word in _ENGLISH for word in words)
    if german > english:
        return "de"
    if english > german:
        return "en"
    return default
