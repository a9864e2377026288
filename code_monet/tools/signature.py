"""The artist's signature: a hand-written cursive "Monet" drawn as vector strokes.

Why this module exists: a finished piece is signed the way a painter signs — with the pen, so
the signature animates, plots and exports like every other stroke instead of being pasted text.
The letters are a small single-stroke cursive set (cubic Béziers in an em box, joined with
tangent-continuous connectors); a per-seed jitter of slant, baseline, tilt and letter size makes
each signature look hand-made while staying identical for the same seed.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Final, Literal

from pydantic import BaseModel, Field

from code_monet.geometry.svg_path import Segment, Subpath, parse_path_d, path_to_d
from code_monet.tools.context import ToolContext
from code_monet.tools.drawing import commit_paths
from code_monet.tools.path_parsing import ParsedPaths
from code_monet.tools.results import ToolReply, error_result
from code_monet.types.colors import HEX_COLOR_DESCRIPTION, HexColor, normalize_hex_color
from code_monet.types.geometry import PathType
from code_monet.types.paths import Path

XY = tuple[float, float]
Position = Literal["bottom_right", "bottom_left", "bottom_center"]
Size = Literal["small", "medium", "large"]

# Signature width as a fraction of the canvas width, absolute bounds (px), height cap (fraction
# of the canvas height). Every column is strictly increasing, so small < medium < large always.
_SIZES: Final[dict[str, tuple[float, float, float, float]]] = {
    "small": (0.12, 44.0, 300.0, 0.12),
    "medium": (0.18, 56.0, 440.0, 0.17),
    "large": (0.26, 68.0, 600.0, 0.24),
}
_MARGIN: Final = 0.045  # of the canvas width / height, on top of half the stroke width


# Letters in em units (y down, baseline 0, x-height ≈ -0.5, caps -1) as (advance, d): each is
# one pen stroke of cubics that starts where the previous letter's exit stroke arrives.
_GLYPHS: Final[dict[str, tuple[float, str]]] = {
    "M": (
        0.97,
        "M.02,-.05 C.02,-.45 .08,-.95 .17,-1 C.25,-1.04 .25,-.45 .25,0 C.29,-.48 .36,-.86 .45,-.86"
        " C.54,-.86 .53,-.4 .53,0 C.57,-.45 .64,-.82 .72,-.8 C.81,-.78 .78,-.3 .8,-.06"
        " C.82,.04 .9,0 .97,-.12",
    ),
    "o": (
        0.46,
        "M.26,-.46 C.14,-.5 .02,-.34 .04,-.14 C.06,.04 .27,.03 .31,-.16 C.34,-.3 .31,-.46 .24,-.45"
        " C.3,-.36 .38,-.38 .46,-.4",
    ),
    "n": (
        0.44,
        "M0,-.4 C.04,-.3 .05,-.14 .05,0 C.07,-.3 .13,-.47 .22,-.46 C.3,-.45 .29,-.2 .3,-.05"
        " C.31,.03 .38,0 .44,-.12",
    ),
    "e": (
        0.34,
        "M0,-.12 C.08,-.15 .22,-.22 .22,-.35 C.22,-.47 .07,-.46 .05,-.3 C.03,-.14 .08,.02 .2,0"
        " C.26,-.01 .31,-.06 .34,-.12",
    ),
    "t": (
        0.36,
        "M0,-.12 C.06,-.3 .12,-.6 .14,-.82 C.12,-.55 .09,-.15 .14,-.03 C.18,.04 .27,0 .36,-.12",
    ),
}
_NAME: Final = "Monet"
_CROSSBAR: Final = "M-.06,-.52 C.06,-.56 .2,-.58 .34,-.6"  # relative to the t


def _validate_color(color: str | None) -> str | None:
    if color is None:
        return None
    try:
        return normalize_hex_color(color)
    except ValueError:
        raise ValueError(f"Signature color must be #rrggbb, got {color!r}") from None


def _letters(rng: random.Random) -> tuple[Subpath, Subpath]:
    """The cursive name (one stroke) and the t's crossbar, jittered, in em units."""
    name: Subpath | None = None
    crossbar = Subpath(start=(0.0, 0.0))
    cursor = 0.0
    for letter in _NAME:
        advance, d = _GLYPHS[letter]
        scale, baseline = 1.0 + rng.uniform(-0.04, 0.04), rng.uniform(-0.025, 0.025)

        def place(p: XY, s: float = scale, dx: float = cursor, dy: float = baseline) -> XY:
            return (dx + s * p[0], dy + s * p[1])

        glyph = _map(parse_path_d(d)[0], place)
        if name is None:
            name = glyph
        else:  # a connector leaving the last letter and entering this one along their tangents
            end, start = name.segments[-1].points[-1], glyph.start
            reach = 0.45 * math.dist(end, start)
            out = _unit(end, name.segments[-1].points[-2])
            into = _unit(start, glyph.segments[0].points[1])
            c1 = (end[0] + out[0] * reach, end[1] + out[1] * reach)
            c2 = (start[0] - into[0] * reach, start[1] - into[1] * reach)
            name.segments += [Segment("cubic", (end, c1, c2, start)), *glyph.segments]
        if letter == "t":
            crossbar = _map(parse_path_d(_CROSSBAR)[0], place)
        cursor += advance * scale + 0.02
    assert name is not None
    return name, crossbar


