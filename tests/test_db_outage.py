"""A database outage: every route answers 503 with a reason (never 500), sockets that cannot
sign in close 1011, and pieces saved meanwhile reach the public gallery once it is back.

Two outages through real servers: an in-process uvicorn server whose database is swapped for a
PostgreSQL address nobody listens on (runs everywhere), and a ``code-monet serve`` process on a
dedicated throwaway PostgreSQL that is really stopped and started again (needs the PostgreSQL
binaries; skipped without them unless ``TEST_POSTGRES_REQUIRED=1``).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypedDict

import httpx2
import pytest
from fakes.server import LiveServer, recv_json, recv_until, running_server
from live_server import free_port, server_process, wait_healthy
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from support.db import postgres_required
from test_share_support import ShareEnv, share
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from code_monet.db.engine import Database
from code_monet.db.errors import DATABASE_UNAVAILABLE, is_database_unavailable
from code_monet.db.migrate import migrate_database
from code_monet.db.models import GalleryPieceRow
from code_monet.db.repository import public_pieces
from code_monet.db.settings import DatabaseSettings, default_sqlite_url
from code_monet.share.index import IndexCatchUp, mark_pending, pending_directory

__all__ = ["share"]

REPO = Path(__file__).resolve().parent.parent
POSTGRES_SCRIPT = REPO / "scripts" / "postgres.sh"
CATCH_UP_WITHIN = 45.0
"""Seconds the public gallery may take to list a piece saved during the outage once the
database is back (the catch-up retries at most every 15 s; the lazy sweep only every 60 s)."""


def _dead_postgres_url() -> str:
    """A PostgreSQL address nothing listens on: connecting is refused at once."""
    return f"postgresql+asyncpg://nobody:secret@127.0.0.1:{free_port()}/gone"


class RouteAnswer(TypedDict):
    status: int
    body: str
    retry_after: str | None


@dataclass(frozen=True)
class Fixtures:
    """What the outage's requests fill path parameters with (all made before the outage)."""

    user_id: str
    piece_id: str
    piece_number: int
    share_token: str
    refresh_token: str


def _bodies(fixtures: Fixtures) -> dict[str, object]:
    """Plausible bodies, so each route gets past validation and reaches the database."""
    return {
        "/auth/magic-link": {"email": "ada@example.com"},
        "/auth/magic-link/verify": {"token": "x" * 40},
        "/auth/magic-link/verify-code": {"email": "ada@example.com", "code": "123456"},
        "/auth/refresh": {"refresh_token": fixtures.refresh_token},
        "/auth/signup": {
            "email": "new@example.com",
            "password": "correct horse battery staple",
            "invite_code": "ABCD-EFGH-IJKL",
        },
        "/auth/signin": {"email": "ada@example.com", "password": "correct horse battery"},
        "/auth/logout": {},
        "/s/create": {"piece_number": fixtures.piece_number},
        "/settings/gallery": {"gallery_public": True},
        "/traces": {"spans": []},
    }


def _fill(path: str, fixtures: Fixtures) -> str:
    return (
        path.replace("{user_id}", fixtures.user_id)
        .replace("{piece_id}", fixtures.piece_id)
        .replace("{piece_number}", str(fixtures.piece_number))
        .replace("{token}", fixtures.share_token)
    )


async def _hit_every_route(
    http: httpx2.AsyncClient, schema: dict[str, object], fixtures: Fixtures
) -> dict[str, RouteAnswer]:
    """Every GET/POST/PUT/DELETE of the OpenAPI schema, signed in: ``"METHOD path"`` → answer."""
    paths = schema["paths"]
    assert isinstance(paths, dict)
    bodies = _bodies(fixtures)
    answers: dict[str, RouteAnswer] = {}
    for path, operations in paths.items():
        for method in ("get", "post", "put", "delete"):
            if method not in operations:
                continue
            body = bodies.get(path) if method in ("post", "put") else None
            reply = await http.request(method.upper(), _fill(path, fixtures), json=body)
            answers[f"{method.upper()} {path}"] = RouteAnswer(
                status=reply.status_code,
                body=reply.text,
                retry_after=reply.headers.get("retry-after"),
            )
    return answers


def _server_errors(answers: dict[str, RouteAnswer]) -> dict[str, int]:
    """Routes that answered a 5xx other than 503, or a 503 without a JSON reason."""
    bad: dict[str, int] = {}
    for route, answer in answers.items():
        if answer["status"] >= 500 and answer["status"] != 503:
            bad[route] = answer["status"]
        elif answer["status"] == 503:
            detail = json.loads(answer["body"]).get("detail")
            if not isinstance(detail, str) or not detail:
                bad[route] = 503
    return bad


