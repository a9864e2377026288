"""Structured logging: every log line says which user and which request it belongs to.

* ``configure_logging()`` installs one handler on the root logger: JSON lines when
  ``LOG_FORMAT=json``, readable ``key=value`` text otherwise.
* A log-record factory (held by ``configure_logging`` and by ``tracing.setup_tracing``) puts
  ``user_id``, ``request_id`` (``"-"`` when unset) and the current OpenTelemetry ``trace_id`` /
  ``span_id`` (``""`` outside a span) on *every* record, whichever handler formats it.
* ``bind_user`` / ``bind_request`` set the context (``contextvars``, so each asyncio task keeps
  its own) and ``RequestContextMiddleware`` binds a request id to every HTTP request and
  WebSocket, echoes it as ``X-Request-ID`` and records the HTTP request metric.
* Secrets never reach a log line: ``SENSITIVE_PARAMS`` / ``SENSITIVE_HEADERS`` are the one list
  of what is secret, ``redact_text`` blanks their values wherever a URL or header shows up
  (uvicorn's access log writes every ``/ws?token=`` and ``/auth/verify?token=``; a logged token
  could be replayed). ``install_log_redaction`` puts ``RedactingFilter`` on uvicorn's loggers,
  and our formatters redact every line they write. ``tracing`` uses the same definitions.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Protocol, TextIO

from opentelemetry import trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from code_monet.observability import metrics

__all__ = [
    "REDACTED",
    "REQUEST_ID_HEADER",
    "SENSITIVE_HEADERS",
    "SENSITIVE_PARAMS",
    "RedactingFilter",
    "RequestContextMiddleware",
    "bind_request",
    "bind_user",
    "configure_logging",
    "current_request_id",
    "current_user_id",
    "install_log_redaction",
    "redact_headers",
    "redact_query",
    "redact_text",
    "release_record_factory",
    "reset_logging",
    "retain_record_factory",
    "sane_request_id",
]

UNSET = "-"
REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

_user_id: ContextVar[str] = ContextVar("code_monet_user_id", default=UNSET)
_request_id: ContextVar[str] = ContextVar("code_monet_request_id", default=UNSET)

# Attributes every LogRecord has; anything else on a record came from ``extra=`` (or from us).
# ``color_message`` is uvicorn's ANSI-coloured copy of the message: noise in our format.
_STANDARD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
    "color_message",
}
_CONTEXT_ATTRS = ("user_id", "request_id", "trace_id", "span_id")


def current_user_id() -> str:
    return _user_id.get()


def current_request_id() -> str:
    return _request_id.get()


@contextmanager
def bind_user(user_id: str) -> Iterator[None]:
    """Tag every log record emitted inside the block (and tasks started in it) with ``user_id``."""
    token = _user_id.set(user_id or UNSET)
    try:
        yield
    finally:
        _user_id.reset(token)


def tag_user(user_id: str) -> None:
    """Tag the rest of the current task (one HTTP request, or a task's fresh context) with
    ``user_id``; the tag ends with the task, so no reset is needed."""
    _user_id.set(user_id or UNSET)


def user_context(user_id: str) -> contextvars.Context:
    """A fresh context carrying only ``user_id``: for long-lived tasks (an agent loop) that
    must not inherit the request, trace or span of whichever request happened to start them."""
    context = contextvars.Context()
    context.run(tag_user, user_id)
    return context


@contextmanager
def bind_request(request_id: str) -> Iterator[None]:
    token = _request_id.set(request_id or UNSET)
    try:
        yield
    finally:
        _request_id.reset(token)


def sane_request_id(value: str | None) -> str | None:
    """``value`` when it is a usable request id (≤ 64 of ``[A-Za-z0-9._-]``), else None."""
    if value is not None and _REQUEST_ID_RE.match(value):
        return value
    return None


# ----------------------------------------------------------------------------- redaction

REDACTED = "[REDACTED]"
SENSITIVE_PARAMS = frozenset(
    {
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "code",
        "key",
        "api_key",
        "apikey",
        "password",
        "secret",
        "client_secret",
        "signature",
        "sig",
    }
)
"""Query parameters whose values are credentials (compared case-insensitively)."""
SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "sec-websocket-protocol",  # carries ``bearer.<token>`` for browsers' sockets
        "x-api-key",
    }
)
"""Headers whose values are credentials (lower case)."""

_PARAM_RE = re.compile(
    r"([?&;](?:" + "|".join(sorted(map(re.escape, SENSITIVE_PARAMS))) + r")=)[^&;#\s\"'<>]*",
    re.IGNORECASE,
)
# ``Bearer <jwt>`` in a logged header, ``bearer.<jwt>`` in a logged subprotocol list.
_BEARER_RE = re.compile(r"\b(bearer[ .])[A-Za-z0-9._~+/=-]{12,}", re.IGNORECASE)


def redact_text(text: str) -> str:
    """``text`` with the values of sensitive query parameters and bearer tokens blanked."""
    if "=" not in text and "earer" not in text.lower():
        return text
    text = _PARAM_RE.sub(lambda m: m.group(1) + REDACTED, text)
    return _BEARER_RE.sub(lambda m: m.group(1) + REDACTED, text)


def redact_query(query: str) -> str:
    """A bare query string (``token=…&x=1``, no ``?``) with sensitive values blanked."""
    return redact_text("?" + query)[1:]


def redact_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """``(name, value)`` pairs with the values of ``SENSITIVE_HEADERS`` blanked."""
    return [
        (name, REDACTED if name.lower() in SENSITIVE_HEADERS else redact_text(value))
        for name, value in headers
    ]


class RedactingFilter(logging.Filter):
    """Rewrites a record whose message (or string extras) carry secrets, before any handler
    (pytest's included) sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact_text(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        for key, value in list(record.__dict__.items()):
            if isinstance(value, str) and key not in _STANDARD_ATTRS - {"color_message"}:
                redacted = redact_text(value)
                if redacted != value:
                    setattr(record, key, redacted)
        return True


_URL_LOGGERS = ("uvicorn", "uvicorn.access", "uvicorn.error")
"""Loggers that write request URLs (logger filters do not apply to children's records)."""


def install_log_redaction() -> None:
    """Put a ``RedactingFilter`` on uvicorn's loggers (idempotent)."""
    for name in _URL_LOGGERS:
        target = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in target.filters):
            target.addFilter(RedactingFilter())


# ----------------------------------------------------------------------------- record factory


class _RecordFactory(Protocol):
    def __call__(self, *args: object, **kwargs: object) -> logging.LogRecord: ...


class _Factory:
    """Wraps the previous record factory and adds the context attributes.

    It also counts its holders (``retain_record_factory``): logging's record factory is
    process-global, so the count lives with the installed factory rather than in a module
    global, and goes away with it."""

    def __init__(self, previous: _RecordFactory) -> None:
        self.previous = previous
        self.users = 0

    def __call__(self, *args: object, **kwargs: object) -> logging.LogRecord:
        record = self.previous(*args, **kwargs)
        record.user_id = _user_id.get()
        record.request_id = _request_id.get()
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            record.trace_id = format(context.trace_id, "032x")
            record.span_id = format(context.span_id, "016x")
        else:
            record.trace_id = ""
            record.span_id = ""
        return record


_factory_lock = threading.Lock()  # guards swapping the process-global record factory


def retain_record_factory() -> None:
    """Put user/request/trace ids on every record until the matching ``release_record_factory``.

    Reference counted, so ``configure_logging`` and each tracing handle can hold it
    independently and a test that sets either up and tears it down leaves logging as it was.
    """
    with _factory_lock:
        current = logging.getLogRecordFactory()
        if not isinstance(current, _Factory):
            current = _Factory(current)
            logging.setLogRecordFactory(current)
        current.users += 1


def release_record_factory() -> None:
    with _factory_lock:
        current = logging.getLogRecordFactory()
        if not isinstance(current, _Factory):
            return
        current.users = max(0, current.users - 1)
        if current.users == 0:
            logging.setLogRecordFactory(current.previous)


# ----------------------------------------------------------------------------- formatters


def _extras(record: logging.LogRecord) -> dict[str, object]:
    return {
        key: value
        for key, value in record.__dict__.items()
        if key not in _STANDARD_ATTRS and key not in _CONTEXT_ATTRS and not key.startswith("_")
    }


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, user_id, request_id, trace ids, extras."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "user_id": getattr(record, "user_id", _user_id.get()),
            "request_id": getattr(record, "request_id", _request_id.get()),
        }
        trace_id = getattr(record, "trace_id", "")
        if trace_id:
            line["trace_id"] = trace_id
            line["span_id"] = getattr(record, "span_id", "")
        for key, value in _extras(record).items():
            line.setdefault(key, value)
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return redact_text(json.dumps(line, default=str, ensure_ascii=False))


