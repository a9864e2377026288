"""End to end: the builtin artist, started with a prompt, completes a signed, named piece."""

from __future__ import annotations

import uuid
from pathlib import Path

from typer.testing import CliRunner

from code_monet.agent.providers.builtin import BuiltinProvider
from code_monet.app.cli import app
from code_monet.app.headless import draw_piece
from code_monet.types.messages import (
    CodeExecutionMessage,
    GalleryUpdateMessage,
    PieceStateMessage,
    PieceTitleMessage,
    ThinkingDeltaMessage,
)
from code_monet.types.styles import DrawingStyleType
from code_monet.workspace import WorkspaceState


class TestBuiltinArtistEndToEnd:
    """The default artist through orchestrator, tools, sandbox and workspace."""

    async def test_piece_completes_signed_named_and_saved(self, tmp_path: Path) -> None:
        """A prompted piece finishes, lands in the gallery and the broadcasts tell the story."""
        # Arrange
        from code_monet.app.headless import CLI_USER

        provider = BuiltinProvider(seed=3)
        # Act
        result = await draw_piece(
            "a calm sea at night",
            style=DrawingStyleType.PLOTTER,
            out_dir=tmp_path / "out",
            provider=provider,
            data_dir=tmp_path / "data",
            echo=False,
        )
        state = await WorkspaceState.load_for_user(CLI_USER, data_dir=tmp_path / "data")
        gallery = await state.gallery.entries_async()
        # Assert
        assert result.completed and result.title
        assert result.strokes > 50
        assert len(gallery) == 1 and gallery[0].title == result.title
        assert gallery[0].stroke_count == result.strokes
        assert result.png.stat().st_size > 1000 and result.svg.read_text().count("<path") > 50

    async def test_broadcast_sequence_is_animatable(self, tmp_path: Path) -> None:
        """Thinking, tool executions, a title, completion and a gallery update are broadcast."""
        # Arrange
        import asyncio

        from code_monet.agent.drawing_agent import DrawingAgent
        from code_monet.app.headless import HeadlessBroadcaster
        from code_monet.live.orchestrator import AgentOrchestrator
        from code_monet.sandbox.code_sandbox import CodeSandbox, SandboxConfig

        state = await WorkspaceState.load_for_user(uuid.uuid4(), data_dir=tmp_path, durable=False)
        async with CodeSandbox(SandboxConfig(pool_size=1)) as sandbox:
            agent = DrawingAgent(state, provider=BuiltinProvider(seed=5), sandbox=sandbox)
            broadcaster = HeadlessBroadcaster(echo=False)
            orchestrator = AgentOrchestrator(agent, broadcaster)
            broadcaster.orchestrator = orchestrator
            orchestrator.start()
            # Act
            await orchestrator.new_piece(direction="forest", drawing_style=DrawingStyleType.PAINT)
            await asyncio.wait_for(broadcaster.finished.wait(), timeout=120)
            await orchestrator.stop()
        # Assert
        kinds = [type(m) for m in broadcaster.messages]
        assert ThinkingDeltaMessage in kinds and CodeExecutionMessage in kinds
        tools = {m.tool_name for m in broadcaster.messages if isinstance(m, CodeExecutionMessage)}
        assert {"draw_paths", "view_canvas", "sign_canvas", "name_piece"} <= tools  # (figurative)
        assert any(isinstance(m, PieceTitleMessage) for m in broadcaster.messages)
        done = [m for m in broadcaster.messages if isinstance(m, PieceStateMessage) and m.completed]
        assert len(done) == 1
        after_done = broadcaster.messages[broadcaster.messages.index(done[0]) + 1]
        assert isinstance(after_done, GalleryUpdateMessage) and len(after_done.canvases) == 1
        assert state.queue.stroke_count > 0


class TestDrawCommand:
    """``code-monet draw`` runs a whole piece headless."""

    def test_draw_writes_png_and_svg(self, tmp_path: Path) -> None:
        """The command exits 0 and writes both files."""
        # Arrange
        runner = CliRunner()
        # Act
        result = runner.invoke(
            app,
            ["draw", "spirals", "--style", "paint", "--seed", "2", "-o", str(tmp_path)],
        )
        # Assert
        assert result.exit_code == 0, result.output
        assert list(tmp_path.glob("*.png")) and list(tmp_path.glob("*.svg"))
        assert "finished" in result.output
