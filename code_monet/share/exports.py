"""Exports of a saved piece: clean SVG, plotter SVG (layered, travel-optimised), sized PNG, and
the motion planner's plot-time estimate.

The plotter SVG has one Inkscape layer per pen colour (``inkscape:groupmode="layer"``, labels
starting with the layer number, as vpype and the AxiDraw software read them); inside a layer the
strokes are in greedy nearest-neighbour order, each drawn from whichever end is nearer (curves
reversed exactly). Everything here is CPU-bound: call it from a worker thread.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Final, TypedDict

import numpy as np

from code_monet.geometry.interpolation import interpolate_subpaths
from code_monet.geometry.motion import (
    FloatArray,
    order_paths,
    plan_motion,
    travel_distance,
)
from code_monet.geometry.svg_path import Segment, Subpath, path_geometry, path_to_d
from code_monet.render.pipeline import RenderOptions, canvas_to_svg, render_strokes_png
from code_monet.render.svg import resolve_style
from code_monet.types.paths import Path
from code_monet.types.state import SavedCanvas
from code_monet.types.styles import DrawingStyleType

logger = logging.getLogger(__name__)

MIN_PNG_SIZE: Final = 64
MAX_PNG_SIZE: Final = 4096
_SVG_NS: Final = "http://www.w3.org/2000/svg"
_INKSCAPE_NS: Final = "http://www.inkscape.org/namespaces/inkscape"
_HOME: Final = (0.0, 0.0)


def clean_svg(canvas: SavedCanvas) -> str:
    """One ``<path>`` per stroke with its effective style, no background (plots cleanly)."""
    return canvas_to_svg(
        canvas.strokes, canvas.width, canvas.height, canvas.drawing_style, background=None
    )


def png_options(canvas: SavedCanvas, size: int) -> RenderOptions:
    """Render options for a PNG whose long edge is ``size`` pixels (aspect kept, on white)."""
    if not MIN_PNG_SIZE <= size <= MAX_PNG_SIZE:
        raise ValueError(f"PNG size {size} is out of range {MIN_PNG_SIZE}–{MAX_PNG_SIZE}")
    scale = size / max(canvas.width, canvas.height)
    width = max(1, round(canvas.width * scale))
    height = max(1, round(canvas.height * scale))
    return RenderOptions(
        width=width,
        height=height,
        drawing_style=canvas.drawing_style,
        expand_brushes=canvas.drawing_style is DrawingStyleType.PAINT,
        scale_from=(canvas.width, canvas.height),
        scale_padding=0,
    )


def export_png(canvas: SavedCanvas, size: int) -> bytes:
    return render_strokes_png(canvas.strokes, png_options(canvas, size))


# --- plot layout -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlotStroke:
    """One stroke in plotting order; ``subpaths`` are already in drawing direction."""

    path: Path
    reversed: bool
    subpaths: list[Subpath]
    width: float


@dataclass(frozen=True, slots=True)
class PlotLayer:
    number: int
    color: str
    strokes: list[PlotStroke]


def _end(subpath: Subpath) -> tuple[float, float]:
    return subpath.start if subpath.closed else subpath.segments[-1].points[-1]


def _reverse(subpath: Subpath) -> Subpath:
    segments = list(subpath.segments)
    if subpath.closed and segments[-1].points[-1] != subpath.start:
        segments.append(Segment("line", (segments[-1].points[-1], subpath.start)))
    flipped = [Segment(s.kind, tuple(reversed(s.points))) for s in reversed(segments)]
    start = subpath.start if subpath.closed else segments[-1].points[-1]
    return Subpath(start, flipped, subpath.closed)


def _geometry(path: Path) -> list[Subpath]:
    try:
        return path_geometry(path)
    except ValueError as exc:
        logger.warning("Skipping a stroke with unusable geometry in a plot export: %s", exc)
        return []


def plot_layout(canvas: SavedCanvas) -> list[PlotLayer]:
    """Strokes grouped into one layer per pen colour (first use first) and ordered in each
    layer to keep pen-up travel short, starting from the home corner."""
    groups: dict[str, list[tuple[Path, list[Subpath], float]]] = {}
    for path in canvas.strokes:
        subpaths = _geometry(path)
        if not subpaths:
            continue
        style = resolve_style(path, canvas.drawing_style)
        groups.setdefault(style.color, []).append((path, subpaths, style.width))
    layers: list[PlotLayer] = []
    for number, (color, items) in enumerate(groups.items(), start=1):
        ends = [np.array([sp[0].start, _end(sp[-1])], dtype=np.float64) for _, sp, _ in items]
        strokes: list[PlotStroke] = []
        for index, backwards in order_paths(ends, start=_HOME):
            path, subpaths, width = items[index]
            drawn = [_reverse(s) for s in reversed(subpaths)] if backwards else subpaths
            strokes.append(PlotStroke(path, backwards, drawn, width))
        layers.append(PlotLayer(number, color, strokes))
    return layers


def _num(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def plotter_svg(canvas: SavedCanvas) -> str:
    """The layered, travel-optimised SVG for pen plotters (vpype, AxiDraw, Inkscape)."""
    w, h = int(canvas.width), int(canvas.height)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="{_SVG_NS}" xmlns:inkscape="{_INKSCAPE_NS}" version="1.1" '
        f'width="{w}" height="{h}" viewBox="0 0 {w} {h}">',
    ]
    for layer in plot_layout(canvas):
        lines.append(
            f'<g inkscape:groupmode="layer" inkscape:label="{layer.number} pen {layer.color}" '
            f'id="layer{layer.number}" fill="none" stroke="{layer.color}" '
            'stroke-linecap="round" stroke-linejoin="round">'
        )
        for stroke in layer.strokes:
            d = path_to_d(stroke.subpaths)
            lines.append(f'<path d="{d}" stroke-width="{_num(stroke.width)}"/>')
        lines.append("</g>")
    lines.append("</svg>")
    return "\n".join(lines) + "\n"


# --- plot time -------------------------------------------------------------------------------


class PlotEstimateDict(TypedDict):
    """What the motion planner says plotting a piece takes (canvas units, seconds)."""

    estimated_plot_seconds: float
    draw_seconds: float
    travel_seconds: float
    pen_seconds: float
    pen_lifts: int
    draw_distance: float
    travel_distance: float
    travel_distance_unordered: float
    layers: int
    strokes: int


def _runs(stroke: PlotStroke) -> list[FloatArray]:
    try:
        runs = interpolate_subpaths(stroke.path)
    except ValueError as exc:
        logger.warning("Skipping a stroke in the plot estimate: %s", exc)
        return []
    return [run[::-1] for run in reversed(runs)] if stroke.reversed else runs


def plot_estimate(canvas: SavedCanvas) -> PlotEstimateDict:
    """Plan the plotter's motion over the layered, ordered strokes and time it."""
    layers = plot_layout(canvas)
    runs = [run for layer in layers for stroke in layer.strokes for run in _runs(stroke)]
    plan = plan_motion(runs)
    as_saved = [run for path in canvas.strokes for run in _safe_runs(path)]
    count = sum(len(layer.strokes) for layer in layers)
    return PlotEstimateDict(
        estimated_plot_seconds=round(plan.total_time, 2),
        draw_seconds=round(plan.draw_time, 2),
        travel_seconds=round(plan.travel_time, 2),
        pen_seconds=round(plan.pen_time, 2),
        pen_lifts=plan.pen_lifts,
        draw_distance=round(plan.draw_distance, 1),
        travel_distance=round(plan.travel_distance, 1),
        travel_distance_unordered=round(travel_distance(as_saved, _HOME), 1),
        layers=len(layers),
        strokes=count,
    )


def _safe_runs(path: Path) -> list[FloatArray]:
    try:
        return interpolate_subpaths(path)
    except ValueError:
        return []


def plot_estimate_json(canvas: SavedCanvas) -> bytes:
    return json.dumps(plot_estimate(canvas), sort_keys=True).encode()


__all__ = [
    "MAX_PNG_SIZE",
    "MIN_PNG_SIZE",
    "PlotEstimateDict",
    "PlotLayer",
    "PlotStroke",
    "clean_svg",
    "export_png",
    "plot_estimate",
    "plot_estimate_json",
    "plot_layout",
    "plotter_svg",
    "png_options",
]
