"""The drawing tools through a real in-memory MCP client session."""

from __future__ import annotations

import asyncio
import base64
import io
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import mcp_types as types
import pytest
from mcp import Client
from PIL import Image

from code_monet.sandbox.code_sandbox import CodeSandbox, SandboxConfig
from code_monet.tools.callbacks import CodeExecutionEvent, ToolCallbacks
from code_monet.tools.context import ToolContext
from code_monet.tools.registry import create_drawing_server
from code_monet.types import Author, PathType, Point
from code_monet.types import Path as StrokePath
from code_monet.workspace import WorkspaceState


def _text(result: types.CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))


def _images(result: types.CallToolResult) -> list[Image.Image]:
    return [
        Image.open(io.BytesIO(base64.b64decode(c.data)))
        for c in result.content
        if isinstance(c, types.ImageContent)
    ]


class Recorder:
    """Collects what the tools report through their callbacks."""

    def __init__(self) -> None:
        self.events: list[CodeExecutionEvent] = []
        self.drawn: list[list[StrokePath]] = []
        self.batch_ids: list[int] = []
        self.titles: list[str] = []

    def callbacks(self) -> ToolCallbacks:
        """Callbacks as the orchestrator sets them: drawn paths are queued as batches."""

        async def on_event(event: CodeExecutionEvent) -> None:
            self.events.append(event)

        async def on_batch(paths: list[StrokePath], batch_id: int) -> None:
            self.drawn.append(paths)
            self.batch_ids.append(batch_id)

        async def on_title(title: str) -> None:
            self.titles.append(title)

        return ToolCallbacks(
            on_code_execution=on_event, on_title=on_title, on_batch_queued=on_batch
        )


@pytest.fixture
async def sandbox() -> AsyncIterator[CodeSandbox]:
    box = CodeSandbox(SandboxConfig(pool_size=1, wall_timeout=8.0))
    await box.start()
    yield box
    await box.close()


async def _context(
    tmp_path: Path, recorder: Recorder, sandbox: CodeSandbox | None = None
) -> ToolContext:
    state = await WorkspaceState.load_for_user(uuid.uuid4(), data_dir=tmp_path, durable=False)
    return ToolContext(state=state, callbacks=recorder.callbacks(), sandbox=sandbox)


LINE = {"type": "line", "points": [{"x": 10, "y": 10}, {"x": 200, "y": 10}]}


class TestListTools:
    """Tool discovery through MCP."""

    async def test_lists_tools_with_schemas(self, tmp_path: Path, sandbox: CodeSandbox) -> None:
        """Every drawing tool is listed with an object input schema; imagine needs a provider."""
        # Arrange
        ctx = await _context(tmp_path, Recorder(), sandbox)
        # Act
        async with Client(create_drawing_server(ctx)) as client:
            listed = await client.list_tools()
        # Assert
        names = {t.name for t in listed.tools}
        assert names == {
            "draw_paths",
            "generate_svg",
            "view_canvas",
            "mark_piece_done",
            "name_piece",
            "sign_canvas",
        }
        draw = next(t for t in listed.tools if t.name == "draw_paths")
        assert draw.input_schema["type"] == "object"
        assert "paths" in draw.input_schema["required"]

    async def test_generate_svg_hidden_without_sandbox(self, tmp_path: Path) -> None:
        """No sandbox, no code tool."""
        # Arrange
        ctx = await _context(tmp_path, Recorder())
        # Act
        async with Client(create_drawing_server(ctx)) as client:
            listed = await client.list_tools()
        # Assert
        assert "generate_svg" not in {t.name for t in listed.tools}


