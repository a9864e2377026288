"""Rendering benchmarks: plotter/paint/OG PNGs and the agent view, on the shared corpora."""

from __future__ import annotations

from collections.abc import Callable

from bench.corpus import paint_corpus, plotter_corpus
from bench.harness import Benchmark
from code_monet.geometry import svg_path
from code_monet.render.pipeline import (
    RenderOptions,
    canvas_to_svg,
    clear_render_caches,
    options_for_agent_view,
    options_for_og_image,
    render_strokes,
)
from code_monet.types import CanvasState, DrawingStyleType


def _plotter_png() -> Callable[[], object]:
    strokes = plotter_corpus()
    options = RenderOptions(width=800, height=600, output_format="bytes")
    return lambda: render_strokes(strokes, options)


def _plotter_png_cold() -> Callable[[], object]:
    strokes = plotter_corpus()
    options = RenderOptions(width=800, height=600, output_format="bytes")

    def run() -> object:
        clear_render_caches()  # every svg ``d`` is parsed again
        svg_path.clear_parse_cache()
        return render_strokes(strokes, options)

    return run


def _plotter_png_humans() -> Callable[[], object]:
    strokes = plotter_corpus(human_share=0.1)
    options = RenderOptions(width=800, height=600, output_format="bytes")
    return lambda: render_strokes(strokes, options)


def _paint_png() -> Callable[[], object]:
    strokes = paint_corpus()
    options = RenderOptions(
        drawing_style=DrawingStyleType.PAINT, expand_brushes=True, output_format="bytes"
    )
    return lambda: render_strokes(strokes, options)


def _paint_png_cold() -> Callable[[], object]:
    strokes = paint_corpus()
    options = RenderOptions(
        drawing_style=DrawingStyleType.PAINT, expand_brushes=True, output_format="bytes"
    )

    def run() -> object:
        clear_render_caches()  # every brush stroke is expanded again
        svg_path.clear_parse_cache()
        return render_strokes(strokes, options)

    return run


def _og_png() -> Callable[[], object]:
    strokes = plotter_corpus()
    options = options_for_og_image(DrawingStyleType.PLOTTER, scale_from=(800, 600))
    return lambda: render_strokes(strokes, options)


def _agent_view(style: DrawingStyleType) -> Callable[[], Callable[[], object]]:
    def setup() -> Callable[[], object]:
        strokes = plotter_corpus() if style is DrawingStyleType.PLOTTER else paint_corpus()
        canvas = CanvasState(width=800, height=600, strokes=strokes, drawing_style=style)
        options = options_for_agent_view(canvas)
        return lambda: render_strokes(canvas.strokes, options)

    return setup


def _svg_export() -> Callable[[], object]:
    strokes = plotter_corpus()
    return lambda: canvas_to_svg(strokes, 800, 600, DrawingStyleType.PLOTTER)


BENCHMARKS: list[Benchmark] = [
    Benchmark("render plotter 2000 paths → PNG", _plotter_png, target_ms=120),
    Benchmark("render paint 600 strokes, brushes → PNG", _paint_png, target_ms=130),
    Benchmark("render OG 1200×630 plotter 2000 → PNG", _og_png, target_ms=130),
    Benchmark("agent view plotter 2000 → PIL image", _agent_view(DrawingStyleType.PLOTTER)),
    Benchmark("agent view paint 600 → PIL image", _agent_view(DrawingStyleType.PAINT)),
    Benchmark("render plotter 2000, cold caches → PNG", _plotter_png_cold),
    Benchmark("render paint 600, cold caches → PNG", _paint_png_cold),
    Benchmark("render plotter 2000, 10% human → PNG", _plotter_png_humans),
    Benchmark("canvas_to_svg plotter 2000", _svg_export),
]
