"""One ``AppConfig`` read once (``load_config``), passed down; one ``AppServices`` per app.

The variable names below are those the former per-package ``BaseSettings`` classes read (their
``env_prefix`` plus field names, listed before they became plain models): users' ``.env``
files keep working only if every one still lands in the same field.
"""

from __future__ import annotations

import ast
import json
import types
import typing
from enum import Enum
from pathlib import Path

import pytest
from pydantic import BaseModel, SecretStr, ValidationError
from pydantic.fields import FieldInfo

from code_monet.app.config import AppConfig, load_config
from code_monet.app.server import create_app
from code_monet.routes.services import AppServices, app_services
from code_monet.workspace.limits import WorkspaceLimits

# (section of AppConfig, former class, variables it read: prefix + field name)
FORMER_VARIABLES: dict[tuple[str, str], tuple[str, ...]] = {
    ("paths", "Settings"): ("DATA_DIR",),
    ("logging", "Settings"): ("LOG_LEVEL",),
    ("sandbox", "SandboxSettings"): (
        "SANDBOX_ALLOW_FALLBACK",
        "SANDBOX_BWRAP_PATH",
        "SANDBOX_MEMORY_BYTES",
        "SANDBOX_MAX_PROGRAMS",
        "SANDBOX_MAX_PROGRAMS_PER_USER",
        "SANDBOX_SLOT_WAIT_SECONDS",
        "SANDBOX_MEMORY_TOTAL_BYTES",
        "SANDBOX_USE_CGROUPS",
    ),
    ("server", "ServerSettings"): (
        "HOST",
        "PORT",
        "EVENT_LOOP",
        "IDLE_GRACE_SECONDS",
        "MAX_CONNECTIONS_PER_USER",
        "SEND_QUEUE_SIZE",
        "MAX_FRAME_BYTES",
        "EVENT_LOG_KEEP",
        "EVENT_LOG_MAX_BYTES",
        "EVENT_LOG_WINDOW_BYTES",
        "HUMAN_STROKES_PER_SECOND",
        "HUMAN_STROKE_BURST",
        "MAX_HUMAN_STROKE_POINTS",
        "CONTROL_MESSAGES_PER_SECOND",
        "CONTROL_MESSAGE_BURST",
        "MAX_UNAUTHENTICATED_SOCKETS",
        "MAX_UNAUTHENTICATED_PER_ADDRESS",
        "MAX_NUDGE_CHARS",
        "MAX_CONCURRENT_RENDERS",
        "MAX_QUEUED_RENDERS",
        "RENDERS_PER_CLIENT",
        "RENDER_WINDOW_SECONDS",
        "MAX_CONCURRENT_PARSES",
        "PARSE_WAIT_SECONDS",
        "WORKER_THREADS",
        "WS_PER_MESSAGE_DEFLATE",
        "SHUTDOWN_GRACE_SECONDS",
        "FORWARDED_ALLOW_IPS",
        "WS_SESSION_RECHECK_SECONDS",
        "APPLE_APP_IDS",
        "WEB_DIST_DIR",
        "MAX_REQUEST_BODY_BYTES",
        "METRICS_TOKEN",
    ),
    ("workspace", "WorkspaceLimitsSettings"): (
        "WORKSPACE_MAX_STROKES_PER_CANVAS",
        "WORKSPACE_MAX_POINTS_PER_PATH",
        "WORKSPACE_MAX_PENDING_STROKES",
        "WORKSPACE_MAX_WORKSPACE_BYTES",
        "WORKSPACE_MAX_NOTES_CHARS",
        "WORKSPACE_MAX_MONOLOGUE_CHARS",
        "WORKSPACE_MAX_GALLERY_PIECES",
    ),
    ("auth", "AuthSettings"): (
        "JWT_SECRET",
        "ACCESS_TOKEN_MINUTES",
        "REFRESH_TOKEN_DAYS",
        "V1_SESSION_GRACE_HOURS",
        "LOCAL_MODE",
        "DEV_MODE",
        "LOCAL_USER_EMAIL",
        "MAGIC_LINK_MINUTES",
        "MAGIC_CODE_MAX_ATTEMPTS",
        "MAGIC_LINK_SIGNUP",
        "PUBLIC_BASE_URL",
        "WEB_APP_URL",
        "WEB_CALLBACK_PATH",
        "MAILER",
        "MAIL_FROM",
        "SMTP_HOST",
        "SMTP_PORT",
        "SMTP_USERNAME",
        "SMTP_PASSWORD",
        "SMTP_STARTTLS",
        "SMTP_TLS",
        "SMTP_TIMEOUT_SECONDS",
        "MAGIC_LINK_PER_IP_PER_HOUR",
        "MAGIC_LINK_PER_EMAIL_PER_HOUR",
        "MAGIC_LINK_PER_EMAIL_ALL_SOURCES_PER_HOUR",
        "VERIFY_PER_IP_PER_15MIN",
        "CODE_ATTEMPTS_PER_EMAIL_PER_15MIN",
        "CODE_ATTEMPTS_PER_EMAIL_ALL_SOURCES_PER_15MIN",
        "SIGNIN_PER_IP_PER_15MIN",
        "SIGNIN_PER_EMAIL_PER_15MIN",
        "SIGNIN_FAILURES_PER_EMAIL_ALL_SOURCES_PER_15MIN",
        "SIGNUP_PER_IP_PER_HOUR",
        "REFRESH_PER_IP_PER_MINUTE",
    ),
    ("database", "DatabaseSettings"): (
        "DATABASE_URL",
        "DB_POOL_SIZE",
        "DB_MAX_OVERFLOW",
        "DB_POOL_TIMEOUT_SECONDS",
        "SQLITE_BUSY_TIMEOUT_MS",
        "DB_ECHO",
    ),
    ("cache", "CacheSettings"): ("IMAGE_CACHE_MAX_MB",),
    ("telemetry", "TelemetrySettings"): (
        "TRACING_ENABLED",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_SERVICE_NAME",
        "CLIENT_SERVICE_NAME",
        "TRACES_SAMPLE_RATIO",
        "METRICS_ENABLED",
        "CLIENT_TRACES_PER_MINUTE",
        "CLIENT_TRACES_MAX_BYTES",
        "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SANITIZE_FIELDS",
    ),
    ("artist.agent", "AgentSettings"): ("AGENT_PROVIDER", "AGENT_SEED"),
    ("artist.claude", "ClaudeSettings"): (
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_BASE_URL",
        "CLAUDE_MODEL",
        "CLAUDE_MAX_RETRIES",
        "CLAUDE_CLI_PATH",
    ),
    ("artist.openai", "OpenAISettings"): (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "OPENAI_MODEL",
        "OPENAI_SUPPORTS_VISION",
    ),
    ("worker_host", "sandbox/launch.py (os.environ)"): ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"),
    ("images", "ImageGenerationSettings"): (
        "IMAGE_PROVIDER",
        "GOOGLE_API_KEY",
        "GEMINI_IMAGE_MODEL",
        "GEMINI_BASE_URL",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "OPENAI_IMAGE_MODEL",
        "IMAGINE_TIMEOUT_SECONDS",
    ),
}
PREFIXES = {"sandbox": "SANDBOX_", "workspace": "WORKSPACE_", "cache": "IMAGE_CACHE_"}
PREFIXES["artist.openai"] = "OPENAI_"
SPECIAL_SAMPLES = {
    "LOCAL_USER_EMAIL": "Someone@Example.COM",
    "APPLE_APP_IDS": json.dumps(["TEAMID.app.code-monet"]),
    "EVENT_LOOP": "uvloop",
    "AGENT_PROVIDER": "openai",
    "MAILER": "smtp",
    "IMAGE_PROVIDER": "none",
}