class TestDrawPaths:
    """draw_paths validates per path and draws the valid ones."""

    async def test_draws_valid_paths_and_reports_image(self, tmp_path: Path) -> None:
        """A small batch lands on the canvas and the result carries the canvas image."""
        # Arrange
        recorder = Recorder()
        ctx = await _context(tmp_path, recorder)
        # Act
        async with Client(create_drawing_server(ctx)) as client:
            result = await client.call_tool("draw_paths", {"paths": [LINE, LINE]})
        # Assert
        assert not result.is_error
        assert len(ctx.state.canvas.strokes) == 2
        assert "Drew 2 paths" in _text(result)
        assert len(_images(result)) == 1
        assert [len(batch) for batch in recorder.drawn] == [2]
        assert recorder.batch_ids == [1]
        assert [e.status for e in recorder.events] == ["started", "completed"]

    async def test_mixed_batch_reports_failures_by_index(self, tmp_path: Path) -> None:
        """Bad paths are listed with their index and reason; good ones are drawn."""
        # Arrange
        ctx = await _context(tmp_path, Recorder())
        paths = [
            LINE,
            {"type": "cubic", "points": [{"x": 0, "y": 0}]},
            {"type": "spiral", "points": []},
            {"type": "svg", "d": "M 10 10 A 30 30 0 0 1 70 10"},
        ]
        # Act
        async with Client(create_drawing_server(ctx)) as client:
            result = await client.call_tool("draw_paths", {"paths": paths})
        # Assert
        text = _text(result)
        assert not result.is_error
        assert len(ctx.state.canvas.strokes) == 2
        assert "Path 1" in text and "4 points" in text
        assert "Path 2" in text

    async def test_all_invalid_is_an_error_and_draws_nothing(self, tmp_path: Path) -> None:
        """A batch with no valid path is a tool error."""
        # Arrange
        ctx = await _context(tmp_path, Recorder())
        # Act
        async with Client(create_drawing_server(ctx)) as client:
            result = await client.call_tool(
                "draw_paths", {"paths": [{"type": "line", "points": [{"x": "a", "y": 1}]}]}
            )
        # Assert
        assert result.is_error
        assert ctx.state.canvas.strokes == []

    async def test_wrong_argument_shape_is_a_clear_error(self, tmp_path: Path) -> None:
        """Missing 'paths' is reported, not crashed on."""
        # Arrange
        ctx = await _context(tmp_path, Recorder())
        # Act
        async with Client(create_drawing_server(ctx)) as client:
            result = await client.call_tool("draw_paths", {"path": []})
        # Assert
        assert result.is_error and "paths" in _text(result)

    async def test_large_batch_hints_view_canvas(self, tmp_path: Path) -> None:
        """Big batches skip the inline image and suggest view_canvas."""
        # Arrange
        ctx = await _context(tmp_path, Recorder())
        # Act
        async with Client(create_drawing_server(ctx)) as client:
            result = await client.call_tool("draw_paths", {"paths": [LINE] * 100})
        # Assert
        assert "view_canvas" in _text(result)
        assert _images(result) == []

    async def test_done_flag_marks_piece_done(self, tmp_path: Path) -> None:
        """done=true finishes the piece (the turn reports it through ``piece_done``)."""
        # Arrange
        recorder = Recorder()
        ctx = await _context(tmp_path, recorder)
        # Act
        async with Client(create_drawing_server(ctx)) as client:
            await client.call_tool("draw_paths", {"paths": [LINE], "done": True})
        # Assert
        assert ctx.piece_done and len(recorder.drawn) == 1


class TestGenerateSvg:
    """generate_svg runs agent code in the sandbox and draws its output."""

    async def test_program_output_is_drawn(self, tmp_path: Path, sandbox: CodeSandbox) -> None:
        """Helper-built paths land on the canvas; completion carries the program's stdout."""
        # Arrange
        recorder = Recorder()
        ctx = await _context(tmp_path, recorder, sandbox)
        code = (
            "paths = [line(0, i * 10, canvas_width, i * 10) for i in range(5)]\n"
            "output_paths(paths)\nprint('five lines')\n"
        )
        # Act
        async with Client(create_drawing_server(ctx)) as client:
            result = await client.call_tool("generate_svg", {"code": code})
        # Assert
        assert not result.is_error, _text(result)
        assert len(ctx.state.canvas.strokes) == 5
        completed = recorder.events[-1]
        assert completed.status == "completed" and completed.tool_name == "generate_svg"
        assert completed.stdout is not None and "five lines" in completed.stdout
        assert completed.return_code == 0

    async def test_printed_svg_document_is_drawn(
        self, tmp_path: Path, sandbox: CodeSandbox
    ) -> None:
        """A program may print one SVG document instead of using the helpers."""
        # Arrange
        ctx = await _context(tmp_path, Recorder(), sandbox)
        code = (
            'print(\'<svg xmlns="http://www.w3.org/2000/svg">'
            '<circle cx="100" cy="100" r="40"/><line x1="0" y1="0" x2="50" y2="50"/>'
            "</svg>')"
        )
        # Act
        async with Client(create_drawing_server(ctx)) as client:
            result = await client.call_tool("generate_svg", {"code": code})
        # Assert
        assert not result.is_error, _text(result)
        assert len(ctx.state.canvas.strokes) == 2

    async def test_failing_program_returns_status_and_stderr(
        self, tmp_path: Path, sandbox: CodeSandbox
    ) -> None:
        """An exception comes back with the exit status and the traceback tail."""
        # Arrange
        ctx = await _context(tmp_path, Recorder(), sandbox)
        # Act
        async with Client(create_drawing_server(ctx)) as client:
            result = await client.call_tool("generate_svg", {"code": "1 / 0"})
        # Assert
        assert result.is_error
        text = _text(result)
        assert "ZeroDivisionError" in text and "exit status 1" in text
        assert ctx.state.canvas.strokes == []