def _quote(value: object) -> str:
    text = str(value)
    if text == "" or any(ch in text for ch in ' ="\n'):
        return json.dumps(text, ensure_ascii=False)
    return text


class KeyValueFormatter(logging.Formatter):
    """``2025-01-01T12:00:00.000Z INFO  logger: message user_id=… request_id=… key=value``."""

    def format(self, record: logging.LogRecord) -> str:
        parts = [
            f"{_timestamp(record)} {record.levelname:<7} {record.name}: {record.getMessage()}",
            f"user_id={_quote(getattr(record, 'user_id', _user_id.get()))}",
            f"request_id={_quote(getattr(record, 'request_id', _request_id.get()))}",
        ]
        trace_id = getattr(record, "trace_id", "")
        if trace_id:
            parts.append(f"trace_id={trace_id}")
        parts.extend(f"{key}={_quote(value)}" for key, value in _extras(record).items())
        text = " ".join(parts)
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        if record.stack_info:
            text += "\n" + self.formatStack(record.stack_info)
        return redact_text(text)


class _OurHandler(logging.StreamHandler[TextIO]):
    """Marks the handler ``configure_logging`` installed, so it can be replaced or removed.

    Logging is process-global, so whether it is configured is read from the root logger
    (does it hold one of these?) rather than kept in a module global; the handler holds one
    reference on the record factory for as long as it is installed."""


