"""The infrastructure around the server, each piece checked on its own.

``scripts/redis.sh`` starts a throwaway Redis (loopback only, no unix socket, no persistence, a
password) and stops it; ``scripts/with-services.sh`` gives the test command ``TEST_REDIS_URL``
and stops Redis afterwards, whatever the command did. The deployment examples in ``deploy/``
are accepted by the real nginx and systemd and name only settings the server reads.

Redis is spoken to over a plain socket in RESP, so no client library is needed. Tests that need
``redis-server``, ``nginx``, ``openssl`` or ``systemd-analyze`` skip without them.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import BinaryIO

import pytest
from pydantic import BaseModel

REPO = Path(__file__).resolve().parents[1]
REDIS_SCRIPT = REPO / "scripts" / "redis.sh"
WITH_SERVICES = REPO / "scripts" / "with-services.sh"
NGINX_SITE = REPO / "deploy" / "nginx" / "code-monet.conf"
SYSTEMD_UNIT = REPO / "deploy" / "systemd" / "code-monet.service"
ENV_EXAMPLE = REPO / "deploy" / "env.example"

SCRIPT_TIMEOUT = 120
"""Seconds before a hung script is abandoned (a guard, not an expectation)."""

REDIS_MISSING = (
    "redis-server is not installed (apt-get install redis-server; "
    "`sh scripts/system-deps.sh --test` installs it as root)"
)
requires_redis = pytest.mark.skipif(
    shutil.which("redis-server") is None or shutil.which("redis-cli") is None,
    reason=REDIS_MISSING,
)

# Prefixes of AppConfig's sections whose variables have one (code_monet/app/config.py).
SETTINGS_PREFIXES = {
    "sandbox": "SANDBOX_",
    "workspace": "WORKSPACE_",
    "cache": "IMAGE_CACHE_",
    "artist.openai": "OPENAI_",
}


# --- helpers -------------------------------------------------------------------------------


class RedisReplyError(Exception):
    """An error reply (``-ERR …``, ``-NOAUTH …``) from Redis."""


RespValue = str | int | bytes | None | list["RespValue"]


def _resp_read(stream: BinaryIO) -> RespValue:
    line = stream.readline()
    if not line.endswith(b"\r\n"):
        raise ConnectionError(f"connection closed mid-reply: {line!r}")
    kind, body = line[:1], line[1:-2]
    if kind == b"+":
        return body.decode()
    if kind == b"-":
        raise RedisReplyError(body.decode())
    if kind == b":":
        return int(body)
    if kind == b"$":
        size = int(body)
        return None if size < 0 else stream.read(size + 2)[:-2]
    if kind == b"*":
        count = int(body)
        return [_resp_read(stream) for _ in range(count)]
    raise ConnectionError(f"not a RESP reply: {line!r}")


def redis_call(port: int, *commands: tuple[str, ...]) -> list[RespValue]:
    """Send ``commands`` on one fresh connection to 127.0.0.1:``port``; their replies."""
    payload = b""
    for command in commands:
        payload += f"*{len(command)}\r\n".encode()
        for argument in command:
            raw = argument.encode()
            payload += f"${len(raw)}\r\n".encode() + raw + b"\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(payload)
        stream = conn.makefile("rb")
        return [_resp_read(stream) for _ in commands]


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a TCP socket listening on ``port`` (from /proc/net/tcp{,6})."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, _, port_hex = fields[1].partition(":")
            if fields[3] != "0A" or int(port_hex, 16) != port:  # 0A: LISTEN
                continue
            if len(address) == 8:
                found.add(socket.inet_ntop(socket.AF_INET, bytes.fromhex(address)[::-1]))
            else:
                words = [bytes.fromhex(address[i : i + 8])[::-1] for i in range(0, 32, 8)]
                found.add(socket.inet_ntop(socket.AF_INET6, b"".join(words)))
    return found


def process_alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, exited but not yet reaped, does not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    state = re.search(r"^State:\s*(\S)", status, re.MULTILINE)
    return state is not None and state.group(1) != "Z"


@dataclass(frozen=True)
class RedisUrl:
    password: str
    port: int
    database: int


def parse_redis_url(url: str) -> RedisUrl:
    match = re.fullmatch(r"redis://default:([0-9a-f]+)@127\.0\.0\.1:(\d+)/(\d+)", url)
    assert match is not None, f"unexpected Redis URL {url!r}"
    return RedisUrl(match.group(1), int(match.group(2)), int(match.group(3)))


def script_env(**overrides: str | None) -> dict[str, str]:
    """This environment without the services' variables, then ``overrides`` (None: unset)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("TEST_REDIS_URL", "CODE_MONET_REDIS_DIR")
    }
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run_script(
    argv: list[str], env: dict[str, str], check: bool = True
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        argv, env=env, capture_output=True, text=True, timeout=SCRIPT_TIMEOUT, check=False
    )
    if check and done.returncode != 0:
        raise AssertionError(f"{argv} exited {done.returncode}: {done.stderr[-2000:]}")
    return done