class TestViewCanvasAndFinishing:
    """view_canvas, name_piece, mark_piece_done."""

    async def test_view_canvas_summarises_and_tracks_human_strokes(self, tmp_path: Path) -> None:
        """The summary counts strokes by author and reports new human strokes once."""
        # Arrange
        ctx = await _context(tmp_path, Recorder())
        human = StrokePath(
            type=PathType.POLYLINE,
            points=[Point(x=100, y=100), Point(x=300, y=120)],
            author=Author.HUMAN,
        )
        await ctx.state.add_strokes([human])
        # Act
        async with Client(create_drawing_server(ctx)) as client:
            await client.call_tool("draw_paths", {"paths": [LINE]})
            first = await client.call_tool("view_canvas", {})
            second = await client.call_tool("view_canvas", {})
        # Assert
        first_text = _text(first)
        assert "1 by you, 1 by humans" in first_text
        assert "1 new human strokes" in first_text
        assert "No new human strokes" in _text(second)
        image = _images(first)[0]
        assert image.size == (800, 600)
        assert max(image.size) <= 1568 and image.size[0] * image.size[1] <= 1_150_000

    async def test_name_piece_trims_and_reports(self, tmp_path: Path) -> None:
        """Titles are trimmed, stored and reported; over-long titles are refused."""
        # Arrange
        recorder = Recorder()
        ctx = await _context(tmp_path, recorder)
        # Act
        async with Client(create_drawing_server(ctx)) as client:
            ok = await client.call_tool("name_piece", {"title": "  Harbour\n at   dusk "})
            too_long = await client.call_tool("name_piece", {"title": "x" * 101})
            empty = await client.call_tool("name_piece", {"title": " \u200b "})
        # Assert
        assert not ok.is_error and ctx.state.piece.title == "Harbour at dusk"
        assert recorder.titles == ["Harbour at dusk"]
        assert too_long.is_error and "100" in _text(too_long)
        assert empty.is_error

    async def test_mark_piece_done(self, tmp_path: Path) -> None:
        """mark_piece_done marks the context's piece done."""
        # Arrange
        recorder = Recorder()
        ctx = await _context(tmp_path, recorder)
        # Act
        async with Client(create_drawing_server(ctx)) as client:
            result = await client.call_tool("mark_piece_done", {})
        # Assert
        assert not result.is_error and ctx.piece_done

    async def test_sign_canvas_draws_in_the_corner(self, tmp_path: Path) -> None:
        """The signature is strokes inside the bottom-right margin."""
        # Arrange
        recorder = Recorder()
        ctx = await _context(tmp_path, recorder)
        # Act
        async with Client(create_drawing_server(ctx)) as client:
            result = await client.call_tool(
                "sign_canvas", {"position": "bottom_right", "size": "medium"}
            )
        # Assert
        assert not result.is_error, _text(result)
        assert ctx.state.canvas.strokes and recorder.drawn
        from code_monet.geometry.svg_path import path_geometry

        xs = [
            x
            for s in ctx.state.canvas.strokes
            for sub in path_geometry(s)
            for seg in sub.segments
            for x, _ in seg.points
        ]
        assert min(xs) > 400 and max(xs) < 800

    async def test_unknown_tool_is_an_error(self, tmp_path: Path) -> None:
        """Calling a tool that does not exist is a clear error."""
        # Arrange
        ctx = await _context(tmp_path, Recorder())
        # Act
        async with Client(create_drawing_server(ctx)) as client:
            result = await client.call_tool("rm_rf", {})
        # Assert
        assert result.is_error and "Unknown tool" in _text(result)


