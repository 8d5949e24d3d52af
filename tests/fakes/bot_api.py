"""A local stand-in for Telegram's Bot API server, speaking its wire protocol over real HTTP.

Routes are `/bot<token>/<method>`; parameters arrive form-encoded (strings raw, everything else
JSON), as python-telegram-bot sends them. Answers are `{"ok": true, "result": ...}` or
`{"ok": false, "error_code": ..., "description": ...}` with Telegram's status codes. Tests push
updates, the bot long-polls them, and every call the bot makes is recorded for assertions.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import web

from tests.fakes.loopback import LoopbackServer

BOT_USER = {
    "id": 777000111,
    "is_bot": True,
    "first_name": "TikTok-Berater",
    "username": "tiktok_berater_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": True,
}
MAX_TEXT = 4096
_CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
_ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-spoiler",
    "span",
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int = 200  # what the server answered: 200, or the error code it returned
    at: float = field(default_factory=time.perf_counter)  # when the call arrived


class _EntityChecker(HTMLParser):
    """Telegram's HTML rules: known tags only, properly nested; returns the visible length."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.visible = 0
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED_TAGS:
            self.error = self.error or f'Unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.error = self.error or f'Can\'t find end tag corresponding to start tag "{tag}"'
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.visible += len(data)


_BARE_LT = re.compile(r"<(?!/?[a-zA-Z][a-zA-Z-]*(?:\s[^<>]*)?>)")
_BARE_AMP = re.compile(r"&(?!(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);)")


def check_html(text: str) -> tuple[int, str | None]:
    """Visible length after parsing, and the error Telegram would report (None if fine)."""
    if _BARE_LT.search(text):
        return 0, "Unexpected end of name token"
    if _BARE_AMP.search(text):
        return 0, "Unsupported entity"
    checker = _EntityChecker()
    checker.feed(text)
    checker.close()
    if checker.stack and not checker.error:
        checker.error = f'Can\'t find end tag corresponding to start tag "{checker.stack[-1]}"'
    return checker.visible, checker.error


class ApiError(Exception):
    def __init__(
        self, code: int, description: str, retry_after: int | None = None, migrate_to: int | None = None
    ) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after, self.migrate_to = code, description, retry_after, migrate_to


