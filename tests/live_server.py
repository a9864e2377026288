"""The real server as its own process (`python -m code_monet serve`), for tests that kill it,
restart it, fill its disk or damage its files, and a v2 viewer that checks every ``seq``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def server_process(
    data_dir: Path,
    port: int,
    extra_env: Mapping[str, str] | None = None,
    *,
    graceful: bool = False,
) -> Iterator[subprocess.Popen[bytes]]:
    """The builtin artist in local mode, on ``data_dir``; still running at the end, it is
    killed (or, ``graceful``, stopped with SIGTERM first)."""
    env = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "AGENT_PROVIDER": "builtin",
        "AGENT_SEED": "7",
        "LOCAL_MODE": "true",
        "DATABASE_URL": "",
        **(extra_env or {}),
    }
    command = [sys.executable, "-m", "code_monet", "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield process
    finally:
        if process.poll() is None and graceful:
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=30)
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        if process.stderr is not None:
            process.stderr.close()


async def wait_healthy(base: str, process: subprocess.Popen[bytes]) -> None:
    """Until ``/health`` answers 200 (the server's stderr in the error if it exits first)."""
    async with httpx2.AsyncClient(base_url=base, timeout=5) as client, asyncio.timeout(60):
        while True:
            if process.poll() is not None:
                raise AssertionError(f"server exited: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            try:
                if (await client.get("/health")).status_code == 200:
                    return
            except httpx2.TransportError:
                pass
            await asyncio.sleep(0.05)


async def dev_token(base: str) -> str:
    async with httpx2.AsyncClient(base_url=base, timeout=10) as client:
        token: str = (await client.get("/auth/dev-token")).json()["access_token"]
        return token


def stop(process: subprocess.Popen[bytes], how: int) -> None:
    """Stop the server with the signal ``how`` and wait for it."""
    process.send_signal(how)
    process.wait(timeout=60)


Json = dict[str, object]


@dataclass
class Viewer:
    """A v2 viewer (inline strokes) that resumes with ``last_seq`` and checks the sequence:
    every message after ``init`` must carry the next ``seq``, within one epoch."""

    epoch: str | None = None
    last_seq: int | None = None
    gaps: list[str] = field(default_factory=list)
    """Every violation: a gap, a duplicate, a seq going backwards, an epoch change."""
    inits: int = 0
    strokes_by_piece: dict[int, list[str]] = field(default_factory=dict)
    """Agent strokes seen per piece (each as its path's canonical JSON)."""
    piece: int = 1
    completed: set[int] = field(default_factory=set)
    unlogged: list[Json] = field(default_factory=list)
    frames: int = 0

    def query(self) -> str:
        parts = ["strokes=inline"]
        if self.last_seq is not None:
            parts.append(f"last_seq={self.last_seq}")
        if self.epoch is not None:
            parts.append(f"epoch={self.epoch}")
        return "&".join(parts)

    def take(self, frame: Json) -> None:
        self.frames += 1
        kind = frame.get("type")
        seq = frame.get("seq")
        if kind == "init":
            self.inits += 1
            epoch = frame.get("epoch")
            if self.epoch is not None and epoch != self.epoch:
                self.gaps.append(f"epoch changed {self.epoch} -> {epoch}")
            self.epoch = epoch if isinstance(epoch, str) else None
            assert isinstance(seq, int)
            if self.last_seq is not None and seq < self.last_seq:
                self.gaps.append(f"init seq {seq} < last seen {self.last_seq}")
            self.last_seq = seq
            number = frame.get("piece_number")
            assert isinstance(number, int)
            self.piece = number
            return
        if seq is None:
            self.unlogged.append(frame)
            return
        assert isinstance(seq, int)
        if self.last_seq is not None and seq != self.last_seq + 1:
            self.gaps.append(f"seq {seq} after {self.last_seq} ({kind})")
        self.last_seq = seq if self.last_seq is None else max(seq, self.last_seq)
        if kind == "strokes":
            number = frame.get("piece_number")
            strokes = frame.get("strokes")
            assert isinstance(number, int) and isinstance(strokes, list)
            seen = self.strokes_by_piece.setdefault(number, [])
            seen.extend(canonical(s["path"]) for s in strokes)
        elif kind == "piece_state":
            number = frame.get("number")
            assert isinstance(number, int)
            self.piece = number
            if frame.get("completed"):
                self.completed.add(number)


def canonical(path: object) -> str:
    return json.dumps(path, sort_keys=True)


async def watch(
    ws: ClientConnection,
    viewer: Viewer,
    seconds: float,
    *,
    until_completed: bool = False,
    ack_delay: float = 0.25,
) -> None:
    """Read frames for ``seconds``, acknowledging every batch like a real client once it has
    'animated' it for ``ack_delay`` seconds."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while (remaining := end - loop.time()) > 0:
        try:
            raw = await asyncio.wait_for(ws.recv(), timeout=remaining)
        except (TimeoutError, ConnectionClosed):
            return
        frame = json.loads(raw)
        viewer.take(frame)
        if frame.get("type") == "strokes":
            await asyncio.sleep(ack_delay)
            await ws.send(json.dumps({"type": "animation_done", "batch_id": frame["batch_id"]}))
        if until_completed and viewer.piece in viewer.completed:
            return


async def open_viewer(base: str, token: str, viewer: Viewer) -> ClientConnection:
    url = base.replace("http", "ws") + f"/ws?token={token}&{viewer.query()}"
    return await connect(url, max_size=None)
