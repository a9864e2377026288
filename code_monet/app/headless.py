"""Run one whole piece without a server: ``code-monet draw "PROMPT"``.

A headless broadcaster stands in for the viewers: it prints the artist's thinking, acknowledges
every stroke batch at once (no animation to wait for) and notices when the piece is finished.
When the reader of that output goes away (``code-monet draw … | head -1``) it stops the piece,
as a Unix tool stops on a closed pipe, and the result says so (``output_closed``).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from pydantic import TypeAdapter

from code_monet.agent.drawing_agent import DrawingAgent
from code_monet.agent.providers.base import ArtistProvider
from code_monet.live.orchestrator import AgentOrchestrator
from code_monet.render.pipeline import RenderOptions, canvas_to_svg, render_strokes_png
from code_monet.sandbox.code_sandbox import CodeSandbox, SandboxConfig
from code_monet.types.messages import ServerMessage, ThinkingDeltaMessage
from code_monet.types.state import DEFAULT_CANVAS_HEIGHT, DEFAULT_CANVAS_WIDTH
from code_monet.types.styles import DrawingStyleType
from code_monet.workspace import WorkspaceState
from code_monet.workspace.log import Committed

_SERVER_MESSAGE: TypeAdapter[ServerMessage] = TypeAdapter(ServerMessage)
CLI_USER = uuid.uuid5(uuid.NAMESPACE_URL, "code-monet:headless")


@dataclass
class HeadlessBroadcaster:
    """Viewer stand-in: one 'socket', instant animation, thinking echoed to a stream."""

    echo: bool = True
    orchestrator: AgentOrchestrator | None = None
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    messages: list[ServerMessage] = field(default_factory=list)
    max_turns: int = 12
    out: TextIO | None = None
    """Where thinking is echoed (default: ``sys.stdout`` at the time of writing)."""
    output_closed: bool = False
    _stop_after_turn: bool = False

    async def send(self, message: ServerMessage) -> None:
        self.messages.append(message)
        if isinstance(message, ThinkingDeltaMessage) and self.echo and not self.output_closed:
            self._echo(message.text)
        self._notice(message.type, message.model_dump())

    def send_unlogged(self, message: ServerMessage) -> None:
        self.messages.append(message)
        self._notice(message.type, message.model_dump())

    def on_logged(self, messages: list[Committed]) -> None:
        """(The workspace log's listener.) State changes are sent by the workspace once
        written; batches are 'animated' at once."""
        for message in messages:
            if message.batch_id:
                if self.orchestrator is not None:
                    self.orchestrator.animation_done(message.batch_id)
                continue
            parsed = _SERVER_MESSAGE.validate_json(message.text)
            self.messages.append(parsed)
            self._notice(parsed.type, parsed.model_dump())

    def _notice(self, kind: str, data: dict[str, object]) -> None:
        if kind == "piece_state" and data.get("completed"):
            self._stop_after_turn = True
        if kind == "paused" and data.get("paused"):
            self._stop_after_turn = True
            if self.orchestrator is not None and not self.orchestrator.turn_active:
                self.finished.set()
        if kind == "turn_state" and not data.get("active", True):
            too_long = self.orchestrator is not None and (
                self.orchestrator.turns_run >= self.max_turns
            )
            if self._stop_after_turn or too_long:
                self.finished.set()

    def _echo(self, text: str) -> None:
        out = self.out if self.out is not None else sys.stdout
        try:
            out.write(text)
            out.flush()
        except BrokenPipeError:  # nobody reads any more: stop drawing for them
            self.output_closed = True
            self.finished.set()

    def viewer_count(self) -> int:
        return 1


@dataclass(frozen=True, slots=True)
class HeadlessResult:
    png: Path
    svg: Path
    strokes: int
    title: str | None
    completed: bool
    output_closed: bool = False
    """The echo's reader went away, so the piece was stopped early."""


async def draw_piece(
    prompt: str | None,
    *,
    style: DrawingStyleType,
    out_dir: Path,
    provider: ArtistProvider,
    data_dir: Path | None = None,
    width: int = DEFAULT_CANVAS_WIDTH,
    height: int = DEFAULT_CANVAS_HEIGHT,
    max_turns: int = 12,
    echo: bool = True,
    out: TextIO | None = None,
    worker_host_env: tuple[tuple[str, str], ...] = (),
) -> HeadlessResult:
    """Draw one piece start to finish and write it as PNG and SVG into ``out_dir``."""
    root = data_dir or Path(tempfile.mkdtemp(prefix="code-monet-draw-"))
    state = await WorkspaceState.load_for_user(CLI_USER, data_dir=root, durable=False)
    sandbox_config = SandboxConfig(pool_size=1, local_mode=True, worker_host_env=worker_host_env)
    async with CodeSandbox(sandbox_config) as sandbox:
        agent = DrawingAgent(state, provider=provider, sandbox=sandbox)
        broadcaster = HeadlessBroadcaster(echo=echo, max_turns=max_turns, out=out)
        orchestrator = AgentOrchestrator(agent, broadcaster)
        broadcaster.orchestrator = orchestrator
        orchestrator.start()
        try:
            await orchestrator.new_piece(
                direction=prompt, drawing_style=style, width=width, height=height
            )
            await broadcaster.finished.wait()
        finally:
            await orchestrator.stop()
            await agent.close()
    strokes = state.canvas.strokes
    canvas_w, canvas_h = state.canvas.size
    options = RenderOptions(
        width=canvas_w,
        height=canvas_h,
        drawing_style=style,
        expand_brushes=style is DrawingStyleType.PAINT,
    )
    stem = f"piece-{state.piece.number:06d}-{style.value}"
    png_path, svg_path = out_dir / f"{stem}.png", out_dir / f"{stem}.svg"

    def write_files() -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        png_path.write_bytes(render_strokes_png(strokes, options))
        svg_path.write_text(canvas_to_svg(strokes, canvas_w, canvas_h, style), encoding="utf-8")

    await asyncio.to_thread(write_files)
    return HeadlessResult(
        png_path,
        svg_path,
        len(strokes),
        state.piece.title,
        state.piece.completed,
        output_closed=broadcaster.output_closed,
    )
