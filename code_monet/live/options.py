"""The realtime server's options: where it listens and how it treats connections and idle users.

A plain model (no environment access) owned by ``live``, the lowest package that uses it, so
routes and the live server read their options without importing the application. The
application (``code_monet.app.config``) fills it from the environment once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr

from code_monet.workspace.log import DEFAULT_KEEP, DEFAULT_MAX_BYTES, DEFAULT_WINDOW_BYTES


class ServerSettings(BaseModel):
    """The realtime server: where it listens and how it treats connections and idle users."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    event_loop: Literal["auto", "asyncio", "uvloop"] = Field(
        default="asyncio",
        description=(
            "uvicorn's event loop (auto: uvloop when installed). asyncio by measurement: equal "
            "or better latency than uvloop at 200 users, one implementation fewer (issue 14)"
        ),
    )
    idle_grace_seconds: float = Field(
        default=300.0, ge=0, description="Keep a user's workspace this long after they leave"
    )
    max_connections_per_user: int = Field(default=8, ge=1, le=10_000)
    send_queue_size: int = Field(default=256, ge=8, le=100_000)
    max_frame_bytes: int = Field(default=1_048_576, ge=1024, le=64 * 1024 * 1024)
    event_log_keep: int = Field(default=DEFAULT_KEEP, ge=10, le=1_000_000)
    event_log_max_bytes: int = Field(
        default=DEFAULT_MAX_BYTES,
        ge=4096,
        description="A user's log.jsonl is compacted (folded into a snapshot) past this size",
    )
    event_log_window_bytes: int = Field(
        default=DEFAULT_WINDOW_BYTES,
        ge=1024,
        description="How much recent history a client can resume from (with event_log_keep)",
    )
    human_strokes_per_second: float = Field(default=20.0, gt=0)
    human_stroke_burst: int = Field(default=40, ge=1)
    max_human_stroke_points: int = Field(default=5000, ge=2)
    control_messages_per_second: float = Field(
        default=1.0,
        gt=0,
        description="Per user: new_canvas, nudge, pause, resume, clear, set_style (sustained)",
    )
    control_message_burst: int = Field(default=20, ge=1)
    max_unauthenticated_sockets: int = Field(
        default=256, ge=1, description="Sockets still waiting for their auth frame, in total"
    )
    max_unauthenticated_per_address: int = Field(
        default=8, ge=1, description="Sockets still waiting for their auth frame, per address"
    )
    max_nudge_chars: int = Field(default=2000, ge=1)
    max_concurrent_renders: int = Field(
        default=2, ge=1, le=64, description="PNG renders running at once, in total"
    )
    max_queued_renders: int = Field(
        default=32, ge=0, description="Renders waiting for a slot; beyond it: 503 + Retry-After"
    )
    renders_per_client: int = Field(
        default=30,
        ge=1,
        description="PNG renders (cache misses) per user, or per address when signed out, "
        "in any RENDER_WINDOW_SECONDS; beyond it: 429 + Retry-After",
    )
    render_window_seconds: float = Field(default=60.0, gt=0, le=86_400)
    max_concurrent_parses: int | None = Field(
        default=None,
        ge=1,
        le=1024,
        description="Agent-output parses (draw_paths, generate_svg output) running at once in "
        "worker threads, across all users (default: the number of cores)",
    )
    parse_wait_seconds: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="How long a parse waits for a free slot before the tool call is refused "
        "with a 'server busy' error",
    )
    worker_threads: int = Field(
        default=32,
        ge=1,
        le=512,
        description="Threads for file I/O and rendering (saves mostly wait on fsync)",
    )
    ws_per_message_deflate: bool = Field(
        default=False,
        description="Compress WebSocket frames (saves bandwidth, costs CPU per socket per frame)",
    )
    shutdown_grace_seconds: float = Field(default=10.0, ge=0)
    forwarded_allow_ips: str = Field(
        default="",
        description=(
            "Comma-separated proxy addresses (or *) whose X-Forwarded-For/-Proto are believed; "
            "empty: none, the peer address is the client (rate limits key on it)"
        ),
    )
    ws_session_recheck_seconds: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="How often an open socket re-checks that its user is active and its "
        "session signed in (deactivation by another process closes it 4001 within this)",
    )
    apple_app_ids: list[str] = Field(
        default_factory=list,
        description="TEAMID.bundle ids allowed universal links (apple-app-site-association)",
    )
    web_dist_dir: Path | None = Field(
        default=None,
        description="The built web studio (default: the packaged studio, else web/dist of "
        "the checkout)",
    )
    max_request_body_bytes: int = Field(
        default=64 * 1024,
        ge=1024,
        le=64 * 1024 * 1024,
        description="Largest HTTP request body (413 above); POST /traces has its own limit",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token for /metrics and /health's detail in public mode "
        "(otherwise loopback only)",
    )