@dataclass
class FakeBotAPI(LoopbackServer):
    """The server plus the state a test inspects and steers."""

    token: str = "123456:TEST-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"  # shaped like a real one: the bot checks the shape
    calls: list[Call] = field(default_factory=list)
    blocked_chats: set[int] = field(default_factory=set)
    deleted_messages: set[tuple[int, int]] = field(default_factory=set)
    rate_limit_next: dict[str, int] = field(default_factory=dict)  # method -> retry_after seconds
    fail_next: dict[str, list[int]] = field(default_factory=dict)  # method -> status codes of its next calls
    delay_next: dict[str, float] = field(default_factory=dict)  # method -> seconds its next call takes
    migrated_chats: dict[int, int] = field(default_factory=dict)  # group id -> its new supergroup id
    # After this many delivered messages, sendMessage hangs without delivering (a stuck server):
    # a test can then kill the bot at a moment when it is sure which answers went out.
    stall_sends_after: int | None = None
    # Two polls with one token: Telegram ends the older one ("newer_wins", as documented); some
    # self-hosted servers refuse the newer one instead ("older_wins").
    conflict: str = "newer_wins"
    webhook: dict[str, Any] = field(default_factory=dict)
    refuse_webhook: str | None = None  # setWebhook's 400, as Telegram refuses a URL it will not call

    def __post_init__(self) -> None:
        self._updates: list[dict[str, Any]] = []
        self._by_chat: dict[tuple[str, Any], list[Call]] = {}  # (method, chat_id) -> calls, for fast waits
        self._update_ids = itertools.count(random.randrange(10**8, 10**9))  # Telegram's ids are large, not 1, 2, 3
        self._message_ids = itertools.count(1000)
        self._changed = asyncio.Condition()
        self._stopping = False
        self._poll: object | None = None  # the long poll being served
        self._ended_polls: set[object] = set()  # polls a newer one cut off

    # -- lifecycle ---------------------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)

    async def start(self) -> str:
        return f"{await self.serve()}/bot"

    async def stop(self) -> None:
        self._stopping = True
        async with self._changed:
            self._changed.notify_all()
        await self.close()

    # -- what tests do -----------------------------------------------------------------------

    async def push(self, update: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **update}
        async with self._changed:
            self._updates.append(update)
            self._changed.notify_all()
        return update

    def user(self, user_id: int = 42, lang: str = "de", first_name: str = "Anna") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": lang}

    def message_update(
        self,
        text: str | None,
        chat_id: int = 42,
        user: dict[str, Any] | None = None,
        chat_type: str = "private",
        **extra: Any,
    ) -> dict[str, Any]:
        sender = user or self.user(chat_id if chat_type == "private" else 42)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": chat_type, **({"title": "Team"} if chat_type != "private" else {})},
            "from": sender,
            **extra,
        }
        if text is not None:
            message["text"] = text
            entities = _entities(text)
            if entities:
                message["entities"] = entities
        return {"message": message}

    async def send_text(self, text: str | None, **kwargs: Any) -> dict[str, Any]:
        return await self.push(self.message_update(text, **kwargs))

    async def press(self, data: str, message: dict[str, Any], user: dict[str, Any] | None = None) -> dict[str, Any]:
        """Press an inline button under `message` (a message the bot sent)."""
        return await self.push(
            {
                "callback_query": {
                    "id": str(next(self._update_ids) * 7919),
                    "from": user or self.user(message["chat"]["id"]),
                    "chat_instance": "ci-1",
                    "message": message,
                    "data": data,
                }
            }
        )

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 20.0, **match: Any) -> list[Call]:
        """Wait until the bot made `count` calls of `method` whose params contain `match`."""
        pool = (
            (lambda: self._by_chat.get((method, match["chat_id"]), []))
            if "chat_id" in match
            else (lambda: self.calls_of(method))
        )

        def found() -> list[Call]:
            return [c for c in pool() if all(c.params.get(k) == v for k, v in match.items())]

        await self.wait_until(lambda: len(found()) >= count, timeout, f"{count}x {method} {match}")
        return found()

    async def wait_until(self, condition: Callable[[], bool], timeout: float = 20.0, what: str = "a condition") -> None:
        """Wait until `condition` holds, checked each time the bot makes a call."""
        deadline = asyncio.get_running_loop().time() + timeout
        async with self._changed:
            while not condition():
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    seen = [(c.method, c.params.get("text", "")[:60]) for c in self.calls]
                    raise AssertionError(f"timed out waiting for {what}; calls: {seen}")
                try:
                    await asyncio.wait_for(self._changed.wait(), remaining)
                except TimeoutError:
                    continue

    async def wait_for_message(self, chat_id: int, count: int = 1, timeout: float = 20.0) -> list[Call]:
        return await self.wait_for("sendMessage", count=count, timeout=timeout, chat_id=chat_id)

    def sent_to(self, chat_id: int) -> list[Call]:
        return list(self._by_chat.get(("sendMessage", chat_id), []))

    # -- the protocol ------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = _decode(await request.post()) if request.can_read_body else {}
        call = Call(method, params)
        if method != "getUpdates":
            async with self._changed:
                self.calls.append(call)
                self._by_chat.setdefault((method, params.get("chat_id")), []).append(call)
                self._changed.notify_all()
        try:
            retry_after = self.rate_limit_next.pop(method, None)
            if retry_after is not None:
                raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
            if method == "sendMessage" and self.stall_sends_after is not None:
                delivered = sum(1 for c in self.calls_of("sendMessage") if c.status == 200 and c is not call)
                if delivered >= self.stall_sends_after:
                    call.status = 0  # never answered, never delivered
                    await asyncio.Event().wait()  # until the client hangs up (the handler is cancelled)
            failures = self.fail_next.get(method)
            if failures:
                code = failures.pop(0)
                raise ApiError(code, "Internal Server Error" if code == 500 else "Bad Gateway")
            result = await self._dispatch(method, params)
            delay = self.delay_next.pop(method, None)
            if delay:  # done, but the answer is slow to come back
                await asyncio.sleep(delay)
        except ApiError as exc:
            call.status = exc.code
            body: dict[str, Any] = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.retry_after is not None:
                body["parameters"] = {"retry_after": exc.retry_after}
            if exc.migrate_to is not None:
                body["parameters"] = {"migrate_to_chat_id": exc.migrate_to}
            return web.json_response(body, status=exc.code)
        return web.json_response({"ok": True, "result": result})

    async def _dispatch(self, method: str, params: dict[str, Any]) -> Any:
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        return await handler(params)

    async def _api_getMe(self, params: dict[str, Any]) -> Any:
        return BOT_USER

    async def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        if self.webhook:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        if self._poll is not None:  # Telegram serves one long poll per token
            if self.conflict == "older_wins":
                raise ApiError(409, _CONFLICT)
            self._ended_polls.add(self._poll)
        poll = self._poll = object()
        try:
            return await self._next_updates(params, poll)
        finally:
            self._ended_polls.discard(poll)
            if self._poll is poll:
                self._poll = None

    async def _next_updates(self, params: dict[str, Any], poll: object) -> list[dict[str, Any]]:
        offset = int(params.get("offset", 0) or 0)
        timeout = float(params.get("timeout", 0) or 0)
        limit = int(params.get("limit", 100) or 100)
        deadline = asyncio.get_running_loop().time() + timeout
        async with self._changed:
            self._changed.notify_all()  # an older poll learns that it was cut off
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and not self._stopping:
                if poll in self._ended_polls:
                    raise ApiError(409, _CONFLICT)
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    break
                try:
                    await asyncio.wait_for(self._changed.wait(), remaining)
                except TimeoutError:
                    break
            if poll in self._ended_polls:
                raise ApiError(409, _CONFLICT)
            return self._updates[:limit]

    def _check_chat(self, params: dict[str, Any]) -> int:
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked_chats:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    def _check_text(self, params: dict[str, Any]) -> str:
        text = str(params.get("text", ""))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        visible = len(text)
        if params.get("parse_mode") == "HTML":
            visible, error = check_html(text)
            if error:
                raise ApiError(400, f"Bad Request: can't parse entities: {error}")
        if visible > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        markup = params.get("reply_markup")
        if isinstance(markup, dict):
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if len(button.get("callback_data", "").encode()) > 64:
                        raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return text

    def _message(
        self, chat_id: int, text: str, params: dict[str, Any], message_id: int | None = None
    ) -> dict[str, Any]:
        message = {
            "message_id": message_id or next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": BOT_USER,
            "text": text,
        }
        if isinstance(params.get("reply_markup"), dict):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id = self._check_chat(params)
        if chat_id in self.migrated_chats:
            new_id = self.migrated_chats[chat_id]
            raise ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat", migrate_to=new_id)
        return self._message(chat_id, self._check_text(params), params)

    async def _api_editMessageText(self, params: dict[str, Any]) -> Any:
        chat_id = self._check_chat(params)
        message_id = int(params["message_id"])
        if (chat_id, message_id) in self.deleted_messages:
            raise ApiError(400, "Bad Request: message to edit not found")
        return self._message(chat_id, self._check_text(params), params, message_id)

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        chat_id = self._check_chat(params)
        if (chat_id, int(params["message_id"])) in self.deleted_messages:
            raise ApiError(400, "Bad Request: message to edit not found")
        return self._message(chat_id, "…", params, int(params["message_id"]))

    async def _api_sendPhoto(self, params: dict[str, Any]) -> Any:
        """Uploads arrive as multipart files; only real images are accepted."""
        chat_id = self._check_chat(params)
        photo = params.get("photo")
        if not isinstance(photo, bytes) or not photo.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
            raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
        message = self._message(chat_id, "", params)
        del message["text"]
        message["photo"] = [{"file_id": f"photo-{len(photo)}", "file_unique_id": "p1", "width": 800, "height": 400}]
        if params.get("caption"):
            message["caption"] = params["caption"]
        return message

    async def _api_sendChatAction(self, params: dict[str, Any]) -> Any:
        self._check_chat(params)
        return True

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        return True

    async def _api_answerInlineQuery(self, params: dict[str, Any]) -> Any:
        results = params.get("results", [])
        if not isinstance(results, list) or len(results) > 50:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        return True

    async def _api_setMyCommands(self, params: dict[str, Any]) -> Any:
        return True

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = {}
        return True

    async def _api_setWebhook(self, params: dict[str, Any]) -> Any:
        if self.refuse_webhook:
            raise ApiError(400, self.refuse_webhook)
        self.webhook = dict(params)
        return True

    async def _api_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        return {"url": self.webhook.get("url", ""), "has_custom_certificate": False, "pending_update_count": 0}

    async def _api_close(self, params: dict[str, Any]) -> Any:
        return True


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{5,32}(?![A-Za-z0-9_])")


