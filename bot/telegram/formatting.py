"""Answers as Telegram messages: HTML escaped correctly, split within 4096 characters, buttons.

Only this module knows Telegram's formatting rules; the engine hands over plain `Answer` data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.engine.catalog import Entry, MenuItem
from bot.engine.types import Answer, Reference
from bot.telegram import callbacks
from bot.telegram.texts import text

MAX_MESSAGE = 4096
BUTTON_LABEL = 60  # characters of a suggestion shown on its button


def answer_paragraphs(answer: Answer) -> list[str]:
    """The answer as HTML paragraphs, each with balanced tags, sources compact at the end."""
    paragraphs = [escape(answer.text)]
    if answer.sources:
        label = text(answer.language, "sources")
        stand = text(answer.language, "as_of")
        cited = "; ".join(
            (f"[{n}] " if answer.numbered else "")
            + escape(s.label)
            + (f" ({stand} {escape(s.as_of)})" if s.as_of else "")
            + "".join(_link(ref) for ref in s.references if ref.url)
            for n, s in enumerate(answer.sources, start=1)
        )
        paragraphs.append(f"<i>{label}: {cited}</i>")
    elif answer.topics:
        paragraphs.append("\n".join(f"• {escape(topic)}" for topic in answer.topics))
    return paragraphs


def preview(answer: Answer, limit: int = 200) -> str:
    """The answer's opening on one line, for an inline card: the lead with the question it answers
    when it names one ("Zur Frage „…“: Nein, …"), never only that question."""
    opening = answer.text.split("\n\n")[0].split("\n• ")[0]
    return " ".join(opening.split("\n"))[:limit]


def _link(reference: Reference) -> str:
    """A link to the original source, named by its publisher (the guide section is the anchor)."""
    name = reference.publisher or reference.title or reference.url
    return f' · <a href="{escape(reference.url, quote=True)}">{escape(name)}</a>'


def split_html(paragraphs: list[str], limit: int = MAX_MESSAGE) -> list[str]:
    """Pack paragraphs into messages of at most `limit` characters, breaking between them.

    A paragraph longer than a whole message is cut at line or word boundaries; callers only
    pass such paragraphs without tags spanning lines, which every renderer here guarantees.
    """
    pieces: list[str] = []
    for paragraph in paragraphs:
        pieces.extend(_cut(paragraph, limit))
    messages: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}\n\n{piece}" if current else piece
        if len(candidate) <= limit:
            current = candidate
        else:
            messages.append(current)
            current = piece
    if current:
        messages.append(current)
    return messages


def _cut(paragraph: str, limit: int) -> list[str]:
    if len(paragraph) <= limit:
        return [paragraph]
    out: list[str] = []
    current = ""
    for line in paragraph.split("\n"):
        for word_no, word in enumerate(_words(line, limit)):
            joiner = "" if not current else ("\n" if word_no == 0 else " ")
            if len(current) + len(joiner) + len(word) > limit:
                out.append(current)
                current = word
            else:
                current += joiner + word
    if current:
        out.append(current)
    return out


def _words(line: str, limit: int) -> list[str]:
    """Words of a line; one longer than a message (a pasted blob) is cut, never inside an entity."""
    words: list[str] = []
    for word in line.split(" "):
        while len(word) > limit:
            cut = limit
            amp = word.rfind("&", 0, cut)
            if amp != -1 and word.find(";", amp, cut) == -1:
                cut = amp or limit
            words.append(word[:cut])
            word = word[cut:]
        words.append(word)
    return words


def _short(label: str) -> str:
    return label if len(label) <= BUTTON_LABEL else label[: BUTTON_LABEL - 1].rstrip() + "…"


def answer_keyboard(answer: Answer, answer_key: str, menu: Sequence[MenuItem]) -> InlineKeyboardMarkup:
    """👍 / 👎 / sources, then suggested follow-ups; a declined question gets the topic `menu`,
    after the related section its text points to: one tap reads it, where retyping its heading
    would have been the only way."""
    if not answer.in_scope:
        return InlineKeyboardMarkup(_question_rows(answer.suggestions) + _topic_rows(menu))
    rows = [
        [
            InlineKeyboardButton("👍", callback_data=callbacks.feedback(answer_key, positive=True)),
            InlineKeyboardButton("👎", callback_data=callbacks.feedback(answer_key, positive=False)),
            InlineKeyboardButton(text(answer.language, "button_sources"), callback_data=callbacks.sources(answer_key)),
        ]
    ]
    return InlineKeyboardMarkup(rows + _question_rows(answer.suggestions))


def topics_keyboard(menu: Sequence[MenuItem]) -> InlineKeyboardMarkup:
    """The topic menu, two buttons a row; a button names its first topic (see `topic_button`)."""
    return InlineKeyboardMarkup(_topic_rows(menu))


def _topic_rows(menu: Sequence[MenuItem]) -> list[list[InlineKeyboardButton]]:
    buttons = [InlineKeyboardButton(_short(m.label), callback_data=callbacks.topic(m.topics[0][0])) for m in menu]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def topic_button(menu: Sequence[MenuItem], data: str) -> MenuItem | None:
    """The menu button a pressed `data` stands for, by any of its topics: the order within a button
    may differ between languages and index versions; None for a topic no longer in the menu."""
    return next((m for m in menu if any(callbacks.topic(topic) == data for topic, _ in m.topics)), None)


def _question_rows(entries: Iterable[Entry]) -> list[list[InlineKeyboardButton]]:
    return [[InlineKeyboardButton(_short(e.question), callback_data=callbacks.question(e.id))] for e in entries]


def questions_keyboard(entries: Iterable[Entry]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(_question_rows(entries))


def forget_keyboard(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(text(lang, "forget_yes"), callback_data=callbacks.forget(confirmed=True)),
                InlineKeyboardButton(text(lang, "forget_no"), callback_data=callbacks.forget(confirmed=False)),
            ]
        ]
    )


def sources_html(lang: str, sources: list[dict[str, str]]) -> str:
    lines = [escape(text(lang, "sources_of"))]
    stand = text(lang, "as_of")
    for s in sources:
        when = f" ({stand} {escape(s['as_of'])})" if s.get("as_of") else ""
        lines.append(f"• <b>{escape(s['title'])}</b> › {escape(s['section'])}{when}")
    return "\n".join(lines)
