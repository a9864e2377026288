"""Settings from the environment (and an optional ``.env``), validated by pydantic-settings.

Every setting has an embedded default so the product starts with no configuration at all.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WorkspaceLimitsSettings(BaseSettings):
    """Per-user limits on what a workspace may hold (clear errors when exceeded)."""

    model_config = SettingsConfigDict(env_prefix="WORKSPACE_", extra="ignore")

    max_strokes_per_canvas: int = Field(default=50_000, ge=1)
    max_points_per_path: int = Field(default=10_000, ge=2)
    max_pending_strokes: int = Field(default=20_000, ge=1)
    max_workspace_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    max_notes_chars: int = Field(default=20_000, ge=0)
    max_monologue_chars: int = Field(default=100_000, ge=0)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Where users' workspaces live")
    log_level: str = "INFO"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


@lru_cache(maxsize=1)
def get_workspace_limits() -> WorkspaceLimitsSettings:
    return WorkspaceLimitsSettings()