def _unit(frm: XY, to: XY) -> XY:
    """The unit vector from ``to`` towards ``frm`` (tangent leaving ``frm``)."""
    dx, dy = frm[0] - to[0], frm[1] - to[1]
    length = math.hypot(dx, dy) or 1.0
    return (dx / length, dy / length)


def _underline(rng: random.Random, width: float) -> Subpath:
    """A swash under the name: from below the M, dipping, then lifting off past the t."""
    y = 0.2 + rng.uniform(-0.02, 0.02)
    start = (-0.05, y)
    mid = (width * 0.55, y + 0.07)
    end = (width + 0.12, y - 0.08 + rng.uniform(-0.03, 0.03))
    return Subpath(
        start=start,
        segments=[
            Segment("cubic", (start, (0.2, y + 0.1), (width * 0.3, y + 0.09), mid)),
            Segment("cubic", (mid, (width * 0.8, y + 0.05), (width, y - 0.02), end)),
        ],
    )


def _map(subpath: Subpath, transform: Callable[[XY], XY]) -> Subpath:
    return Subpath(
        start=transform(subpath.start),
        segments=[Segment(s.kind, tuple(transform(p) for p in s.points)) for s in subpath.segments],
    )


def signature_paths(
    *,
    canvas_width: int,
    canvas_height: int,
    position: Position = "bottom_right",
    size: Size = "medium",
    color: str | None = None,
    seed: int = 0,
) -> list[Path]:
    """The signature as three agent ``svg`` paths: the cursive name, the t's bar, an underline.

    Its bounding box (control points and stroke width included) lies inside the canvas margin
    at the requested corner or centre. Raises ``ValueError`` for a bad colour, size or position.
    """
    color = _validate_color(color)
    if canvas_width < 1 or canvas_height < 1:
        raise ValueError(f"Cannot sign a {canvas_width}×{canvas_height} canvas")
    if size not in _SIZES:
        raise ValueError(f"Signature size must be one of {', '.join(_SIZES)}, got {size!r}")
    if position not in ("bottom_right", "bottom_left", "bottom_center"):
        raise ValueError(f"Signature position {position!r} is not a bottom corner or centre")
    rng = random.Random(seed)
    name, crossbar = _letters(rng)
    underline = _underline(rng, name.segments[-1].points[-1][0])
    slant = math.tan(math.radians(14.0 + rng.uniform(-3.0, 3.0)))
    tilt = math.radians(-3.0 + rng.uniform(-1.5, 1.5))  # rising to the right, as hands do
    cos, sin = math.cos(tilt), math.sin(tilt)

    def shape(p: XY) -> XY:
        x, y = p[0] - p[1] * slant, p[1]
        return (x * cos - y * sin, x * sin + y * cos)

    strokes = [_map(s, shape) for s in (name, crossbar, underline)]
    points = [p for s in strokes for seg in s.segments for p in seg.points]
    left, top = min(x for x, _ in points), min(y for _, y in points)
    box_w = max(x for x, _ in points) - left
    box_h = max(y for _, y in points) - top
    fraction, low, high, height_cap = _SIZES[size]
    width = min(
        max(fraction * canvas_width, low),
        high,
        height_cap * canvas_height * box_w / box_h,
        canvas_width * (1 - 3 * _MARGIN),  # only binds on canvases far below the 240 px minimum
    )
    scale = width / box_w
    stroke_width = round(min(3.0, max(1.5, width / 90.0)), 2)
    margin_x = _MARGIN * canvas_width + stroke_width / 2
    margin_y = _MARGIN * canvas_height + stroke_width / 2
    if position == "bottom_left":
        x0 = margin_x
    elif position == "bottom_right":
        x0 = canvas_width - margin_x - width
    else:
        x0 = (canvas_width - width) / 2
    y0 = canvas_height - margin_y - box_h * scale

    def place(p: XY) -> XY:
        return (x0 + (p[0] - left) * scale, y0 + (p[1] - top) * scale)

    return [
        Path(
            type=PathType.SVG,
            d=path_to_d([_map(stroke, place)], precision=2),
            color=color,
            stroke_width=stroke_width,
            brush="ink",
        )
        for stroke in strokes
    ]


class SignCanvasInput(BaseModel):
    position: Position = Field(default="bottom_right", description="Where to sign.")
    size: Size = Field(default="medium", description="small, medium or large.")
    color: HexColor | None = Field(
        default=None, description=f"{HEX_COLOR_DESCRIPTION} (paint style only)"
    )


async def sign_canvas(ctx: ToolContext, args: SignCanvasInput) -> ToolReply:
    """Sign the current piece (the piece number seeds the hand-made jitter)."""
    try:
        paths = signature_paths(
            canvas_width=ctx.canvas_width,
            canvas_height=ctx.canvas_height,
            position=args.position,
            size=args.size,
            color=args.color,
            seed=ctx.state.piece.number,
        )
    except ValueError as exc:
        return error_result(str(exc))
    return await commit_paths(ctx, ParsedPaths(paths=paths), done=False, what="Signed with")