@dataclass(frozen=True)
class StartedRedis:
    directory: Path
    url: RedisUrl
    pid: int


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[StartedRedis]:
    """``scripts/redis.sh start`` into a directory of this test's own; stopped afterwards."""
    directory = tmp_path / "redis"
    env = script_env(CODE_MONET_REDIS_DIR=str(directory))
    started = run_script(["bash", str(REDIS_SCRIPT), "start"], env)
    try:
        line = started.stdout.strip().splitlines()[-1]
        assert line.startswith("export TEST_REDIS_URL='"), started.stdout
        url = parse_redis_url(line.split("=", 1)[1].strip("'"))
        pid = int((directory / "redis.pid").read_text())
        yield StartedRedis(directory, url, pid)
    finally:
        run_script(["bash", str(REDIS_SCRIPT), "stop"], env, check=False)


# --- scripts/redis.sh ----------------------------------------------------------------------


@requires_redis
class TestRedisScript:
    """A throwaway Redis: answers on loopback with its password, keeps nothing, goes away."""

    def test_start_prints_a_url_whose_server_answers_ping(self, redis_server: StartedRedis) -> None:
        """The exported URL's user, password and port reach a Redis that answers PONG."""
        # Arrange
        url = redis_server.url

        # Act
        replies = redis_call(url.port, ("AUTH", "default", url.password), ("PING",))

        # Assert
        assert replies == ["OK", "PONG"]
        assert url.database == 0
        assert process_alive(redis_server.pid)

    def test_it_listens_on_loopback_only_and_on_no_unix_socket(
        self, redis_server: StartedRedis
    ) -> None:
        """One TCP listener, on 127.0.0.1; ``unixsocket`` empty."""
        # Arrange
        url = redis_server.url

        # Act
        addresses = listening_addresses(url.port)
        replies = redis_call(url.port, ("AUTH", url.password), ("CONFIG", "GET", "unixsocket"))

        # Assert
        assert addresses == {"127.0.0.1"}
        assert replies[1] == [b"unixsocket", b""]

    def test_nothing_is_persisted(self, redis_server: StartedRedis) -> None:
        """No RDB snapshots (``save`` empty), no append-only file."""
        # Arrange
        url = redis_server.url

        # Act
        replies = redis_call(
            url.port,
            ("AUTH", url.password),
            ("CONFIG", "GET", "save"),
            ("CONFIG", "GET", "appendonly"),
        )

        # Assert
        assert replies[1:] == [[b"save", b""], [b"appendonly", b"no"]]

    def test_a_client_without_the_password_is_refused(self, redis_server: StartedRedis) -> None:
        """Other users of the machine cannot use it: PING without AUTH gets NOAUTH."""
        # Arrange
        port = redis_server.url.port

        # Act / Assert
        with pytest.raises(RedisReplyError, match="NOAUTH"):
            redis_call(port, ("PING",))

    def test_stop_ends_the_server_and_removes_its_directory(
        self, redis_server: StartedRedis
    ) -> None:
        """After ``stop`` the process is gone, so is its directory, and a second stop is fine."""
        # Arrange
        env = script_env(CODE_MONET_REDIS_DIR=str(redis_server.directory))

        # Act
        run_script(["bash", str(REDIS_SCRIPT), "stop"], env)
        again = run_script(["bash", str(REDIS_SCRIPT), "stop"], env)

        # Assert
        assert not process_alive(redis_server.pid)
        assert not redis_server.directory.exists()
        assert "nothing to stop" in again.stderr


# --- scripts/with-services.sh --------------------------------------------------------------

SHOW_REDIS = (
    'echo "url=$TEST_REDIS_URL"; echo "pid=$(cat "$CODE_MONET_REDIS_DIR/redis.pid")"; '
    'echo "ping=$(redis-cli --no-auth-warning -u "$TEST_REDIS_URL" ping)"'
)


def _values(stdout: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in stdout.splitlines() if "=" in line)


