"""Settings from the environment (and an optional ``.env``), validated by pydantic-settings.

Every setting has an embedded default so the product starts with no configuration at all.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from code_monet.workspace.limits import WorkspaceLimits
from code_monet.workspace.log import DEFAULT_KEEP, DEFAULT_MAX_BYTES, DEFAULT_WINDOW_BYTES

if TYPE_CHECKING:
    from code_monet.sandbox.config import SandboxConfig


class WorkspaceLimitsSettings(BaseSettings, WorkspaceLimits):
    """``WorkspaceLimits`` read from ``WORKSPACE_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="WORKSPACE_", extra="ignore")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Where users' workspaces live")
    log_level: str = "INFO"


class SandboxSettings(BaseSettings):
    """How agent-written programs may run (issue 15: fail closed without full isolation).

    Memory and concurrency (issue 15): each program may hold ``SANDBOX_MEMORY_BYTES`` (768 MiB),
    counted by a cgroup so memfd, /dev/shm and scratch files count too; at most
    ``SANDBOX_MAX_PROGRAMS`` run at once (default 2 × cores, fewer if the total budget is
    smaller), ``SANDBOX_MAX_PROGRAMS_PER_USER`` (2) of them for one user; a program waits up
    to ``SANDBOX_SLOT_WAIT_SECONDS`` (10) for a slot and is then refused as "busy". All programs
    together stay under ``SANDBOX_MEMORY_TOTAL_BYTES`` (default: per-program limit × server
    cap, e.g. 3 GiB on 2 cores); a per-program limit × cap above it refuses to start.
    """

    model_config = SettingsConfigDict(
        env_prefix="SANDBOX_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    allow_fallback: bool = Field(
        default=False,
        description="Local mode only: without bubblewrap, still run programs (as uid 65534, "
        "seeing the host filesystem); ignored in public mode",
    )
    bwrap_path: str = Field(default="bwrap", description="The bubblewrap executable")
    memory_bytes: int = Field(
        default=768 << 20,
        ge=64 << 20,
        description="Memory one program may hold (address space, and its cgroup: memfd, "
        "/dev/shm and scratch files count)",
    )
    max_programs: int | None = Field(
        default=None,
        ge=1,
        le=1024,
        description="Programs running at once on this server (default: 2 × cores, at most as "
        "many as fit in memory_total_bytes)",
    )
    max_programs_per_user: int = Field(
        default=2, ge=1, le=64, description="Programs running at once for one user"
    )
    slot_wait_seconds: float = Field(
        default=10.0,
        ge=0,
        le=600,
        description="How long a program waits for a free slot before the tool says 'busy'",
    )
    memory_total_bytes: int | None = Field(
        default=None,
        ge=64 << 20,
        description="Memory all programs together may hold (the parent cgroup's limit; "
        "default: memory_bytes × max_programs)",
    )
    use_cgroups: bool = Field(
        default=True,
        description="Bound programs with cgroups when the host allows (v2, else v1); without, "
        "memfd_create is denied and the reason is logged",
    )

    def sandbox_config(self, *, local_mode: bool, cores: int | None = None) -> SandboxConfig:
        """The sandbox's configuration from these settings (``cores``: for tests).

        Raises ValueError when ``memory_bytes`` × ``max_programs`` exceeds an explicitly set
        ``memory_total_bytes``: the server then refuses to start rather than overcommit.
        """
        from code_monet.sandbox.config import SandboxConfig  # tools imports this module

        cap = self.max_programs
        if cap is None:
            cap = 2 * (cores or os.cpu_count() or 1)
            if self.memory_total_bytes is not None:
                cap = max(1, min(cap, self.memory_total_bytes // self.memory_bytes))
        total = self.memory_total_bytes or self.memory_bytes * cap
        return SandboxConfig(
            local_mode=local_mode,
            allow_fallback=self.allow_fallback,
            bwrap_path=self.bwrap_path,
            memory_bytes=self.memory_bytes,
            max_programs=cap,
            max_programs_per_owner=self.max_programs_per_user,
            slot_wait_seconds=self.slot_wait_seconds,
            memory_total_bytes=total,
            use_cgroups=self.use_cgroups,
        )


class ServerSettings(BaseSettings):
    """The realtime server: where it listens and how it treats connections and idle users."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

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
        default=None, description="The built web studio (defaults to web/dist of the checkout)"
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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


@lru_cache(maxsize=1)
def get_workspace_limits() -> WorkspaceLimitsSettings:
    return WorkspaceLimitsSettings()


@lru_cache(maxsize=1)
def get_server_settings() -> ServerSettings:
    return ServerSettings()
