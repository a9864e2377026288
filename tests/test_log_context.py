"""Structured logging: context on every record, formats, and the request-id middleware."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from fastapi import FastAPI, Request
from opentelemetry import trace
from starlette.types import Message, Receive, Scope, Send
from websockets.asyncio.client import connect

from code_monet.app.config import load_config
from code_monet.observability import metrics
from code_monet.observability.log_context import (
    JsonFormatter,
    KeyValueFormatter,
    RequestContextMiddleware,
    bind_request,
    bind_user,
    configure_logging,
    current_request_id,
    current_user_id,
    redact_headers,
    redact_text,
    release_record_factory,
    reset_logging,
    retain_record_factory,
    sane_request_id,
)
from tests.live_server import free_port, server_process, stop, wait_healthy

TRACE_ID = 0x0AF7651916CD43DD8448EB211C80319C
SPAN_ID = 0x00F067AA0BA902B7


@pytest.fixture
def context_factory() -> Iterator[None]:
    """The record factory, held for one test only."""
    retain_record_factory()
    yield
    release_record_factory()


@pytest.fixture
def restore_root() -> Iterator[None]:
    """configure_logging changes the root level and handlers: put them back."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    reset_logging()
    root.setLevel(level)
    assert root.handlers == handlers


def _record(name: str = "test.ctx", msg: str = "hello", **extra: object) -> logging.LogRecord:
    """A record made through the (possibly wrapped) record factory, as logging would."""
    record = logging.getLogRecordFactory()(name, logging.INFO, __file__, 1, msg, (), None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def _span_context() -> trace.SpanContext:
    return trace.SpanContext(TRACE_ID, SPAN_ID, is_remote=False)


class TestBinding:
    """bind_user / bind_request are scoped context variables."""

    def test_defaults_bind_and_reset(self) -> None:
        """'-' outside, the value inside, restored afterwards (also when nested)."""
        # Arrange / Act
        outside = (current_user_id(), current_request_id())
        with bind_user("u1"), bind_request("r1"):
            inside = (current_user_id(), current_request_id())
            with bind_user("u2"):
                nested = current_user_id()
            after_nested = current_user_id()
        # Assert
        assert outside == ("-", "-")
        assert inside == ("u1", "r1")
        assert (nested, after_nested) == ("u2", "u1")
        assert (current_user_id(), current_request_id()) == ("-", "-")

    async def test_tasks_inherit_the_context(self) -> None:
        """A task started inside bind_user logs with that user."""

        # Arrange
        async def who() -> str:
            await asyncio.sleep(0)
            return current_user_id()

        # Act
        with bind_user("u9"):
            task = asyncio.create_task(who())
        result = await task
        # Assert
        assert result == "u9"

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("abc-123_X.y", "abc-123_X.y"),
            ("a" * 64, "a" * 64),
            ("a" * 65, None),
            ("has space", None),
            ("", None),
            (None, None),
            ("évil", None),
        ],
    )
    def test_sane_request_ids(self, value: str | None, expected: str | None) -> None:
        """At most 64 of [A-Za-z0-9._-]."""
        # Arrange / Act
        result = sane_request_id(value)
        # Assert
        assert result == expected


