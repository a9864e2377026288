"""GET /metrics, POST /traces and GET /trace-id."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx2
import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from code_monet.limits.rate_limiter import RateLimiter, RateLimiterConfig
from code_monet.observability import metrics
from code_monet.observability.log_context import RequestContextMiddleware
from code_monet.observability.tracing import (
    TelemetrySettings,
    TracingHandle,
    parse_trace_id,
    setup_tracing,
)
from code_monet.routes.services import AppServices, install_services
from code_monet.routes.telemetry import MAX_SPANS, create_telemetry_router

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def _settings(**overrides: object) -> TelemetrySettings:
    values: dict[str, object] = {
        "tracing_enabled": True,
        "otel_exporter_otlp_endpoint": None,
        "otel_exporter_otlp_traces_endpoint": None,
        "metrics_enabled": True,
        "client_traces_max_bytes": 4096,
    }
    values.update(overrides)
    return TelemetrySettings.model_validate(values)


def _span(**overrides: object) -> dict[str, object]:
    span: dict[str, object] = {
        "trace_id": TRACE,
        "span_id": "00f067aa0ba902b7",
        "name": "ios.load_canvas",
        "start_time_unix_nano": 1_700_000_000_000_000_000,
        "end_time_unix_nano": 1_700_000_000_250_000_000,
        "attributes": {"piece": 3, "cached": False, "ratio": 0.5, "screen": "gallery"},
    }
    span.update(overrides)
    return span


def _app(settings: TelemetrySettings, limiter: RateLimiter | None = None) -> FastAPI:
    app = FastAPI()
    install_services(app, AppServices(data_dir=Path("data"), telemetry=settings))
    app.add_middleware(RequestContextMiddleware)
    app.include_router(create_telemetry_router(settings, limiter=limiter))
    return app


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    handle: TracingHandle = setup_tracing(
        FastAPI(), engine=None, settings=_settings(), exporters=[exporter]
    )
    yield exporter
    handle.shutdown()


@pytest.fixture
async def client() -> AsyncIterator[httpx2.AsyncClient]:
    app = _app(_settings())
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


class TestMetricsEndpoint:
    """GET /metrics serves the Prometheus text exposition."""

    async def test_serves_prometheus_text(self, client: httpx2.AsyncClient) -> None:
        """Our metric families, in the text format, including this very request's series."""
        # Arrange
        await client.get("/trace-id")
        # Act
        response = await client.get("/metrics")
        # Assert
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        assert "# TYPE codemonet_http_requests_total counter" in response.text
        assert 'route="/trace-id"' in response.text

    async def test_disabled_is_404(self) -> None:
        """METRICS_ENABLED=false hides the endpoint."""
        # Arrange
        app = _app(_settings(metrics_enabled=False))
        transport = httpx2.ASGITransport(app=app)
        # Act
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as c:
            response = await c.get("/metrics")
        # Assert
        assert response.status_code == 404


class TestTraceId:
    """GET /trace-id hands out fresh trace ids."""

    async def test_returns_fresh_valid_ids(self, client: httpx2.AsyncClient) -> None:
        """32 hex, accepted by parse_trace_id, different each time, not cached."""
        # Arrange / Act
        first = await client.get("/trace-id")
        second = await client.get("/trace-id")
        # Assert
        assert first.status_code == 200
        trace_id = first.json()["trace_id"]
        assert parse_trace_id(trace_id) == int(trace_id, 16)
        assert trace_id != second.json()["trace_id"]
        assert first.headers["cache-control"] == "no-store"


