"""Shutdown and crash safety of the real server process (`code-monet serve`)."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path

import httpx2
import pytest
from fakes.server import recv_json, recv_until
from live_server import dev_token, free_port, server_process, wait_healthy
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed


def _workspace_text(data_dir: Path) -> str:
    return next(data_dir.glob("users/*/workspace.json")).read_text()


class TestGracefulShutdown:
    async def test_sigterm_closes_sockets_with_1001_and_keeps_the_canvas(
        self, tmp_path: Path
    ) -> None:
        # Arrange
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with server_process(tmp_path, port) as process:
            await wait_healthy(base, process)
            token = await dev_token(base)
            async with connect(f"ws://127.0.0.1:{port}/ws?token={token}&strokes=inline") as ws:
                await recv_json(ws)
                await ws.send(json.dumps({"type": "new_canvas", "direction": "a tree"}))
                batch, _ = await recv_until(ws, "strokes", within=60)

                # Act
                process.send_signal(signal.SIGTERM)
                with pytest.raises(ConnectionClosed) as closed:
                    async with asyncio.timeout(30):
                        while True:
                            await ws.recv()
            exit_code = await asyncio.to_thread(process.wait, 30)

        # Assert
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
        assert exit_code in (0, -signal.SIGTERM)  # uvicorn re-raises the signal it handled
        saved = json.loads(_workspace_text(tmp_path))
        drawn = [s for s in batch["strokes"]]  # type: ignore[union-attr]
        assert len(saved["canvas"]["strokes"]) >= len(drawn)
        assert saved["pause_reason"] == "disconnect"


class TestCrashRecovery:
    async def test_killed_mid_piece_then_restarted_loses_nothing(self, tmp_path: Path) -> None:
        # Arrange: a piece in progress, some batches animated
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        received: list[dict[str, object]] = []
        with server_process(tmp_path, port) as process:
            await wait_healthy(base, process)
            token = await dev_token(base)
            async with connect(f"ws://127.0.0.1:{port}/ws?token={token}&strokes=inline") as ws:
                await recv_json(ws)
                await ws.send(json.dumps({"type": "new_canvas", "direction": "waves"}))
                for _ in range(2):
                    batch, seen = await recv_until(ws, "strokes", within=60)
                    received.extend(seen)
                    await ws.send(
                        json.dumps({"type": "animation_done", "batch_id": batch["batch_id"]})
                    )

                # Act: SIGKILL — no graceful anything
                process.kill()
                await asyncio.to_thread(process.wait, 30)

        last_seq = max(int(f["seq"]) for f in received)  # type: ignore[call-overload]
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with server_process(tmp_path, port) as process:
            await wait_healthy(base, process)
            token = await dev_token(base)
            url = f"ws://127.0.0.1:{port}/ws?token={token}&strokes=inline&last_seq={last_seq}"
            async with connect(url) as ws:
                batch, after = await recv_until(ws, "strokes", within=60)
            async with httpx2.AsyncClient(
                base_url=base, headers={"Authorization": f"Bearer {token}"}
            ) as http:
                state = (await http.get("/state")).json()

        # Assert: resumed after the last seen seq, no batch twice, canvas kept every stroke
        seqs = [int(f["seq"]) for f in after]  # type: ignore[call-overload]
        assert seqs == sorted(set(seqs)) and seqs[0] > last_seq
        batch_ids = [f["batch_id"] for f in received + after if f["type"] == "strokes"]
        assert batch_ids == sorted(set(batch_ids))
        before_paths = [s["path"] for f in received if f["type"] == "strokes" for s in f["strokes"]]  # type: ignore[attr-defined]
        assert state["strokes"][: len(before_paths)] == before_paths
