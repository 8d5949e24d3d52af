"""Local stand-ins for an OpenAI-compatible endpoint and an Ollama server, over real HTTP.

They speak the streaming wire formats the real servers use (SSE `chat.completions` chunks ending
in `data: [DONE]`; Ollama's NDJSON lines ending in `"done": true`) and can be told to answer
something, to be slow, to fail with a status, or to cut or garble a stream. Every request is
recorded, so a test can also assert that no call happened.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.loopback import LoopbackServer

Reply = Callable[[list[dict[str, Any]]], str]


def cite_first_source(messages: list[dict[str, Any]]) -> str:
    """A well-behaved model: the first source's first sentence, cited as [1]."""
    user = messages[-1]["content"]
    block = user.split("[1] ", 1)[1].split("\n", 1)[1]
    return block.split(". ")[0].rstrip(".") + ". [1]"


@dataclass
class FakeLLM(LoopbackServer):
    """Both protocols on one port; `reply` decides the text from the request's messages."""

    reply: Reply = cite_first_source
    first_token_delay: float = 0.0
    model: str = "fake-model"  # the one model it offers
    token_delay: float = 0.0
    fail_status: int | None = None
    cut_after: int | None = None  # stop the stream after this many chunks, without the end marker
    garble_after: int | None = None  # send broken JSON after this many chunks
    requests: list[dict[str, Any]] = field(default_factory=list)

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/chat/completions", self._openai)
        app.router.add_post("/api/chat", self._ollama)
        app.router.add_get("/v1/models", self._openai_models)
        app.router.add_get("/api/tags", self._ollama_tags)

    async def start(self) -> str:
        return await self.serve()

    async def stop(self) -> None:
        await self.close()

    async def _openai_models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": self.model, "object": "model"}]})

    async def _ollama_tags(self, request: web.Request) -> web.Response:
        return web.json_response({"models": [{"name": self.model, "size": 1}]})

    def _pieces(self, body: dict[str, Any]) -> list[str]:
        text = self.reply(body["messages"])
        words = text.split(" ")
        return [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]

    async def _begin(self, request: web.Request) -> tuple[dict[str, Any], web.Response | None]:
        body = await request.json()
        self.requests.append(body)
        if self.fail_status:
            return body, web.json_response(
                {"error": {"message": "boom", "type": "server_error"}}, status=self.fail_status
            )
        return body, None

    async def _openai(self, request: web.Request) -> web.StreamResponse:
        body, failure = await self._begin(request)
        if failure is not None:
            return failure
        pieces = self._pieces(body)
        if not body.get("stream"):
            return web.json_response(
                {
                    "id": "chatcmpl-1",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body["model"],
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": "".join(pieces)},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": 1, "completion_tokens": len(pieces), "total_tokens": len(pieces) + 1},
                }
            )
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)

        def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
            data = {
                "id": "chatcmpl-1",
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": body["model"],
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
            return f"data: {json.dumps(data)}\n\n".encode()

        await asyncio.sleep(self.first_token_delay)
        await response.write(chunk({"role": "assistant", "content": ""}))
        for number, piece in enumerate(pieces):
            if number == self.cut_after:
                return response  # connection ends mid-answer, no [DONE]
            if number == self.garble_after:
                await response.write(b"data: {not json\n\n")
                return response
            await response.write(chunk({"content": piece}))
            await asyncio.sleep(self.token_delay)
        await response.write(chunk({}, "stop"))
        await response.write(b"data: [DONE]\n\n")
        return response

    async def _ollama(self, request: web.Request) -> web.StreamResponse:
        body, failure = await self._begin(request)
        if failure is not None:
            return failure
        pieces = self._pieces(body)

        def line(content: str, done: bool) -> bytes:
            data: dict[str, Any] = {
                "model": body["model"],
                "created_at": "2026-11-25T00:00:00Z",
                "message": {"role": "assistant", "content": content},
                "done": done,
            }
            if done:
                data |= {"done_reason": "stop", "total_duration": 1, "eval_count": len(pieces)}
            return (json.dumps(data) + "\n").encode()

        if body.get("stream") is False:
            return web.Response(body=line("".join(pieces), True), content_type="application/json")
        response = web.StreamResponse(headers={"Content-Type": "application/x-ndjson"})
        await response.prepare(request)
        await asyncio.sleep(self.first_token_delay)
        for number, piece in enumerate(pieces):
            if number == self.cut_after:
                return response
            if number == self.garble_after:
                await response.write(b"{not json\n")
                return response
            await response.write(line(piece, False))
            await asyncio.sleep(self.token_delay)
        await response.write(line("", True))
        return response