def _section(config: BaseModel, path: str) -> BaseModel:
    for part in path.split("."):
        found = getattr(config, part)
        assert isinstance(found, BaseModel)
        config = found
    return config


def _field_name(path: str, variable: str) -> str:
    return variable.removeprefix(PREFIXES.get(path, "")).lower()


def _bound(field: FieldInfo, name: str) -> float | None:
    for item in field.metadata:
        value = getattr(item, name, None)
        if isinstance(value, int | float):
            return value
    return None


def _sample(variable: str, field: FieldInfo) -> str:
    """A valid raw value for ``field`` that differs from its default."""
    if variable in SPECIAL_SAMPLES:
        return SPECIAL_SAMPLES[variable]
    kinds = set(typing.get_args(field.annotation)) or {field.annotation}
    kinds.discard(type(None))
    kind = next(iter(kinds))
    if isinstance(field.annotation, types.UnionType) and len(kinds) > 1:
        raise AssertionError(f"no sample rule for {variable}: {field.annotation}")
    default = field.default
    if kind is bool:
        return str(not default).lower()
    if kind is int or kind is float:
        low, high = _bound(field, "ge") or _bound(field, "gt") or 1, _bound(field, "le")
        value = (default if isinstance(default, int | float) else low) + 1
        if high is not None and value > high:
            value = (default if isinstance(default, int | float) else high) / 2
        return str(int(value) if kind is int else value)
    if kind is SecretStr:
        return "sample-secret-" + "s" * 40
    if kind is Path:
        return "/srv/sample"
    if isinstance(kind, type) and issubclass(kind, Enum):
        raise AssertionError(f"add a sample for {variable}")
    return "http://sample.example"


