"""OpenTelemetry set-up: request, database and WebSocket spans, and client spans.

How it fits together (for newcomers):

* One process-wide SDK ``TracerProvider`` is created on the first ``setup_tracing`` call and
  becomes the global provider (OpenTelemetry lets the global be set only once). Each
  ``setup_tracing`` returns a ``TracingHandle`` that plugs its own span processors (the OTLP
  exporter when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set, plus any test exporters) into that
  provider and instruments one FastAPI app and one SQLAlchemy engine; ``handle.shutdown()``
  flushes and unplugs all of it. The first handle's service name and sample ratio are the
  provider's for the life of the process.
* While no exporter is plugged in, the sampler drops every span: nothing is recorded, but
  spans still get ids, so log lines still carry ``trace_id`` / ``span_id`` (see
  ``log_context``), which is how a log line is tied to a request or a client's trace.
* ``websocket_span`` wraps a WebSocket connection or message in a span; when the client sent
  a W3C trace id (``/ws?...&trace_id=``, get one from ``GET /trace-id``) the span joins the
  client's trace as a child of a remote parent.
* ``record_client_spans`` feeds spans the client posted to ``POST /traces`` to the same
  exporters, with the client's own ids and times, under the client service name.
* Secrets never reach a span: ``_Router.on_start`` (and, for request spans, the
  instrumentation's request hook) blanks sensitive query values in URL attributes
  (``url.full``, ``url.query``, ``http.url``, ``http.target``…), captured request
  headers named in ``log_context.SENSITIVE_HEADERS`` are sanitized by the instrumentation,
  and client spans' string attributes are redacted the same way.
* Log correlation is done by ``log_context``'s record factory (held by each handle) instead of
  ``LoggingInstrumentor``, whose uninstrument would restore an older record factory and so drop
  ours when the two are set up in the other order.
"""

from __future__ import annotations

import importlib.metadata
import logging
import re
import secrets
import threading
import time
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

