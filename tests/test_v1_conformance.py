"""Protocol v1 conformance: the behaviours of the original system's clients, played through
the real server (uvicorn + WebSockets + HTTP), each as such a client performs it.

The clients: the original web studio (fetches ``/strokes/pending`` on every render and keeps
the last reply), the iOS app (sends ``drawing_style`` with ``new_canvas``), the terminal client
(``/debug/agent``; ``animation_done`` without ``batch_id``; ``nudge`` with ``message``).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from fakes.server import recv_json, recv_until, running_server
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from code_monet.agent.providers.base import ProviderEvent, ThinkingDelta, TurnContext
from code_monet.agent.tool_session import ToolSession
from code_monet.app.config import ServerSettings

Frame = dict[str, object]


async def _frames_until(ws: ClientConnection, done: str, *, within: float = 30.0) -> list[Frame]:
    """Every frame up to and including the first of type ``done``."""
    frames: list[Frame] = []
    async with asyncio.timeout(within):
        while True:
            frame = await recv_json(ws)
            frames.append(frame)
            if frame["type"] == done:
                return frames


async def _until_finished(ws: ClientConnection) -> Frame:
    """Frames up to ``piece_state{completed: true}`` (the piece is saved before it)."""
    async with asyncio.timeout(60):
        while True:
            frame = await recv_json(ws)
            if frame["type"] == "piece_state" and frame["completed"]:
                return frame


async def _quiet(ws: ClientConnection, seconds: float) -> list[Frame]:
    """Frames that arrive within ``seconds`` (none expected from an idle studio)."""
    frames: list[Frame] = []
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(seconds):
            while True:
                frames.append(await recv_json(ws))
    return frames


def _stroke_key(stroke: object) -> str:
    assert isinstance(stroke, dict)
    return json.dumps(stroke["path"], sort_keys=True)


class TestStateBroadcasts:
    """Every state change a v1 client must know about reaches it as a message."""

    async def test_new_piece_while_paused_broadcasts_paused_false(self, tmp_path: Path) -> None:
        # Arrange
        async with running_server(tmp_path) as server:
            token = await server.local_token()
            async with server.ws(token) as ws:
                await recv_json(ws)  # init
                await ws.send(json.dumps({"type": "pause"}))
                paused, _ = await recv_until(ws, "paused")
                # Act
                await ws.send(json.dumps({"type": "new_canvas", "direction": "boats"}))
                resumed, seen = await recv_until(ws, "paused")
        # Assert
        assert paused["paused"] is True
        assert resumed["paused"] is False
        assert "new_canvas" in [f["type"] for f in seen]

    async def test_new_canvas_with_a_style_broadcasts_style_change(self, tmp_path: Path) -> None:
        # Arrange
        async with running_server(tmp_path) as server:
            token = await server.local_token()
            async with server.ws(token) as ws, server.ws(token) as watcher:
                await recv_json(ws)
                await recv_json(watcher)
                # Act
                await ws.send(json.dumps({"type": "new_canvas", "drawing_style": "paint"}))
                change, _ = await recv_until(watcher, "style_change")
        # Assert
        assert change["drawing_style"] == "paint"
        style = change["style_config"]
        assert isinstance(style, dict) and style["type"] == "paint"


class TestFreshStudio:
    """A new studio waits for Start: v1 clients expect ``init.paused == true``."""

    async def test_a_reload_of_a_fresh_studio_starts_nothing(self, tmp_path: Path) -> None:
        # Arrange
        async with running_server(tmp_path) as server:
            token = await server.local_token()
            server.gate.set()  # the artist could draw at once if it were started
            async with server.ws(token) as ws:
                first = await recv_json(ws)
            # Act: the page reloads (the last socket closes, a new one opens)
            async with server.ws(token) as ws:
                second = await recv_json(ws)
                idle = await _quiet(ws, 1.5)
            async with server.http(token) as http:
                agent = (await http.get("/debug/agent")).json()
        # Assert
        assert first["paused"] is True and second["paused"] is True
        assert [f["type"] for f in idle] == []
        assert agent["turns_run"] == 0 and agent["stroke_count"] == 0

    async def test_start_begins_the_first_piece(self, tmp_path: Path) -> None:
        # Arrange
        async with running_server(tmp_path) as server:
            token = await server.local_token()
            server.gate.set()
            async with server.ws(token) as ws:
                await recv_json(ws)
                # Act
                await ws.send(json.dumps({"type": "resume"}))
                resumed, _ = await recv_until(ws, "paused")
                ready, _ = await recv_until(ws, "agent_strokes_ready")
        # Assert
        assert resumed["paused"] is False
        assert ready["count"] == 3


class TestDebugAgent:
    async def test_the_fields_v1_tools_read_are_present(self, tmp_path: Path) -> None:
        # Arrange
        async with running_server(tmp_path) as server:
            token = await server.local_token()
            async with server.ws(token) as ws, server.http(token) as http:
                await recv_json(ws)
                await ws.send(json.dumps({"type": "stroke", "points": [{"x": 1, "y": 1}]}))
                await recv_until(ws, "human_stroke")
                # Act
                agent = (await http.get("/debug/agent")).json()
        # Assert
        assert agent["stroke_count"] == 1
        assert agent["connected_clients"] == 1
        assert isinstance(agent["notes"], str) and isinstance(agent["monologue"], str)


class TestStrokeDelivery:
    """``agent_strokes_ready`` → ``GET /strokes/pending`` → ``animation_done``."""

    async def test_a_reconnect_with_an_unacknowledged_batch_shows_it_once(
        self, tmp_path: Path
    ) -> None:
        # Arrange: a batch is announced and fetched, never acknowledged
        async with running_server(tmp_path, artist_kwargs={"finish_after": 99}) as server:
            token = await server.local_token()
            async with server.ws(token) as ws, server.http(token) as http:
                await recv_json(ws)
                await ws.send(json.dumps({"type": "new_canvas"}))
                server.gate.set()
                await recv_until(ws, "agent_strokes_ready")
                fetched = (await http.get("/strokes/pending")).json()["strokes"]
                await ws.send(json.dumps({"type": "pause"}))
                await recv_until(ws, "paused")
            # Act: the client reconnects
            async with server.ws(token) as ws, server.http(token) as http:
                init = await recv_json(ws)
                again = (
                    await http.get(
                        "/strokes/pending", params={"connection_id": init["connection_id"]}
                    )
                ).json()["strokes"]
                by_token = (await http.get("/strokes/pending")).json()["strokes"]
        # Assert: the init holds the batch; no fetch delivers it a second time
        assert fetched
        init_keys = {_stroke_key({"path": s}) for s in init["strokes"]}  # type: ignore[union-attr]
        assert {_stroke_key(s) for s in fetched} <= init_keys
        assert init["last_batch_id"] >= fetched[-1]["batch_id"]
        assert again == [] and by_token == []

    async def test_a_client_that_refetches_and_keeps_the_last_reply_draws_every_stroke(
        self, tmp_path: Path
    ) -> None:
        """The original web client: 20 fetches per announcement, only the last reply kept."""
        # Arrange
        kwargs = {"finish_after": 4, "batches_per_turn": 2, "paths_per_turn": 5}
        async with running_server(tmp_path, artist_kwargs=kwargs) as server:
            token = await server.local_token()
            drawn: list[str] = []
            async with server.ws(token) as ws, server.http(token) as http:
                await recv_json(ws)
                await ws.send(json.dumps({"type": "new_canvas"}))
                server.gate.set()
                # Act
                async with asyncio.timeout(60):
                    while True:
                        frame = await recv_json(ws)
                        if frame["type"] == "agent_strokes_ready":
                            replies = [
                                (await http.get("/strokes/pending")).json() for _ in range(20)
                            ]
                            last = replies[-1]["strokes"]
                            drawn.extend(_stroke_key(s) for s in last)
                            await ws.send(
                                json.dumps(
                                    {"type": "animation_done", "batch_id": frame["batch_id"]}
                                )
                            )
                        if frame["type"] == "piece_state" and frame["completed"]:
                            break
                state = (await http.get("/state")).json()
        # Assert: every stroke on the canvas was drawn by the client, each once
        canvas = [json.dumps(p, sort_keys=True) for p in state["strokes"]]
        assert len(canvas) == 4 * 2 * 5
        assert sorted(drawn) == sorted(canvas)

    async def test_animation_done_without_batch_id_acknowledges_everything(
        self, tmp_path: Path
    ) -> None:
        """The original terminal client acknowledges without a batch id."""
        # Arrange
        async with running_server(tmp_path, artist_kwargs={"finish_after": 3}) as server:
            token = await server.local_token()
            async with server.ws(token) as ws, server.http(token) as http:
                await recv_json(ws)
                await ws.send(json.dumps({"type": "new_canvas"}))
                server.gate.set()
                # Act
                frames: list[Frame] = []
                async with asyncio.timeout(60):
                    while True:
                        frame = await recv_json(ws)
                        frames.append(frame)
                        if frame["type"] == "agent_strokes_ready":
                            await ws.send(json.dumps({"type": "animation_done"}))
                        if frame["type"] == "piece_state" and frame["completed"]:
                            break
                pending = (await http.get("/strokes/pending")).json()
        # Assert
        assert not [f for f in frames if f["type"] == "error"]
        assert [f["type"] for f in frames].count("agent_strokes_ready") == 3
        assert pending["count"] == 0

    async def test_a_nudge_with_message_instead_of_text_is_taken(self, tmp_path: Path) -> None:
        # Arrange
        async with running_server(tmp_path) as server:
            token = await server.local_token()
            async with server.ws(token) as ws:
                await recv_json(ws)
                await ws.send(json.dumps({"type": "new_canvas"}))
                server.gate.set()
                await recv_until(ws, "agent_strokes_ready")
                # Act
                await ws.send(json.dumps({"type": "nudge", "message": "more birds"}))
                await ws.send(json.dumps({"type": "nudge"}))
                error, _ = await recv_until(ws, "error")
                for _ in range(3):  # the turn after the nudge reads it
                    if "more birds" in server.artists[0].nudges_seen:
                        break
                    await recv_until(ws, "agent_strokes_ready")
        # Assert
        assert "more birds" in server.artists[0].nudges_seen
        assert error["message"] == "Invalid 'nudge' message"
        assert "needs its text" in str(error["details"])


class TestLongSessions:
    """v1 clients refresh their token only on page load: a day's session keeps working,
    while signing out still cuts it off at once."""

    async def test_an_access_token_older_than_its_lifetime_keeps_a_v1_client_working(
        self, tmp_path: Path
    ) -> None:
        # Arrange
        async with running_server(tmp_path) as server:
            token = await server.local_token()
            auth = server.app_runtime.auth
            real = auth.clock
            auth.clock = lambda: real() + timedelta(hours=8)  # the token expired long ago
            try:
                # Act
                async with server.ws(token) as ws, server.http(token) as http:
                    init = await recv_json(ws)
                    pending = await http.get("/strokes/pending")
                    other_route = await http.get("/gallery")
                async with server.ws(token, "strokes=inline") as v2:
                    with pytest.raises(ConnectionClosed) as v2_closed:
                        await recv_json(v2)
                auth.clock = lambda: real() + timedelta(hours=25)  # past a day's grace
                async with server.ws(token) as late:
                    with pytest.raises(ConnectionClosed) as late_closed:
                        await recv_json(late)
            finally:
                auth.clock = real
        # Assert
        assert init["type"] == "init"
        assert pending.status_code == 200
        assert other_route.status_code == 401  # only the v1 polling surface has the grace
        assert v2_closed.value.rcvd is not None and v2_closed.value.rcvd.code == 4001
        assert late_closed.value.rcvd is not None and late_closed.value.rcvd.code == 4001

    async def test_signing_out_cuts_off_an_old_token_at_once(self, tmp_path: Path) -> None:
        # Arrange
        async with running_server(tmp_path) as server:
            async with server.http() as client:
                pair = (await client.get("/auth/dev-token")).json()
            token = pair["access_token"]
            auth = server.app_runtime.auth
            real = auth.clock
            auth.clock = lambda: real() + timedelta(hours=2)
            try:
                async with server.ws(token) as ws, server.http(token) as http:
                    await recv_json(ws)
                    # Act
                    auth.clock = real  # (sign out with a current token of the same session)
                    out = await http.post(
                        "/auth/logout", json={"refresh_token": pair["refresh_token"]}
                    )
                    auth.clock = lambda: real() + timedelta(hours=2)
                    with pytest.raises(ConnectionClosed) as closed:
                        async with asyncio.timeout(10):
                            while True:
                                await recv_json(ws)
                    after = await http.get("/strokes/pending")
            finally:
                auth.clock = real
        # Assert
        assert out.status_code in (200, 204)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4001
        assert after.status_code == 401


class TestTokenlessSockets:
    async def test_a_socket_without_a_token_is_closed_at_once(self, tmp_path: Path) -> None:
        """The original server closes at once; only a client that announced v2 may send its
        token in a first frame (it would otherwise wait 10 s)."""
        # Arrange
        async with running_server(tmp_path) as server:
            began = time.perf_counter()
            # Act
            async with server.ws(None) as ws:
                with pytest.raises(ConnectionClosed) as closed:
                    await recv_json(ws, within=10)
            elapsed = time.perf_counter() - began
            token = await server.local_token()
            async with server.ws(None, subprotocols=["code-monet.v2"]) as v2:  # type: ignore[list-item]
                await v2.send(json.dumps({"type": "auth", "token": token}))
                init = await recv_json(v2)
        # Assert
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4001
        print(f"tokenless socket closed after {elapsed:.3f} s")
        assert elapsed < 5.0  # (the first-frame wait it no longer does is 10 s)
        assert init["type"] == "init"


async def _ack_batches(ws: ClientConnection, frames: list[Frame]) -> None:
    """Acknowledge every inline batch among ``frames``, as a viewer that animates does."""
    for frame in frames:
        if frame["type"] == "strokes":
            await ws.send(json.dumps({"type": "animation_done", "batch_id": frame["batch_id"]}))


class _RacingArtist:
    """Draws a big batch per call (prepared in a worker thread: a window for the race) and
    records, per drawing call, the piece it was made for (from the line's y)."""

    name = "racing"

    def __init__(self) -> None:
        self.calls: dict[int, int] = {}  # call number (y) → piece number
        self.count = 0

    async def run_turn(self, turn: TurnContext, tools: ToolSession) -> AsyncIterator[ProviderEvent]:
        yield ThinkingDelta("Drawing. ")
        for _ in range(3):
            self.count += 1
            y = float(self.count % 590 + 5)
            self.calls[self.count % 590 + 5] = turn.piece_number
            points = [{"x": 5 + i * 0.5, "y": y} for i in range(600)]
            await tools.call("draw_paths", {"paths": [{"type": "polyline", "points": points}]})

    async def reset(self) -> None:
        return None

    async def close(self) -> None:
        return None


class TestNewPieceRace:
    """A new piece cancels the running turn: its strokes never reach the new canvas, and
    the number announced is the number saved."""

    async def test_strokes_of_a_cancelled_turn_never_land_on_the_new_piece(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Arrange
        artists: list[_RacingArtist] = []

        def make() -> _RacingArtist:
            artists.append(_RacingArtist())
            return artists[-1]

        monkeypatch.setattr("fakes.server.ScriptedArtist", lambda **_: make())
        fast = ServerSettings(
            idle_grace_seconds=300, control_message_burst=500, control_messages_per_second=100
        )  # (50 new pieces in a few seconds is not what the control-message limit is about)
        async with running_server(tmp_path, settings=fast) as server:
            token = await server.local_token()
            bad: list[tuple[int, int]] = []
            async with server.ws(token, "strokes=inline") as ws, server.http(token) as http:
                await recv_json(ws)
                await ws.send(json.dumps({"type": "new_canvas"}))
                for trial in range(50):
                    # Act: a new piece while a drawing call may be in flight
                    batch, seen = await recv_until(ws, "strokes")
                    await _ack_batches(ws, [*seen, batch])
                    await asyncio.sleep((trial % 7) * 0.003)
                    await ws.send(json.dumps({"type": "new_canvas"}))
                    announced, seen = await recv_until(ws, "piece_state")
                    await _ack_batches(ws, seen)
                    state = (await http.get("/state")).json()
                    number = state["piece_number"]
                    for stroke in state["strokes"]:
                        made_for = artists[0].calls.get(round(stroke["points"][0]["y"]))
                        if made_for is not None and made_for != number:
                            bad.append((number, made_for))
                    assert announced["number"] == number
                gallery = (await http.get("/gallery")).json()
        # Assert
        assert bad == []
        numbers = sorted(p["piece_number"] for p in gallery)
        assert numbers == sorted(set(numbers))

    async def test_a_cleared_finished_piece_then_a_new_one_is_saved_under_its_number(
        self, tmp_path: Path
    ) -> None:
        # Arrange: piece 1 finishes (and is saved), then the canvas is cleared
        async with running_server(tmp_path, artist_kwargs={"finish_after": 1}) as server:
            token = await server.local_token()
            server.gate.set()
            async with server.ws(token, "strokes=inline") as ws, server.http(token) as http:
                await recv_json(ws)
                await ws.send(json.dumps({"type": "new_canvas"}))
                await _until_finished(ws)
                await ws.send(json.dumps({"type": "clear"}))
                await recv_until(ws, "clear")
                # Act: a new piece is started and finishes
                await ws.send(json.dumps({"type": "new_canvas"}))
                announced, _ = await recv_until(ws, "piece_state")
                done = await _until_finished(ws)
                gallery = (await http.get("/gallery")).json()
        # Assert
        assert done["number"] == announced["number"]
        assert announced["number"] in [p["piece_number"] for p in gallery]
