"""Protocol v2 through a real server: seq, resume with replay, inline strokes, auth frames,
restarts; plus auth failures, malformed frames, slow clients and per-user isolation."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from fakes.server import LiveServer, recv_json, recv_until, running_server
from websockets.exceptions import ConnectionClosed

from code_monet.app.config import ServerSettings
from code_monet.db.engine import Database
from code_monet.db.settings import DatabaseSettings


async def _draw_until_done(server: LiveServer, ws: object, ack: bool = True) -> list[dict]:
    """Read frames until the piece completes, acking inline batches; returns every frame."""
    from websockets.asyncio.client import ClientConnection

    assert isinstance(ws, ClientConnection)
    frames: list[dict] = []
    async with asyncio.timeout(60):
        while True:
            frame = await recv_json(ws)
            frames.append(frame)
            if frame["type"] == "strokes" and ack:
                await ws.send(json.dumps({"type": "animation_done", "batch_id": frame["batch_id"]}))
            if frame["type"] == "piece_state" and frame["completed"]:
                return frames


class TestSequenceNumbers:
    async def test_every_message_has_an_increasing_seq_and_inline_strokes(
        self, tmp_path: Path
    ) -> None:
        # Arrange
        async with running_server(tmp_path) as server:
            token = await server.local_token()
            async with server.ws(token, "strokes=inline") as ws:
                init = await recv_json(ws)

                # Act
                await ws.send(json.dumps({"type": "new_canvas", "direction": "dots"}))
                server.gate.set()
                frames = await _draw_until_done(server, ws)

        # Assert
        seqs = [f["seq"] for f in frames]
        assert all(isinstance(s, int) for s in seqs)
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
        assert seqs[0] > init["seq"]  # type: ignore[operator]
        kinds = {f["type"] for f in frames}
        assert "strokes" in kinds and "agent_strokes_ready" not in kinds
        batch = next(f for f in frames if f["type"] == "strokes")
        assert batch["strokes"][0]["path"]["type"] == "line"
        assert len(batch["strokes"][0]["points"]) >= 2

    async def test_auth_by_first_frame_and_by_subprotocol(self, tmp_path: Path) -> None:
        # Arrange
        async with running_server(tmp_path) as server:
            token = await server.local_token()

            # Act
            async with server.ws(None, "strokes=inline") as ws:
                await ws.send(json.dumps({"type": "auth", "token": token}))
                by_frame = await recv_json(ws)
            async with server.ws(None, subprotocols=["code-monet.v2", f"bearer.{token}"]) as ws:
                chosen = ws.subprotocol
                by_header = await recv_json(ws)

        # Assert
        assert by_frame["type"] == "init"
        assert by_header["type"] == "init"
        assert chosen == "code-monet.v2"


class TestResume:
    async def test_resume_after_disconnect_replays_exactly_what_was_missed(
        self, tmp_path: Path
    ) -> None:
        # Arrange: socket A follows the whole piece; socket B leaves early and resumes
        async with running_server(tmp_path, artist_kwargs={"finish_after": 3}) as server:
            token = await server.local_token()
            async with server.ws(token, "strokes=inline") as ws_a:
                await recv_json(ws_a)
                async with server.ws(token, "strokes=inline") as ws_b:
                    await recv_json(ws_b)
                    await ws_a.send(json.dumps({"type": "new_canvas"}))
                    server.gate.set()
                    first, seen_b = await recv_until(ws_b, "strokes")
                last_seq = first["seq"]
                frames_a = await _draw_until_done(server, ws_a)

                # Act
                async with server.ws(token, f"strokes=inline&last_seq={last_seq}") as ws_b:
                    replay: list[dict] = []
                    async with asyncio.timeout(30):
                        while not replay or replay[-1]["seq"] < frames_a[-1]["seq"]:
                            replay.append(await recv_json(ws_b))

        # Assert: B's frames before + the replay = A's frames, none twice, none missing
        after = [f for f in frames_a if f["seq"] > last_seq]
        assert [f["seq"] for f in replay] == [f["seq"] for f in after]
        assert replay == after
        batches_b = [f["batch_id"] for f in seen_b + replay if f["type"] == "strokes"]
        batches_a = [f["batch_id"] for f in frames_a if f["type"] == "strokes"]
        assert batches_b == batches_a == sorted(set(batches_a))

    async def test_a_too_old_last_seq_gets_a_fresh_init(self, tmp_path: Path) -> None:
        # Arrange: keep only a short log
        settings = ServerSettings(event_log_keep=10)
        async with running_server(
            tmp_path, settings=settings, artist_kwargs={"finish_after": 4}
        ) as server:
            token = await server.local_token()
            async with server.ws(token, "strokes=inline") as ws:
                await recv_json(ws)
                await ws.send(json.dumps({"type": "new_canvas"}))
                server.gate.set()
                await _draw_until_done(server, ws)

            # Act
            async with server.ws(token, "strokes=inline&last_seq=1") as ws:
                frame = await recv_json(ws)

        # Assert
        assert frame["type"] == "init"
        assert len(frame["strokes"]) == 12  # type: ignore[arg-type]

    async def test_a_replay_longer_than_the_send_queue_gets_a_fresh_init(
        self, tmp_path: Path
    ) -> None:
        """Missed messages that would overflow the socket's queue come as one init instead of
        a replay cut short."""
        # Arrange: a 16-frame send queue and a piece of ten batches missed
        settings = ServerSettings(send_queue_size=16)
        async with running_server(
            tmp_path, settings=settings, artist_kwargs={"finish_after": 10}
        ) as server:
            token = await server.local_token()
            async with server.ws(token, "strokes=inline") as ws:
                last_seq = (await recv_json(ws))["seq"]
                await ws.send(json.dumps({"type": "new_canvas"}))
                server.gate.set()
                frames = await _draw_until_done(server, ws)

                # Act
                async with server.ws(token, f"strokes=inline&last_seq={last_seq}") as resumed:
                    frame = await recv_json(resumed)

        # Assert
        assert len([f for f in frames if f["seq"] > last_seq]) >= 16
        assert frame["type"] == "init" and frame["seq"] >= frames[-1]["seq"]
        drawn = sum(len(f["strokes"]) for f in frames if f["type"] == "strokes")
        assert len(frame["strokes"]) == drawn  # type: ignore[arg-type]

    async def test_a_last_seq_ahead_of_the_server_gets_a_fresh_init(self, tmp_path: Path) -> None:
        """A client that saw seqs this server never wrote (its log was lost) starts afresh."""
        # Arrange
        async with running_server(tmp_path) as server:
            token = await server.local_token()
            async with server.ws(token, "strokes=inline") as ws:
                current = (await recv_json(ws))["seq"]

            # Act
            async with server.ws(token, f"strokes=inline&last_seq={current + 500}") as ws:
                frame = await recv_json(ws)

        # Assert
        assert frame["type"] == "init" and current <= frame["seq"] < current + 500

    async def test_resume_after_a_server_restart_loses_and_repeats_nothing(
        self, tmp_path: Path
    ) -> None:
        # Arrange: the first server draws one batch of an unfinished piece, then stops
        gate = asyncio.Event()
        gate.set()
        kwargs: dict[str, object] = {"finish_after": 2, "gate": gate}
        async with running_server(tmp_path, artist_kwargs=kwargs) as server:
            token = await server.local_token()
            async with server.ws(token, "strokes=inline") as ws:
                await recv_json(ws)
                await ws.send(json.dumps({"type": "new_canvas"}))
                first, before = await recv_until(ws, "strokes")
                gate.clear()  # the second batch waits
                await ws.send(json.dumps({"type": "animation_done", "batch_id": 1}))
            last_seq = max(f["seq"] for f in before)

        # Act: a new server process on the same data; the client resumes
        gate.set()
        async with running_server(tmp_path, artist_kwargs=kwargs) as server:
            token = await server.local_token()
            async with server.ws(token, f"strokes=inline&last_seq={last_seq}") as ws:
                frames = await _draw_until_done(server, ws)
            async with server.http(token) as http:
                state = (await http.get("/gallery/1/strokes")).json()

        # Assert: every stroke of the finished piece arrived exactly once across both servers
        received = [s for f in before + frames if f["type"] == "strokes" for s in f["strokes"]]
        batch_ids = [f["batch_id"] for f in before + frames if f["type"] == "strokes"]
        assert batch_ids == sorted(set(batch_ids))
        assert [s["path"] for s in received] == state["strokes"]
        assert first["batch_id"] == 1


class TestAuthFailures:
    async def test_close_codes(self, tmp_path: Path) -> None:
        # Arrange
        async with running_server(
            tmp_path, settings=ServerSettings(max_connections_per_user=1)
        ) as server:
            token = await server.local_token()
            codes: dict[str, int | None] = {}

            # Act
            for name, conn in (
                ("invalid", server.ws("not-a-token")),
                ("no_token", server.ws(None)),
                ("no_token_v2", server.ws(None, "v=2")),
            ):
                async with conn as ws:
                    if name == "no_token_v2":  # (a v2 client's first frame must be auth)
                        await ws.send(json.dumps({"type": "nudge", "text": "hi"}))
                    with pytest.raises(ConnectionClosed) as closed:
                        await recv_json(ws)
                    codes[name] = closed.value.rcvd.code if closed.value.rcvd else None
            async with server.ws(token) as first:
                await recv_json(first)
                async with server.ws(token) as second:
                    with pytest.raises(ConnectionClosed) as closed:
                        await recv_json(second)
                    codes["cap"] = closed.value.rcvd.code if closed.value.rcvd else None
            broken = Database.connect(
                f"sqlite+aiosqlite:///{tmp_path}/missing/dir/x.db", DatabaseSettings()
            )
            real = server.app_runtime.auth.database
            server.app_runtime.auth.database = broken
            try:
                async with server.ws(token) as ws:
                    with pytest.raises(ConnectionClosed) as closed:
                        await recv_json(ws)
                    codes["db_down"] = closed.value.rcvd.code if closed.value.rcvd else None
            finally:
                server.app_runtime.auth.database = real
                await broken.dispose()

        # Assert
        assert codes == {
            "invalid": 4001,
            "no_token": 4001,
            "no_token_v2": 4001,
            "cap": 4003,
            "db_down": 1011,
        }


class TestBadFrames:
    async def test_malformed_frames_get_errors_and_the_socket_stays_open(
        self, tmp_path: Path
    ) -> None:
        # Arrange
        settings = ServerSettings(max_frame_bytes=4096)
        async with running_server(tmp_path, settings=settings) as server:
            token = await server.local_token()
            async with server.ws(token) as ws:
                await recv_json(ws)
                errors: list[str] = []

                # Act
                for raw in (
                    "{not json",
                    "[1, 2]",
                    json.dumps({"no": "type"}),
                    json.dumps({"type": "stroke", "points": []}),
                    '{"type": "stroke", "points": [{"x": NaN, "y": 1}]}',
                    json.dumps({"type": "nudge", "text": "x" * 3000}),
                    json.dumps({"type": "nudge", "text": "y" * 5000}),
                    json.dumps({"type": "load_canvas", "piece_number": 42}),
                ):
                    await ws.send(raw)
                    frame, _ = await recv_until(ws, "error")
                    errors.append(str(frame["message"]))
                await ws.send(json.dumps({"type": "telepathy", "x": 1}))
                await ws.send(json.dumps({"type": "set_style", "drawing_style": "paint"}))
                after, seen = await recv_until(ws, "style_change")

        # Assert
        assert errors[0].startswith("Invalid JSON")
        assert "type" in errors[1] and "type" in errors[2]
        assert errors[3] == "Invalid 'stroke' message"
        assert errors[4] == "Invalid 'stroke' message"
        assert errors[5] == "Invalid 'nudge' message"
        assert errors[6].startswith("Message too large")
        assert "no piece 42" in errors[7]
        assert not [f for f in seen if f["type"] == "error"]  # the unknown type was ignored
        assert after["drawing_style"] == "paint"

    async def test_an_absurd_frame_closes_the_socket_with_1009(self, tmp_path: Path) -> None:
        """Over twice MAX_FRAME_BYTES, uvicorn refuses the frame itself (close 1009); the
        server carries on and the user can reconnect."""
        # Arrange
        settings = ServerSettings(max_frame_bytes=4096)
        async with running_server(tmp_path, settings=settings) as server:
            token = await server.local_token()
            async with server.ws(token) as ws:
                await recv_json(ws)

                # Act
                await ws.send(json.dumps({"type": "nudge", "text": "z" * 9000}))
                with pytest.raises(ConnectionClosed) as closed:
                    await recv_json(ws)
            async with server.ws(token) as again:
                greeting = await recv_json(again)

        # Assert
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
        assert greeting["type"] == "init"

    async def test_human_strokes_are_rate_limited(self, tmp_path: Path) -> None:
        # Arrange
        settings = ServerSettings(human_stroke_burst=3, human_strokes_per_second=0.01)
        async with running_server(tmp_path, settings=settings) as server:
            token = await server.local_token()
            async with server.ws(token) as ws:
                await recv_json(ws)
                stroke = json.dumps({"type": "stroke", "points": [{"x": 1, "y": 2}]})

                # Act
                for _ in range(4):
                    await ws.send(stroke)
                replies: list[dict] = []
                while len(replies) < 4:
                    frame = await recv_json(ws)
                    if frame["type"] in ("human_stroke", "error"):
                        replies.append(frame)

        # Assert
        assert [r["type"] for r in replies] == ["human_stroke"] * 3 + ["error"]
        assert str(replies[3]["message"]).startswith("Drawing too fast")


def _slow_drops() -> float:
    from code_monet.observability import metrics

    body, _ = metrics.render_latest()
    for line in body.decode().splitlines():
        if line.startswith("codemonet_ws_slow_clients_dropped_total"):
            return float(line.split()[-1])
    return 0.0


class TestSlowClients:
    async def test_a_stalled_client_is_dropped_without_delaying_a_healthy_one(
        self, tmp_path: Path
    ) -> None:
        # Arrange: big inline batches, tiny per-socket queues
        settings = ServerSettings(send_queue_size=8)
        kwargs: dict[str, object] = {
            "paths_per_turn": 100,
            "line_length": 700.0,
            "finish_after": 3,
            "batches_per_turn": 10,
        }
        async with running_server(tmp_path, settings=settings, artist_kwargs=kwargs) as server:
            token = await server.local_token()
            drops_before = _slow_drops()
            async with (
                server.ws(token, "strokes=inline", max_queue=1) as stalled,
                server.ws(token, "strokes=inline") as healthy,
            ):
                await recv_json(healthy)

                # Act: the stalled socket never reads; the healthy one follows the piece
                await healthy.send(json.dumps({"type": "new_canvas"}))
                server.gate.set()
                frames = await _draw_until_done(server, healthy)
                with pytest.raises(ConnectionClosed) as closed:
                    async with asyncio.timeout(30):
                        while True:
                            await stalled.recv()
                remaining = server.app_runtime.connections.count(
                    next(iter(server.app_runtime.registry._sessions))
                )

        # Assert: the healthy socket got every batch; the stalled one was dropped as slow (its
        # 1013 close frame arrives only if it ever reads again before the server gives up)
        batches = [f["batch_id"] for f in frames if f["type"] == "strokes"]
        assert batches == list(range(1, 31))
        assert _slow_drops() == drops_before + 1
        assert remaining == 1
        assert closed.value.rcvd is None or closed.value.rcvd.code == 1013


class TestIsolation:
    async def test_users_never_see_or_affect_each_other(self, tmp_path: Path) -> None:
        # Arrange
        async with running_server(tmp_path) as server:
            token_a = await server.local_token()
            _, token_b = await server.new_user_token()
            async with server.ws(token_a, "strokes=inline") as ws_a:
                await recv_json(ws_a)
                async with server.ws(token_b, "strokes=inline") as ws_b:
                    init_b = await recv_json(ws_b)
                    await ws_b.send(json.dumps({"type": "pause"}))
                    await recv_until(ws_b, "paused", paused=True)

                    # Act: A draws a piece; B asks for A's things
                    await ws_a.send(json.dumps({"type": "new_canvas"}))
                    server.gate.set()
                    await _draw_until_done(server, ws_a)
                    await ws_b.send(json.dumps({"type": "load_canvas", "piece_number": 1}))
                    reply_b, seen_b = await recv_until(ws_b, "error")
                    async with server.http(token_b) as http_b:
                        pending_b = (await http_b.get("/strokes/pending")).json()
                        gallery_b = (await http_b.get("/gallery")).json()
                        state_b = (await http_b.get("/state")).json()

        # Assert
        assert init_b["strokes"] == []
        assert not [f for f in seen_b if f["type"] in ("strokes", "piece_state", "gallery_update")]
        assert "no piece 1" in str(reply_b["message"])
        assert pending_b["strokes"] == [] and gallery_b == [] and state_b["strokes"] == []


def _metric(text: str, name: str) -> float:
    """The sum of every sample of ``name`` (any labels) in a Prometheus exposition."""
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and line[len(name)] in " {":
            total += float(line.rsplit(" ", 1)[1])
    return total


class TestMetricsEndpoint:
    """``GET /metrics`` through a real server: what a drawn piece moves."""

    async def test_a_drawn_piece_moves_turns_tools_batches_acks_and_users(
        self, tmp_path: Path
    ) -> None:
        """Turns, tool calls, batches and ack latencies count up; the active-users gauge
        follows sessions being loaded and released."""
        # Arrange
        names = (
            "codemonet_agent_turns_total",
            "codemonet_tool_calls_total",
            "codemonet_stroke_batches_queued_total",
            "codemonet_stroke_batch_ack_seconds_count",
        )
        settings = ServerSettings(idle_grace_seconds=0.1)
        async with running_server(
            tmp_path, settings=settings, artist_kwargs={"finish_after": 2}
        ) as server:
            token = await server.local_token()
            async with server.http() as http:
                before = (await http.get("/metrics")).text
                # Act
                async with server.ws(token, "strokes=inline") as ws:
                    await recv_json(ws)
                    await ws.send(json.dumps({"type": "new_canvas"}))
                    server.gate.set()
                    await _draw_until_done(server, ws)
                    during = (await http.get("/metrics")).text
                async with asyncio.timeout(10):
                    while server.app_runtime.registry.active_users():  # noqa: ASYNC110 - from outside
                        await asyncio.sleep(0.05)
                after = (await http.get("/metrics")).text

        # Assert
        for name in names:
            assert _metric(during, name) > _metric(before, name), name
        assert _metric(during, "codemonet_active_users") == 1
        assert _metric(after, "codemonet_active_users") == 0