class TestIsolation:
    """Two users' agents drawing at the same moment never touch each other's canvas."""

    async def test_two_concurrent_agents(self, tmp_path: Path, sandbox: CodeSandbox) -> None:
        """Each agent's strokes land only on its own user's canvas."""
        # Arrange
        ctx_a = await _context(tmp_path, Recorder(), sandbox)
        ctx_b = await _context(tmp_path, Recorder(), sandbox)

        async def agent(ctx: ToolContext, x: int, n: int) -> None:
            path = {"type": "line", "points": [{"x": x, "y": 10}, {"x": x, "y": 500}]}
            async with Client(create_drawing_server(ctx)) as client:
                for _ in range(n):
                    await client.call_tool("draw_paths", {"paths": [path]})
                code = f"output_paths([line({x}, 0, {x}, 50)])"
                await client.call_tool("generate_svg", {"code": code})

        # Act
        await asyncio.gather(agent(ctx_a, 10, 6), agent(ctx_b, 700, 4))
        # Assert
        xs_a = {p.points[0].x for p in ctx_a.state.canvas.strokes}
        xs_b = {p.points[0].x for p in ctx_b.state.canvas.strokes}
        assert len(ctx_a.state.canvas.strokes) == 7 and xs_a == {10.0}
        assert len(ctx_b.state.canvas.strokes) == 5 and xs_b == {700.0}
        assert ctx_a.state.directory != ctx_b.state.directory


class PaintedImageProvider:
    """Stands in for a vendor API: returns a small real PNG (vendor SDK paths are tested
    against loopback fakes in test_image_generation.py)."""

    name = "test"

    async def generate(self, prompt: str, *, timeout: float) -> object:  # noqa: ASYNC109
        from code_monet.tools.image_generation import GeneratedImage

        buffer = io.BytesIO()
        Image.new("RGB", (1024, 512), (200, 120, 40)).save(buffer, format="PNG")
        return GeneratedImage(buffer.getvalue(), "image/png", self.name, "test-model")

    async def aclose(self) -> None:
        return None


class TestImagine:
    """imagine through MCP when a provider is configured."""

    async def test_imagine_offered_saves_reference_and_returns_preview(
        self, tmp_path: Path
    ) -> None:
        """The tool is listed, saves under references/ and answers with a preview image."""
        # Arrange
        ctx = await _context(tmp_path, Recorder())
        ctx.image_provider = PaintedImageProvider()  # type: ignore[assignment]
        # Act
        async with Client(create_drawing_server(ctx)) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            result = await client.call_tool(
                "imagine", {"prompt": "a lighthouse at dusk", "name": "Light House!"}
            )
        # Assert
        assert "imagine" in names
        assert not result.is_error, _text(result)
        saved = list(ctx.references_dir.glob("*.png"))
        assert len(saved) == 1 and saved[0].name.startswith("light-house")
        preview = _images(result)[0]
        assert max(preview.size) <= 768
        assert ctx.state.canvas.strokes == []


class TestMcpBoundary:
    """Tools return ToolReply; MCP types appear only at the server boundary."""

    def test_a_reply_survives_the_round_trip_through_mcp(self) -> None:
        """Text, error flag, image bytes and mime type are kept both ways."""
        # Arrange
        from code_monet.tools.results import ToolReply, reply_from_mcp, to_mcp_result

        replies = [
            ToolReply("Drew 2 paths.", False, b"\x89PNG fake", "image/png"),
            ToolReply("Error: no", True, None),
            ToolReply("preview", False, b"\xff\xd8 jpeg", "image/jpeg"),
        ]
        # Act
        back = [reply_from_mcp(to_mcp_result(r)) for r in replies]
        # Assert
        assert back == replies
