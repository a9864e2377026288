"""Issue 15, sockets: hostile frames, control-message floods and unauthenticated sockets are
answered or refused without costing the server (or other users) anything lasting."""

from __future__ import annotations

import json
from pathlib import Path

from fakes.server import recv_json, recv_until, running_server


class TestDeeplyNestedJson:
    async def test_error_frame_and_the_socket_stays_open(self, tmp_path: Path) -> None:
        """100,000 nested arrays (and objects) get an ``error`` frame; the socket keeps working."""
        # Arrange
        async with running_server(tmp_path) as server:
            token = await server.local_token()
            async with server.ws(token, "strokes=inline") as ws:
                await recv_json(ws)  # init
                depth = 100_000
                # Act
                await ws.send("[" * depth + "]" * depth)
                arrays, _ = await recv_until(ws, "error")
                await ws.send(
                    '{"type": "nudge", "text": ' + '{"a": ' * depth + "1" + "}" * depth + "}"
                )
                objects, _ = await recv_until(ws, "error")
                await ws.send(json.dumps({"type": "nudge", "text": "   "}))
                after, _ = await recv_until(ws, "error")
        # Assert
        assert "nested too deeply" in str(arrays["message"])
        assert "nested too deeply" in str(objects["message"])
        assert after["message"] == "A nudge needs some text"  # the same socket still answers
