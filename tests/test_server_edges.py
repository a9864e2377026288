"""The realtime server's edges, through a real uvicorn server: debug routes, unexpected errors,
auth close codes, connecting during shutdown, and the client's trace id on connection spans."""

from __future__ import annotations

import json
import time
from pathlib import Path

import jwt
import pytest
from fakes.server import recv_json, recv_until, running_server
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from support.auth import TEST_SECRET
from websockets.exceptions import ConnectionClosed

from code_monet.app.config import ServerSettings
from code_monet.auth.tokens import ALGORITHM
from code_monet.observability import tracing
from code_monet.routes import canvas as canvas_routes


class TestDebugRoutes:
    """Reading is for the signed-in user; destructive actions exist only in dev/local mode."""

    async def test_every_debug_route_needs_a_signed_in_user(self, tmp_path: Path) -> None:
        """Without a token each debug route answers 401."""
        # Arrange
        async with running_server(tmp_path) as server, server.http() as http:
            # Act
            codes = [
                (await http.get("/debug/agent")).status_code,
                (await http.get("/debug/workspace")).status_code,
                (await http.post("/debug/reset-agent")).status_code,
                (await http.post("/debug/clear-queue")).status_code,
            ]
        # Assert
        assert codes == [401, 401, 401, 401]

    @pytest.mark.parametrize(("local_mode", "destructive"), [(True, 200), (False, 404)])
    async def test_destructive_debug_routes_are_dev_only(
        self, tmp_path: Path, local_mode: bool, destructive: int
    ) -> None:
        """A production server (not local, not dev) hides reset-agent and clear-queue."""
        # Arrange
        async with running_server(tmp_path, local_mode=local_mode) as server:
            _, token = await server.new_user_token()
            async with server.http(token) as http:
                # Act
                read = (await http.get("/debug/agent")).status_code
                reset = (await http.post("/debug/reset-agent")).status_code
                clear = (await http.post("/debug/clear-queue")).status_code
        # Assert
        assert read == 200
        assert (reset, clear) == (destructive, destructive)


