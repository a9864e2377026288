"""OpenTelemetry set-up: request, SQLAlchemy and WebSocket spans, client spans, clean shutdown."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx2
import pytest
from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from starlette.websockets import WebSocketDisconnect

from code_monet.observability.log_context import RequestContextMiddleware
from code_monet.observability.tracing import (
    ClientSpan,
    TelemetrySettings,
    TracingHandle,
    new_trace_id,
    parse_trace_id,
    record_client_spans,
    setup_tracing,
    websocket_span,
)
from tests.fakes.server import running_server

CLIENT_TRACE = "0af7651916cd43dd8448eb211c80319c"
XRAY_HEX = "5759e988bd862e3fe1be46a994272793"


def _settings(**overrides: object) -> TelemetrySettings:
    values: dict[str, object] = {
        "tracing_enabled": True,
        "otel_exporter_otlp_endpoint": None,
        "otel_exporter_otlp_traces_endpoint": None,
    }
    values.update(overrides)
    return TelemetrySettings.model_validate(values)


def _app(engine: AsyncEngine | None = None) -> FastAPI:
    app = FastAPI()
    app.add_middleware(RequestContextMiddleware)

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, int]:
        if engine is not None:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        return {"id": item_id}

    @app.get("/metrics")
    async def scraped() -> dict[str, str]:
        return {}

    return app


def _client(app: FastAPI) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://test")


def _named(exporter: InMemorySpanExporter, name: str) -> list[ReadableSpan]:
    return [s for s in exporter.get_finished_spans() if s.name == name]


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def handles() -> Iterator[list[TracingHandle]]:
    """Handles created by a test; all shut down afterwards so no instrumentation leaks."""
    created: list[TracingHandle] = []
    yield created
    for handle in created:
        handle.shutdown()


@pytest.fixture
def traced(exporter: InMemorySpanExporter, handles: list[TracingHandle]) -> TracingHandle:
    """Tracing on (no app traffic needed) with the in-memory exporter plugged in."""
    handle = setup_tracing(FastAPI(), engine=None, settings=_settings(), exporters=[exporter])
    handles.append(handle)
    return handle


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    db = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'trace.db'}")
    yield db
    await db.dispose()


class TestParseTraceId:
    """Client trace ids are parsed leniently and never raise."""

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (CLIENT_TRACE, int(CLIENT_TRACE, 16)),
            (CLIENT_TRACE.upper(), int(CLIENT_TRACE, 16)),
            (f"00-{CLIENT_TRACE}-b7ad6b7169203331-01", int(CLIENT_TRACE, 16)),
            ("1-5759e988-bd862e3fe1be46a994272793", int(XRAY_HEX, 16)),
            ("Root=1-5759e988-bd862e3fe1be46a994272793", int(XRAY_HEX, 16)),
        ],
    )
    def test_accepts_w3c_traceparent_and_xray(self, value: str, expected: int) -> None:
        """32 hex digits, a traceparent and an X-Ray id all give the trace id."""
        # Arrange / Act
        parsed = parse_trace_id(value)
        # Assert
        assert parsed == expected

    @pytest.mark.parametrize(
        "value",
        [None, "", "xyz", CLIENT_TRACE[:-1], CLIENT_TRACE + "0", "0" * 32, "g" * 32, "a" * 500],
    )
    def test_rejects_malformed_ids(self, value: str | None) -> None:
        """Anything else (including the all-zero id) is None."""
        # Arrange / Act
        parsed = parse_trace_id(value)
        # Assert
        assert parsed is None

    def test_new_trace_ids_are_valid_and_distinct(self) -> None:
        """GET /trace-id material: 32 lowercase hex, parseable, not repeated."""
        # Arrange / Act
        ids = {new_trace_id() for _ in range(50)}
        # Assert
        assert len(ids) == 50
        assert all(len(i) == 32 and parse_trace_id(i) == int(i, 16) for i in ids)


class TestSettings:
    """Exporting only happens when an OTLP endpoint is configured."""

    def test_no_endpoint_means_no_exporter(self, handles: list[TracingHandle]) -> None:
        """Default settings instrument the app but export nothing."""
        # Arrange
        app = FastAPI()
        # Act
        handle = setup_tracing(app, engine=None, settings=_settings())
        handles.append(handle)
        # Assert
        assert handle.enabled is True
        assert handle.exporting is False
        assert _settings().traces_endpoint() is None

    def test_endpoint_derives_traces_url(self) -> None:
        """The base endpoint gets /v1/traces; the traces endpoint is used as is."""
        # Arrange
        base = _settings(otel_exporter_otlp_endpoint="http://collector:4318/")
        full = _settings(otel_exporter_otlp_traces_endpoint="http://c:4318/custom")
        # Act / Assert
        assert base.traces_endpoint() == "http://collector:4318/v1/traces"
        assert full.traces_endpoint() == "http://c:4318/custom"

    def test_endpoint_plugs_in_an_exporter(self, handles: list[TracingHandle]) -> None:
        """With an endpoint the handle exports (a batch processor; nothing is sent here)."""
        # Arrange
        settings = _settings(otel_exporter_otlp_endpoint="http://127.0.0.1:9")
        # Act
        handle = setup_tracing(FastAPI(), engine=None, settings=settings)
        handles.append(handle)
        # Assert
        assert handle.exporting is True

    async def test_disabled_instruments_nothing(
        self, exporter: InMemorySpanExporter, handles: list[TracingHandle]
    ) -> None:
        """TRACING_ENABLED=false: no spans, even with an exporter offered."""
        # Arrange
        app = _app()
        handle = setup_tracing(
            app, engine=None, settings=_settings(tracing_enabled=False), exporters=[exporter]
        )
        handles.append(handle)
        # Act
        async with _client(app) as client:
            response = await client.get("/items/1")
        # Assert
        assert response.status_code == 200
        assert handle.enabled is False
        assert exporter.get_finished_spans() == ()


class TestFastAPISpans:
    """Every HTTP request becomes a server span named after its route template."""

    async def test_request_span_has_route_and_request_id(
        self, exporter: InMemorySpanExporter, handles: list[TracingHandle]
    ) -> None:
        """The span carries http.route and the X-Request-ID the middleware bound."""
        # Arrange
        app = _app()
        handles.append(setup_tracing(app, engine=None, settings=_settings(), exporters=[exporter]))
        # Act
        async with _client(app) as client:
            response = await client.get("/items/7", headers={"X-Request-ID": "req-123"})
        # Assert
        assert response.status_code == 200
        (span,) = _named(exporter, "GET /items/{item_id}")
        assert span.kind is SpanKind.SERVER
        assert span.attributes is not None
        assert span.attributes["http.route"] == "/items/{item_id}"
        assert span.attributes["http.request.id"] == "req-123"

    async def test_metrics_scrapes_are_not_traced(
        self, exporter: InMemorySpanExporter, handles: list[TracingHandle]
    ) -> None:
        """/metrics is excluded so scrapes do not flood the traces."""
        # Arrange
        app = _app()
        handles.append(setup_tracing(app, engine=None, settings=_settings(), exporters=[exporter]))
        # Act
        async with _client(app) as client:
            await client.get("/metrics")
        # Assert
        assert exporter.get_finished_spans() == ()

    async def test_setup_after_start_still_instruments(
        self, exporter: InMemorySpanExporter, handles: list[TracingHandle]
    ) -> None:
        """Setting up from the lifespan (stack already built) rebuilds the middleware stack."""
        # Arrange
        app = _app()
        app.middleware_stack = app.build_middleware_stack()
        handles.append(setup_tracing(app, engine=None, settings=_settings(), exporters=[exporter]))
        # Act
        async with _client(app) as client:
            await client.get("/items/1")
        # Assert
        assert len(_named(exporter, "GET /items/{item_id}")) == 1


class TestSQLAlchemySpans:
    """Queries on the instrumented engine become client spans inside the request's trace."""

    async def test_query_span_is_child_of_request(
        self, engine: AsyncEngine, exporter: InMemorySpanExporter, handles: list[TracingHandle]
    ) -> None:
        """SELECT 1 inside a request is a CLIENT span in the request's trace."""
        # Arrange
        app = _app(engine)
        handles.append(
            setup_tracing(app, engine=engine, settings=_settings(), exporters=[exporter])
        )
        # Act
        async with _client(app) as client:
            await client.get("/items/1")
        # Assert
        (request_span,) = _named(exporter, "GET /items/{item_id}")
        db_spans = [s for s in exporter.get_finished_spans() if s.kind is SpanKind.CLIENT]
        assert len(db_spans) == 1
        assert db_spans[0].attributes is not None
        assert db_spans[0].attributes["db.statement"] == "SELECT 1"
        assert db_spans[0].attributes["db.system"] == "sqlite"
        assert db_spans[0].context is not None and request_span.context is not None
        assert db_spans[0].context.trace_id == request_span.context.trace_id

    async def test_shutdown_removes_engine_listeners(
        self, engine: AsyncEngine, exporter: InMemorySpanExporter, handles: list[TracingHandle]
    ) -> None:
        """After shutdown a second handle on the same engine sees exactly one span per query."""
        # Arrange
        first = setup_tracing(FastAPI(), engine=engine, settings=_settings())
        first.shutdown()
        handles.append(
            setup_tracing(FastAPI(), engine=engine, settings=_settings(), exporters=[exporter])
        )
        # Act
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 2"))
        # Assert
        spans = [s for s in exporter.get_finished_spans() if s.kind is SpanKind.CLIENT]
        assert len(spans) == 1