def _cases() -> list[tuple[str, str]]:
    return [(path, variable) for (path, _), names in FORMER_VARIABLES.items() for variable in names]


class TestFormerVariableNames:
    """Every variable the former settings classes read still configures the same field."""

    @pytest.mark.parametrize(("path", "variable"), _cases())
    def test_variable_lands_in_its_field(self, path: str, variable: str) -> None:
        """``<VARIABLE>=<value>`` sets ``config.<section>.<field>`` as the section parses it."""
        # Arrange
        shape = type(_section(AppConfig(), path))
        name = _field_name(path, variable)
        raw = _sample(variable, shape.model_fields[name])
        decoded: object = json.loads(raw) if variable == "APPLE_APP_IDS" else raw
        expected = getattr(shape.model_validate({name: decoded}), name)
        # Act
        config = load_config({variable: raw}, env_file=None)
        # Assert
        value = getattr(_section(config, path), name)
        assert value == expected
        assert value != shape.model_fields[name].get_default(call_default_factory=True)

    @pytest.mark.parametrize(("path", "variable"), _cases())
    def test_names_are_case_insensitive(self, path: str, variable: str) -> None:
        """As pydantic-settings did: ``host=…`` counts as ``HOST=…``."""
        # Arrange
        shape = type(_section(AppConfig(), path))
        name = _field_name(path, variable)
        raw = _sample(variable, shape.model_fields[name])
        # Act
        upper = load_config({variable: raw}, env_file=None)
        lower = load_config({variable.lower(): raw}, env_file=None)
        # Assert
        assert getattr(_section(upper, path), name) == getattr(_section(lower, path), name)

    def test_every_field_of_every_section_is_listed(self) -> None:
        """A new field is a new variable: it has to be added to the list above."""
        # Arrange
        listed = {(path, _field_name(path, variable)) for path, variable in _cases()}
        config = AppConfig()
        paths = {path for path, _ in FORMER_VARIABLES} | {"logging"}
        # Act
        fields = {
            (path, name) for path in paths for name in type(_section(config, path)).model_fields
        }
        # Assert
        assert fields - listed == {("logging", "log_format")}  # LOG_FORMAT, read directly before


