"""Request-body limits, enforced once for every route before anything parses a body.

An anonymous client could otherwise send a 200 MB JSON body to any endpoint and the server
would buffer and parse all of it (issue 15: 198 → 998 MiB, ``/health`` at 2.8 s).
``BodyLimitMiddleware`` answers 413 at once when ``Content-Length`` is over the route's limit,
and counts the bytes of bodies without one (chunked): past the limit the request fails with the
same 413 and the rest of the body is never read. Limits are per exact path, with a small default.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["DEFAULT_MAX_BODY_BYTES", "BodyLimitMiddleware", "BodyLimits", "BodyTooLargeError"]

DEFAULT_MAX_BODY_BYTES = 64 * 1024
"""Every JSON body the API takes (sign-in, shares, settings) is far below this."""


@dataclass(frozen=True)
class BodyLimits:
    """The largest body accepted: ``routes[path]`` for those paths, ``default`` elsewhere."""

    default: int = DEFAULT_MAX_BODY_BYTES
    routes: Mapping[str, int] = field(default_factory=dict)

    def for_path(self, path: str) -> int:
        return self.routes.get(path, self.default)


class BodyTooLargeError(HTTPException):
    """413 for a body over its route's limit; an ``HTTPException`` so FastAPI's body parsing
    re-raises it as is (instead of turning it into 400) and the app answers it as JSON."""

    def __init__(self, method: str, path: str, limit: int) -> None:
        super().__init__(
            413, f"Request body too large: {method} {path} accepts at most {limit} bytes"
        )


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


class BodyLimitMiddleware:
    """Pure ASGI middleware: 413 for bodies over ``limits`` (declared or streamed)."""

    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = str(scope.get("method", "GET"))
        path = str(scope.get("path", "/"))
        limit = self.limits.for_path(path)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _reject(send, BodyTooLargeError(method, path, limit))
            return

        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError(method, path, limit)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLargeError as exc:
            if started:  # too late for a 413: let the server drop the connection
                raise
            await _reject(send, exc)


async def _reject(send: Send, error: BodyTooLargeError) -> None:
    body = json.dumps({"detail": error.detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": error.status_code,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
