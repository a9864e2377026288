"""The drawing tools: ``draw_paths``, ``view_canvas`` and ``mark_piece_done``.

``commit_paths`` is the one place strokes enter the canvas from a tool (``generate_svg`` and
``sign_canvas`` use it too): add them to the workspace, tell the orchestrator, and answer the
model with what was drawn, what failed and — for small batches — the updated canvas.
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
from collections.abc import Sequence
from typing import Annotated, cast

import numpy as np
from pydantic import BaseModel, Field, JsonValue, PlainValidator

from code_monet.geometry.svg_path import path_geometry
from code_monet.render.pipeline import render_agent_view_png
from code_monet.tools.call_scope import CALL_CANVAS
from code_monet.tools.context import ToolContext
from code_monet.tools.parse_slots import ParseBusyError
from code_monet.tools.path_parsing import ParsedPaths, PathInputError, parse_paths, parses_inline
from code_monet.tools.results import ToolReply, error_result, text_result
from code_monet.types.paths import Author, Path, PathInput
from code_monet.workspace import StaleCanvasError, WorkspaceLimitError

logger = logging.getLogger(__name__)


def _raw_paths(value: object) -> list[JsonValue]:
    """The paths as given: each is checked on its own later (``parse_paths``)."""
    if not isinstance(value, list):
        raise ValueError("paths must be a list of path objects")
    return cast(list[JsonValue], value)


class DrawPathsInput(BaseModel):
    """``draw_paths`` arguments. The schema shows each path as a ``PathInput``; validation keeps
    the paths raw, so one bad path never costs the others."""

    paths: Annotated[
        list[JsonValue], PlainValidator(_raw_paths, json_schema_input_type=list[PathInput])
    ] = Field(description="Paths to draw, in canvas units (origin top-left).")
    done: bool = Field(default=False, description="True when this finishes the piece.")


class EmptyInput(BaseModel):
    pass


async def canvas_png(ctx: ToolContext) -> bytes:
    """The canvas as the agent sees it (human strokes highlighted), as PNG bytes."""
    canvas = await ctx.state.canvas.snapshot()
    return await asyncio.to_thread(render_agent_view_png, canvas)


async def commit_paths(
    ctx: ToolContext, parsed: ParsedPaths, *, done: bool, what: str = "Drew"
) -> ToolReply:
    """Put validated paths on the canvas and build the model's answer."""
    if not parsed.paths:
        return error_result(f"No valid paths to draw. {parsed.summary()}")
    queued_callback = ctx.callbacks.on_batch_queued
    try:
        queued = await ctx.state.add_strokes(
            parsed.paths, queue=queued_callback is not None, canvas_generation=CALL_CANVAS.get()
        )
    except (WorkspaceLimitError, StaleCanvasError) as exc:
        return error_result(str(exc))
    if queued_callback is not None:
        await queued_callback(list(parsed.paths), queued.batch_id if queued is not None else 0)
    lines = [parsed.summary() if parsed.failures else f"{what} {len(parsed.paths)} paths."]
    if parsed.clamped:
        lines.append(f"{parsed.clamped} paths were clamped to the canvas or style limits.")
    if done:
        mark_done(ctx)
        lines.append("Piece marked as done.")
    image: bytes | None = None
    if len(parsed.paths) <= ctx.inline_image_max_paths:
        image = await canvas_png(ctx)
    else:
        lines.append("Call view_canvas to see the result.")
    return text_result(" ".join(lines), image_png=image)


async def draw_paths(ctx: ToolContext, args: DrawPathsInput) -> ToolReply:
    parse = functools.partial(
        parse_paths,
        args.paths,
        canvas_width=ctx.canvas_width,
        canvas_height=ctx.canvas_height,
        limits=ctx.path_limits,
    )
    try:
        # Off the event loop unless tiny: a large batch of arcs is seconds of CPU (bounded by
        # the budgets), in one of the server's parse slots (bounded across users); a few
        # plain lines cost less than the hop to a thread.
        parsed = parse() if parses_inline(args.paths) else await ctx.parses.run(parse)
    except (PathInputError, ParseBusyError) as exc:
        return error_result(str(exc))
    return await commit_paths(ctx, parsed, done=args.done)


def mark_done(ctx: ToolContext) -> None:
    """The turn ends with ``AgentTurnComplete(done=True)``, which the orchestrator acts on."""
    ctx.piece_done = True


async def mark_piece_done(ctx: ToolContext, _args: EmptyInput) -> ToolReply:
    mark_done(ctx)
    return text_result("Piece marked as done.")


def _bounds(paths: Sequence[Path]) -> tuple[float, float, float, float] | None:
    xs: list[float] = []
    ys: list[float] = []
    for path in paths:
        try:
            subpaths = path_geometry(path)
        except ValueError:
            continue
        for sub in subpaths:
            xs.append(sub.start[0])
            ys.append(sub.start[1])
            for segment in sub.segments:
                for x, y in segment.points:
                    xs.append(x)
                    ys.append(y)
    if not xs:
        return None
    return min(xs), min(ys), max(xs), max(ys)


def _fmt_bounds(bounds: tuple[float, float, float, float] | None) -> str:
    if bounds is None:
        return "none"
    x0, y0, x1, y1 = bounds
    return f"x {x0:.0f}–{x1:.0f}, y {y0:.0f}–{y1:.0f}"


async def view_canvas(ctx: ToolContext, _args: EmptyInput) -> ToolReply:
    strokes = await ctx.state.canvas.stroke_paths()
    png = await canvas_png(ctx)
    humans = [s for s in strokes if s.author is Author.HUMAN]
    new_humans = humans[ctx.human_strokes_seen :]
    ctx.human_strokes_seen = len(humans)
    coverage = await asyncio.to_thread(_ink_coverage, png)
    # Off the event loop: the bounds re-parse every svg stroke the parse cache no longer holds.
    bounds = await asyncio.to_thread(_bounds, strokes)
    lines = [
        f"Canvas {ctx.canvas_width}×{ctx.canvas_height} ({ctx.drawing_style.value} style).",
        f"Strokes: {len(strokes) - len(humans)} by you, {len(humans)} by humans.",
        f"Ink bounds: {_fmt_bounds(bounds)}. Ink coverage: {coverage:.1%}.",
    ]
    if new_humans:
        lines.append(
            f"{len(new_humans)} new human strokes since you last looked, at "
            + "; ".join(_fmt_bounds(_bounds([s])) for s in new_humans[:10])
            + (" …" if len(new_humans) > 10 else "")
            + ". They are highlighted in the image."
        )
    else:
        lines.append("No new human strokes since you last looked.")
    return text_result("\n".join(lines), image_png=png)


def _ink_coverage(png: bytes) -> float:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        pixels = np.asarray(image.convert("L"), dtype=np.uint8)
    # The agent view is drawn on white paper: anything clearly darker is ink.
    return float(np.mean(pixels < 232))