async def _dev_tokens(base_url: str) -> tuple[str, str]:
    """(access, refresh) tokens of the local user."""
    async with httpx2.AsyncClient(base_url=base_url, timeout=30) as anonymous:
        reply = await anonymous.get("/auth/dev-token")
        reply.raise_for_status()
        return reply.json()["access_token"], reply.json()["refresh_token"]


NEEDS_DATABASE = (
    "GET /public/gallery",
    "GET /public/gallery/{user_id}/{piece_id}/strokes",
    "GET /sitemap.xml",
    "GET /s/{token}/api",
    "GET /gallery",
    "GET /settings/gallery",
    "PUT /settings/gallery",
    "POST /s/create",
    "GET /s/my-shares",
    "GET /auth/me",
    "GET /state",
    "POST /auth/logout",
)
"""Routes that cannot answer without the database: each must be a 503 with ``Retry-After``."""

SIGN_IN_NEEDS_DATABASE = ("POST /auth/refresh", "POST /auth/signin", "POST /auth/signup")
"""The sign-in routes answer 503 with the account service's own reason."""


async def _public_pieces(http: httpx2.AsyncClient) -> set[tuple[str, str]]:
    reply = await http.get("/public/gallery?limit=50")
    if reply.status_code != 200:
        return set()
    return {(str(p["user_id"]), str(p["id"])) for p in reply.json()}


async def _wait_listed(
    http: httpx2.AsyncClient, wanted: set[tuple[str, str]], within: float
) -> set[tuple[str, str]]:
    """Poll the public gallery until it lists every piece in ``wanted``; returns what it lists."""
    listed: set[tuple[str, str]] = set()
    try:
        async with asyncio.timeout(within):
            while True:
                listed = await _public_pieces(http)
                if wanted <= listed:
                    return listed
                await asyncio.sleep(0.25)
    except TimeoutError:
        raise AssertionError(f"after {within} s the gallery lists {listed}, not {wanted}") from None


def _gallery_files(data_dir: Path, user_id: str) -> set[str]:
    return {p.stem for p in (data_dir / "users" / user_id / "gallery").glob("piece_*.json")}


async def _wait_new_piece_file(data_dir: Path, user_id: str, before: set[str]) -> set[str]:
    async with asyncio.timeout(30):
        while True:
            new = _gallery_files(data_dir, user_id) - before
            if new:
                return new
            await asyncio.sleep(0.05)


async def _strokes_of_a_new_piece(ws: ClientConnection, after: int) -> int:
    """Wait for a stroke batch of a piece numbered above ``after``; returns its number."""
    async with asyncio.timeout(60):
        while True:
            frame, _ = await recv_until(ws, "strokes", within=60)
            number = frame["piece_number"]
            assert isinstance(number, int)
            if number > after:
                return number


async def _prepare(
    http: httpx2.AsyncClient, ws: ClientConnection, data_dir: Path, user_id: str, refresh: str
) -> Fixtures:
    """Public gallery on, one piece saved and listed, a share link, strokes on the next one."""
    assert (await http.put("/settings/gallery", json={"gallery_public": True})).status_code == 200
    await ws.send(json.dumps({"type": "new_canvas", "direction": "the sea"}))
    first = await _strokes_of_a_new_piece(ws, 0)
    await ws.send(json.dumps({"type": "new_canvas", "direction": "a tree"}))  # saves `first`
    piece = sorted(await _wait_new_piece_file(data_dir, user_id, set()))[0]
    await _wait_listed(http, {(user_id, piece)}, within=30)
    share = await http.post("/s/create", json={"piece_number": first})
    assert share.status_code == 200, share.text
    await _strokes_of_a_new_piece(ws, first)  # the next piece has something to save
    return Fixtures(
        user_id=user_id,
        piece_id=piece,
        piece_number=first,
        share_token=share.json()["token"],
        refresh_token=refresh,
    )


# ----------------------------------------------------------------- what an outage looks like


