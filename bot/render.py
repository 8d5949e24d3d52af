"""Plain-text rendering of answers for the terminal (Telegram has its own formatter)."""

from __future__ import annotations

from bot.answer import Answer
from bot.texts import text


def render_plain(answer: Answer) -> str:
    """The answer, then either its sources or, when declined, what the bot can help with."""
    lines = [answer.text]
    if answer.sources:
        lines += ["", f"{text(answer.language, 'sources')}:"]
        for number, source in enumerate(answer.sources, start=1):
            stand = f" ({text(answer.language, 'as_of')} {source.as_of})" if source.as_of else ""
            bullet = f"[{number}]" if answer.numbered else "-"
            lines.append(f"{bullet} {source.title} › {source.section}{stand}")
    elif answer.topics:
        lines += [f"- {topic}" for topic in answer.topics]
    return "\n".join(lines)
