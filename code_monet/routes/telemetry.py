"""Telemetry endpoints: ``GET /metrics``, ``POST /traces`` and ``GET /trace-id``.

* ``GET /metrics`` - Prometheus text exposition of ``code_monet.observability.metrics`` (404 when
  ``METRICS_ENABLED=false``). In public mode only for loopback callers or a
  ``METRICS_TOKEN`` bearer (403 otherwise; ``routes.services.OpsAccess``): it is large and
  describes every user's activity.
* ``POST /traces`` - clients report their own spans: ``{"spans": [{trace_id, span_id,
  parent_span_id?, name, start_time_unix_nano, end_time_unix_nano, attributes?, status?}]}``.
  The body is bounded (``CLIENT_TRACES_MAX_BYTES``, 413), validated (400 bad JSON, 422 bad
  fields), rate limited per client IP (``CLIENT_TRACES_PER_MINUTE``, 429 + ``Retry-After``),
  then handed to the span exporters; the reply is 202 ``{"accepted": n}``.
* ``GET /trace-id`` - a fresh trace id for a client to put on its WebSocket (``&trace_id=``) and
  on its own spans, so the server's spans and the client's share one trace.
"""

from __future__ import annotations

import logging
import math
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from code_monet.limits.rate_limiter import RateLimiter, RateLimiterConfig
from code_monet.observability import metrics
from code_monet.observability.settings import TelemetrySettings
from code_monet.observability.tracing import ClientSpan, new_trace_id, record_client_spans
from code_monet.routes.services import services

logger = logging.getLogger(__name__)

MAX_SPANS = 100
MAX_ATTRIBUTES = 64
_INT64 = 2**63 - 1

_AttributeKey = Annotated[str, StringConstraints(min_length=1, max_length=128)]
_AttributeValue = (
    StrictBool
    | Annotated[StrictInt, Field(ge=-_INT64 - 1, le=_INT64)]
    | StrictFloat
    | Annotated[str, StringConstraints(max_length=1024)]
)
_UnixNano = Annotated[int, Field(ge=0, le=_INT64)]


class ClientSpanModel(BaseModel):
    """One client span; ids are lower- or upper-case hex, never all zeros."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)

    trace_id: str = Field(pattern=r"^[0-9a-fA-F]{32}$")
    span_id: str = Field(pattern=r"^[0-9a-fA-F]{16}$")
    parent_span_id: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{16}$")
    name: str = Field(min_length=1, max_length=200)
    start_time_unix_nano: _UnixNano
    end_time_unix_nano: _UnixNano
    attributes: dict[_AttributeKey, _AttributeValue] = Field(
        default_factory=dict, max_length=MAX_ATTRIBUTES
    )
    status: Literal["unset", "ok", "error"] = "unset"

    @field_validator("trace_id", "span_id", "parent_span_id")
    @classmethod
    def _not_zero(cls, value: str | None) -> str | None:
        if value is not None and int(value, 16) == 0:
            raise ValueError("must not be all zeros")
        return value

    @model_validator(mode="after")
    def _ends_after_start(self) -> ClientSpanModel:
        if self.end_time_unix_nano < self.start_time_unix_nano:
            raise ValueError(
                f"span {self.name!r} ends ({self.end_time_unix_nano}) "
                f"before it starts ({self.start_time_unix_nano})"
            )
        return self

    def to_client_span(self) -> ClientSpan:
        return ClientSpan(
            trace_id=int(self.trace_id, 16),
            span_id=int(self.span_id, 16),
            parent_span_id=int(self.parent_span_id, 16) if self.parent_span_id else None,
            name=self.name,
            start_time_unix_nano=self.start_time_unix_nano,
            end_time_unix_nano=self.end_time_unix_nano,
            attributes=dict(self.attributes),
            error=self.status == "error",
        )


class TraceBatch(BaseModel):
    model_config = ConfigDict(extra="ignore")

    spans: list[ClientSpanModel] = Field(max_length=MAX_SPANS)


class TracesAccepted(BaseModel):
    accepted: int


class TraceIdResponse(BaseModel):
    trace_id: str


def _client_ip(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


def _too_large(limit: int) -> HTTPException:
    return HTTPException(
        status.HTTP_413_CONTENT_TOO_LARGE, f"Trace batch too large: at most {limit} bytes"
    )


async def _read_bounded(request: Request, limit: int) -> bytes:
    """The request body, refusing (413) anything over ``limit`` bytes without buffering it."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _parse_batch(body: bytes) -> TraceBatch:
    try:
        return TraceBatch.model_validate_json(body)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        if any(err["type"] == "json_invalid" for err in errors):
            raise HTTPException(
                status.HTTP_400_BAD_REQUEST, "Trace batch is not valid JSON"
            ) from exc
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}" for err in errors[:5]
        )
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"Invalid trace batch: {problems}{more}"
        ) from exc


def create_telemetry_router(
    settings: TelemetrySettings, *, limiter: RateLimiter | None = None
) -> APIRouter:
    """The telemetry router; ``limiter`` replaces the per-IP ``POST /traces`` limiter (tests)."""
    limiter = limiter or RateLimiter(
        RateLimiterConfig(max_requests=settings.client_traces_per_minute, window_seconds=60.0)
    )
    max_bytes = settings.client_traces_max_bytes
    router = APIRouter(tags=["telemetry"])

    if settings.metrics_enabled:

        @router.get("/metrics", include_in_schema=False)
        async def prometheus_metrics(request: Request) -> Response:
            if not services(request).ops_access.allows(request):
                raise HTTPException(
                    status.HTTP_403_FORBIDDEN,
                    "Metrics are for loopback callers or a METRICS_TOKEN bearer in public mode",
                )
            body, content_type = metrics.render_latest()
            return Response(content=body, media_type=content_type)

    @router.post("/traces", status_code=status.HTTP_202_ACCEPTED)
    async def client_traces(request: Request) -> TracesAccepted:
        ip = _client_ip(request)
        if not limiter.is_allowed(ip):
            retry = max(1, math.ceil(limiter.retry_after(ip)))
            logger.info("POST /traces from %s rate limited (retry in %ss)", ip, retry)
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                f"Too many trace batches; retry in {retry} s",
                headers={"Retry-After": str(retry)},
            )
        batch = _parse_batch(await _read_bounded(request, max_bytes))
        spans = [span.to_client_span() for span in batch.spans]
        record_client_spans(spans)
        metrics.client_spans_received(len(spans))
        return TracesAccepted(accepted=len(spans))

    @router.get("/trace-id")
    async def trace_id(response: Response) -> TraceIdResponse:
        response.headers["Cache-Control"] = "no-store"
        return TraceIdResponse(trace_id=new_trace_id())

    return router
