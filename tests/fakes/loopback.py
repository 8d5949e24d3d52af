"""The life cycle every fake server shares: an aiohttp app on 127.0.0.1 at a free port."""

from __future__ import annotations

from aiohttp import web


class LoopbackServer:
    """Subclasses add their routes; `serve` returns the base URL, `close` frees the port."""

    _runner: web.AppRunner | None = None
    port: int = 0

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def serve(self) -> str:
        app = web.Application()
        self.routes(app)
        # Cancel handlers of dropped connections, or parked long polls outlive the test.
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{self.port}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
