"""The application's configuration: one ``AppConfig``, read from the environment once.

Every setting has an embedded default so the product starts with no configuration at all.
``load_config()`` reads the process environment (over an optional ``.env``) once and builds a
section per concern; the CLI, ``create_app`` and the headless runner pass the sections down.
Each section's shape is a plain model owned by the package that uses it, with no environment
access: this module is the only place below the CLI that reads configuration.

Variable names are those of the former per-package settings classes (a section's prefix plus
the field name, case-insensitive), so existing ``.env`` files keep working;
``tests/test_app_config.py`` enumerates them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast

from dotenv import dotenv_values
from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict
from pydantic_settings.sources.utils import parse_env_vars

from code_monet.agent.providers.settings import (
    AgentSettings,
    ArtistSettings,
    ClaudeSettings,
    OpenAISettings,
)
from code_monet.auth.settings import AuthSettings
from code_monet.db.settings import DatabaseSettings
from code_monet.live.options import ServerSettings
from code_monet.observability.settings import LogSettings, TelemetrySettings
from code_monet.render.cache import CacheSettings
from code_monet.sandbox.config import SandboxSettings, WorkerHostSettings
from code_monet.tools.image_generation import ImageGenerationSettings
from code_monet.workspace.limits import WorkspaceLimits

__all__ = [
    "AppConfig",
    "PathSettings",
    "SandboxSettings",
    "ServerSettings",
    "load_config",
]

DEFAULT_ENV_FILE = Path(".env")

Section = TypeVar("Section", bound=BaseModel)


class PathSettings(BaseModel):
    """Where the server keeps its data (``DATA_DIR``)."""

    data_dir: Path = Field(default=Path("data"), description="Where users' workspaces live")


class AppConfig(BaseModel):
    """Every section of the configuration; built by ``load_config``, then passed down."""

    model_config = ConfigDict(frozen=True)

    paths: PathSettings = Field(default_factory=PathSettings)
    logging: LogSettings = Field(default_factory=LogSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    sandbox: SandboxSettings = Field(default_factory=SandboxSettings)
    worker_host: WorkerHostSettings = Field(default_factory=WorkerHostSettings)
    workspace: WorkspaceLimits = Field(default_factory=WorkspaceLimits)
    cache: CacheSettings = Field(default_factory=CacheSettings)
    telemetry: TelemetrySettings = Field(default_factory=TelemetrySettings)
    artist: ArtistSettings = Field(default_factory=ArtistSettings)
    images: ImageGenerationSettings = Field(default_factory=ImageGenerationSettings)

    @property
    def data_dir(self) -> Path:
        return self.paths.data_dir


@dataclass(frozen=True, slots=True)
class _Variables:
    """The environment, read once: lower-cased names, the process environment over ``.env``."""

    values: Mapping[str, str | None]

    @classmethod
    def read(cls, environ: Mapping[str, str], env_file: Path | None) -> _Variables:
        from_file: dict[str, str | None] = {}
        if env_file is not None and env_file.is_file():
            from_file = dotenv_values(env_file, encoding="utf-8")
        merged = {**parse_env_vars(from_file, False, False, None)}
        merged.update(parse_env_vars(environ, False, False, None))
        return cls(merged)

    def section(self, shape: type[Section], prefix: str = "") -> Section:
        """``shape`` from the variables named ``<prefix><field>``, decoded as pydantic-settings
        decodes them (JSON for lists), then validated by the shape itself."""
        reader = cast(
            "type[BaseSettings]",
            type(
                f"{shape.__name__}FromEnvironment",
                (BaseSettings, shape),
                {"model_config": SettingsConfigDict(env_prefix=prefix, extra="ignore")},
            ),
        )
        return shape.model_validate(_MappingSource(reader, self.values)())


class _MappingSource(EnvSettingsSource):
    """pydantic-settings' environment source over variables already read (``_Variables``)."""

    def __init__(self, settings_cls: type[BaseSettings], values: Mapping[str, str | None]) -> None:
        self._given = values
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return self._given


def load_config(
    environ: Mapping[str, str] | None = None, *, env_file: Path | None = DEFAULT_ENV_FILE
) -> AppConfig:
    """The configuration from ``environ`` (default: the process environment) over ``env_file``
    (default: ``.env`` in the working directory, if present).

    Raises ``pydantic.ValidationError`` naming the section's field when a value is invalid."""
    variables = _Variables.read(os.environ if environ is None else environ, env_file)
    return AppConfig(
        paths=variables.section(PathSettings),
        logging=variables.section(LogSettings),
        server=variables.section(ServerSettings),
        auth=variables.section(AuthSettings),
        database=variables.section(DatabaseSettings),
        sandbox=variables.section(SandboxSettings, "SANDBOX_"),
        worker_host=variables.section(WorkerHostSettings),
        workspace=variables.section(WorkspaceLimits, "WORKSPACE_"),
        cache=variables.section(CacheSettings, "IMAGE_CACHE_"),
        telemetry=variables.section(TelemetrySettings),
        artist=ArtistSettings(
            agent=variables.section(AgentSettings),
            claude=variables.section(ClaudeSettings),
            openai=variables.section(OpenAISettings, "OPENAI_"),
        ),
        images=variables.section(ImageGenerationSettings),
    )
