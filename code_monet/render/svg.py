"""Per-path style resolution shared by the raster renderer, and the clean SVG export."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final
from xml.sax.saxutils import quoteattr

from code_monet.geometry.arrays import path_arrays
from code_monet.types.geometry import PathType, Point
from code_monet.types.paths import Author, Path
from code_monet.types.styles import DrawingStyleType, get_style_config

logger = logging.getLogger(__name__)

HUMAN_HIGHLIGHT_WIDTH: Final = 1.5  # human strokes are this much wider when highlighted
_SVG_NS: Final = "http://www.w3.org/2000/svg"
_PROBE_POINTS: Final = [Point(x=0, y=0), Point(x=1, y=1)]
_POINT_COMMANDS: Final = {PathType.LINE: "L", PathType.QUADRATIC: "Q", PathType.CUBIC: "C"}


@dataclass(frozen=True, slots=True)
class ResolvedStyle:
    """How one path is drawn: stroke colour/width/opacity and optional fill."""

    color: str
    width: float
    opacity: float
    fill: str | None = None
    fill_opacity: float = 1.0


def resolve_style(
    path: Path,
    style: DrawingStyleType,
    *,
    highlight_human: bool = False,
    color_override: str | None = None,
) -> ResolvedStyle:
    """The effective style of ``path``: ``Path.effective_style`` plus the rendering rules.

    Human strokes always use the human style colour (wider when ``highlight_human``);
    ``color_override`` replaces every other stroke colour. Fills are paint-only.
    """
    return _resolve(
        path.author,
        path.color,
        path.stroke_width,
        path.opacity,
        path.fill,
        path.fill_opacity,
        DrawingStyleType(style),
        highlight_human,
        color_override,
    )


@lru_cache(maxsize=4096)
def _resolve(
    author: Author,
    color: str | None,
    stroke_width: float | None,
    opacity: float | None,
    fill: str | None,
    fill_opacity: float | None,
    style: DrawingStyleType,
    highlight_human: bool,
    color_override: str | None,
) -> ResolvedStyle:
    """Cached on the style-relevant fields (a canvas has few distinct styles)."""
    probe = Path.model_construct(
        type=PathType.LINE,
        points=_PROBE_POINTS,
        author=author,
        color=color,
        stroke_width=stroke_width,
        opacity=opacity,
    )
    base = probe.effective_style(style)
    resolved_color, width = base.color, base.stroke_width
    human = author is Author.HUMAN
    if human:
        resolved_color = get_style_config(style).human_stroke.color
        if highlight_human:
            width *= HUMAN_HIGHLIGHT_WIDTH
    if color_override is not None and not (highlight_human and human):
        resolved_color = color_override
    paint_fill = fill if style is DrawingStyleType.PAINT else None
    return ResolvedStyle(
        resolved_color.lower(),
        width,
        base.opacity,
        paint_fill,
        fill_opacity if fill_opacity is not None else 1.0,
    )


def _num(value: float) -> str:
    """Compact number: at most 2 decimals, no trailing zeros, no ``-0``."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _path_d(path: Path) -> str | None:
    if path.type is PathType.SVG:
        if path_arrays(path) is None:  # unparseable: skipped (already logged)
            return None
        return " ".join((path.d or "").split())
    coords = [f"{_num(p.x)} {_num(p.y)}" for p in path.points]
    command = _POINT_COMMANDS.get(path.type, "L")
    return f"M {coords[0]} {command} {' '.join(coords[1:])}"


def canvas_to_svg(
    strokes: Sequence[Path],
    width: int,
    height: int,
    drawing_style: DrawingStyleType,
    *,
    background: str | None = "#ffffff",
) -> str:
    """A standalone SVG document: one ``<path>`` per drawable stroke with its effective
    colour, width and opacity (round caps and joins, no fill unless the path has one).
    Unparseable svg paths are skipped."""
    style = DrawingStyleType(drawing_style)
    lines = [
        f'<svg xmlns="{_SVG_NS}" width="{int(width)}" height="{int(height)}" '
        f'viewBox="0 0 {int(width)} {int(height)}">'
    ]
    if background is not None:
        lines.append(f'<rect width="100%" height="100%" fill={quoteattr(background)}/>')
    lines.append('<g stroke-linecap="round" stroke-linejoin="round">')
    for path in strokes:
        d = _path_d(path)
        if d is None:
            continue
        resolved = resolve_style(path, style)
        attrs = {"d": d, "stroke": resolved.color, "stroke-width": _num(resolved.width)}
        if resolved.opacity < 1:
            attrs["stroke-opacity"] = _num(resolved.opacity)
        attrs["fill"] = resolved.fill or "none"
        if resolved.fill is not None and resolved.fill_opacity < 1:
            attrs["fill-opacity"] = _num(resolved.fill_opacity)
        if path.author is Author.HUMAN:
            attrs["data-author"] = "human"
        lines.append("<path " + " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items()) + "/>")
    lines += ["</g>", "</svg>"]
    return "\n".join(lines) + "\n"