def _entities(text: str) -> list[dict[str, Any]]:
    """The entities Telegram's clients and server mark in a text: a leading command, e-mail
    addresses, and @username mentions outside them; offsets count UTF-16 code units, as Telegram's do."""

    def entity(kind: str, start: int, end: int) -> dict[str, Any]:
        offset = len(text[:start].encode("utf-16-le")) // 2
        return {"type": kind, "offset": offset, "length": len(text[start:end].encode("utf-16-le")) // 2}

    found: list[dict[str, Any]] = []
    if text.startswith("/"):
        found.append(entity("bot_command", 0, len(text.split()[0])))
    emails = [(m.start(), m.end()) for m in _EMAIL.finditer(text)]
    found += [entity("email", start, end) for start, end in emails]
    found += [
        entity("mention", m.start(), m.end())
        for m in _MENTION.finditer(text)
        if not any(start <= m.start() < end for start, end in emails)
    ]
    return sorted(found, key=lambda e: e["offset"])


def _decode(form: Any) -> dict[str, Any]:
    """Strings come raw, everything else JSON-encoded: decode what parses as JSON structure."""
    params: dict[str, Any] = {}
    for key, value in form.items():
        if isinstance(value, web.FileField):
            params[key] = value.file.read()
            continue
        if not isinstance(value, str):
            continue
        if key in {
            "text",
            "query",
            "inline_query_id",
            "callback_query_id",
            "url",
            "secret_token",
            "action",
            "parse_mode",
            "caption",
        }:
            params[key] = value
            continue
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params
