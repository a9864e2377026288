"""Prometheus metrics for the server, behind a small typed facade.

The server calls the functions below (``connection_opened``, ``turn_finished``, ...); nothing
else touches ``prometheus_client``. Every metric lives in the module-level ``REGISTRY`` rather
than the library's global default registry, so tests read exact values without interference and
``render_latest()`` (served at ``GET /metrics``) exposes exactly what is defined here plus the
process / platform / GC collectors.

Label values are bounded: an unknown message type, tool name, close code or HTTP route
collapses to ``"other"`` (or ``"unmatched"`` for a request that matched no route), so a client
can never grow the number of time series. The process is assumed to be a single worker
(prometheus_client's multiprocess mode is not used).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

from code_monet.types.messages import CLIENT_MESSAGE_TYPES

__all__ = [
    "CONTENT_TYPE",
    "KNOWN_TOOL_NAMES",
    "OTHER",
    "REGISTRY",
    "TURN_OUTCOMES",
    "UNMATCHED_ROUTE",
    "batch_delivered",
    "batch_queued",
    "client_message",
    "client_message_rejected",
    "client_spans_received",
    "connection_closed",
    "connection_opened",
    "http_request",
    "render_finished",
    "render_latest",
    "set_active_users",
    "slow_client_dropped",
    "tool_call",
    "turn_finished",
]

OTHER = "other"
UNMATCHED_ROUTE = "unmatched"
CONTENT_TYPE = CONTENT_TYPE_LATEST

# Kept in step with code_monet.tools.registry.TOOLS (a test checks it); importing the tools
# here would pull the whole agent stack into every process that only wants metrics.
KNOWN_TOOL_NAMES: frozenset[str] = frozenset(
    {
        "draw_paths",
        "generate_svg",
        "view_canvas",
        "mark_piece_done",
        "name_piece",
        "sign_canvas",
        "imagine",
    }
)
TURN_OUTCOMES: frozenset[str] = frozenset({"ok", "error", "interrupted", "paused"})
_PROTOCOL_VERSIONS = frozenset({1, 2})
_HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

_LABEL_CHARS = re.compile(r"[^a-z0-9_]+")
_ROUTE_CHARS = re.compile(r"^[A-Za-z0-9_./{}:\-]{1,200}$")


class _OpenLabel:
    """Free-form label values (reasons, render kinds, routes), capped at ``limit`` distinct ones.

    Values are normalised first (by ``normalise``); once ``limit`` distinct values have been
    seen, new ones are reported as ``"other"``.
    """

    def __init__(self, limit: int, *, route: bool = False) -> None:
        self._limit = limit
        self._route = route
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def _normalise(self, value: str) -> str:
        if self._route:
            return value if _ROUTE_CHARS.match(value) else OTHER
        cleaned = _LABEL_CHARS.sub("_", value.strip().lower()).strip("_")[:48]
        return cleaned or OTHER

    def __call__(self, value: str) -> str:
        cleaned = self._normalise(value)
        with self._lock:
            if cleaned in self._seen:
                return cleaned
            if len(self._seen) >= self._limit:
                return OTHER
            self._seen.add(cleaned)
            return cleaned


def _closed(value: str, known: Iterable[str]) -> str:
    return value if value in known else OTHER


REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_TURN_BUCKETS = (0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0)
_STROKE_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000)

_connections_opened = Counter(
    "codemonet_ws_connections_opened",
    "WebSocket connections accepted, by protocol version.",
    ["protocol_version"],
    registry=REGISTRY,
)
_connections_closed = Counter(
    "codemonet_ws_connections_closed",
    "WebSocket connections closed, by close code.",
    ["close_code"],
    registry=REGISTRY,
)
_connections_active = Gauge(
    "codemonet_ws_connections_active",
    "WebSocket connections open right now.",
    registry=REGISTRY,
)
_active_users = Gauge(
    "codemonet_active_users",
    "Users with a live workspace (connected or within the idle grace period).",
    registry=REGISTRY,
)
_client_messages = Counter(
    "codemonet_ws_client_messages",
    "Client-to-server WebSocket messages handled, by type.",
    ["type"],
    registry=REGISTRY,
)
_client_messages_rejected = Counter(
    "codemonet_ws_client_messages_rejected",
    "Client-to-server WebSocket messages refused (bad JSON, invalid, rate limited...).",
    ["reason"],
    registry=REGISTRY,
)
_turns = Counter(
    "codemonet_agent_turns",
    "Agent turns finished, by outcome.",
    ["outcome"],
    registry=REGISTRY,
)
_turn_seconds = Histogram(
    "codemonet_agent_turn_duration_seconds",
    "How long agent turns took, by outcome.",
    ["outcome"],
    buckets=_TURN_BUCKETS,
    registry=REGISTRY,
)
_tool_calls = Counter(
    "codemonet_tool_calls",
    "Agent tool calls, by tool and outcome (ok or error).",
    ["tool", "outcome"],
    registry=REGISTRY,
)
_batches_queued = Counter(
    "codemonet_stroke_batches_queued",
    "Stroke batches queued for delivery to clients.",
    registry=REGISTRY,
)
_batch_strokes = Histogram(
    "codemonet_stroke_batch_size_strokes",
    "Strokes per queued batch.",
    buckets=_STROKE_BUCKETS,
    registry=REGISTRY,
)
_batch_delivery_seconds = Histogram(
    "codemonet_stroke_batch_delivery_seconds",
    "From a batch being queued to its frame being handed to a socket writer.",
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
_batch_ack_seconds = Histogram(
    "codemonet_stroke_batch_ack_seconds",
    "From a batch being queued to the first viewer's animation_done (includes the animation).",
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
    registry=REGISTRY,
)
_slow_clients_dropped = Counter(
    "codemonet_ws_slow_clients_dropped",
    "Sockets closed because they could not keep up with their send queue.",
    registry=REGISTRY,
)
_render_seconds = Histogram(
    "codemonet_render_duration_seconds",
    "Canvas renders (png, svg, thumbnail, og image...), by kind.",
    ["kind"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
_http_requests = Counter(
    "codemonet_http_requests",
    "HTTP requests served, by method, route template and status code.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
_http_seconds = Histogram(
    "codemonet_http_request_duration_seconds",
    "HTTP request latency, by method and route template.",
    ["method", "route"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
_client_spans = Counter(
    "codemonet_client_spans_received",
    "Client spans accepted on POST /traces.",
    registry=REGISTRY,
)

_rejection_reason = _OpenLabel(32)
_render_kind = _OpenLabel(16)
_route_label = _OpenLabel(256, route=True)


def connection_opened(protocol_version: int) -> None:
    """A WebSocket was accepted (and authenticated) speaking ``protocol_version``."""
    version = str(protocol_version) if protocol_version in _PROTOCOL_VERSIONS else OTHER
    _connections_opened.labels(protocol_version=version).inc()
    _connections_active.inc()


def connection_closed(close_code: int) -> None:
    """A socket counted by ``connection_opened`` closed with ``close_code``."""
    known = 1000 <= close_code <= 1015 or 4000 <= close_code <= 4099
    _connections_closed.labels(close_code=str(close_code) if known else OTHER).inc()
    _connections_active.dec()


def set_active_users(count: int) -> None:
    _active_users.set(max(0, count))


def client_message(message_type: str) -> None:
    _client_messages.labels(type=_closed(message_type, CLIENT_MESSAGE_TYPES)).inc()


def client_message_rejected(reason: str) -> None:
    """``reason`` is a short server-chosen slug (e.g. ``bad_json``, ``rate_limited``)."""
    _client_messages_rejected.labels(reason=_rejection_reason(reason)).inc()


def turn_finished(duration_seconds: float, outcome: str) -> None:
    """``outcome`` is one of ok | error | interrupted | paused (anything else counts as other)."""
    label = _closed(outcome, TURN_OUTCOMES)
    _turns.labels(outcome=label).inc()
    _turn_seconds.labels(outcome=label).observe(max(0.0, duration_seconds))


def tool_call(tool_name: str, ok: bool) -> None:
    outcome = "ok" if ok else "error"
    _tool_calls.labels(tool=_closed(tool_name, KNOWN_TOOL_NAMES), outcome=outcome).inc()


def batch_queued(stroke_count: int) -> None:
    _batches_queued.inc()
    _batch_strokes.observe(max(0, stroke_count))


def batch_delivered(latency_seconds: float) -> None:
    """Time from the batch being queued to its frame being handed to a socket writer."""
    _batch_delivery_seconds.observe(max(0.0, latency_seconds))


def batch_acknowledged(latency_seconds: float) -> None:
    """Time from the batch being queued to a viewer reporting it animated."""
    _batch_ack_seconds.observe(max(0.0, latency_seconds))


def slow_client_dropped() -> None:
    _slow_clients_dropped.inc()


def render_finished(kind: str, seconds: float) -> None:
    _render_seconds.labels(kind=_render_kind(kind)).observe(max(0.0, seconds))


def http_request(method: str, route: str, status: int, seconds: float) -> None:
    """One HTTP request; ``route`` is the route template (``/gallery/{piece_number}/strokes``)."""
    method_label = _closed(method.upper(), _HTTP_METHODS)
    route_label = UNMATCHED_ROUTE if route == UNMATCHED_ROUTE else _route_label(route)
    status_label = str(status) if 100 <= status <= 599 else OTHER
    _http_requests.labels(method=method_label, route=route_label, status=status_label).inc()
    _http_seconds.labels(method=method_label, route=route_label).observe(max(0.0, seconds))


def client_spans_received(count: int) -> None:
    if count > 0:
        _client_spans.inc(count)


def render_latest() -> tuple[bytes, str]:
    """The Prometheus text exposition of every metric: ``(body, content type)``."""
    return generate_latest(REGISTRY), CONTENT_TYPE
