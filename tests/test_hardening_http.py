"""Issue 15 hardening through a real server in public mode: request-body limits and who may
read ``/metrics`` and ``/health``'s detail."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import SecretStr

from code_monet.app.config import ServerSettings
from tests.fakes.server import running_server

STRANGER = {"X-Forwarded-For": "203.0.113.9"}
"""What a request through a reverse proxy carries: never treated as a loopback caller."""
METRICS_TOKEN = "metrics-token-for-tests-0123456789"


async def raw_exchange(base_url: str, head: str, chunks: list[bytes]) -> tuple[int, bytes]:
    """Send ``head`` and ``chunks`` over a plain socket; the status and the rest of the reply."""
    address = urlsplit(base_url)
    reader, writer = await asyncio.open_connection(address.hostname, address.port)
    try:
        writer.write(head.encode("latin-1"))
        for chunk in chunks:
            writer.write(chunk)
        await writer.drain()
        reply = await asyncio.wait_for(reader.read(), timeout=30)
    finally:
        writer.close()
    status_line, _, rest = reply.partition(b"\r\n")
    return int(status_line.split()[1]), rest


def chunked(data: bytes, size: int) -> list[bytes]:
    pieces = [data[i : i + size] for i in range(0, len(data), size)]
    return [f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in pieces] + [b"0\r\n\r\n"]


class TestBodyLimits:
    """Oversized bodies are refused before anything parses them."""

    async def test_declared_huge_body_is_refused_without_reading_it(self, tmp_path: Path) -> None:
        """A 200 MB Content-Length gets 413 at once, although not one byte of body was sent."""
        # Arrange
        head = (
            "POST /auth/magic-link HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            "Content-Length: 200000000\r\nConnection: close\r\n\r\n"
        )
        async with running_server(tmp_path, local_mode=False) as server:
            # Act
            status, rest = await raw_exchange(server.base_url, head, [])
        # Assert
        assert status == 413
        assert b"Request body too large: POST /auth/magic-link accepts at most 65536 bytes" in rest

    async def test_chunked_body_over_the_limit_is_cut_off(self, tmp_path: Path) -> None:
        """Without a Content-Length the bytes are counted: 100 KiB of chunks gets 413."""
        # Arrange
        body = json.dumps({"email": "a@example.com", "pad": "x" * 100_000}).encode()
        head = (
            "POST /auth/magic-link HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        )
        async with running_server(tmp_path, local_mode=False) as server:
            # Act
            status, rest = await raw_exchange(server.base_url, head, chunked(body, 8192))
        # Assert
        assert status == 413
        assert b"accepts at most 65536 bytes" in rest

    async def test_traces_keep_their_larger_limit(self, tmp_path: Path) -> None:
        """POST /traces takes 100 KB (over the default) and refuses 300 KB (over its own)."""
        # Arrange
        fits = json.dumps({"spans": [], "pad": "x" * 100_000})
        too_big = json.dumps({"spans": [], "pad": "x" * 300_000})
        async with running_server(tmp_path, local_mode=False) as server, server.http() as http:
            # Act
            accepted = await http.post("/traces", content=fits)
            refused = await http.post("/traces", content=too_big)
        # Assert
        assert accepted.status_code == 202, accepted.text
        assert refused.status_code == 413
        assert "at most 262144 bytes" in refused.json()["detail"]

    async def test_small_bodies_still_work(self, tmp_path: Path) -> None:
        """A normal chunked sign-in request is untouched."""
        # Arrange
        body = json.dumps({"email": "someone@example.com"}).encode()

        async def stream() -> AsyncIterator[bytes]:
            yield body

        async with running_server(tmp_path, local_mode=False) as server, server.http() as http:
            # Act
            reply = await http.post(
                "/auth/magic-link", content=stream(), headers={"Content-Type": "application/json"}
            )
        # Assert
        assert reply.status_code == 200, reply.text


class TestOperationalEndpoints:
    """/metrics and /health's detail are for operators only in public mode."""

    async def test_strangers_get_no_metrics_and_a_bare_health(self, tmp_path: Path) -> None:
        """Through a proxy: /metrics is 403 and /health says only status and version."""
        # Arrange
        async with running_server(tmp_path, local_mode=False) as server, server.http() as http:
            # Act
            metrics = await http.get("/metrics", headers=STRANGER)
            health = await http.get("/health", headers=STRANGER)
        # Assert
        assert metrics.status_code == 403
        assert "METRICS_TOKEN" in metrics.json()["detail"]
        assert health.status_code == 200
        assert set(health.json()) == {"status", "version"}

    async def test_loopback_callers_get_everything(self, tmp_path: Path) -> None:
        """The bench and the tests read both from loopback, as before."""
        # Arrange
        async with running_server(tmp_path, local_mode=False) as server, server.http() as http:
            # Act
            metrics = await http.get("/metrics")
            health = await http.get("/health")
        # Assert
        assert metrics.status_code == 200
        assert "codemonet_" in metrics.text
        assert {"active_users", "connections", "reasons"} <= set(health.json())

    async def test_metrics_token_unlocks_both(self, tmp_path: Path) -> None:
        """A scraper elsewhere uses ``Authorization: Bearer $METRICS_TOKEN``; a wrong one fails."""
        # Arrange
        settings = ServerSettings(metrics_token=SecretStr(METRICS_TOKEN))
        good = {**STRANGER, "Authorization": f"Bearer {METRICS_TOKEN}"}
        bad = {**STRANGER, "Authorization": "Bearer not-the-token"}
        async with (
            running_server(tmp_path, local_mode=False, settings=settings) as server,
            server.http() as http,
        ):
            # Act
            metrics = await http.get("/metrics", headers=good)
            health = await http.get("/health", headers=good)
            refused = await http.get("/metrics", headers=bad)
        # Assert
        assert metrics.status_code == 200
        assert "active_users" in health.json()
        assert refused.status_code == 403

    async def test_local_mode_is_open(self, tmp_path: Path) -> None:
        """Local mode listens on loopback only: nothing to restrict."""
        # Arrange
        async with running_server(tmp_path, local_mode=True) as server, server.http() as http:
            # Act
            metrics = await http.get("/metrics", headers=STRANGER)
        # Assert
        assert metrics.status_code == 200