class TestLoadConfig:
    """``load_config``: the process environment over ``.env``, read once, validated."""

    def test_no_environment_means_the_embedded_defaults(self) -> None:
        """``code-monet serve`` starts with no configuration at all."""
        # Arrange / Act
        config = load_config({}, env_file=None)
        # Assert
        assert config == AppConfig()
        assert config.data_dir == Path("data") and config.auth.local_mode
        assert config.server.host == "127.0.0.1" and config.server.port == 8000

    def test_env_file_is_read_and_the_environment_wins(self, tmp_path: Path) -> None:
        """``.env`` fills in what the environment does not set."""
        # Arrange
        env_file = tmp_path / ".env"
        env_file.write_text("PORT=9001\nSANDBOX_MAX_PROGRAMS=3\nIMAGE_CACHE_MAX_MB=9\n")
        # Act
        config = load_config({"PORT": "9002"}, env_file=env_file)
        # Assert
        assert config.server.port == 9002
        assert config.sandbox.max_programs == 3
        assert config.cache.max_mb == 9

    def test_a_missing_env_file_is_no_error(self, tmp_path: Path) -> None:
        """``.env`` is optional."""
        # Arrange / Act
        config = load_config({"HOST": "0.0.0.0"}, env_file=tmp_path / "absent.env")
        # Assert
        assert config.server.host == "0.0.0.0"

    def test_one_variable_can_feed_two_sections(self) -> None:
        """``OPENAI_API_KEY`` is both the artist's key and the image provider's, as before."""
        # Arrange / Act
        config = load_config({"OPENAI_API_KEY": "sk-sample-key"}, env_file=None)
        # Assert
        assert config.artist.openai.api_key is not None
        assert config.images.openai_api_key is not None

    def test_an_invalid_value_names_its_field(self) -> None:
        """A typo fails loudly at start-up."""
        # Arrange
        environ = {"SANDBOX_MEMORY_BYTES": "12"}
        # Act
        with pytest.raises(ValidationError) as info:
            load_config(environ, env_file=None)
        # Assert
        assert "memory_bytes" in str(info.value)

    def test_log_format_is_configuration_too(self) -> None:
        """``LOG_FORMAT`` (once read by the logging module itself) is a config field."""
        # Arrange / Act
        config = load_config({"LOG_FORMAT": "json", "LOG_LEVEL": "DEBUG"}, env_file=None)
        # Assert
        assert config.logging.json_format and config.logging.log_level == "DEBUG"


class TestCreateAppUsesTheConfig:
    """``create_app`` builds the app from the sections it is given; one ``AppServices``."""

    def test_sections_reach_the_services(self, tmp_path: Path) -> None:
        """Server options, auth, telemetry and the cache come from the config passed in."""
        # Arrange
        environ = {
            "DATA_DIR": str(tmp_path / "data"),
            "IMAGE_CACHE_MAX_MB": "4",
            "RENDERS_PER_CLIENT": "7",
            "CLIENT_TRACES_PER_MINUTE": "11",
            "LOCAL_MODE": "false",
            "JWT_SECRET": "j" * 40,
        }
        config = load_config(environ, env_file=None)
        # Act
        app = create_app(config)
        services = app_services(app)
        # Assert
        assert services.data_dir == (tmp_path / "data").resolve()
        assert services.require_content_cache().max_bytes == 4 * 1024 * 1024
        assert services.render_gate.limits.max_requests == 7
        assert services.telemetry.client_traces_per_minute == 11
        assert services.ops_access.public
        assert list(vars(app.state)["_state"]) == ["services"]

    async def test_workspace_limits_reach_the_registry(self, tmp_path: Path) -> None:
        """``WORKSPACE_*`` limits are the running server's workspace limits."""
        # Arrange
        environ = {"DATA_DIR": str(tmp_path / "data"), "WORKSPACE_MAX_GALLERY_PIECES": "2"}
        app = create_app(load_config(environ, env_file=None))
        # Act
        async with app.router.lifespan_context(app):
            runtime = app_services(app).require_runtime()
            limits = runtime.registry.limits
        # Assert
        assert limits == WorkspaceLimits(max_gallery_pieces=2)

    async def test_start_up_fills_in_and_shutdown_keeps_the_services(self, tmp_path: Path) -> None:
        """The lifespan puts the database, auth, runtime and tracing on the services."""
        # Arrange
        app = create_app(load_config({"DATA_DIR": str(tmp_path / "d")}, env_file=None))
        services = app_services(app)
        before = (services.database, services.auth, services.runtime, services.tracing)
        # Act
        async with app.router.lifespan_context(app):
            during = (services.database, services.auth, services.runtime, services.tracing)
        # Assert
        assert before == (None, None, None, None)
        assert all(part is not None for part in during)

    def test_apps_without_services_are_refused(self) -> None:
        """The accessor names the fix instead of failing on an attribute deep in a route."""
        # Arrange
        from fastapi import FastAPI

        app = FastAPI()
        # Act / Assert
        with pytest.raises(RuntimeError, match="create_app"):
            app_services(app)

    def test_services_default_to_safe_policies(self, tmp_path: Path) -> None:
        """A partial app (tests) gets loopback-only ops access and a default render gate."""
        # Arrange / Act
        services = AppServices(data_dir=tmp_path)
        # Assert
        assert services.ops_access.public and services.ops_access.token is None
        assert services.render_gate.max_concurrent == 2