class TestOutageClassification:
    """Outages are told apart from bugs and bad data (only outages become 503)."""

    async def test_a_refused_connection_is_an_outage(self) -> None:
        """asyncpg's bare ``ConnectionRefusedError`` (not wrapped by SQLAlchemy) counts."""
        # Arrange
        database = Database.connect(_dead_postgres_url(), DatabaseSettings())
        # Act
        with pytest.raises(Exception) as raised:  # whatever the driver raises
            async with database.read() as session:
                await session.execute(text("SELECT 1"))
        await database.dispose()
        # Assert
        assert is_database_unavailable(raised.value)

    async def test_bad_data_and_file_errors_are_not_outages(self, tmp_path: Path) -> None:
        """A foreign-key violation and a missing file stay bugs (500), not outages."""
        # Arrange
        database = Database.connect(default_sqlite_url(tmp_path / "db"), DatabaseSettings())
        await migrate_database(database)
        row = GalleryPieceRow(  # of a user who does not exist
            user_id=uuid.uuid4(),
            piece_number=1,
            title=None,
            drawing_style="plotter",
            stroke_count=0,
            width=800,
            height=600,
            created_at=datetime.now(UTC),
            content_hash="0" * 64,
            file_size=1,
            file_mtime_ns=1,
        )
        # Act
        with pytest.raises(IntegrityError) as integrity:
            async with database.transaction() as session:
                session.add(row)
        await database.dispose()
        with pytest.raises(FileNotFoundError) as missing:
            (tmp_path / "absent.json").read_bytes()
        # Assert
        assert not is_database_unavailable(integrity.value)
        assert not is_database_unavailable(missing.value)


@asynccontextmanager
async def _database_down(server: LiveServer) -> AsyncIterator[None]:
    """Point the server's database at an address nobody listens on, then restore it."""
    live = server.app_runtime.database
    dead = Database.connect(_dead_postgres_url(), DatabaseSettings())
    fields = ("url", "engine", "_read_sessions", "_write_sessions")
    saved = {name: getattr(live, name) for name in fields}
    for name in fields:
        setattr(live, name, getattr(dead, name))
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(live, name, value)
        await dead.dispose()


class TestOutageOnALiveServer:
    """The real app under uvicorn, its database unreachable: 503s, then a catch-up."""

    async def test_every_route_answers_503_not_500_and_the_index_catches_up(
        self, tmp_path: Path
    ) -> None:
        """During the outage no route answers 500 and those needing the database answer 503
        ``{"detail": ...}`` with ``Retry-After``; a piece saved meanwhile is listed after."""
        # Arrange
        async with running_server(tmp_path) as server:
            server.gate.set()
            token, refresh = await _dev_tokens(server.base_url)
            async with server.http(token) as http, server.ws(token, "strokes=inline") as ws:
                await recv_json(ws)
                user_id = (await http.get("/auth/me")).json()["id"]
                fixtures = await _prepare(http, ws, tmp_path, user_id, refresh)
                schema = (await http.get("/openapi.json")).json()
                before = _gallery_files(tmp_path, user_id)
                # Act
                async with _database_down(server):
                    answers = await _hit_every_route(http, schema, fixtures)
                    await ws.send(json.dumps({"type": "new_canvas", "direction": "a hill"}))
                    saved = await _wait_new_piece_file(tmp_path, user_id, before)
                    await asyncio.sleep(0.5)  # the save's index attempt fails meanwhile
                    pending = sorted(p.name for p in pending_directory(tmp_path).glob("*"))
                    async with server.ws(token) as refused:
                        with pytest.raises(ConnectionClosed) as closed:
                            await recv_json(refused)
                expected = {(user_id, piece) for piece in saved}
                listed = await _wait_listed(http, expected, within=CATCH_UP_WITHIN)
        # Assert
        assert _server_errors(answers) == {}
        for route in NEEDS_DATABASE:
            assert answers[route]["status"] == 503, (route, answers[route])
            assert answers[route]["retry_after"], route
        assert {answers[route]["status"] for route in SIGN_IN_NEEDS_DATABASE} == {503}
        assert json.loads(answers["GET /public/gallery"]["body"]) == {
            "detail": DATABASE_UNAVAILABLE
        }
        assert pending == [user_id]
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1011
        assert expected <= listed
        assert not any(pending_directory(tmp_path).glob("*"))


class TestPendingMarkers:
    """A marker outlives the process: the next server's catch-up indexes the user's pieces."""

    async def test_a_marker_left_before_a_restart_is_indexed_and_cleared(
        self, share: ShareEnv
    ) -> None:
        """A piece the index never saw plus its user's marker: one pass indexes it."""
        # Arrange
        user, _ = await share.user("ada@example.com")
        share.write_piece(user, 1)
        await asyncio.to_thread(mark_pending, share.data_dir, user.id)
        catch_up = IndexCatchUp(share.database, share.data_dir, prerender=False)
        # Act
        result = await catch_up.run_pass()
        async with share.database.read() as session:
            row = await public_pieces.get_piece(session, user.id, 1)
        # Assert
        assert (result.indexed_users, result.remaining, result.unavailable) == (1, False, False)
        assert row is not None
        assert not any(pending_directory(share.data_dir).glob("*"))

    async def test_while_the_database_is_down_the_marker_stays(self, share: ShareEnv) -> None:
        """A pass that cannot reach the database reports it and keeps every marker."""
        # Arrange
        user, _ = await share.user("bob@example.com")
        share.write_piece(user, 1)
        await asyncio.to_thread(mark_pending, share.data_dir, user.id)
        dead = Database.connect(_dead_postgres_url(), DatabaseSettings())
        catch_up = IndexCatchUp(dead, share.data_dir, prerender=False)
        # Act
        try:
            result = await catch_up.run_pass()
        finally:
            await dead.dispose()
        # Assert
        assert result.unavailable and result.indexed_users == 0
        assert [p.name for p in pending_directory(share.data_dir).glob("*")] == [str(user.id)]


