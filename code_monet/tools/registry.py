"""The agent's drawing tools, served as one MCP server per agent.

``create_drawing_server(context)`` builds an ``mcp.server.Server`` (official MCP SDK, low-level
API) whose handlers close over that agent's ``ToolContext`` — no module globals — so each user's
agent only ever reaches its own canvas. The same server object is used in-process by the builtin
and OpenAI-compatible artists and handed to the Claude Agent SDK as an SDK MCP server. The tools
themselves return :class:`~code_monet.tools.results.ToolReply`; the MCP SDK is imported only
when a server is built (it is a large import the server's start-up does not need).

Tools: draw_paths, generate_svg, view_canvas, mark_piece_done, name_piece, sign_canvas and,
when an image provider is configured, imagine.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar, cast

from pydantic import BaseModel, JsonValue, ValidationError

from code_monet import __version__
from code_monet.tools.call_scope import CALL_CANVAS
from code_monet.tools.callbacks import CodeExecutionEvent, ToolCallbacks
from code_monet.tools.context import ToolContext
from code_monet.tools.drawing import (
    DrawPathsInput,
    EmptyInput,
    draw_paths,
    mark_piece_done,
    view_canvas,
)
from code_monet.tools.image_generation import ImagineInput, imagine_tool
from code_monet.tools.naming import NamePieceInput, name_piece
from code_monet.tools.results import ToolReply, error_result, to_mcp_result
from code_monet.tools.signature import SignCanvasInput, sign_canvas
from code_monet.tools.svg_generation import GenerateSvgInput, generate_svg

__all__ = [
    "SERVER_NAME",
    "Lifespan",
    "ToolCallbacks",
    "ToolContext",
    "available_tool_names",
    "create_drawing_server",
    "tool_input_schema",
]

logger = logging.getLogger(__name__)

SERVER_NAME = "code-monet-drawing"
M = TypeVar("M", bound=BaseModel)
Runner = Callable[[ToolContext, dict[str, object]], Awaitable[ToolReply]]
Lifespan = dict[str, object]

if TYPE_CHECKING:
    from mcp.server import Server


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """One tool: its input ``model`` validates the arguments and generates ``input_schema``."""

    name: str
    description: str
    model: type[BaseModel]
    input_schema: dict[str, object]
    run: Runner
    available: Callable[[ToolContext], bool]


def _inline(node: JsonValue, defs: Mapping[str, JsonValue], depth: int = 0) -> JsonValue:
    """``node`` with every ``$ref`` to ``$defs`` replaced by its definition (siblings of the
    ``$ref``, e.g. a field's description, win) and pydantic's generated ``title``s dropped."""
    if depth > 32:
        raise ValueError("tool input schema nests too deeply (a recursive model?)")
    if isinstance(node, list):
        return [_inline(item, defs, depth + 1) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, JsonValue] = {}
    ref = node.get("$ref")
    if isinstance(ref, str):
        target = defs[ref.removeprefix("#/$defs/")]
        resolved = _inline(target, defs, depth + 1)
        if isinstance(resolved, dict):
            out.update(resolved)
    for key, value in node.items():
        if key in ("$ref", "title"):
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: _inline(prop, defs, depth + 1) for name, prop in value.items()}
        else:
            out[key] = _inline(value, defs, depth + 1)
    return _optional_as_absent(out)


def _optional_as_absent(node: dict[str, JsonValue]) -> dict[str, JsonValue]:
    """``anyOf: [X, null]`` with ``default: null`` as plain ``X``: an optional argument is
    left out, and the model sees one type instead of a union."""
    options = node.get("anyOf")
    if node.get("default", 0) is not None or not isinstance(options, list):
        return node
    kept = [o for o in options if o != {"type": "null"}]
    if len(kept) != 1 or len(options) != 2 or not isinstance(kept[0], dict):
        return node
    merged = {k: v for k, v in node.items() if k not in ("anyOf", "default")}
    return {**kept[0], **merged}


def tool_input_schema(model: type[BaseModel]) -> dict[str, object]:
    """The JSON Schema a tool's arguments are described with, generated from its input model:
    self-contained (``$defs`` inlined, as not every OpenAI-compatible server resolves
    ``$ref``), without pydantic's titles or the model's docstring (the tool has its own
    description)."""
    generated = cast(dict[str, JsonValue], model.model_json_schema())
    defs = generated.pop("$defs", None)
    generated.pop("description", None)
    schema = _inline(generated, defs if isinstance(defs, dict) else {})
    return cast(dict[str, object], schema)


def _always(_ctx: ToolContext) -> bool:
    return True


def _spec(
    name: str,
    description: str,
    model: type[M],
    handler: Callable[[ToolContext, M], Awaitable[ToolReply]],
    available: Callable[[ToolContext], bool] = _always,
) -> ToolSpec:
    async def run(ctx: ToolContext, arguments: dict[str, object]) -> ToolReply:
        try:
            args = model.model_validate(arguments)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'input'}: {err['msg']}"
                for err in exc.errors()[:5]
            )
            return error_result(f"Invalid arguments for {name}: {problems}")
        if CALL_CANVAS.get() is not None:  # (inside a turn: the turn's canvas)
            return await handler(ctx, args)
        began = CALL_CANVAS.set(ctx.state.canvas.generation)
        try:
            return await handler(ctx, args)
        finally:
            CALL_CANVAS.reset(began)

    return ToolSpec(name, description, model, tool_input_schema(model), run, available)


TOOLS: tuple[ToolSpec, ...] = (
    _spec(
        "draw_paths",
        "Draw paths on the canvas: line (2 points), polyline (2+), quadratic (3), cubic (4) or "
        "svg (SVG path data in d, arcs included). Coordinates are canvas units, origin top-left; "
        "out-of-canvas points are clamped. In paint style each path may set color (#rrggbb), "
        "stroke_width, opacity and brush. Invalid paths are reported by index; valid ones are "
        "still drawn. Set done=true when the piece is finished.",
        DrawPathsInput,
        draw_paths,
    ),
    _spec(
        "generate_svg",
        "Run a Python program that generates paths (for patterns, fields, many shapes). It runs "
        "in a sandbox without network or files; print() output is returned. Use the helpers "
        "(line, polyline, quadratic, cubic, svg_path, output_paths, output_svg_paths) or print "
        "one SVG document. Errors come back with stderr so you can fix the code.",
        GenerateSvgInput,
        generate_svg,
        lambda ctx: ctx.sandbox is not None,
    ),
    _spec(
        "view_canvas",
        "Look at the canvas as it is now (human strokes highlighted), with a summary: stroke "
        "counts by author, ink bounds, coverage and the human strokes added since you last "
        "looked.",
        EmptyInput,
        view_canvas,
    ),
    _spec(
        "mark_piece_done",
        "Declare the piece finished (after signing and naming it).",
        EmptyInput,
        mark_piece_done,
    ),
    _spec(
        "name_piece",
        "Give the piece its title (1-100 characters).",
        NamePieceInput,
        name_piece,
    ),
    _spec(
        "sign_canvas",
        "Sign the piece with the artist's signature, drawn as strokes inside the margin.",
        SignCanvasInput,
        sign_canvas,
    ),
    _spec(
        "imagine",
        "Generate a reference image from a text prompt to study before drawing (it is not "
        "placed on the canvas). Returns a preview.",
        ImagineInput,
        imagine_tool,
        lambda ctx: ctx.image_provider is not None,
    ),
)


def available_tool_names(context: ToolContext) -> list[str]:
    """Names of the tools this agent is offered (imagine only with a provider, ...)."""
    return [spec.name for spec in TOOLS if spec.available(context)]


async def call_tool(
    context: ToolContext, name: str, arguments: dict[str, object] | None
) -> ToolReply:
    """Run one tool call for this agent, reporting start and completion through callbacks."""
    spec = next((s for s in TOOLS if s.name == name and s.available(context)), None)
    if spec is None:
        known = ", ".join(available_tool_names(context))
        return error_result(f"Unknown tool {name!r}; available tools: {known}")
    tool_input: dict[str, object] = dict(arguments or {})
    callbacks = context.callbacks
    await callbacks.on_code_execution(CodeExecutionEvent("started", name, tool_input))
    context.program_output = None
    try:
        result = await spec.run(context, tool_input)
    except Exception:
        logger.exception("Tool %s failed for user %s", name, context.state.user_id)
        result = error_result(f"{name} failed unexpectedly; try again or try another approach.")
    output = context.program_output
    await callbacks.on_code_execution(
        CodeExecutionEvent(
            "completed",
            name,
            tool_input,
            stdout=output.stdout if output else None,
            stderr=output.stderr if output else None,
            return_code=(output.return_code if output else (1 if result.is_error else 0)),
        )
    )
    return result


def create_drawing_server(context: ToolContext) -> Server[Lifespan]:
    """An MCP server exposing this agent's tools; every handler closes over ``context``."""
    import mcp_types as types
    from mcp.server import Server
    from mcp.server.context import ServerRequestContext

    RequestContext = ServerRequestContext[Lifespan, object]

    async def on_list_tools(
        _request: RequestContext, _params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(
            tools=[
                types.Tool(name=s.name, description=s.description, input_schema=s.input_schema)
                for s in TOOLS
                if s.available(context)
            ]
        )

    async def on_call_tool(
        _request: RequestContext, params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        return to_mcp_result(await call_tool(context, params.name, params.arguments))

    return Server[Lifespan](
        SERVER_NAME,
        version=__version__,
        instructions="Drawing tools for the Code Monet artist.",
        on_list_tools=on_list_tools,
        on_call_tool=on_call_tool,
    )