class TestPostTraces:
    """POST /traces: validated, bounded, rate limited, exported."""

    async def test_accepts_and_exports_spans(
        self, client: httpx2.AsyncClient, exporter: InMemorySpanExporter
    ) -> None:
        """202 {accepted: 2}; the spans reach the exporter with the client's ids."""
        # Arrange
        child = _span(
            span_id="b7ad6b7169203331", parent_span_id="00f067aa0ba902b7", name="ios.draw"
        )
        counted = metrics.REGISTRY.get_sample_value("codemonet_client_spans_received_total") or 0.0
        # Act
        response = await client.post("/traces", json={"spans": [_span(), child]})
        # Assert
        assert response.status_code == 202
        assert response.json() == {"accepted": 2}
        exported = {s.name: s for s in exporter.get_finished_spans()}
        draw = exported["ios.draw"]
        assert draw.context is not None and draw.parent is not None
        assert format(draw.context.trace_id, "032x") == TRACE
        assert format(draw.parent.span_id, "016x") == "00f067aa0ba902b7"
        load = exported["ios.load_canvas"]
        assert dict(load.attributes or {}) == {
            "piece": 3,
            "cached": False,
            "ratio": 0.5,
            "screen": "gallery",
        }
        assert metrics.REGISTRY.get_sample_value("codemonet_client_spans_received_total") == (
            counted + 2
        )

    async def test_empty_batch_is_fine(self, client: httpx2.AsyncClient) -> None:
        """No spans: accepted 0."""
        # Arrange / Act
        response = await client.post("/traces", json={"spans": []})
        # Assert
        assert response.status_code == 202
        assert response.json() == {"accepted": 0}

    async def test_bad_json_is_400(self, client: httpx2.AsyncClient) -> None:
        """A body that is not JSON says so."""
        # Arrange / Act
        response = await client.post("/traces", content=b"{not json")
        # Assert
        assert response.status_code == 400
        assert response.json()["detail"] == "Trace batch is not valid JSON"

    @pytest.mark.parametrize(
        ("body", "expected"),
        [
            ({}, "spans: Field required"),
            ({"spans": [_span(trace_id="xyz")]}, "spans.0.trace_id: String should match"),
            ({"spans": [_span(span_id="0" * 16)]}, "spans.0.span_id: Value error, must not"),
            ({"spans": [_span(name="")]}, "spans.0.name"),
            ({"spans": [_span(name="n" * 201)]}, "spans.0.name"),
            ({"spans": [_span(end_time_unix_nano=1)]}, "ends (1) before it starts"),
            ({"spans": [_span(start_time_unix_nano=-5)]}, "spans.0.start_time_unix_nano"),
            ({"spans": [_span(attributes={"nested": {"a": 1}})]}, "spans.0.attributes.nested"),
            ({"spans": [_span(attributes={"k": "v" * 1025})]}, "spans.0.attributes.k"),
            ({"spans": [_span(attributes={f"k{i}": i for i in range(65)})]}, "attributes"),
            ({"spans": [_span()] * (MAX_SPANS + 1)}, "spans: List should have at most 100"),
        ],
    )
    async def test_invalid_batches_are_422_with_the_field(
        self, body: dict[str, object], expected: str
    ) -> None:
        """The message names the offending field."""
        # Arrange
        app = _app(_settings(client_traces_max_bytes=64 * 1024))
        transport = httpx2.ASGITransport(app=app)
        # Act
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as c:
            response = await c.post("/traces", json=body)
        # Assert
        assert response.status_code == 422
        assert response.json()["detail"].startswith("Invalid trace batch: ")
        assert expected in response.json()["detail"]

    async def test_too_large_declared_is_413(self, client: httpx2.AsyncClient) -> None:
        """A Content-Length over the limit is refused before reading."""
        # Arrange
        content = b" " * 5000
        # Act
        response = await client.post("/traces", content=content)
        # Assert
        assert response.status_code == 413
        assert "at most 4096 bytes" in response.json()["detail"]

    async def test_too_large_streamed_is_413(self, client: httpx2.AsyncClient) -> None:
        """A chunked body (no Content-Length) is cut off once it passes the limit."""

        # Arrange
        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(10):
                yield b" " * 1000

        # Act
        response = await client.post("/traces", content=chunks())
        # Assert
        assert response.status_code == 413

    async def test_rate_limited_per_ip_is_429(self) -> None:
        """Past the per-IP limit: 429 with Retry-After; other IPs are unaffected."""
        # Arrange
        limiter = RateLimiter(RateLimiterConfig(max_requests=2, window_seconds=60.0))
        app = _app(_settings(), limiter)
        body = {"spans": [_span()]}
        here = httpx2.ASGITransport(app=app, client=("10.0.0.1", 1000))
        there = httpx2.ASGITransport(app=app, client=("10.0.0.2", 1000))
        # Act
        async with httpx2.AsyncClient(transport=here, base_url="http://test") as c:
            statuses = [(await c.post("/traces", json=body)).status_code for _ in range(2)]
            limited = await c.post("/traces", json=body)
        async with httpx2.AsyncClient(transport=there, base_url="http://test") as c:
            other = await c.post("/traces", json=body)
        # Assert
        assert statuses == [202, 202]
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert "Too many trace batches" in limited.json()["detail"]
        assert other.status_code == 202