# ------------------------------------------------------ a real PostgreSQL, really stopped


def _postgres_binaries() -> bool:
    return any(Path("/usr/lib/postgresql").glob("*/bin/initdb"))


def require_postgres_binaries() -> None:
    if _postgres_binaries():
        return
    reason = "this test stops and restarts its own PostgreSQL: install the postgresql package"
    if postgres_required():
        pytest.fail(f"TEST_POSTGRES_REQUIRED is set but {reason}")
    pytest.skip(reason)


@dataclass
class DedicatedPostgres:
    """A throwaway PostgreSQL of this test's own (``scripts/postgres.sh`` in a private dir)."""

    directory: Path
    url: str = ""

    def _run(self, action: str) -> str:
        env = {**os.environ, "CODE_MONET_PG_DIR": str(self.directory)}
        done = subprocess.run(
            ["bash", str(POSTGRES_SCRIPT), action],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"postgres.sh {action} failed: {done.stderr[-2000:]}")
        return done.stdout

    def start(self) -> None:
        line = self._run("start").strip().splitlines()[-1]
        self.url = line.split("=", 1)[1].strip("'")

    def halt(self) -> None:
        self._run("halt")

    def resume(self) -> None:
        self._run("resume")

    def stop(self) -> None:
        self._run("stop")


@contextmanager
def dedicated_postgres() -> Iterator[DedicatedPostgres]:
    # Not under pytest's tmp_path: when we are root the server runs as `postgres`, which
    # cannot enter pytest's private directories.
    directory = Path(tempfile.gettempdir()) / f"code-monet-outage-{secrets.token_hex(6)}"
    server = DedicatedPostgres(directory)
    try:
        server.start()
        yield server
    finally:
        server.stop()


class TestPostgresStoppedAndStarted:
    """``code-monet serve`` on PostgreSQL: stop PostgreSQL, use the server, start it again."""

    async def test_outage_answers_503_and_pieces_saved_meanwhile_are_listed(
        self, tmp_path: Path
    ) -> None:
        """With PostgreSQL stopped no route answers 500; after it restarts the piece saved
        during the outage appears in ``GET /public/gallery`` within a bounded wait."""
        require_postgres_binaries()
        # Arrange
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with (
            dedicated_postgres() as postgres,
            server_process(
                tmp_path, port, {"DATABASE_URL": postgres.url, "AGENT_SEED": "3"}, graceful=True
            ) as proc,
        ):
            await wait_healthy(base, proc)
            token, refresh = await _dev_tokens(base)
            headers = {"Authorization": f"Bearer {token}"}
            ws_url = f"ws://127.0.0.1:{port}/ws?token={token}&strokes=inline"
            async with (
                httpx2.AsyncClient(base_url=base, headers=headers, timeout=30) as http,
                connect(ws_url, max_size=None) as ws,
            ):
                await recv_json(ws)
                user_id = (await http.get("/auth/me")).json()["id"]
                fixtures = await _prepare(http, ws, tmp_path, user_id, refresh)
                schema = (await http.get("/openapi.json")).json()
                before = _gallery_files(tmp_path, user_id)
                # Act
                await asyncio.to_thread(postgres.halt)
                try:
                    answers = await _hit_every_route(http, schema, fixtures)
                    await ws.send(json.dumps({"type": "new_canvas", "direction": "a hill"}))
                    saved = await _wait_new_piece_file(tmp_path, user_id, before)
                    await asyncio.sleep(1.0)  # the save's index attempt fails meanwhile
                    during = await http.get("/public/gallery")
                finally:
                    await asyncio.to_thread(postgres.resume)
                expected = {(user_id, piece) for piece in saved}
                listed = await _wait_listed(http, expected, within=CATCH_UP_WITHIN)
            alive = proc.poll() is None
        # Assert
        assert _server_errors(answers) == {}
        for route in NEEDS_DATABASE:
            assert answers[route]["status"] == 503, (route, answers[route])
            assert answers[route]["retry_after"], route
        assert {answers[route]["status"] for route in SIGN_IN_NEEDS_DATABASE} == {503}
        assert during.status_code == 503
        assert during.json() == {"detail": DATABASE_UNAVAILABLE}
        assert expected <= listed
        assert alive
