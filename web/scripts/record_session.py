"""Record a real builtin-artist session as the server messages a v2 inline client receives.

Runs one whole piece through the headless machinery (``AgentOrchestrator`` with the builtin
artist and the code sandbox), with a broadcaster that stamps every ``ServerMessage`` with a
``seq`` (as the server's event log does), pushes stroke batches inline (``strokes`` frames) and
acknowledges each batch at once. The first frame is the ``init`` a fresh viewer would get.

    .venv/bin/python web/scripts/record_session.py [--seed 1] [--style plotter] [-o FILE]

The output feeds the web client's reducer replay test (``web/src/__tests__/replay.test.ts``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from code_monet.orchestrator import AgentOrchestrator

from code_monet.agent import DrawingAgent
from code_monet.agent.providers.builtin import BuiltinProvider
from code_monet.motion_planner import plan_motion
from code_monet.tools.sandbox import CodeSandbox, SandboxConfig
from code_monet.types.messages import (
    InitMessage,
    PendingStroke,
    ServerMessage,
    StrokesMessage,
)
from code_monet.types.styles import DrawingStyleType, get_style_config
from code_monet.workspace import WorkspaceState

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "src" / "__fixtures__" / "builtin-session.json"
USER = uuid.uuid5(uuid.NAMESPACE_URL, "code-monet:web-fixture")


def _round(value: object) -> object:
    """Round floats to 1 decimal (keeps the fixture small; canvas units are coarse)."""
    if isinstance(value, float):
        return round(value, 1)
    if isinstance(value, list):
        return [_round(v) for v in value]
    if isinstance(value, dict):
        return {k: _round(v) for k, v in value.items()}
    return value


def _plan_time(frame: dict[str, object]) -> float:
    """The server's motion-plan time of a recorded batch (the client's planner must agree)."""
    strokes = frame.get("strokes")
    runs: list[np.ndarray] = []
    for stroke in strokes if isinstance(strokes, list) else []:
        points = [(p["x"], p["y"]) for p in stroke["points"]]
        if points:
            runs.append(np.array(points, dtype=np.float64))
    return round(plan_motion(runs).total_time, 6)


@dataclass
class RecordingBroadcaster:
    state: WorkspaceState
    orchestrator: AgentOrchestrator | None = None
    frames: list[dict[str, object]] = field(default_factory=list)
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    max_turns: int = 12
    _seq: int = 0
    _stop_after_turn: bool = False

    def record(self, message: ServerMessage | InitMessage) -> None:
        self._seq += 1
        data = message.model_dump(mode="json")
        data["seq"] = self._seq
        if data.get("type") == "strokes":
            data.pop("queued_at", None)
        rounded = _round(data)
        if isinstance(rounded, dict):
            self.frames.append({"seq": self._seq, **rounded})

    async def send(self, message: ServerMessage) -> None:
        self.record(message)
        if message.type == "piece_state" and message.completed:
            self._stop_after_turn = True
        if message.type == "turn_state" and not message.active:
            turns = self.orchestrator.turns_run if self.orchestrator else 0
            if self._stop_after_turn or turns >= self.max_turns:
                self.finished.set()

    async def strokes_ready(self, batch_id: int, piece_number: int, count: int) -> None:
        pending = await self.state.pending_strokes(after_batch_id=batch_id - 1)
        batch = [PendingStroke.model_validate(s) for s in pending if s["batch_id"] == batch_id]
        self.record(StrokesMessage(batch_id=batch_id, piece_number=piece_number, strokes=batch))
        await self.state.ack_batches(batch_id)
        if self.orchestrator is not None:
            self.orchestrator.animation_done(batch_id)

    def viewer_count(self) -> int:
        return 1


async def record(
    seed: int, style: DrawingStyleType, prompt: str, size: tuple[int, int]
) -> dict[str, object]:
    root = Path(tempfile.mkdtemp(prefix="code-monet-record-"))
    state = await WorkspaceState.load_for_user(USER, data_dir=root, durable=False)
    async with CodeSandbox(SandboxConfig(pool_size=1)) as sandbox:
        agent = DrawingAgent(state, provider=BuiltinProvider(seed=seed), sandbox=sandbox)
        broadcaster = RecordingBroadcaster(state)
        orchestrator = AgentOrchestrator(agent, broadcaster)
        broadcaster.orchestrator = orchestrator
        width, height = state.canvas_size
        broadcaster.record(
            InitMessage(
                strokes=state.strokes,
                gallery=await state.list_gallery(),
                status=state.status,
                paused=state.paused,
                piece_number=state.piece_number,
                monologue=state.monologue,
                drawing_style=state.drawing_style,
                style_config=get_style_config(state.drawing_style),
                canvas_width=width,
                canvas_height=height,
                title=state.title,
                prompt=state.prompt,
                piece_completed=state.piece_completed,
                turn_active=False,
                last_batch_id=0,
            )
        )
        orchestrator.start()
        await orchestrator.new_piece(
            direction=prompt, drawing_style=style, width=size[0], height=size[1]
        )
        await asyncio.wait_for(broadcaster.finished.wait(), timeout=600)
        await orchestrator.stop()
        await agent.close()
    plan_times = {
        int(str(frame["batch_id"])): _plan_time(frame)
        for frame in broadcaster.frames
        if frame.get("type") == "strokes"
    }
    document = {
        "description": "Server messages of one builtin-artist piece, as a v2 inline client sees",
        "seed": seed,
        "style": style.value,
        "prompt": prompt,
        "final_stroke_count": len(state.strokes),
        "final_title": state.title,
        "plan_total_time": plan_times,
        "messages": broadcaster.frames,
    }
    return document


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--style", choices=[s.value for s in DrawingStyleType], default="plotter")
    parser.add_argument("--prompt", default="a small boat on a calm sea")
    parser.add_argument("--width", type=int, default=480)
    parser.add_argument("--height", type=int, default=360)
    parser.add_argument("-o", "--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    style = DrawingStyleType(args.style)
    size = (args.width, args.height)
    document = asyncio.run(record(args.seed, style, args.prompt, size))
    out: Path = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, separators=(",", ":")) + "\n", encoding="utf-8")
    messages = document["messages"]
    count = len(messages) if isinstance(messages, list) else 0
    print(f"wrote {out}: {count} messages, {document['final_stroke_count']} strokes")


if __name__ == "__main__":
    main()