class TestWebsocketSpan:
    """WebSocket spans join the client's trace when it sent one."""

    def test_client_trace_id_becomes_the_trace(
        self, traced: TracingHandle, exporter: InMemorySpanExporter
    ) -> None:
        """The span's trace is the client's; its remote parent is the id's low 64 bits."""
        # Arrange / Act
        with websocket_span("ws.connection", user_id="u1", client_trace_id=CLIENT_TRACE):
            pass
        # Assert
        (span,) = _named(exporter, "ws.connection")
        assert span.context is not None and span.parent is not None
        assert format(span.context.trace_id, "032x") == CLIENT_TRACE
        assert span.parent.is_remote is True
        assert format(span.parent.span_id, "016x") == CLIENT_TRACE[16:]
        assert span.attributes is not None
        assert span.attributes["enduser.id"] == "u1"

    def test_traceparent_gives_the_parent_span(
        self, traced: TracingHandle, exporter: InMemorySpanExporter
    ) -> None:
        """A full traceparent parents the span to the client's own span."""
        # Arrange
        traceparent = f"00-{CLIENT_TRACE}-b7ad6b7169203331-01"
        # Act
        with websocket_span("ws.connection", user_id="u1", client_trace_id=traceparent):
            pass
        # Assert
        (span,) = _named(exporter, "ws.connection")
        assert span.parent is not None
        assert format(span.parent.span_id, "016x") == "b7ad6b7169203331"

    def test_message_spans_nest_under_the_connection(
        self, traced: TracingHandle, exporter: InMemorySpanExporter
    ) -> None:
        """Per-message spans (with or without the id again) are children of the connection."""
        # Arrange / Act
        with websocket_span("ws.connection", user_id="u1", client_trace_id=CLIENT_TRACE):
            with websocket_span(
                "ws.message", user_id="u1", client_trace_id=CLIENT_TRACE, attributes={"n": 1}
            ):
                pass
            with websocket_span("ws.message", user_id="u1", client_trace_id=None):
                pass
        # Assert
        (connection,) = _named(exporter, "ws.connection")
        messages = _named(exporter, "ws.message")
        assert connection.context is not None
        assert len(messages) == 2
        for message in messages:
            assert message.parent is not None
            assert message.parent.span_id == connection.context.span_id
            assert message.kind is SpanKind.INTERNAL

    def test_invalid_client_id_starts_a_new_trace(
        self, traced: TracingHandle, exporter: InMemorySpanExporter
    ) -> None:
        """A malformed id is ignored (flagged on the span), never raised."""
        # Arrange / Act
        with websocket_span("ws.connection", user_id="u1", client_trace_id="not-a-trace"):
            pass
        # Assert
        (span,) = _named(exporter, "ws.connection")
        assert span.parent is None
        assert span.attributes is not None
        assert span.attributes["code_monet.client_trace_id_invalid"] is True

    def test_transport_span_is_linked(
        self, traced: TracingHandle, exporter: InMemorySpanExporter
    ) -> None:
        """Inside another trace (the ASGI span), the client-trace span links back to it."""
        # Arrange
        tracer = trace.get_tracer_provider().get_tracer("test")
        # Act
        with (
            tracer.start_as_current_span("asgi") as outer,
            websocket_span("ws.connection", user_id="u1", client_trace_id=CLIENT_TRACE),
        ):
            pass
        # Assert
        (span,) = _named(exporter, "ws.connection")
        assert span.context is not None
        assert format(span.context.trace_id, "032x") == CLIENT_TRACE
        assert [link.context.span_id for link in span.links] == [outer.get_span_context().span_id]

    def test_errors_are_recorded_but_disconnects_are_not(
        self, traced: TracingHandle, exporter: InMemorySpanExporter
    ) -> None:
        """A handler failure marks the span as an error; a client disconnect does not."""
        # Arrange / Act
        with (
            pytest.raises(ValueError, match="boom"),
            websocket_span("ws.failing", user_id="u1", client_trace_id=None),
        ):
            raise ValueError("boom")
        with (
            pytest.raises(WebSocketDisconnect),
            websocket_span("ws.leaving", user_id="u1", client_trace_id=None),
        ):
            raise WebSocketDisconnect(code=1001)
        # Assert
        (failing,) = _named(exporter, "ws.failing")
        (leaving,) = _named(exporter, "ws.leaving")
        assert failing.status.status_code is StatusCode.ERROR
        assert leaving.status.status_code is StatusCode.UNSET
        assert leaving.attributes is not None
        assert leaving.attributes["websocket.close_code"] == 1001

    def test_logs_inside_carry_user_and_trace(
        self, traced: TracingHandle, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Log records in the span have the user id and the client's trace id."""
        # Arrange
        caplog.set_level(logging.INFO, logger="test.ws")
        # Act
        with websocket_span("ws.connection", user_id="u42", client_trace_id=CLIENT_TRACE):
            logging.getLogger("test.ws").info("hello")
        # Assert
        (record,) = [r for r in caplog.records if r.name == "test.ws"]
        assert record.__dict__["user_id"] == "u42"
        assert record.__dict__["trace_id"] == CLIENT_TRACE

    def test_works_without_any_setup(self) -> None:
        """Never set up (or all shut down): the block still runs, nothing is raised."""
        # Arrange / Act
        with websocket_span("ws.connection", user_id="u1", client_trace_id=CLIENT_TRACE) as span:
            recording = span.is_recording()
        # Assert
        assert recording is False


class TestLifecycle:
    """Handles can come and go within one process."""

    def test_setup_is_idempotent_per_app(self, handles: list[TracingHandle]) -> None:
        """A second call for the same app returns the same handle."""
        # Arrange
        app = FastAPI()
        # Act
        first = setup_tracing(app, engine=None, settings=_settings())
        second = setup_tracing(app, engine=None, settings=_settings())
        handles.append(first)
        # Assert
        assert first is second

    async def test_two_apps_then_shutdown(self, handles: list[TracingHandle]) -> None:
        """Two apps trace side by side; after shutdown an app is uninstrumented and silent."""
        # Arrange
        first_exporter, second_exporter = InMemorySpanExporter(), InMemorySpanExporter()
        first_app, second_app = _app(), _app()
        first = setup_tracing(
            first_app, engine=None, settings=_settings(), exporters=[first_exporter]
        )
        second = setup_tracing(
            second_app, engine=None, settings=_settings(), exporters=[second_exporter]
        )
        handles.extend([first, second])
        # Act
        async with _client(second_app) as client:
            await client.get("/items/1")
        first.shutdown()
        first.shutdown()  # idempotent
        second.shutdown()
        async with _client(first_app) as client:
            await client.get("/items/2")
        # Assert
        assert len(_named(second_exporter, "GET /items/{item_id}")) == 1
        assert len(_named(first_exporter, "GET /items/{item_id}")) == 1  # fan-out, before
        assert getattr(first_app, "_is_instrumented_by_opentelemetry", False) is False
        assert len(second_exporter.get_finished_spans()) == 1


class TestClientSpans:
    """Client-reported spans keep their own ids and times."""

    def test_spans_are_exported_with_client_ids(
        self, traced: TracingHandle, exporter: InMemorySpanExporter
    ) -> None:
        """Ids, parent, times, attributes and error status survive; service is the client."""
        # Arrange
        span = ClientSpan(
            trace_id=int(CLIENT_TRACE, 16),
            span_id=0xB7AD6B7169203331,
            parent_span_id=0x00F067AA0BA902B7,
            name="ios.render",
            start_time_unix_nano=1_000,
            end_time_unix_nano=2_000,
            attributes={"frames": 60, "device": "iPad"},
            error=True,
        )
        # Act
        count = record_client_spans([span])
        # Assert
        assert count == 1
        (exported,) = _named(exporter, "ios.render")
        assert exported.context is not None and exported.parent is not None
        assert exported.context.trace_id == int(CLIENT_TRACE, 16)
        assert exported.context.span_id == 0xB7AD6B7169203331
        assert exported.parent.span_id == 0x00F067AA0BA902B7
        assert (exported.start_time, exported.end_time) == (1_000, 2_000)
        assert dict(exported.attributes or {}) == {"frames": 60, "device": "iPad"}
        assert exported.status.status_code is StatusCode.ERROR
        assert exported.resource.attributes["service.name"] == "code-monet-client"

    def test_nothing_recorded_without_exporters(self) -> None:
        """No active handle: the spans are accepted but go nowhere."""
        # Arrange
        span = ClientSpan(int(CLIENT_TRACE, 16), 1, None, "x", 1, 2, {})
        # Act
        count = record_client_spans([span])
        # Assert
        assert count == 0


SPAN_SECRET = "span-secret-0123456789abcdef"


class TestSecretsStayOutOfSpans:
    """Issue 15: URLs, captured headers and client attributes never carry a token to an
    exporter."""

    async def test_real_server_spans_carry_no_token(
        self,
        tmp_path: Path,
        traced: TracingHandle,
        exporter: InMemorySpanExporter,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """A magic link, an Authorization header (captured on request) and a client span's
        URL attribute reach the exporter only as ``[REDACTED]``."""
        # Arrange
        monkeypatch.setenv("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST", ".*")
        client_span = {
            "trace_id": CLIENT_TRACE,
            "span_id": "00f067aa0ba902b7",
            "name": "web.load",
            "start_time_unix_nano": 1_000,
            "end_time_unix_nano": 2_000,
            "attributes": {"page.url": f"https://example.com/studio?token={SPAN_SECRET}"},
        }
        async with running_server(tmp_path, local_mode=False) as server, server.http() as http:
            # Act
            await http.get(
                f"/auth/verify?token={SPAN_SECRET}&x=1",
                headers={"Authorization": f"Bearer {SPAN_SECRET}", "Cookie": f"s={SPAN_SECRET}"},
            )
            await http.post("/traces", json={"spans": [client_span]})
        # Assert
        spans = exporter.get_finished_spans()
        (verify,) = [s for s in spans if s.name == "GET /auth/verify"]
        values = [str(v) for s in spans for v in (s.attributes or {}).values()]
        leaks = [
            (s.name, k)
            for s in spans
            for k, v in (s.attributes or {}).items()
            if SPAN_SECRET in str(v)
        ]
        assert values and not leaks, leaks
        attributes = dict(verify.attributes or {})
        assert "token=[REDACTED]" in str(attributes.get("http.url", attributes.get("url.query")))
        assert attributes["http.request.header.authorization"] == ("[REDACTED]",)
        (web_load,) = [s for s in spans if s.name == "web.load"]
        assert web_load.attributes is not None
        assert web_load.attributes["page.url"] == "https://example.com/studio?token=[REDACTED]"