class TestWithServices:
    """The command runs with TEST_REDIS_URL; Redis stops afterwards, whatever the command did.
    TEST_POSTGRES_URL is preset, so these tests never start or stop PostgreSQL."""

    @requires_redis
    def test_the_command_gets_a_live_redis_which_stops_afterwards(self, tmp_path: Path) -> None:
        """The URL answers PONG inside the command; afterwards its server and files are gone."""
        # Arrange
        directory = tmp_path / "redis"
        env = script_env(
            TEST_POSTGRES_URL="postgresql://unused", CODE_MONET_REDIS_DIR=str(directory)
        )

        # Act
        done = run_script(["bash", str(WITH_SERVICES), "sh", "-c", SHOW_REDIS], env)

        # Assert
        values = _values(done.stdout)
        assert parse_redis_url(values["url"]).database == 0
        assert values["ping"] == "PONG"
        assert not process_alive(int(values["pid"]))
        assert not directory.exists()

    @requires_redis
    def test_redis_stops_when_the_command_fails_and_its_status_is_kept(
        self, tmp_path: Path
    ) -> None:
        """A failing command's exit status comes back, and Redis is stopped all the same."""
        # Arrange
        directory = tmp_path / "redis"
        env = script_env(
            TEST_POSTGRES_URL="postgresql://unused", CODE_MONET_REDIS_DIR=str(directory)
        )
        command = 'echo "pid=$(cat "$CODE_MONET_REDIS_DIR/redis.pid")"; exit 3'

        # Act
        done = run_script(["bash", str(WITH_SERVICES), "sh", "-c", command], env, check=False)

        # Assert
        assert done.returncode == 3
        assert not process_alive(int(_values(done.stdout)["pid"]))
        assert not directory.exists()

    def test_a_preset_test_redis_url_is_used_and_nothing_is_started(self, tmp_path: Path) -> None:
        """TEST_REDIS_URL already set: passed through unchanged, no Redis started."""
        # Arrange
        directory = tmp_path / "redis"
        env = script_env(
            TEST_POSTGRES_URL="postgresql://unused",
            TEST_REDIS_URL="redis://127.0.0.1:1/0",
            CODE_MONET_REDIS_DIR=str(directory),
        )
        command = 'echo "url=$TEST_REDIS_URL"'

        # Act
        done = run_script(["bash", str(WITH_SERVICES), "sh", "-c", command], env)

        # Assert
        assert _values(done.stdout)["url"] == "redis://127.0.0.1:1/0"
        assert not directory.exists()


# --- deploy/ -------------------------------------------------------------------------------

NGINX = shutil.which("nginx") or (
    "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None
)
LETSENCRYPT = "/etc/letsencrypt/live/code-monet.example.com/"


class TestNginxSite:
    """``deploy/nginx/code-monet.conf``: accepted by nginx, proxies WebSockets and the client."""

    @pytest.mark.skipif(
        NGINX is None, reason="nginx is not installed (apt-get install nginx-light)"
    )
    @pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
    def test_nginx_accepts_the_site(self, tmp_path: Path) -> None:
        """``nginx -t`` on a minimal nginx.conf that includes the site (a throwaway
        self-signed certificate in place of the Let's Encrypt files)."""
        # Arrange
        assert NGINX is not None
        run_script(
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=code-monet.example.com",
                "-keyout", str(tmp_path / "privkey.pem"), "-out", str(tmp_path / "fullchain.pem"),
            ],
            dict(os.environ),
        )  # fmt: skip
        site = NGINX_SITE.read_text().replace(LETSENCRYPT, f"{tmp_path}/")
        assert LETSENCRYPT not in site
        (tmp_path / "site.conf").write_text(site)
        temp_paths = "".join(
            f"    {kind}_temp_path {tmp_path}/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (tmp_path / "nginx.conf").write_text(
            f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
            f"http {{\n    access_log off;\n{temp_paths}    include {tmp_path}/site.conf;\n}}\n"
        )

        # Act
        done = run_script(
            [NGINX, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"),
             "-c", str(tmp_path / "nginx.conf")],
            dict(os.environ),
            check=False,
        )  # fmt: skip

        # Assert
        assert done.returncode == 0, done.stderr
        assert "test is successful" in done.stderr

    def test_the_site_upgrades_websockets_and_forwards_the_client(self) -> None:
        """HTTP/1.1 with Upgrade/Connection, a long read timeout, X-Forwarded-For/-Proto."""
        # Arrange
        site = NGINX_SITE.read_text()

        # Act
        directives = {
            line.strip().rstrip(";")
            for line in site.splitlines()
            if line.strip() and not line.strip().startswith("#")
        }

        # Assert
        assert "proxy_http_version 1.1" in directives
        assert "proxy_set_header Upgrade $http_upgrade" in directives
        assert "proxy_set_header Connection $code_monet_connection" in directives
        assert "proxy_set_header X-Forwarded-For $remote_addr" in directives
        assert "proxy_set_header X-Forwarded-Proto $scheme" in directives
        assert "proxy_read_timeout 1h" in directives
        assert "server 127.0.0.1:8000" in directives


