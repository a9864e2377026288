"""The realtime server through a real uvicorn server and real WebSocket clients: the v1 flow."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from pathlib import Path

import pytest
from fakes.server import recv_json, recv_until, running_server

from code_monet.app.config import ServerSettings
from code_monet.workspace.snapshot import SnapshotWriter

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class TestV1Flow:
    async def test_whole_flow_a_web_client_performs(self, tmp_path: Path) -> None:
        # Arrange
        async with running_server(tmp_path, artist_kwargs={"finish_after": 2}) as server:
            token = await server.local_token()
            async with server.ws(token) as ws, server.http(token) as http:
                init = await recv_json(ws)

                # Act: start a piece with a direction
                await ws.send(json.dumps({"type": "new_canvas", "direction": "waves"}))
                server.gate.set()
                fetched: list[dict[str, object]] = []
                frames: list[dict[str, object]] = []
                async with asyncio.timeout(60):
                    while True:
                        frame = await recv_json(ws)
                        frames.append(frame)
                        if frame["type"] == "agent_strokes_ready":
                            reply = await http.get("/strokes/pending")
                            body = reply.json()
                            fetched.extend(body["strokes"])
                            assert body["count"] == len(body["strokes"])
                            await ws.send(
                                json.dumps(
                                    {"type": "animation_done", "batch_id": frame["batch_id"]}
                                )
                            )
                        if frame["type"] == "gallery_update" and frame["canvases"]:
                            break
                await ws.send(json.dumps({"type": "load_canvas", "piece_number": 1}))
                loaded, _ = await recv_until(ws, "load_canvas")

        # Assert
        assert init["type"] == "init"
        for key in (
            "strokes",
            "gallery",
            "status",
            "paused",
            "piece_number",
            "monologue",
            "drawing_style",
            "style_config",
            "canvas_width",
            "canvas_height",
            "title",
            "prompt",
        ):
            assert key in init, key
        kinds = [f["type"] for f in frames]
        start = kinds.index("new_canvas")
        assert kinds[start : start + 3] == ["new_canvas", "gallery_update", "piece_state"]
        assert "thinking_delta" in kinds and "code_execution" in kinds
        assert {"type": "piece_state", "number": 1, "completed": True}.items() <= next(
            f for f in frames if f["type"] == "piece_state" and f["completed"]
        ).items()
        assert len(fetched) == 6  # two turns of three lines
        assert all(len(s["points"]) >= 2 for s in fetched)  # type: ignore[arg-type,index]
        gallery = next(f for f in reversed(frames) if f["type"] == "gallery_update")
        assert gallery["canvases"][0]["title"] == "Lines 2"  # type: ignore[index]
        assert loaded["piece_number"] == 1
        assert len(loaded["strokes"]) == 6  # type: ignore[arg-type]

    async def test_reconnect_shows_pending_in_init_once_and_resumes_a_disconnect_pause(
        self, tmp_path: Path
    ) -> None:
        """The unacknowledged batch is in the new socket's ``init``: it is not announced
        again (a client would draw it twice), and the disconnect pause is undone."""
        # Arrange: the artist draws a batch nobody acknowledges, then the viewer leaves
        gate = asyncio.Event()
        async with running_server(
            tmp_path, artist_kwargs={"gate": gate, "finish_after": 5}
        ) as server:
            token = await server.local_token()
            async with server.ws(token) as ws:
                await recv_json(ws)
                await ws.send(json.dumps({"type": "new_canvas"}))
                gate.set()
                ready, _ = await recv_until(ws, "agent_strokes_ready")
                gate.clear()
            session = server.app_runtime.registry.loaded(
                next(iter(server.app_runtime.registry._sessions))
            )
            assert session is not None
            async with asyncio.timeout(30):
                while not session.state.piece.paused:  # noqa: ASYNC110 - observing from outside
                    await asyncio.sleep(0.02)
            reason_after_leaving = session.state.piece.pause_reason.value

            # Act
            async with server.ws(token) as ws, server.http(token) as http:
                init = await recv_json(ws)
                resumed, between = await recv_until(ws, "paused", paused=False)
                pending = (await http.get("/strokes/pending")).json()

        # Assert
        assert reason_after_leaving == "disconnect"
        assert init["paused"] is True
        assert init["last_batch_id"] == ready["batch_id"]
        assert len(init["strokes"]) == ready["count"]  # type: ignore[arg-type]
        assert "agent_strokes_ready" not in [f["type"] for f in between]
        assert pending["strokes"] == []
        assert resumed["paused"] is False

    async def test_user_pause_is_not_undone_by_reconnecting(self, tmp_path: Path) -> None:
        # Arrange
        gate = asyncio.Event()
        async with running_server(tmp_path, artist_kwargs={"gate": gate}) as server:
            token = await server.local_token()
            async with server.ws(token) as ws:
                await recv_json(ws)
                await ws.send(json.dumps({"type": "pause"}))
                await recv_until(ws, "paused", paused=True)

            # Act
            async with server.ws(token) as ws:
                init = await recv_json(ws)
                await ws.send(json.dumps({"type": "set_style", "drawing_style": "paint"}))
                frame, seen = await recv_until(ws, "style_change")

        # Assert
        assert init["paused"] is True
        assert not any(f["type"] == "paused" for f in seen)
        assert frame["drawing_style"] == "paint"


class TestSeveralSockets:
    @pytest.mark.parametrize(
        ("shared_token", "lag"),
        [(False, 0.2), (True, 0.0), (True, 0.2)],
        ids=["two-devices", "two-tabs-in-step", "two-tabs-one-lagging"],
    )
    async def test_two_v1_sockets_both_fetch_every_batch(
        self, tmp_path: Path, shared_token: bool, lag: float
    ) -> None:
        """Two v1 clients of one user, with their own tokens (two devices), each fetch every
        batch exactly once; with one token (two tabs, which the server cannot tell apart over
        HTTP) each still gets every batch (at least once: no tab ever misses one)."""
        # Arrange
        async with running_server(tmp_path, artist_kwargs={"finish_after": 2}) as server:
            token_a = await server.local_token()
            token_b = token_a if shared_token else await server.local_token()
            got: dict[str, list[int]] = {"a": [], "b": []}
            async with (
                server.ws(token_a) as ws_a,
                server.ws(token_b) as ws_b,
                server.http(token_a) as http_a,
                server.http(token_b) as http_b,
            ):
                await recv_json(ws_a)
                await recv_json(ws_b)

                async def follow(name: str, ws_conn: object, http: object, delay: float) -> None:
                    from websockets.asyncio.client import ClientConnection

                    assert isinstance(ws_conn, ClientConnection)
                    async with asyncio.timeout(60):
                        while True:
                            frame = await recv_json(ws_conn)
                            if frame["type"] == "agent_strokes_ready":
                                await asyncio.sleep(delay)  # B may fetch after A has acked
                                reply = await http.get("/strokes/pending")  # type: ignore[attr-defined]
                                got[name].extend(s["batch_id"] for s in reply.json()["strokes"])
                                await ws_conn.send(
                                    json.dumps(
                                        {"type": "animation_done", "batch_id": frame["batch_id"]}
                                    )
                                )
                            if frame["type"] == "piece_state" and frame["completed"]:
                                return

                # Act
                await ws_a.send(json.dumps({"type": "new_canvas"}))
                server.gate.set()
                await asyncio.gather(follow("a", ws_a, http_a, 0.0), follow("b", ws_b, http_b, lag))

        # Assert: each saw both batches' strokes (exactly once on two devices)
        assert sorted(set(got["a"])) == sorted(set(got["b"])) == [1, 2]
        if not shared_token:
            assert len(got["a"]) == len(got["b"]) == 6

    async def test_every_message_reaches_every_socket(self, tmp_path: Path) -> None:
        # Arrange
        async with running_server(tmp_path) as server:
            token = await server.local_token()
            async with server.ws(token) as ws_a, server.ws(token) as ws_b:
                await recv_json(ws_a)
                await recv_json(ws_b)

                # Act: a human stroke drawn on one device
                stroke = {"type": "stroke", "points": [{"x": 5, "y": 5}, {"x": 9000, "y": -4}]}
                await ws_a.send(json.dumps(stroke))
                echo_a, _ = await recv_until(ws_a, "human_stroke")
                echo_b, _ = await recv_until(ws_b, "human_stroke")

        # Assert: both got it, clamped to the canvas, as a human stroke
        assert echo_a == echo_b
        path = echo_a["path"]
        assert isinstance(path, dict)
        assert path["author"] == "human"
        assert path["points"][1] == {"x": 800.0, "y": 0.0}


class TestHttpRoutes:
    async def test_state_canvas_and_gallery_endpoints(self, tmp_path: Path) -> None:
        # Arrange
        async with running_server(tmp_path) as server:
            token = await server.local_token()
            async with server.ws(token) as ws, server.http(token) as http:
                await recv_json(ws)
                await ws.send(
                    json.dumps({"type": "stroke", "points": [{"x": 1, "y": 1}, {"x": 90, "y": 40}]})
                )
                await recv_until(ws, "human_stroke")

                # Act
                health = await http.get("/health")
                version = await http.get("/version")
                state = await http.get("/state")
                png = await http.get("/canvas.png", params={"width": 400})
                svg = await http.get("/canvas.svg")
                gallery = await http.get("/gallery")
                missing = await http.get("/gallery/99/strokes")
                bad = await http.get("/gallery/abc/strokes")
                debug = await http.get("/debug/agent")
                aasa = await http.get("/.well-known/apple-app-site-association")
                docs = await http.get("/docs")
                anonymous = await server.http().get("/state")

        # Assert
        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert version.json()["protocol_versions"] == [1, 2]
        assert state.json()["strokes"][0]["author"] == "human"
        assert png.headers["content-type"] == "image/png"
        assert png.content.startswith(PNG_SIGNATURE)
        assert int.from_bytes(png.content[16:20], "big") == 400
        assert svg.text.count("<path") == 1
        assert gallery.json() == []
        assert missing.status_code == 404 and "no piece 99" in missing.json()["detail"]
        assert bad.status_code == 422
        assert debug.json()["provider"] == "ScriptedArtist"
        assert "applinks" in aasa.json()
        assert docs.status_code == 200
        assert anonymous.status_code == 401


class TestTurnState:
    async def test_turn_state_alternates_even_when_a_turn_is_interrupted_twice(
        self, tmp_path: Path
    ) -> None:
        """pause then new_canvas cancel the same turn twice: viewers still see it end."""
        # Arrange: a turn that waits on the gate
        async with running_server(tmp_path) as server:
            token = await server.local_token()
            async with server.ws(token) as ws:
                await recv_json(ws)
                await ws.send(json.dumps({"type": "new_canvas"}))
                await recv_until(ws, "turn_state", active=True)

                # Act
                await ws.send(json.dumps({"type": "pause"}))
                await ws.send(json.dumps({"type": "new_canvas"}))
                server.gate.set()
                _, frames = await recv_until(ws, "piece_state", completed=True, within=60)

        # Assert
        states = [True] + [bool(f["active"]) for f in frames if f["type"] == "turn_state"]
        assert all(a != b for a, b in itertools.pairwise(states)), states


def _read_event_log(data_dir: Path) -> str:
    return next(data_dir.glob("users/*/log.jsonl")).read_text()


class TestRegistry:
    async def test_coming_back_while_the_session_is_released_loses_nothing(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A reconnect during the release's final save and log compaction waits for them
        instead of loading a second session onto the same files: no message or stroke lost."""
        # Arrange: release at once when the last socket leaves, with a slow log compaction
        real_compact = SnapshotWriter.compact

        async def slow_compact(snapshots: SnapshotWriter) -> bool:
            await asyncio.sleep(0.3)
            return await real_compact(snapshots)

        monkeypatch.setattr(SnapshotWriter, "compact", slow_compact)
        settings = ServerSettings(idle_grace_seconds=0)
        seen: dict[int, dict[str, object]] = {}
        async with running_server(tmp_path, settings=settings) as server:
            token = await server.local_token()
            # Act: six visits, each drawing one stroke and leaving (and coming back at once)
            for visit in range(6):
                async with server.ws(token, "strokes=inline") as ws:
                    await recv_json(ws)
                    stroke = [{"x": 10 + visit, "y": 10}, {"x": 20 + visit, "y": 30}]
                    await ws.send(json.dumps({"type": "stroke", "points": stroke}))
                    echo, _ = await recv_until(ws, "human_stroke")
                    seen[int(echo["seq"])] = echo  # type: ignore[call-overload]
                await asyncio.sleep(0.05)
        logged = {
            json.loads(line)["seq"]: json.loads(line)
            for line in _read_event_log(tmp_path).splitlines()
            if '"seq"' in line and '"op"' not in line[:30]
        }
        async with running_server(tmp_path, settings=settings) as server:
            token = await server.local_token()
            async with server.http(token) as http:
                state = (await http.get("/state")).json()
        # Assert
        assert {seq: logged.get(seq) for seq in seen} == seen
        assert len(seen) == 6 and len(state["strokes"]) == 6

    async def test_idle_session_is_released_and_reloaded_on_return(self, tmp_path: Path) -> None:
        """After the grace period a user's session is released; coming back reloads it."""
        # Arrange
        settings = ServerSettings(idle_grace_seconds=0.2)
        async with running_server(tmp_path, settings=settings) as server:
            registry = server.app_runtime.registry
            token = await server.local_token()
            async with server.ws(token) as ws:
                init = await recv_json(ws)
                await ws.send(json.dumps({"type": "stroke", "points": [{"x": 3, "y": 4}]}))
                await recv_until(ws, "human_stroke")
                loaded_while_connected = registry.active_users()

            # Act
            async with asyncio.timeout(30):
                while registry.active_users():  # noqa: ASYNC110 - observing from outside
                    await asyncio.sleep(0.05)
            async with server.ws(token) as ws:
                again = await recv_json(ws)

        # Assert
        assert loaded_while_connected == 1
        assert init["strokes"] == []
        assert len(again["strokes"]) == 1  # reloaded from disk

    async def test_a_dead_agent_loop_is_restarted_on_next_use(self, tmp_path: Path) -> None:
        """If the agent loop task died, the next connection starts a new one."""
        # Arrange
        async with running_server(tmp_path) as server:
            token = await server.local_token()
            async with server.ws(token) as ws:
                await recv_json(ws)
                session = server.app_runtime.registry.sessions()[0]
                await session.orchestrator.stop()
                stopped = session.orchestrator.running

                # Act
                async with server.ws(token) as second:
                    await recv_json(second)
                    running = session.orchestrator.running

        # Assert
        assert stopped is False
        assert running is True


class TestLogContext:
    """Every log line says whose it is: HTTP requests by their user, agent loops by theirs."""

    async def test_http_requests_and_the_agent_loop_carry_the_user(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """The loop is started by an HTTP request, yet keeps none of that request's ids."""
        # Arrange
        caplog.set_level(logging.DEBUG, logger="code_monet")
        async with running_server(tmp_path) as server:
            token = await server.local_token()
            async with server.http(token) as http:
                # Act: the first request loads the workspace and starts the agent loop
                await http.get("/state", headers={"X-Request-ID": "req-state-1"})
                await http.get("/health")  # by now the loop task has run its first step
        # Assert
        started = next(r for r in caplog.records if r.getMessage().startswith("Starting the agent"))
        loop = next(r for r in caplog.records if r.getMessage() == "Agent loop running")
        assert started.request_id == "req-state-1"  # type: ignore[attr-defined]
        assert started.user_id != "-" and started.user_id in started.getMessage()  # type: ignore[attr-defined]
        assert loop.user_id == started.user_id  # type: ignore[attr-defined]
        assert loop.request_id == "-"  # type: ignore[attr-defined]