class TestUnexpectedErrors:
    """A bug answers with a clear JSON error and never shows its internals."""

    async def test_an_unexpected_error_is_json_without_a_stack_trace(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The renderer failing gives 500 ``{"detail": "Internal server error"}`` only."""

        # Arrange
        def broken(*_args: object, **_kwargs: object) -> bytes:
            raise RuntimeError("exploded in /srv/secret/renderer.py")

        monkeypatch.setattr(canvas_routes, "render_strokes_png", broken)
        async with running_server(tmp_path) as server:
            token = await server.local_token()
            async with server.http(token) as http:
                # Act
                reply = await http.get("/canvas.png")
        # Assert
        assert reply.status_code == 500
        assert reply.json() == {"detail": "Internal server error"}
        assert "secret" not in reply.text and "Traceback" not in reply.text

    async def test_a_failing_handler_gets_an_error_frame_and_the_socket_stays_open(
        self, tmp_path: Path
    ) -> None:
        """A message whose handler raises is answered with ``error``; the next one works."""
        # Arrange
        async with running_server(tmp_path) as server:
            token = await server.local_token()
            async with server.ws(token) as ws:
                await recv_json(ws)
                user_id = next(s.user_id for s in server.app_runtime.registry.sessions())
                session = server.app_runtime.registry.loaded(user_id)
                assert session is not None

                async def broken_nudge(text: str) -> None:
                    raise RuntimeError(f"bug while nudging with {text!r}")

                session.orchestrator.nudge = broken_nudge  # type: ignore[method-assign]
                # Act
                await ws.send(json.dumps({"type": "nudge", "text": "more blue"}))
                error, _ = await recv_until(ws, "error")
                await ws.send(json.dumps({"type": "set_style", "drawing_style": "paint"}))
                after, _ = await recv_until(ws, "style_change")
        # Assert
        assert error["message"] == "Could not handle 'nudge'; please try again"
        assert after["drawing_style"] == "paint"


def _expired(token: str) -> str:
    """``token`` with the same claims but an expiry an hour ago, signed with the test key."""
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["exp"] = int(time.time()) - 3600
    claims["iat"] = claims["exp"] - 900
    return jwt.encode(claims, TEST_SECRET, algorithm=ALGORITHM)


class TestAuthCloseCodes:
    """Sockets that cannot be signed in close with 4001 and say why."""

    async def test_a_bad_or_expired_token_closes_with_4001(self, tmp_path: Path) -> None:
        """A garbage token in the auth frame and an expired one in a v2 URL both get 4001."""
        # Arrange
        async with running_server(tmp_path) as server:
            token = await server.local_token()
            closes: dict[str, tuple[int, str]] = {}
            # Act
            async with server.ws(None, "v=2") as ws:
                await ws.send(json.dumps({"type": "auth", "token": "garbage"}))
                with pytest.raises(ConnectionClosed) as closed:
                    await recv_json(ws)
                assert closed.value.rcvd is not None
                closes["auth frame"] = (closed.value.rcvd.code, closed.value.rcvd.reason)
            async with server.ws(_expired(token), "v=2") as ws:  # (v1 sockets get a grace)
                with pytest.raises(ConnectionClosed) as closed:
                    await recv_json(ws)
                assert closed.value.rcvd is not None
                closes["expired"] = (closed.value.rcvd.code, closed.value.rcvd.reason)
        # Assert
        assert {name: code for name, (code, _) in closes.items()} == {
            "auth frame": 4001,
            "expired": 4001,
        }
        assert all(reason for _, reason in closes.values())


class TestConnectingDuringShutdown:
    """Once shutdown has begun, new sockets are turned away and health says so."""

    async def test_a_new_socket_gets_1001_and_health_503(self, tmp_path: Path) -> None:
        """After the sockets were closed for shutdown, a new one is closed with 1001."""
        # Arrange
        async with running_server(tmp_path) as server:
            token = await server.local_token()
            await server.app_runtime.shutdown.close_connections()
            # Act
            async with server.ws(token) as ws:
                with pytest.raises(ConnectionClosed) as closed:
                    await recv_json(ws)
            async with server.http() as http:
                health = await http.get("/health")
        # Assert
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
        assert health.status_code == 503 and health.json()["status"] == "shutting_down"


class TestClientTraceId:
    """The trace id a client puts on ``/ws`` makes the connection span part of its trace."""

    async def test_the_connection_span_joins_the_clients_trace(self, tmp_path: Path) -> None:
        """``/ws?trace_id=…``: the ``ws.connection`` span carries that trace id."""
        # Arrange
        exporter = InMemorySpanExporter()
        processor = SimpleSpanProcessor(exporter)
        trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
        async with running_server(tmp_path) as server:
            pipeline = tracing._PROCESS.current
            assert pipeline is not None
            pipeline.router.add(processor)
            token = await server.local_token()
            # Act
            async with server.ws(token, f"trace_id={trace_id}") as ws:
                await recv_json(ws)
        pipeline.router.remove(processor)  # the span ended as the server closed the socket
        # Assert
        spans = [s for s in exporter.get_finished_spans() if s.name == "ws.connection"]
        assert spans
        assert format(spans[-1].context.trace_id, "032x") == trace_id


class TestHumanInputBounds:
    """What people send is bounded and clamped before it reaches the canvas."""

    async def test_a_long_stroke_is_cut_to_the_limit_and_clamped_to_the_canvas(
        self, tmp_path: Path
    ) -> None:
        """80 points, many off the canvas, with a 50-point limit: 50 points, all inside."""
        # Arrange
        settings = ServerSettings(max_human_stroke_points=50)
        points = [{"x": -200.0 + 40 * i, "y": 5000.0 - 90 * i} for i in range(80)]
        async with running_server(tmp_path, settings=settings) as server:
            token = await server.local_token()
            async with server.ws(token) as ws:
                init = await recv_json(ws)
                # Act
                await ws.send(json.dumps({"type": "stroke", "points": points}))
                echo, _ = await recv_until(ws, "human_stroke")
        # Assert
        drawn = echo["path"]["points"]  # type: ignore[index]
        width, height = init["canvas_width"], init["canvas_height"]
        assert len(drawn) == 50
        assert all(0 <= p["x"] <= width and 0 <= p["y"] <= height for p in drawn)

    async def test_canvas_sizes_are_clamped(self, tmp_path: Path) -> None:
        """A new canvas of 10000 × 5 becomes 2400 × 240 (the protocol's range)."""
        # Arrange
        async with running_server(tmp_path) as server:
            token = await server.local_token()
            async with server.ws(token) as ws:
                await recv_json(ws)
                # Act
                await ws.send(
                    json.dumps({"type": "new_canvas", "canvas_width": 10000, "canvas_height": 5})
                )
                frame, _ = await recv_until(ws, "new_canvas")
        # Assert
        assert (frame["canvas_width"], frame["canvas_height"]) == (2400, 240)


class TestPendingStrokesQuery:
    """``GET /strokes/pending`` placed by ``after_batch_id`` or by ``connection_id``."""

    async def test_after_batch_id_and_connection_id(self, tmp_path: Path) -> None:
        """A client that says where it is, or names its socket, gets exactly what it lacks."""
        # Arrange
        async with running_server(tmp_path, artist_kwargs={"finish_after": 2}) as server:
            token = await server.local_token()
            async with server.ws(token) as ws, server.http(token) as http:
                init = await recv_json(ws)
                await ws.send(json.dumps({"type": "new_canvas"}))
                server.gate.set()
                ready, _ = await recv_until(ws, "agent_strokes_ready")
                mine = f"/strokes/pending?connection_id={init['connection_id']}"
                # Act
                from_start = (await http.get("/strokes/pending?after_batch_id=0")).json()
                past_it = (
                    await http.get(f"/strokes/pending?after_batch_id={ready['batch_id']}")
                ).json()
                first = (await http.get(mine)).json()
                again = (await http.get(mine)).json()
                bad = await http.get("/strokes/pending?after_batch_id=-1")
                await ws.send(json.dumps({"type": "animation_done", "batch_id": ready["batch_id"]}))
                await recv_until(ws, "thinking_delta")  # (the ack was handled: the next turn)
                acked = (await http.get(mine)).json()
        # Assert: fetching is idempotent until the socket acknowledges
        assert {s["batch_id"] for s in from_start["strokes"]} == {ready["batch_id"]}
        assert past_it["strokes"] == []
        assert first["strokes"] == from_start["strokes"] == again["strokes"]
        assert all(s["batch_id"] > ready["batch_id"] for s in acked["strokes"])
        assert bad.status_code == 422


class TestDefaults:
    def test_idle_grace_is_five_minutes_by_default(self) -> None:
        """A user's workspace is kept 300 s after they leave unless configured otherwise."""
        # Arrange / Act
        settings = ServerSettings()
        # Assert
        assert settings.idle_grace_seconds == 300.0
