"""Observability settings: tracing, metrics and log output, as plain models.

They live apart from ``tracing`` and ``log_context`` so the application's configuration can
name them without loading OpenTelemetry; the application fills them from the environment once.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class LogSettings(BaseModel):
    """How the server logs (``LOG_LEVEL``, ``LOG_FORMAT``)."""

    log_level: str = "INFO"
    log_format: str = Field(
        default="", description="json: JSON lines; anything else: readable key=value lines"
    )

    @property
    def json_format(self) -> bool:
        return self.log_format.strip().lower() == "json"


class TelemetrySettings(BaseModel):
    """Tracing and metrics settings; all optional."""

    tracing_enabled: bool = Field(default=True, description="Record spans (TRACING_ENABLED)")
    otel_exporter_otlp_endpoint: str | None = Field(
        default=None, description="OTLP/HTTP collector base URL; unset → spans are not exported"
    )
    otel_exporter_otlp_traces_endpoint: str | None = Field(
        default=None, description="Full OTLP/HTTP traces URL (overrides the base endpoint)"
    )
    otel_service_name: str = Field(default="code-monet", min_length=1, max_length=100)
    client_service_name: str = Field(
        default="code-monet-client", min_length=1, max_length=100, description="For /traces"
    )
    traces_sample_ratio: float = Field(default=1.0, ge=0.0, le=1.0)
    metrics_enabled: bool = Field(default=True, description="Serve GET /metrics")
    client_traces_per_minute: int = Field(default=60, ge=1, description="POST /traces per IP")
    client_traces_max_bytes: int = Field(default=256 * 1024, ge=1024, le=16 * 1024 * 1024)
    otel_instrumentation_http_capture_headers_sanitize_fields: str = Field(
        default="", description="More headers to blank when captured (ours are always blanked)"
    )

    def traces_endpoint(self) -> str | None:
        if self.otel_exporter_otlp_traces_endpoint:
            return self.otel_exporter_otlp_traces_endpoint
        if self.otel_exporter_otlp_endpoint:
            return self.otel_exporter_otlp_endpoint.rstrip("/") + "/v1/traces"
        return None