PACKAGE = Path(__file__).resolve().parents[1] / "code_monet"


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


class TestOnlyTheAppReadsConfiguration:
    """Below ``app/``, nothing reads the environment or imports the application."""

    def test_no_settings_classes_below_app(self) -> None:
        """pydantic-settings is used by ``app/config.py`` only."""
        # Arrange
        users = set()
        # Act
        for path in PACKAGE.rglob("*.py"):
            if any(m.startswith("pydantic_settings") for m in _imports(path)):
                users.add(path.relative_to(PACKAGE).as_posix())
        # Assert
        assert users == {"app/config.py"}

    def test_no_upward_imports_of_the_app(self) -> None:
        """Domain packages never import ``code_monet.app``."""
        # Arrange
        offenders = []
        # Act
        for path in PACKAGE.rglob("*.py"):
            relative = path.relative_to(PACKAGE)
            if relative.parts[0] == "app" or len(relative.parts) == 1:
                continue
            if any(m.startswith("code_monet.app") for m in _imports(path)):
                offenders.append(relative.as_posix())
        # Assert
        assert offenders == []

    def test_no_environment_reads_below_app(self) -> None:
        """No ``os.environ``/``getenv`` below ``app/``: even the host's OpenBLAS workarounds for
        sandbox workers are read by the config and passed down."""
        # Arrange
        readers = set()
        # Act
        for path in PACKAGE.rglob("*.py"):
            relative = path.relative_to(PACKAGE)
            text = path.read_text(encoding="utf-8")
            if relative.parts[0] != "app" and ("os.environ" in text or "getenv(" in text):
                readers.add(relative.as_posix())
        # Assert
        assert readers == set()


class TestWorkerHostVariables:
    """The OpenBLAS workarounds reach the workers only through the sandbox configuration."""

    def test_set_variables_become_the_workers_host_env(self) -> None:
        """``OPENBLAS_CORETYPE`` (set) is handed on; ``OPENBLAS_L2_SIZE`` (unset) is not."""
        # Arrange
        environ = {"OPENBLAS_CORETYPE": "Haswell"}
        # Act
        config = load_config(environ, env_file=None)
        # Assert
        assert config.worker_host.worker_env() == (("OPENBLAS_CORETYPE", "Haswell"),)

    def test_workers_get_them_and_nothing_else(self, tmp_path: Path) -> None:
        """A worker's environment gets them; nothing else of the host environment."""
        # Arrange
        from code_monet.sandbox.launch import _sandbox_env

        environ = {"DATA_DIR": str(tmp_path), "OPENBLAS_L2_SIZE": "1048576"}
        host = load_config(environ, env_file=None).worker_host.worker_env()
        # Act
        env = _sandbox_env("/scratch", host)
        # Assert
        assert env["OPENBLAS_L2_SIZE"] == "1048576" and "DATA_DIR" not in env
