"""``generate_svg``: run agent-written Python in the sandbox and draw what it outputs.

The program (hostile input) runs in ``CodeSandbox``; its paths — from the helpers or a printed
SVG document — are validated like ``draw_paths`` input, in a worker thread and within one
shared set of per-call budgets, so a program that prints thousands of expensive paths costs its
own call a few seconds of CPU and nobody else anything (and parses across users are capped by
the server's ``ParseSlots``). Failures come back with the exit status and a bounded stderr tail
so the model can fix its code.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence

from pydantic import BaseModel, Field

from code_monet.sandbox.code_sandbox import SandboxUnavailableError
from code_monet.sandbox.runner import RawPathDict
from code_monet.tools.callbacks import ProgramOutput
from code_monet.tools.context import ToolContext
from code_monet.tools.drawing import commit_paths
from code_monet.tools.parse_slots import ParseBusyError
from code_monet.tools.path_parsing import (
    ParsedPaths,
    PathInputError,
    PathLimits,
    parse_paths,
    parse_svg_output,
    remaining_limits,
)
from code_monet.tools.results import ToolReply, error_result
from code_monet.types.brushes import BRUSH_NAMES

logger = logging.getLogger(__name__)

MAX_CODE_CHARS = 100_000
STDOUT_ECHO_CHARS = 2_000


class GenerateSvgInput(BaseModel):
    code: str = Field(
        min_length=1,
        max_length=MAX_CODE_CHARS,
        description=(
            "Python 3 program. Globals: canvas_width, canvas_height, math, random, numpy/np, "
            "BRUSHES; helpers line(x1,y1,x2,y2,**style), polyline(points,**style), "
            "quadratic(p0,p1,p2,**style), cubic(p0,p1,p2,p3,**style), svg_path(d,**style), "
            "output_paths(paths), output_svg_paths(d_list,**style). Or print one SVG document."
        ),
    )
    done: bool = Field(default=False, description="True when this finishes the piece.")


def _merge(first: ParsedPaths, second: ParsedPaths) -> ParsedPaths:
    offset = len(first.paths) + len(first.failures)
    return ParsedPaths(
        paths=[*first.paths, *second.paths],
        failures=[
            *first.failures,
            *(type(f)(index=f.index + offset, reason=f.reason) for f in second.failures),
        ],
        clamped=first.clamped + second.clamped,
    )


def _parse_program_output(
    raw_paths: Sequence[RawPathDict],
    stdout: str,
    *,
    canvas_width: int,
    canvas_height: int,
    limits: PathLimits,
) -> ParsedPaths:
    """The helpers' paths, then a printed SVG document, within one call's budgets (blocking:
    run it in a worker thread)."""
    parsed = parse_paths(
        list(raw_paths), canvas_width=canvas_width, canvas_height=canvas_height, limits=limits
    )
    if "<svg" in stdout:
        printed = parse_svg_output(
            stdout[stdout.index("<svg") :],
            canvas_width=canvas_width,
            canvas_height=canvas_height,
            limits=remaining_limits(limits, parsed),
        )
        parsed = _merge(parsed, printed)
    return parsed


async def generate_svg(ctx: ToolContext, args: GenerateSvgInput) -> ToolReply:
    if ctx.sandbox is None:
        return error_result("Code execution is not available on this server; use draw_paths.")
    try:
        result = await ctx.sandbox.run(
            args.code,
            canvas_width=ctx.canvas_width,
            canvas_height=ctx.canvas_height,
            brushes=BRUSH_NAMES,
            owner=str(ctx.state.user_id),  # (the per-user cap on programs at once)
        )
    except SandboxUnavailableError as exc:
        return error_result(f"Code execution is disabled: {exc}")
    ctx.program_output = ProgramOutput(
        stdout=result.stdout[-STDOUT_ECHO_CHARS:],
        stderr=result.stderr_tail,
        return_code=result.exit_code,
    )
    if result.busy:  # the program never ran
        return error_result(f"{result.error} Try again in a moment, or use draw_paths.")
    if result.error is not None:
        tail = f"\nstderr (tail):\n{result.stderr_tail}" if result.stderr_tail else ""
        return error_result(f"{result.error} (exit status {result.exit_code}).{tail}")
    try:
        parsed = await ctx.parses.run(  # a worker thread, in one of the server's parse slots
            functools.partial(
                _parse_program_output,
                result.paths,
                result.stdout,
                canvas_width=ctx.canvas_width,
                canvas_height=ctx.canvas_height,
                limits=ctx.program_limits,
            )
        )
    except PathInputError as exc:
        return error_result(f"The program's output was rejected: {exc}")
    except ParseBusyError as exc:
        return error_result(f"The program ran, but its output was not parsed: {exc}")
    if not parsed.paths and not parsed.failures:
        return error_result(
            "The program ran but produced no paths. Call output_paths(...) / "
            "output_svg_paths(...) or print an SVG document."
        )
    return await commit_paths(ctx, parsed, done=args.done, what="The program drew")