class TestRecordFactory:
    """Every record gets user_id, request_id, trace_id, span_id."""

    def test_unset_context(self, context_factory: None) -> None:
        """Outside any binding or span: '-' ids and empty trace fields."""
        # Arrange / Act
        record = _record()
        # Assert
        assert (record.__dict__["user_id"], record.__dict__["request_id"]) == ("-", "-")
        assert (record.__dict__["trace_id"], record.__dict__["span_id"]) == ("", "")

    def test_bound_context_and_span(self, context_factory: None) -> None:
        """Inside bindings and a span the record carries all four."""
        # Arrange
        span = trace.NonRecordingSpan(_span_context())
        # Act
        with bind_user("u1"), bind_request("r1"), trace.use_span(span):
            record = _record()
        # Assert
        assert (record.__dict__["user_id"], record.__dict__["request_id"]) == ("u1", "r1")
        assert record.__dict__["trace_id"] == format(TRACE_ID, "032x")
        assert record.__dict__["span_id"] == format(SPAN_ID, "016x")

    def test_records_from_any_logger_reach_caplog_with_context(
        self, context_factory: None, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Handlers we did not install (pytest's) see the fields too."""
        # Arrange
        caplog.set_level(logging.INFO, logger="some.library")
        # Act
        with bind_user("u7"), bind_request("r7"):
            logging.getLogger("some.library").info("work")
        # Assert
        (record,) = caplog.records
        assert (record.__dict__["user_id"], record.__dict__["request_id"]) == ("u7", "r7")

    def test_release_restores_the_previous_factory(self) -> None:
        """Retain/release is reference counted and leaves the original factory in place."""
        # Arrange
        original = logging.getLogRecordFactory()
        # Act
        retain_record_factory()
        retain_record_factory()
        release_record_factory()
        still_wrapped = logging.getLogRecordFactory() is not original
        release_record_factory()
        # Assert
        assert still_wrapped is True
        assert logging.getLogRecordFactory() is original


class TestFormatters:
    """JSON lines and key=value text."""

    def test_json_line(self, context_factory: None) -> None:
        """One JSON object with the context, the message and extras."""
        # Arrange
        with (
            bind_user("u1"),
            bind_request("r1"),
            trace.use_span(trace.NonRecordingSpan(_span_context())),
        ):
            record = _record(msg="drew %d paths", turn=3)
        record.args = (5,)
        # Act
        line = json.loads(JsonFormatter().format(record))
        # Assert
        assert line["msg"] == "drew 5 paths"
        assert line["user_id"] == "u1"
        assert line["request_id"] == "r1"
        assert line["trace_id"] == format(TRACE_ID, "032x")
        assert line["turn"] == 3
        assert line["level"] == "INFO"
        assert line["ts"].endswith("Z")

    def test_json_line_with_exception(self, context_factory: None) -> None:
        """Exceptions are included as text."""
        # Arrange
        try:
            raise RuntimeError("kaput")
        except RuntimeError:
            record = _record()
            record.exc_info = sys.exc_info()
        # Act
        line = json.loads(JsonFormatter().format(record))
        # Assert
        assert "RuntimeError: kaput" in line["exc"]

    def test_key_value_line(self, context_factory: None) -> None:
        """Readable text with user_id=, request_id= and quoted extras."""
        # Arrange
        with bind_user("u1"), bind_request("r1"):
            record = _record(msg="turn done", detail="two words")
        # Act
        text = KeyValueFormatter().format(record)
        # Assert
        assert "INFO    test.ctx: turn done" in text
        assert "user_id=u1 request_id=r1" in text
        assert 'detail="two words"' in text
        assert "trace_id=" not in text


class TestConfigureLogging:
    """configure_logging installs one handler; reset_logging undoes it."""

    def test_json_from_configuration(self, restore_root: None) -> None:
        """LOG_FORMAT=json (in the application's config) picks the JSON formatter; calling
        twice keeps one handler."""
        # Arrange
        logs = load_config({"LOG_FORMAT": " JSON "}, env_file=None).logging
        root = logging.getLogger()
        before = len(root.handlers)
        # Act
        configure_logging("DEBUG", json_format=logs.json_format)
        configure_logging("DEBUG", json_format=logs.json_format)
        # Assert
        assert len(root.handlers) == before + 1
        assert isinstance(root.handlers[-1].formatter, JsonFormatter)
        assert root.level == logging.DEBUG

    def test_text_by_default(self, restore_root: None) -> None:
        """Without LOG_FORMAT the readable formatter is used."""
        # Arrange
        logs = load_config({}, env_file=None).logging
        # Act
        configure_logging(json_format=logs.json_format)
        # Assert
        assert isinstance(logging.getLogger().handlers[-1].formatter, KeyValueFormatter)

    def test_bad_level_is_explained(self, restore_root: None) -> None:
        """An unknown level name raises with the allowed names."""
        # Arrange / Act / Assert
        with pytest.raises(ValueError, match="Unknown log level 'LOUD'"):
            configure_logging("LOUD")


class TestRequestContextMiddleware:
    """Request ids on HTTP and WebSocket, echoed back, bound for logs, measured."""

    @staticmethod
    def _app(seen: list[str]) -> FastAPI:
        app = FastAPI()
        app.add_middleware(RequestContextMiddleware)
        log = logging.getLogger("test.mw")

        @app.get("/pieces/{piece_id}")
        async def piece(piece_id: int, request: Request) -> dict[str, int]:
            log.info("serving piece")
            seen.append(request.state.request_id)
            return {"piece": piece_id}

        return app

    async def test_client_id_is_kept_and_echoed(
        self, context_factory: None, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A sane X-Request-ID is used, logged and echoed."""
        # Arrange
        seen: list[str] = []
        app = self._app(seen)
        caplog.set_level(logging.INFO, logger="test.mw")
        transport = httpx2.ASGITransport(app=app)
        # Act
        async with httpx2.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get("/pieces/3", headers={"X-Request-ID": "abc.123"})
        # Assert
        assert response.headers["x-request-id"] == "abc.123"
        assert seen == ["abc.123"]
        (record,) = [r for r in caplog.records if r.name == "test.mw"]
        assert record.__dict__["request_id"] == "abc.123"

    @pytest.mark.parametrize("header", [None, "x" * 65, "bad id!"])
    async def test_generated_when_missing_or_insane(self, header: str | None) -> None:
        """Otherwise a fresh 32-hex id is generated."""
        # Arrange
        seen: list[str] = []
        app = self._app(seen)
        headers = {"X-Request-ID": header} if header is not None else {}
        transport = httpx2.ASGITransport(app=app)
        # Act
        async with httpx2.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get("/pieces/3", headers=headers)
        # Assert
        echoed = response.headers["x-request-id"]
        assert echoed != header
        assert len(echoed) == 32 and sane_request_id(echoed) == echoed
        assert seen == [echoed]

    async def test_http_metric_uses_route_template(self) -> None:
        """The metric is labelled with /pieces/{piece_id}, unmatched paths with unmatched."""
        # Arrange
        app = self._app([])
        labels = {"method": "GET", "route": "/pieces/{piece_id}", "status": "200"}
        unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
        before = metrics.REGISTRY.get_sample_value("codemonet_http_requests_total", labels) or 0
        before_unmatched = (
            metrics.REGISTRY.get_sample_value("codemonet_http_requests_total", unmatched) or 0
        )
        transport = httpx2.ASGITransport(app=app)
        # Act
        async with httpx2.AsyncClient(transport=transport, base_url="http://t") as client:
            await client.get("/pieces/1")
            await client.get("/pieces/2")
            await client.get("/random/scanner/path")
        # Assert
        after = metrics.REGISTRY.get_sample_value("codemonet_http_requests_total", labels)
        after_unmatched = metrics.REGISTRY.get_sample_value(
            "codemonet_http_requests_total", unmatched
        )
        assert after == before + 2
        assert after_unmatched == before_unmatched + 1

    async def test_websocket_accept_carries_the_id(self) -> None:
        """For a WebSocket the id is bound for the session and sent with the accept."""
        # Arrange
        bound: list[str] = []

        async def ws_app(scope: Scope, receive: Receive, send: Send) -> None:
            bound.append(current_request_id())
            await send({"type": "websocket.accept"})

        sent: list[Message] = []

        async def receive() -> Message:
            return {"type": "websocket.connect"}

        async def send(message: Message) -> None:
            sent.append(message)

        middleware = RequestContextMiddleware(ws_app)
        scope = {"type": "websocket", "path": "/ws", "headers": [(b"x-request-id", b"ws-1")]}
        # Act
        await middleware(scope, receive, send)
        # Assert
        assert bound == ["ws-1"]
        assert (b"x-request-id", b"ws-1") in sent[0]["headers"]
        assert current_request_id() == "-"


WS_SECRET = "ws-secret-0123456789abcdef"
LINK_SECRET = "link-secret-0123456789abcdef"
BEARER_SECRET = "bearer-secret-0123456789abcdef"


class TestSecretsStayOutOfLogs:
    """Issue 15: the access log wrote every ``/ws?token=`` and ``/auth/verify?token=`` in full,
    and a token replayed from the log worked."""

    @pytest.mark.parametrize("log_format", ["text", "json"])
    async def test_a_real_server_logs_no_token(self, tmp_path: Path, log_format: str) -> None:
        """``code-monet serve`` in public mode: a socket with a URL token, a magic link and a
        subprotocol token leave only ``[REDACTED]`` in its log."""
        # Arrange
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {"LOCAL_MODE": "false", "LOG_FORMAT": log_format}
        with server_process(tmp_path / "data", port, env) as process:
            await wait_healthy(base, process)
            # Act
            with contextlib.suppress(Exception):  # refused with 4001: the tokens are made up
                async with connect(f"ws://127.0.0.1:{port}/ws?token={WS_SECRET}") as ws:
                    await asyncio.wait_for(ws.recv(), timeout=10)
            with contextlib.suppress(Exception):
                async with connect(
                    f"ws://127.0.0.1:{port}/ws",
                    subprotocols=["code-monet.v2", f"bearer.{BEARER_SECRET}"],  # type: ignore[list-item]
                ) as ws:
                    await asyncio.wait_for(ws.recv(), timeout=10)
            async with httpx2.AsyncClient(base_url=base, timeout=10) as client:
                verify = await client.get(f"/auth/verify?token={LINK_SECRET}&x=1")
            stop(process, signal.SIGTERM)
            assert process.stderr is not None
            logs = process.stderr.read().decode()
        # Assert
        assert verify.status_code >= 400
        assert "/auth/verify?token=[REDACTED]&x=1" in logs
        assert "/ws?token=[REDACTED]" in logs
        for secret in (WS_SECRET, LINK_SECRET, BEARER_SECRET):
            assert secret not in logs


class TestRedaction:
    """One list of secret names, applied to URLs, header values and free text."""

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("GET /ws?token=abc&strokes=inline", "GET /ws?token=[REDACTED]&strokes=inline"),
            ("/cb?Code=1&refresh_token=r#x", "/cb?Code=[REDACTED]&refresh_token=[REDACTED]#x"),
            ("/s?signature=zz&password=p", "/s?signature=[REDACTED]&password=[REDACTED]"),
            ("Authorization: Bearer eyJhbGciOi.x.y", "Authorization: Bearer [REDACTED]"),
            ("offered [bearer.eyJhbGciOi.x.y]", "offered [bearer.[REDACTED]]"),
            ("error_code=3 key_count=2", "error_code=3 key_count=2"),
        ],
    )
    def test_text(self, text: str, expected: str) -> None:
        """Only the values of sensitive parameters and bearer tokens change."""
        # Arrange / Act
        redacted = redact_text(text)
        # Assert
        assert redacted == expected

    def test_headers(self) -> None:
        """Authorization, Cookie and the subprotocol list are blanked whole."""
        # Arrange
        headers = [("Authorization", "Bearer x"), ("Cookie", "s=1"), ("Accept", "*/*")]
        # Act
        redacted = redact_headers(headers)
        # Assert
        assert redacted == [
            ("Authorization", "[REDACTED]"),
            ("Cookie", "[REDACTED]"),
            ("Accept", "*/*"),
        ]