def _unit_settings(text: str) -> dict[str, str]:
    return dict(
        line.split("=", 1)
        for line in text.splitlines()
        if "=" in line and not line.startswith(("#", ";"))
    )


class TestSystemdUnit:
    """``deploy/systemd/code-monet.service``: valid, graceful, hardened without breaking the
    sandbox."""

    @pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
    def test_systemd_accepts_the_unit(self, tmp_path: Path) -> None:
        """``systemd-analyze verify`` finds no error and no unknown or malformed option
        (``ExecStart`` pointed at an executable that exists here)."""
        # Arrange
        executable = shutil.which("code-monet") or shutil.which("true") or "/bin/true"
        unit = SYSTEMD_UNIT.read_text().replace("/opt/code-monet/bin/code-monet", executable)
        path = tmp_path / "code-monet.service"
        path.write_text(unit)

        # Act
        done = run_script(["systemd-analyze", "verify", str(path)], dict(os.environ), check=False)

        # Assert
        assert done.returncode == 0, done.stderr
        assert str(path) not in done.stderr, done.stderr
        assert "code-monet.service" not in done.stdout + done.stderr

    def test_stopping_outlasts_the_servers_own_shutdown(self) -> None:
        """SIGTERM, restart on failure, and TimeoutStopSec above 4 x SHUTDOWN_GRACE_SECONDS
        (the default and the value in env.example)."""
        # Arrange
        unit = _unit_settings(SYSTEMD_UNIT.read_text())
        config = config_module()
        default = config.AppConfig().server.shutdown_grace_seconds
        example = config.load_config({}, env_file=ENV_EXAMPLE).server.shutdown_grace_seconds

        # Act
        timeout = float(unit["TimeoutStopSec"])

        # Assert
        assert unit["KillSignal"] == "SIGTERM"
        assert unit["Restart"] == "on-failure"
        assert timeout > 4 * default
        assert timeout > 4 * example

    def test_hardening_leaves_namespaces_and_cgroups_to_the_sandbox(self) -> None:
        """NoNewPrivileges on; nothing that forbids bubblewrap's namespaces or cgroups."""
        # Arrange
        unit = _unit_settings(SYSTEMD_UNIT.read_text())

        # Act
        forbidding = {"RestrictNamespaces", "SystemCallFilter", "ProtectControlGroups"} & set(unit)

        # Assert
        assert unit["NoNewPrivileges"] == "yes"
        assert unit["Delegate"] == "yes"
        assert forbidding == set()


def config_module() -> ModuleType:
    """``code_monet.app.config`` with ``load_config`` and ``AppConfig``, else skip."""
    module: ModuleType = pytest.importorskip("code_monet.app.config")
    if not hasattr(module, "load_config") or not hasattr(module, "AppConfig"):
        pytest.skip("needs code_monet.app.config.load_config and AppConfig")
    return module


def _variables(model: type[BaseModel], path: str = "") -> set[str]:
    """The environment variables ``model`` (AppConfig, or one of its sections) reads."""
    names: set[str] = set()
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names |= _variables(annotation, f"{path}.{name}".lstrip("."))
        else:
            names.add(SETTINGS_PREFIXES.get(path, "") + name.upper())
    return names


class TestEnvExample:
    """``deploy/env.example`` names only settings the server reads, and loads as intended."""

    def test_every_variable_is_a_setting(self) -> None:
        """Set and commented-out ``NAME=`` lines alike (systemd's Environment= too)."""
        # Arrange
        names = re.findall(r"^(?:# )?([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(), re.MULTILINE)
        names += re.findall(r"^Environment=([A-Z][A-Z0-9_]*)=", SYSTEMD_UNIT.read_text(), re.M)

        # Act
        unknown = sorted(set(names) - _variables(config_module().AppConfig))

        # Assert
        assert len(names) > 10
        assert unknown == []

    def test_it_configures_a_public_server_behind_a_local_proxy(self) -> None:
        """Public mode, loopback address, nginx trusted, data in /var/lib/code-monet."""
        # Arrange / Act
        config = config_module().load_config({}, env_file=ENV_EXAMPLE)

        # Assert
        assert config.auth.local_mode is False
        assert config.server.host == "127.0.0.1"
        assert config.server.forwarded_allow_ips == "127.0.0.1"
        assert config.data_dir == Path("/var/lib/code-monet")
        assert config.auth.mailer == "smtp"