def configure_logging(level: str = "INFO", *, json_format: bool = False) -> None:
    """Log to stderr in the chosen format; safe to call again (replaces its own handler only).

    ``json_format``: JSON lines (``LOG_FORMAT=json`` in the application's configuration). Handlers
    others installed on the root logger (pytest's, for one) are left alone and also receive the
    context fields.
    """
    numeric = logging.getLevelName(level.strip().upper())
    if not isinstance(numeric, int):
        raise ValueError(f"Unknown log level {level!r}: use DEBUG, INFO, WARNING, ERROR")
    install_log_redaction()
    root = logging.getLogger()
    ours = [h for h in root.handlers if isinstance(h, _OurHandler)]
    if not ours:
        retain_record_factory()
    for handler in ours:
        root.removeHandler(handler)
    handler = _OurHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if json_format else KeyValueFormatter())
    root.addHandler(handler)
    root.setLevel(numeric)


def reset_logging() -> None:
    """Undo ``configure_logging`` (tests): remove our handler and our record factory."""
    root = logging.getLogger()
    ours = [h for h in root.handlers if isinstance(h, _OurHandler)]
    for handler in ours:
        root.removeHandler(handler)
        handler.close()
    if ours:
        release_record_factory()


# ----------------------------------------------------------------------------- middleware


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            try:
                decoded: str = value.decode("latin-1")
            except UnicodeDecodeError:
                return None
            return decoded
    return None


def route_template(scope: Scope) -> str:
    """The matched route's template (``/s/{token}``), or ``"unmatched"``."""
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    if isinstance(path, str) and path:
        return path
    return metrics.UNMATCHED_ROUTE


class RequestContextMiddleware:
    """Pure ASGI middleware: request id in, request id out, one metric per HTTP request.

    Works for ``http`` and ``websocket`` scopes (the id is echoed in the handshake response for a
    WebSocket); the id is also put on ``scope["state"]["request_id"]`` (``request.state``) and on
    the current span. Add it with ``app.add_middleware(RequestContextMiddleware)``.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = sane_request_id(_header(scope, b"x-request-id")) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        span = trace.get_current_span()
        if span.is_recording():
            span.set_attribute("http.request.id", request_id)
        header = (b"x-request-id", request_id.encode("ascii"))

        if scope["type"] == "websocket":

            async def send_ws(message: Message) -> None:
                if message["type"] == "websocket.accept":
                    message = {**message, "headers": [*message.get("headers", ()), header]}
                await send(message)

            with bind_request(request_id):
                await self.app(scope, receive, send_ws)
            return

        status = 500
        started = time.perf_counter()

        async def send_http(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [h for h in message.get("headers", ()) if h[0].lower() != header[0]]
                message = {**message, "headers": [*headers, header]}
            await send(message)

        try:
            with bind_request(request_id):
                await self.app(scope, receive, send_http)
        finally:
            elapsed = time.perf_counter() - started
            metrics.http_request(scope.get("method", "GET"), route_template(scope), status, elapsed)
