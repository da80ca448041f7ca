"""A fault-injecting HTTP proxy for tests: it stands between a client (the bench, the router)
and a real server and does to each request what its plan says.

Faults: "pass" (forwarded as it is), "latency" (forwarded after LATENCY_S), "reset_before"
(the connection dropped before any answer), "reset_mid" (dropped after the first chunk of the
answer), "429" (Retry-After: 0.1), "500", "stall" (the first chunk, then nothing).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import Counter
from collections.abc import Callable

import aiohttp
from aiohttp import web

FAULTS = ("pass", "latency", "reset_before", "reset_mid", "429", "500", "stall")
LATENCY_S = 0.3


class FaultProxy:
    """`with FaultProxy(upstream, plan) as proxy:` -> `proxy.base_url`; `plan(n)` is the fault
    for the n-th request (0-based, in arrival order); `proxy.done` counts what was done."""

    def __init__(self, upstream: str, plan: Callable[[int], str]) -> None:
        self.upstream, self.plan = upstream.rstrip("/"), plan
        self.done: Counter[str] = Counter()
        self._n = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        self._ready.wait(30)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_route("*", "/v1/{tail:.*}", self._handle)
        runner = web.AppRunner(app, handle_signals=False, handler_cancellation=True)
        self._loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.port = runner.addresses[0][1]
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(runner.cleanup())
        self._loop.close()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        fault = self.plan(self._n)
        self._n += 1
        self.done[fault] += 1
        body = await request.read()
        if fault == "reset_before":
            request.transport.abort()
            return web.Response()
        if fault in ("429", "500"):
            headers = {"Retry-After": "0.1"} if fault == "429" else {}
            return web.json_response({"error": {"message": f"injected {fault}",
                                                "code": int(fault)}},
                                     status=int(fault), headers=headers)
        if fault == "latency":
            await asyncio.sleep(LATENCY_S)
        return await self._forward(request, body, fault)

    async def _forward(self, request: web.Request, body: bytes, fault: str
                       ) -> web.StreamResponse:
        """The upstream answer (read whole first, so that a cut falls after its first event
        whatever the upstream's pace), passed on whole, or cut or stalled after that event."""
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() in ("content-type", "authorization")}
        url = f"{self.upstream}/{request.match_info['tail']}"
        async with aiohttp.ClientSession() as session, session.request(
                request.method, url, data=body, headers=headers) as upstream:
            data, status = await upstream.read(), upstream.status
            kind = upstream.headers.get("Content-Type", "application/json")
        response = web.StreamResponse(status=status, headers={"Content-Type": kind})
        await response.prepare(request)
        if fault in ("pass", "latency"):
            await response.write(data)
            await response.write_eof()
            return response
        await response.write(data[: data.find(b"\n\n") + 2])  # the first event only
        if fault == "reset_mid":
            request.transport.abort()
        else:  # stall: until the client gives up
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(3600)
        return response