from fastapi import FastAPI
from opentelemetry import metrics as otel_metrics
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace import Span as SdkSpan
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import (
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import Link, SpanKind, Status, StatusCode
from opentelemetry.trace.span import TraceState
from opentelemetry.util.types import Attributes
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.websockets import WebSocketDisconnect

from code_monet.observability.log_context import (
    SENSITIVE_HEADERS,
    bind_user,
    redact_query,
    redact_text,
    release_record_factory,
    retain_record_factory,
)
from code_monet.observability.settings import TelemetrySettings

__all__ = [
    "AttributeValue",
    "ClientSpan",
    "TelemetrySettings",
    "TracingHandle",
    "new_trace_id",
    "parse_trace_id",
    "record_client_spans",
    "setup_tracing",
    "websocket_span",
]

logger = logging.getLogger(__name__)

AttributeValue = str | int | float | bool

_SCOPE = "code_monet"
# /ws: a socket lives for hours and sends thousands of frames; it gets its own span
# (``websocket_span``) instead of the ASGI wrapper on every send.
_EXCLUDED_URLS = r"/metrics$,/health$,/ws$"
_HEX32 = re.compile(r"^[0-9a-f]{32}$")
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_XRAY = re.compile(r"^(?:root=)?1-([0-9a-f]{8})-([0-9a-f]{24})$")
_MAX_TRACE_ID_TEXT = 128
_QUERY_ATTRIBUTES = frozenset({"url.query", "http.query"})
"""Attributes holding a bare query string (no ``?``); other string attributes are URLs or text."""


def redact_attribute(key: str, value: AttributeValue) -> AttributeValue:
    """``value`` with credentials blanked (``log_context``'s one list of what is secret)."""
    if not isinstance(value, str):
        return value
    return redact_query(value) if key in _QUERY_ATTRIBUTES else redact_text(value)


def _redact_span(span: SdkSpan) -> None:
    for key, value in dict(span.attributes or {}).items():
        if isinstance(value, str):
            cleaned = redact_attribute(key, value)
            if cleaned != value:
                span.set_attribute(key, cleaned)


def _redact_server_span(span: trace.Span, scope: Mapping[str, object]) -> None:
    """The ASGI instrumentation sets its attributes again after the span started (past
    ``_Router.on_start``): redact once more from its request hook, which runs last."""
    if isinstance(span, SdkSpan):
        _redact_span(span)


def _sanitized_headers(extra: str) -> list[str]:
    """Headers whose captured values are replaced: ours plus any the settings name (passing
    a list makes the instrumentation ignore its environment variable, so it is merged here)."""
    return sorted(SENSITIVE_HEADERS | {h.strip().lower() for h in extra.split(",") if h.strip()})


# ----------------------------------------------------------------------------- trace ids


def parse_trace_id(value: str | None) -> int | None:
    """The trace id in ``value``, or None when it is missing or malformed (never raises).

    Accepts 32 hex digits (W3C), a ``traceparent`` header value, or an AWS X-Ray id
    (``1-5759e988-bd862e3fe1be46a994272793``, optionally ``Root=``-prefixed). All-zero is invalid.
    """
    parsed = _parse_client_parent(value)
    return parsed[0] if parsed is not None else None


def _parse_client_parent(value: str | None) -> tuple[int, int | None] | None:
    """``(trace_id, parent span id or None)`` from a client-supplied trace id."""
    if not value or len(value) > _MAX_TRACE_ID_TEXT:
        return None
    text = value.strip().lower()
    span_id: int | None = None
    if _HEX32.match(text):
        trace_hex = text
    elif match := _TRACEPARENT.match(text):
        trace_hex, span_id = match.group(1), int(match.group(2), 16) or None
    elif match := _XRAY.match(text):
        trace_hex = match.group(1) + match.group(2)
    else:
        return None
    trace_id = int(trace_hex, 16)
    return (trace_id, span_id) if trace_id else None


def new_trace_id() -> str:
    """A fresh trace id (32 hex) that is valid W3C and valid X-Ray (epoch seconds first)."""
    return f"{int(time.time()) & 0xFFFFFFFF:08x}{secrets.randbits(96):024x}"


# ----------------------------------------------------------------------------- the pipeline


class _Router(SpanProcessor):
    """The provider's one span processor: forwards to the processors of the active handles."""

    def __init__(self) -> None:
        self._processors: tuple[SpanProcessor, ...] = ()
        self._lock = threading.Lock()

    @property
    def active(self) -> bool:
        return bool(self._processors)

    def add(self, processor: SpanProcessor) -> None:
        with self._lock:
            self._processors += (processor,)

    def remove(self, processor: SpanProcessor) -> None:
        with self._lock:
            self._processors = tuple(p for p in self._processors if p is not processor)

    def on_start(self, span: SdkSpan, parent_context: Context | None = None) -> None:
        _redact_span(span)  # before any processor or exporter can see a token in a URL
        for processor in self._processors:
            processor.on_start(span, parent_context=parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        for processor in self._processors:
            processor.on_end(span)

    def shutdown(self) -> None:
        for processor in self._processors:
            processor.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return all([p.force_flush(timeout_millis) for p in self._processors])


class _WhileActiveSampler(Sampler):
    """Parent-based ratio sampling while some exporter is plugged in; drops everything otherwise."""

    def __init__(self, router: _Router, ratio: float) -> None:
        self._router = router
        self._inner = ParentBased(TraceIdRatioBased(ratio))

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        if not self._router.active:
            return SamplingResult(Decision.DROP)
        return self._inner.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return "WhileExporting(ParentBased(TraceIdRatioBased))"


@dataclass
class _Pipeline:
    provider: TracerProvider
    router: _Router
    client_resource: Resource


class _ProcessPipeline:
    """The process's one tracing pipeline (created on first use) and the apps traced with it.

    Why process-wide: OpenTelemetry's tracer provider is process-global (it can be installed
    once per process), so every app in the process (the server; many apps in a test run) shares
    one provider. Each app's ``TracingHandle`` adds its exporters to the shared router and takes
    them out again on ``shutdown``; the app's services own the handle and close it when the
    server stops. The apps are held weakly, to make a second ``setup_tracing`` of one app
    return its handle."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pipeline: _Pipeline | None = None
        self.handles: weakref.WeakKeyDictionary[FastAPI, TracingHandle] = (
            weakref.WeakKeyDictionary()
        )

    @property
    def current(self) -> _Pipeline | None:
        return self._pipeline

    def get(self, settings: TelemetrySettings) -> _Pipeline:
        with self._lock:
            if self._pipeline is None:
                router = _Router()
                resource = Resource.create(
                    {"service.name": settings.otel_service_name, "service.version": _version()}
                )
                provider = TracerProvider(
                    sampler=_WhileActiveSampler(router, settings.traces_sample_ratio),
                    resource=resource,
                )
                provider.add_span_processor(router)
                if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
                    trace.set_tracer_provider(provider)
                client_resource = Resource.create({"service.name": settings.client_service_name})
                self._pipeline = _Pipeline(provider, router, client_resource)
            return self._pipeline


_PROCESS = _ProcessPipeline()


def _version() -> str:
    try:
        return importlib.metadata.version("code-monet")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"


def _tracer() -> trace.Tracer:
    pipeline = _PROCESS.current
    if pipeline is not None:
        return pipeline.provider.get_tracer(_SCOPE, _version())
    return trace.get_tracer(_SCOPE)


# ----------------------------------------------------------------------------- instrumentation


class _Listener(Protocol):
    def __call__(self, *args: object, **kwargs: object) -> object: ...


@dataclass
class _EngineInstrumentation:
    """The SQLAlchemy event listeners ``EngineTracer`` added for one engine (to remove later)."""

    listeners: list[tuple[Engine, str, _Listener]]

    @classmethod
    def attach(cls, engine: Engine, provider: TracerProvider) -> _EngineInstrumentation:
        tracer = provider.get_tracer("opentelemetry.instrumentation.sqlalchemy")
        usage = otel_metrics.get_meter(_SCOPE).create_up_down_counter(
            "db.client.connections.usage", unit="connections"
        )
        registry: list[tuple[object, str, _Listener]] = EngineTracer._remove_event_listener_params
        before = len(registry)
        EngineTracer(tracer, engine, usage)  # type: ignore[no-untyped-call]
        added = registry[before:]
        del registry[before:]  # ours to remove; keep them out of EngineTracer's global list
        return cls([(engine, identifier, fn) for _ref, identifier, fn in added])

    def detach(self) -> None:
        for engine, identifier, fn in self.listeners:
            if event.contains(engine, identifier, fn):
                event.remove(engine, identifier, fn)
        self.listeners.clear()


@dataclass
class TracingHandle:
    """What ``setup_tracing`` turned on; ``shutdown()`` flushes and turns it all off again."""

    enabled: bool
    app: FastAPI | None = None
    exporting: bool = False
    _processors: list[SpanProcessor] = field(default_factory=list)
    _engine: _EngineInstrumentation | None = None
    _closed: bool = False

    def force_flush(self, timeout_millis: int = 10_000) -> bool:
        return all([p.force_flush(timeout_millis) for p in self._processors])

    def shutdown(self) -> None:
        """Flush pending spans, stop exporters and uninstrument the app and engine (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if self._engine is not None:
            self._engine.detach()
        if self.app is not None and getattr(self.app, "_is_instrumented_by_opentelemetry", False):
            FastAPIInstrumentor.uninstrument_app(self.app)
        if self.app is not None and _PROCESS.handles.get(self.app) is self:
            del _PROCESS.handles[self.app]
        pipeline = _PROCESS.current
        for processor in self._processors:
            processor.force_flush(10_000)
            if pipeline is not None:
                pipeline.router.remove(processor)
            processor.shutdown()
        self._processors.clear()
        if self.enabled:
            release_record_factory()


def setup_tracing(
    app: FastAPI,
    *,
    engine: AsyncEngine | None,
    settings: TelemetrySettings,
    exporters: Sequence[SpanExporter] = (),
) -> TracingHandle:
    """Instrument ``app`` (and ``engine``) and start exporting; call before the app serves.

    ``exporters`` are extra exporters fed synchronously (tests pass an ``InMemorySpanExporter``).
    Calling it again for the same app returns the existing handle.
    """
    existing = _PROCESS.handles.get(app)
    if existing is not None:
        return existing
    if not settings.tracing_enabled:
        logger.info("Tracing disabled (TRACING_ENABLED=false)")
        return TracingHandle(enabled=False)

    pipeline = _PROCESS.get(settings)
    processors: list[SpanProcessor] = [SimpleSpanProcessor(e) for e in exporters]
    endpoint = settings.traces_endpoint()
    if endpoint:
        # The OTLP exporter (and protobuf) loads only when configured: it is off by default.
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        processors.append(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
        logger.info("Exporting spans over OTLP/HTTP to %s", endpoint)
    for processor in processors:
        pipeline.router.add(processor)
    retain_record_factory()

    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=pipeline.provider,
        excluded_urls=_EXCLUDED_URLS,
        exclude_spans=["receive", "send"],
        server_request_hook=_redact_server_span,
        http_capture_headers_sanitize_fields=_sanitized_headers(
            settings.otel_instrumentation_http_capture_headers_sanitize_fields
        ),
    )
    if app.middleware_stack is not None:  # already started (set up from the lifespan): rebuild
        app.middleware_stack = app.build_middleware_stack()
    engine_instrumentation = None
    if engine is not None:
        engine_instrumentation = _EngineInstrumentation.attach(
            engine.sync_engine, pipeline.provider
        )
    handle = TracingHandle(
        enabled=True,
        app=app,
        exporting=endpoint is not None,
        _processors=processors,
        _engine=engine_instrumentation,
    )
    _PROCESS.handles[app] = handle
    return handle


# ----------------------------------------------------------------------------- websocket spans


@contextmanager
def websocket_span(
    name: str,
    *,
    user_id: str,
    client_trace_id: str | None,
    attributes: Mapping[str, AttributeValue] | None = None,
) -> Iterator[trace.Span]:
    """A span (made current) for a WebSocket connection or message; also binds ``user_id`` for logs.

    With a valid ``client_trace_id`` the span is in the client's trace (remote parent: the
    client's span id from a ``traceparent``, else the low 64 bits of the trace id, so every
    span of one client trace shares one parent). Already inside a span of that trace, it simply
    nests. Without one (or with a malformed one, which is ignored) it nests under the current
    span, or starts a new trace. ``WebSocketDisconnect`` is not an error; other exceptions are
    recorded on the span and re-raised.
    """
    span_attributes: dict[str, AttributeValue] = {"enduser.id": user_id}
    span_attributes.update(attributes or {})
    current = trace.get_current_span().get_span_context()
    parent: Context | None = None
    links: list[Link] = []
    kind = SpanKind.INTERNAL
    client = _parse_client_parent(client_trace_id)
    if client_trace_id and client is None:
        span_attributes["code_monet.client_trace_id_invalid"] = True
    if client is not None and not (current.is_valid and current.trace_id == client[0]):
        trace_id, span_id = client
        remote = trace.SpanContext(
            trace_id=trace_id,
            span_id=span_id or (trace_id & 0xFFFFFFFFFFFFFFFF) or 1,
            is_remote=True,
            trace_flags=trace.TraceFlags(trace.TraceFlags.SAMPLED),
        )
        parent = trace.set_span_in_context(trace.NonRecordingSpan(remote), Context())
        if current.is_valid:
            links.append(Link(current, {"code_monet.link": "transport"}))
        kind = SpanKind.SERVER
    with (
        bind_user(user_id),
        _tracer().start_as_current_span(
            name,
            context=parent,
            kind=kind,
            attributes=span_attributes,
            links=links,
            record_exception=False,
            set_status_on_exception=False,
        ) as span,
    ):
        try:
            yield span
        except WebSocketDisconnect as exc:
            span.set_attribute("websocket.close_code", exc.code)
            raise
        except Exception as exc:
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
            raise


# ----------------------------------------------------------------------------- client spans


@dataclass(frozen=True, slots=True)
class ClientSpan:
    """A span a client reported (ids already validated as non-zero hex)."""

    trace_id: int
    span_id: int
    parent_span_id: int | None
    name: str
    start_time_unix_nano: int
    end_time_unix_nano: int
    attributes: Mapping[str, AttributeValue]
    error: bool = False


def record_client_spans(spans: Sequence[ClientSpan]) -> int:
    """Hand client spans to the active exporters; returns how many went (0 when none active)."""
    pipeline = _PROCESS.current
    if pipeline is None or not pipeline.router.active:
        return 0
    scope = InstrumentationScope("code_monet.client", _version())
    flags = trace.TraceFlags(trace.TraceFlags.SAMPLED)
    for item in spans:
        parent = None
        if item.parent_span_id is not None:
            parent = trace.SpanContext(item.trace_id, item.parent_span_id, True, flags)
        readable = ReadableSpan(
            name=item.name,
            context=trace.SpanContext(item.trace_id, item.span_id, True, flags),
            parent=parent,
            resource=pipeline.client_resource,
            attributes={k: redact_attribute(k, v) for k, v in item.attributes.items()},
            kind=SpanKind.CLIENT,
            status=Status(StatusCode.ERROR) if item.error else Status(StatusCode.UNSET),
            start_time=item.start_time_unix_nano,
            end_time=item.end_time_unix_nano,
            instrumentation_scope=scope,
        )
        pipeline.router.on_end(readable)
    return len(spans)
