"""A small loopback HTTP proxy that injects faults in front of the local model server.

Why: the fault tests must show what a run does when the model endpoint is slow, returns
HTTP 500, or returns a body that is not JSON — without patching Inspect or the OpenAI
client. The proxy forwards everything else verbatim to the real llama.cpp server, so
the healthy path stays the real one. Target and judge share one server; giving each its
own proxy (or matching a substring of the request body) lets a test break only one.

Bounded by design: one background thread with its own event loop, request bodies capped,
an upstream timeout, and a lifetime after which the proxy stops by itself even if a test
forgets to (or dies before it can).
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

import aiohttp
from aiohttp import web

FaultKind = Literal["delay", "http500", "malformed"]

# a 200 reply whose body is cut off mid-object: "JSON" that no parser accepts
MALFORMED_BODY = b'{"id": "chatcmpl-broken", "object": "chat.completion", "choices": [{"index": 0, '

_SESSION = web.AppKey("session", aiohttp.ClientSession)

_HOP_HEADERS = {"host", "content-length", "transfer-encoding", "connection", "accept-encoding"}


@dataclass
class Fault:
    """One fault rule; the first rule that matches a request decides what happens to it.

    ``match`` selects requests whose body contains the substring (None: every request);
    ``times`` caps how often the rule fires (None: always); ``first_attempt_only`` fires
    only on a request body not seen before, so a client's retry of it goes through.
    """

    kind: FaultKind
    match: str | None = None
    path_prefix: str = "/v1/chat/completions"
    delay_s: float = 0.0
    times: int | None = None
    first_attempt_only: bool = False
    fired: int = 0

    def applies(self, path: str, body: bytes, seen_before: bool) -> bool:
        if not path.startswith(self.path_prefix):
            return False
        if self.match is not None and self.match.encode() not in body:
            return False
        if self.times is not None and self.fired >= self.times:
            return False
        return not (self.first_attempt_only and seen_before)


@dataclass
class ProxyRecord:
    """What the proxy did with one request (for the test's assertions)."""

    path: str
    fault: FaultKind | None
    status: int | None
    body_digest: str


@dataclass
class FaultProxy:
    """Loopback proxy to ``upstream`` (e.g. ``http://127.0.0.1:8123``) applying ``faults``."""

    upstream: str
    faults: list[Fault] = field(default_factory=list)
    max_lifetime_s: float = 300.0
    max_body_bytes: int = 4 * 1024 * 1024
    upstream_timeout_s: float = 120.0
    port: int = 0
    records: list[ProxyRecord] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _loop: asyncio.AbstractEventLoop | None = field(default=None, repr=False)
    _stop: asyncio.Event | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def snapshot(self) -> list[ProxyRecord]:
        with self._lock:
            return list(self.records)

    def start(self) -> FaultProxy:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        ready = threading.Event()
        errors: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._run, args=(ready, errors), name=f"fault-proxy-{self.port}", daemon=True
        )
        self._thread.start()
        if not ready.wait(timeout=10) or errors:
            self.stop()
            raise RuntimeError(f"fault proxy did not start: {errors[0] if errors else 'timeout'}")
        return self

    def stop(self) -> None:
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(stop.set)
            except RuntimeError:
                pass  # loop already closed between the check and the call
        if self._thread is not None:
            self._thread.join(timeout=15)
            if self._thread.is_alive():
                raise RuntimeError(f"fault proxy on port {self.port} did not stop")
            self._thread = None

    def _run(self, ready: threading.Event, errors: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve(ready))
        except BaseException as ex:  # noqa: BLE001 - reported to start() through `errors`
            errors.append(ex)
            ready.set()
        finally:
            loop.close()

    async def _serve(self, ready: threading.Event) -> None:
        self._stop = asyncio.Event()
        app = web.Application(client_max_size=self.max_body_bytes)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        timeout = aiohttp.ClientTimeout(total=self.upstream_timeout_s)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            app[_SESSION] = session
            # handler_cancellation: a request the client abandoned (its timeout fired)
            # stops here instead of still reaching the model server
            runner = web.AppRunner(app, handler_cancellation=True)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", self.port)
            await site.start()
            ready.set()
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=self.max_lifetime_s)
            except TimeoutError:
                pass  # lifetime reached: stop by ourselves
            finally:
                await runner.cleanup()

    def _choose(self, path: str, body: bytes) -> tuple[Fault | None, str]:
        digest = hashlib.sha256(path.encode() + b"\0" + body).hexdigest()[:16]
        with self._lock:
            seen = digest in self._seen
            self._seen.add(digest)
            for fault in self.faults:
                if fault.applies(path, body, seen):
                    fault.fired += 1
                    return fault, digest
        return None, digest

    def _record(self, path: str, fault: Fault | None, status: int | None, digest: str) -> None:
        with self._lock:
            self.records.append(ProxyRecord(path, fault.kind if fault else None, status, digest))

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        path = request.rel_url.path
        fault, digest = self._choose(path, body)
        if fault is not None and fault.kind == "http500":
            self._record(path, fault, 500, digest)
            return web.json_response(
                {"error": {"message": "injected server error", "type": "server_error"}},
                status=500,
            )
        if fault is not None and fault.kind == "malformed":
            self._record(path, fault, 200, digest)
            return web.Response(body=MALFORMED_BODY, status=200, content_type="application/json")
        if fault is not None and fault.kind == "delay":
            try:
                await asyncio.sleep(fault.delay_s)
            except asyncio.CancelledError:
                self._record(path, fault, None, digest)  # client gave up while we waited
                raise
        session = request.app[_SESSION]
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_HEADERS}
        async with session.request(
            request.method, self.upstream + str(request.rel_url), data=body, headers=headers
        ) as upstream:
            payload = await upstream.read()
            self._record(path, fault, upstream.status, digest)
            return web.Response(
                body=payload,
                status=upstream.status,
                content_type=upstream.content_type,
            )


@contextmanager
def fault_proxy(upstream: str, faults: list[Fault], **kwargs: float) -> Iterator[FaultProxy]:
    """Run a :class:`FaultProxy` for the duration of the block; always stopped afterwards."""
    proxy = FaultProxy(upstream=upstream, faults=faults, **kwargs)  # type: ignore[arg-type]
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()
