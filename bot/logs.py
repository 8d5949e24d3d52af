"""Logging for the entry points: whatever any library logs, secrets and users' messages stay out.

The filters sit on the root logger's handlers, not on loggers: a logger's filter does not see
the records of its child loggers that propagate to it, a handler's filter sees every record it
writes, from `telegram`, `httpx`, `httpcore`, `chromadb`, `openai` and our own modules alike.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote, quote_plus

REDACTED = "[redacted]"
HIDDEN = "[hidden, see LOG_PERSONAL_DATA]"
FORMAT = "%(levelname)s %(name)s %(message)s"

# Shapes of credentials whatever their value: Bot API tokens (`123456:AA…`, also URL-encoded,
# also right after `/bot` in a URL), bearer tokens, and the values of auth headers and params.
_TOKEN_SHAPE = re.compile(r"(?:(?<=bot)|(?<![\w-]))\d{5,}(?::|%3[Aa])[\w-]{35}(?![\w-])")
_KEYED = re.compile(
    r"""(?ix)
    ( (?:authorization|api[-_]key|x-chroma-token|secret[-_]token)  # also Proxy-…, X-Telegram-Bot-Api-…
      ['"]? \s* [:=,] \s* (?:b?['"])? )
    (?:(?:bearer|basic|token)\s+)? [^\s'",)}&]+
    """
)
_BEARER = re.compile(r"(?i)\b(bearer\s+)[\w.~+/=-]+")

# python-telegram-bot's DEBUG records that carry a raw update as a string; every other record
# of it carries message contents as objects (updates, API parameters and results), see below.
_RAW_UPDATE_MESSAGES = frozenset({"Webhook received data: %s"})


class RedactSecrets(logging.Filter):
    """Replace every secret in a record's final text (message, traceback, stack) with `[redacted]`.

    The record is rewritten to its finished message (arguments applied, exception formatted),
    so no later formatter can render the original objects and the secrets in them again.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        variants = {
            form for secret in secrets if secret for form in (secret, quote(secret, safe=""), quote_plus(secret))
        }
        # Longest first, so a secret that contains another is replaced whole.
        self._exact = sorted(variants, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._exact:
            text = text.replace(secret, REDACTED)
        text = _TOKEN_SHAPE.sub(REDACTED, text)
        text = _KEYED.sub(rf"\1{REDACTED}", text)
        return _BEARER.sub(rf"\1{REDACTED}", text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not break the caller; its arguments stay out
            message = f"{record.msg} [arguments could not be formatted]"
        record.msg, record.args = self.redact(message), None
        if record.exc_info:
            record.exc_text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class HidePersonalData(logging.Filter):
    """Blank the message contents in python-telegram-bot's records, keeping the rest of them.

    At DEBUG it logs every update (texts, names, user and chat ids), every Bot API call with its
    parameters and every result. Such records are recognised by their arguments — Telegram
    objects, dicts and lists of them, bytes — rather than by their wording, so a reworded message
    in a newer release stays covered; the endpoint, update ids and timing stay visible.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and (record.name == "telegram" or record.name.startswith("telegram.")):
            raw = isinstance(record.msg, str) and record.msg in _RAW_UPDATE_MESSAGES

            def hide(arg: object) -> object:
                return HIDDEN if raw or _carries_content(arg) else arg

            if isinstance(record.args, Mapping):
                record.args = {key: hide(value) for key, value in record.args.items()}
            else:
                record.args = tuple(hide(arg) for arg in record.args)
        return True


def _carries_content(value: object) -> bool:
    """Telegram objects (by module, so this layer needs no `telegram` import), dicts, bytes, or lists of them."""
    if isinstance(value, Mapping | bytes | bytearray) or any(
        cls.__module__.split(".")[0] == "telegram" for cls in type(value).__mro__
    ):
        return True
    return isinstance(value, list | tuple | set | frozenset) and any(_carries_content(item) for item in value)


def setup_logging(level: str, secrets: Iterable[str], personal_data: bool = False) -> None:
    """Configure the root logger at `level` with the filters on every one of its handlers.

    `basicConfig` adds a stderr handler unless the root logger already has one (a host such as
    pytest); the filters go onto whatever handlers are there, replacing those of an earlier call.
    A later `basicConfig` elsewhere is a no-op because the root logger has a handler by then.
    """
    logging.basicConfig(format=FORMAT)
    root = logging.getLogger()
    root.setLevel(level.upper())
    # One INFO line per HTTP request (each long poll, every few seconds) drowns the bot's own
    # lines; at DEBUG, where every request is wanted, httpx follows the root level.
    logging.getLogger("httpx").setLevel(logging.NOTSET if root.level <= logging.DEBUG else logging.WARNING)
    filters: list[logging.Filter] = [] if personal_data else [HidePersonalData()]
    filters.append(RedactSecrets(secrets))
    for handler in root.handlers:
        for old in [f for f in handler.filters if isinstance(f, RedactSecrets | HidePersonalData)]:
            handler.removeFilter(old)
        for new in filters:
            handler.addFilter(new)
