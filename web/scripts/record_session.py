"""Record a real builtin-artist session as the server messages a v2 inline client receives.

Starts the real server (``code-monet serve`` on a free loopback port, local mode, the builtin
artist, ``DATA_DIR`` in a temporary directory), signs in as the local user
(``GET /auth/dev-token``) and connects one WebSocket as the web studio does: the
``code-monet.v2`` and ``bearer.<token>`` subprotocols and ``strokes=inline``. It starts a piece
with ``new_canvas`` (direction, style, size; that also starts the fresh studio, which waits
paused for its first piece) and records every frame exactly as received, acknowledging each
stroke batch at once with ``animation_done``, until the piece is completed (or, after
``--max-turns`` turns, until the artist has paused on a ``pause``). The final stroke count and
title are the server's (``GET /state``). Then the server is stopped with SIGTERM.

    .venv/bin/python web/scripts/record_session.py [--seed 1] [--style plotter] [-o FILE]

``--seed`` reaches the builtin artist as the server's ``AGENT_SEED``. To keep the file small,
floats are rounded to 1 decimal and ``strokes.queued_at`` (a timestamp) is dropped;
``plan_total_time`` is the server's motion plan (``code_monet.geometry.motion``) of each
recorded batch, which the client's planner must match. The output feeds the web client's replay
test (``web/src/__tests__/replay.test.ts``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import httpx2
import numpy as np
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from code_monet.geometry.motion import plan_motion
from code_monet.types.styles import DrawingStyleType

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "src" / "__fixtures__" / "builtin-session.json"
VOLATILE = frozenset({"queued_at"})  # only ``strokes`` frames carry it
TIMEOUT_SECONDS = 600.0  # a safety net: a whole piece takes far less
Frame = dict[str, object]
Points = list[dict[str, float]]


def _round(value: object) -> object:
    """Round floats to 1 decimal (keeps the fixture small; canvas units are coarse)."""
    if isinstance(value, float):
        return round(value, 1)
    if isinstance(value, list):
        return [_round(v) for v in value]
    if isinstance(value, dict):
        return {k: _round(v) for k, v in value.items()}
    return value


def _plan_time(frame: Frame) -> float:
    """The server's motion-plan time of a recorded batch (the client's planner must agree)."""
    strokes = cast("list[dict[str, Points]]", frame["strokes"])
    runs = [
        np.array([(p["x"], p["y"]) for p in stroke["points"]], dtype=np.float64)
        for stroke in strokes
        if stroke["points"]
    ]
    return round(plan_motion(runs).total_time, 6)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _server_command(port: int) -> list[str]:
    cli = shutil.which("code-monet", path=str(Path(sys.executable).parent)) or "code-monet"
    return [cli, "serve", "--host", "127.0.0.1", "--port", str(port)]


def _server_env(data_dir: Path, seed: int) -> dict[str, str]:
    """Local mode with the builtin artist on embedded SQLite under ``data_dir``. The sandbox may
    fall back when bubblewrap does not work here (local mode only)."""
    env = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "LOCAL_MODE": "true",
        "AGENT_PROVIDER": "builtin",
        "AGENT_SEED": str(seed),
        "SANDBOX_ALLOW_FALLBACK": "true",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DATABASE_URL", None)
    return env


async def _wait_healthy(client: httpx2.AsyncClient, server: subprocess.Popen[bytes]) -> None:
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}")
        with contextlib.suppress(httpx2.TransportError):
            if (await client.get("/health")).status_code == 200:
                return
        await asyncio.sleep(0.1)


async def _record_frames(
    ws_url: str, token: str, style: DrawingStyleType, prompt: str, size: tuple[int, int], turns: int
) -> list[Frame]:
    """Every frame one v2 inline socket receives while the piece is drawn."""
    frames: list[Frame] = []
    protocols = [Subprotocol("code-monet.v2"), Subprotocol(f"bearer.{token}")]
    async with connect(f"{ws_url}?strokes=inline", subprotocols=protocols, max_size=None) as ws:
        start = {
            "type": "new_canvas",
            "direction": prompt,
            "drawing_style": style.value,
            "canvas_width": size[0],
            "canvas_height": size[1],
        }
        completed = paused = active = stopping = False
        ended = 0
        async for raw in ws:
            frame = cast("Frame", json.loads(raw))
            frames.append(frame)
            kind = frame.get("type")
            if kind == "init":
                await ws.send(json.dumps(start))
            elif kind == "strokes":
                await ws.send(json.dumps({"type": "animation_done", "batch_id": frame["batch_id"]}))
            elif kind == "paused":
                if frame.get("reason") == "error":
                    raise RuntimeError(f"the artist failed: {frames[-2:]}")
                paused = bool(frame.get("paused"))
            elif kind == "piece_state":
                completed = bool(frame.get("completed"))
            elif kind == "turn_state":
                active = bool(frame.get("active"))
                ended += not active
            if active or kind == "init":
                continue
            if (completed and kind == "turn_state") or (stopping and paused):
                break
            if ended >= turns and not stopping:
                # Cut short: pause the artist so the recording and ``GET /state`` agree.
                stopping = True
                await ws.send(json.dumps({"type": "pause"}))
        else:
            raise RuntimeError(f"the server closed the socket: {ws.close_code} {ws.close_reason}")
    return frames


@contextlib.contextmanager
def serving(seed: int) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A real server in a subprocess on a temporary ``DATA_DIR``: yields its base URL and the
    process, then stops it with SIGTERM (its log goes to stderr if anything failed)."""
    with tempfile.TemporaryDirectory(prefix="code-monet-record-") as tmp:
        root = Path(tmp)
        port = _free_port()
        log_path = root / "server.log"
        with log_path.open("wb") as log:
            server = subprocess.Popen(
                _server_command(port),
                cwd=root,  # no ``.env`` from the caller's directory
                env=_server_env(root / "data", seed),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            yield f"http://127.0.0.1:{port}", server
        except BaseException:
            sys.stderr.write(log_path.read_text(encoding="utf-8", errors="replace")[-4000:])
            raise
        finally:
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
                try:
                    server.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()


async def record(
    base: str,
    server: subprocess.Popen[bytes],
    style: DrawingStyleType,
    prompt: str,
    size: tuple[int, int],
    max_turns: int,
) -> tuple[list[Frame], Frame]:
    """The frames of one piece, and the server's ``GET /state`` after it."""
    async with asyncio.timeout(TIMEOUT_SECONDS), httpx2.AsyncClient(base_url=base) as client:
        await _wait_healthy(client, server)
        reply = await client.get("/auth/dev-token")
        reply.raise_for_status()
        token: str = reply.json()["access_token"]
        ws_url = base.replace("http://", "ws://") + "/ws"
        frames = await _record_frames(ws_url, token, style, prompt, size, max_turns)
        reply = await client.get("/state", headers={"Authorization": f"Bearer {token}"})
        reply.raise_for_status()
        return frames, cast("Frame", reply.json())


def document(
    seed: int, style: DrawingStyleType, prompt: str, frames: list[Frame], state: Frame
) -> dict[str, object]:
    """The fixture: the rounded frames without volatile fields, plus what the replay checks."""
    messages = [
        cast("Frame", _round({k: v for k, v in frame.items() if k not in VOLATILE}))
        for frame in frames
    ]
    strokes = state["strokes"]
    return {
        "description": "Server messages of one builtin-artist piece, as a v2 inline client sees",
        "seed": seed,
        "style": style.value,
        "prompt": prompt,
        "final_stroke_count": len(strokes) if isinstance(strokes, list) else 0,
        "final_title": state["title"],
        "plan_total_time": {
            str(m["batch_id"]): _plan_time(m) for m in messages if m["type"] == "strokes"
        },
        "messages": messages,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=1, help="the builtin artist's AGENT_SEED")
    parser.add_argument("--style", choices=[s.value for s in DrawingStyleType], default="plotter")
    parser.add_argument("--prompt", default="a small boat on a calm sea")
    parser.add_argument("--width", type=int, default=480)
    parser.add_argument("--height", type=int, default=360)
    parser.add_argument(
        "--max-turns", type=int, default=30, help="stop after this many turns if not completed"
    )
    parser.add_argument("-o", "--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    size = (args.width, args.height)
    style = DrawingStyleType(args.style)
    with serving(args.seed) as (base, server):
        frames, state = asyncio.run(record(base, server, style, args.prompt, size, args.max_turns))
    result = document(args.seed, style, args.prompt, frames, state)
    out: Path = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {out}: {len(frames)} messages, {result['final_stroke_count']} strokes")


if __name__ == "__main__":
    main()
