"""Canvas → image rendering: every PNG, base64 PNG, PIL image and SVG export goes through here.

Paths are drawn with skia (anti-aliased, round caps and joins, curves as curves), each stroke on
its own so translucent strokes accumulate like paint. Plotter ignores per-path style; paint
honours colour, width and opacity, and with ``expand_brushes`` draws brush textures.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final, Literal

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from code_monet.geometry.arrays import path_arrays, svg_arrays
from code_monet.geometry.brushes import BrushRequest, expand_brush_batch, geometry_seed
from code_monet.render.png import encode_png
from code_monet.render.skia import (
    BRUSH_OP_CACHE,
    FILL,
    RGBA,
    BrushKey,
    DrawOp,
    Placement,
    Raster,
    alpha_int,
    brush_ops,
    make_path,
    rasterize,
    rgb_int,
)
from code_monet.render.svg import canvas_to_svg, resolve_style
from code_monet.types.brushes import BRUSH_PRESETS
from code_monet.types.colors import hex_rgba
from code_monet.types.paths import Path
from code_monet.types.state import (
    DEFAULT_CANVAS_HEIGHT,
    DEFAULT_CANVAS_SIZE,
    DEFAULT_CANVAS_WIDTH,
    CanvasState,
)
from code_monet.types.styles import DrawingStyleType

__all__ = [
    "OutputFormat",
    "RenderOptions",
    "RenderResult",
    "canvas_to_svg",
    "clear_render_caches",
    "options_for_agent_view",
    "options_for_og_image",
    "options_for_share_preview",
    "options_for_thumbnail",
    "render_agent_view_png",
    "render_strokes",
    "render_strokes_async",
    "render_strokes_base64",
    "render_strokes_image",
    "render_strokes_png",
]

logger = logging.getLogger(__name__)

OutputFormat = Literal["image", "bytes", "base64"]
RenderResult = Image.Image | bytes | str

MAX_OUTPUT_SIZE: Final = 4096
AGENT_VIEW_MAX_EDGE: Final = 1568
AGENT_VIEW_MAX_PIXELS: Final = 1_150_000
OG_SIZE: Final = (1200, 630)
OG_BACKGROUND: Final = "#14141f"
OG_PLOTTER_STROKE: Final = "#ffffff"
OG_PAINT_CANVAS: Final = "#ffffff"
PREVIEW_SIZE: Final = (800, 600)
_OUTPUT_FORMATS: Final = ("image", "bytes", "base64")


def _parse_color(value: str | tuple[int, ...], what: str) -> RGBA:
    if isinstance(value, str):
        try:
            return hex_rgba(value)
        except ValueError:
            raise ValueError(f"{what} must be '#rrggbb' or '#rrggbbaa', got {value!r}") from None
    if len(value) not in (3, 4) or not all(isinstance(c, int) and 0 <= c <= 255 for c in value):
        raise ValueError(f"{what} must be an (r, g, b[, a]) tuple of 0–255 ints, got {value!r}")
    return (value[0], value[1], value[2], value[3] if len(value) == 4 else 255)


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """How to render a list of strokes. Invalid values raise ``ValueError`` on construction.

    ``scale_from`` is the source canvas size: when it differs from ``width``×``height`` the
    canvas is fitted inside the output with ``scale_padding`` on each side and centred (stroke
    widths scale too). ``stroke_color_override`` replaces every stroke colour (e.g. white on
    dark backgrounds), except human strokes while ``highlight_human`` is on. ``canvas_color``
    fills the canvas area itself (e.g. white paper inside a dark social card).
    """

    width: int = DEFAULT_CANVAS_WIDTH
    height: int = DEFAULT_CANVAS_HEIGHT
    background_color: str | tuple[int, ...] = "#FFFFFF"
    drawing_style: DrawingStyleType = DrawingStyleType.PLOTTER
    highlight_human: bool = False
    expand_brushes: bool = False
    scale_from: tuple[int, int] | None = None
    scale_padding: int = 50
    output_format: OutputFormat = "bytes"
    optimize_png: bool = False
    stroke_color_override: str | None = None
    canvas_color: str | None = None

    def __post_init__(self) -> None:
        for name, size in (("width", self.width), ("height", self.height)):
            if not isinstance(size, int) or not 1 <= size <= MAX_OUTPUT_SIZE:
                raise ValueError(f"RenderOptions.{name} must be 1–{MAX_OUTPUT_SIZE}, got {size!r}")
        object.__setattr__(self, "drawing_style", DrawingStyleType(self.drawing_style))
        _parse_color(self.background_color, "background_color")
        for name in ("stroke_color_override", "canvas_color"):
            value = getattr(self, name)
            if value is not None and _parse_color(value, name)[3] != 255:
                raise ValueError(f"{name} must be an opaque '#rrggbb' colour, got {value!r}")
        if self.output_format not in _OUTPUT_FORMATS:
            raise ValueError(
                f"output_format must be one of {_OUTPUT_FORMATS}, got {self.output_format!r}"
            )
        if self.scale_from is not None:
            sw, sh = self.scale_from
            if sw <= 0 or sh <= 0:
                raise ValueError(f"scale_from must be positive (width, height), got {sw}×{sh}")
            limit = min(self.width, self.height) / 2
            if not 0 <= self.scale_padding < limit:
                raise ValueError(
                    f"scale_padding {self.scale_padding} leaves no room in a "
                    f"{self.width}×{self.height} output (must be 0 ≤ padding < {limit:g})"
                )

    @property
    def background_rgba(self) -> RGBA:
        return _parse_color(self.background_color, "background_color")

    @property
    def source_size(self) -> tuple[int, int]:
        """The canvas size the strokes' coordinates refer to."""
        return self.scale_from if self.scale_from is not None else (self.width, self.height)

    def placement(self) -> Placement | None:
        """The fit-and-centre transform, or ``None`` when drawing 1:1."""
        if self.scale_from is None or self.scale_from == (self.width, self.height):
            return None
        sw, sh = self.scale_from
        pad = self.scale_padding
        scale = min((self.width - 2 * pad) / sw, (self.height - 2 * pad) / sh)
        return Placement(
            scale=scale,
            dx=(self.width - sw * scale) / 2,
            dy=(self.height - sh * scale) / 2,
            source_width=sw,
            source_height=sh,
        )


# --- presets ---------------------------------------------------------------------------------


def options_for_agent_view(canvas: CanvasState) -> RenderOptions:
    """What the agent sees: human strokes highlighted, brushes expanded in paint mode, sized for
    vision models (long edge ≤ 1568 px, ≤ 1.15 MP), returned as a PIL image."""
    w, h = canvas.width, canvas.height
    factor = min(1.0, AGENT_VIEW_MAX_EDGE / max(w, h), math.sqrt(AGENT_VIEW_MAX_PIXELS / (w * h)))
    out_w, out_h = max(1, math.floor(w * factor)), max(1, math.floor(h * factor))
    return RenderOptions(
        width=out_w,
        height=out_h,
        drawing_style=canvas.drawing_style,
        highlight_human=True,
        expand_brushes=canvas.drawing_style is DrawingStyleType.PAINT,
        scale_from=(w, h),
        scale_padding=0,
        output_format="image",
    )


def options_for_og_image(
    drawing_style: DrawingStyleType = DrawingStyleType.PLOTTER,
    scale_from: tuple[int, int] = DEFAULT_CANVAS_SIZE,
) -> RenderOptions:
    """1200×630 social card: dark background, canvas fitted with padding and centred, PNG
    bytes. Plotter strokes are drawn white; paint keeps its colours on a white canvas."""
    plotter = drawing_style is DrawingStyleType.PLOTTER
    return RenderOptions(
        width=OG_SIZE[0],
        height=OG_SIZE[1],
        background_color=OG_BACKGROUND,
        drawing_style=drawing_style,
        expand_brushes=not plotter,
        scale_from=scale_from,
        scale_padding=50,
        output_format="bytes",
        stroke_color_override=OG_PLOTTER_STROKE if plotter else None,
        canvas_color=None if plotter else OG_PAINT_CANVAS,
    )


def options_for_thumbnail(
    drawing_style: DrawingStyleType = DrawingStyleType.PLOTTER,
    scale_from: tuple[int, int] = DEFAULT_CANVAS_SIZE,
) -> RenderOptions:
    """800×600 gallery thumbnail on white, PNG bytes (fast encoding)."""
    return RenderOptions(
        width=PREVIEW_SIZE[0],
        height=PREVIEW_SIZE[1],
        drawing_style=drawing_style,
        expand_brushes=drawing_style is DrawingStyleType.PAINT,
        scale_from=scale_from,
        scale_padding=16,
        output_format="bytes",
    )


def options_for_share_preview(
    drawing_style: DrawingStyleType = DrawingStyleType.PLOTTER,
    scale_from: tuple[int, int] = DEFAULT_CANVAS_SIZE,
) -> RenderOptions:
    """800×600 share preview: like the thumbnail, with a size-optimised PNG."""
    return replace(options_for_thumbnail(drawing_style, scale_from), optimize_png=True)


# --- drawing ---------------------------------------------------------------------------------


def _build_ops(strokes: Sequence[Path], options: RenderOptions) -> list[DrawOp]:
    style = options.drawing_style
    brushes = options.expand_brushes and style is DrawingStyleType.PAINT
    ops: list[DrawOp | int] = []  # an int stands for the brush strokes of that request
    requests: list[BrushRequest] = []
    keys: list[BrushKey] = []
    source_w, source_h = options.source_size
    placement = options.placement()
    scale = placement.scale if placement is not None else 1.0
    for path in strokes:
        arrays = path_arrays(path)
        if arrays is None:
            continue
        resolved = resolve_style(
            path,
            style,
            highlight_human=options.highlight_human,
            color_override=options.stroke_color_override,
        )
        skia_path = None
        if resolved.fill is not None:
            skia_path = make_path(arrays.verbs, arrays.points)
            fill_alpha = alpha_int(resolved.fill_opacity)
            ops.append(DrawOp(skia_path, rgb_int(resolved.fill), fill_alpha, FILL))
        preset = BRUSH_PRESETS.get(path.brush) if brushes and path.brush else None
        if brushes and path.brush and preset is None:
            logger.warning("Unknown brush %r: drawing a plain stroke", path.brush)
        if preset is not None:
            seed = geometry_seed(path, arrays.points)
            brush_key: BrushKey = (
                seed,
                preset.name,
                resolved.color,
                resolved.width,
                resolved.opacity,
                source_w,
                source_h,
                scale,
            )
            cached = BRUSH_OP_CACHE.get(brush_key)
            if cached is not None:
                ops.extend(cached)
                continue
            ops.append(len(requests))
            keys.append(brush_key)
            requests.append(
                BrushRequest(
                    arrays.verbs,
                    arrays.points,
                    preset,
                    resolved.color,
                    resolved.width,
                    resolved.opacity,
                    seed,
                )
            )
            continue
        if skia_path is None:
            skia_path = make_path(arrays.verbs, arrays.points)
        rgb = rgb_int(resolved.color)
        ops.append(DrawOp(skia_path, rgb, alpha_int(resolved.opacity), resolved.width))
    if not requests:
        return [op for op in ops if isinstance(op, DrawOp)]
    brushed = brush_ops(expand_brush_batch(requests, source_w, source_h), len(requests), scale)
    for brush_key, group in zip(keys, brushed, strict=True):
        BRUSH_OP_CACHE.put(brush_key, tuple(group))
    flat: list[DrawOp] = []
    for op in ops:
        if isinstance(op, DrawOp):
            flat.append(op)
        else:
            flat.extend(brushed[op])
    return flat


def _rasterize(strokes: Sequence[Path], options: RenderOptions) -> Raster:
    ops = _build_ops(strokes, options)
    paper = None if options.canvas_color is None else rgb_int(options.canvas_color)
    return rasterize(
        ops, options.width, options.height, options.background_rgba, options.placement(), paper
    )


def _lossless_palette(rgb: NDArray[np.uint8]) -> Raster | None:
    """The same image as palette indices when it has at most 256 colours."""
    packed = rgb[..., 0].astype(np.uint32) << 16 | rgb[..., 1].astype(np.uint32) << 8 | rgb[..., 2]
    colors, indices = np.unique(packed, return_inverse=True)
    if len(colors) > 256:
        return None
    palette = np.stack([(colors >> s) & 255 for s in (16, 8, 0)], axis=1).astype(np.uint8)
    return Raster(indices.reshape(rgb.shape[:2]).astype(np.uint8), palette)


def _png(raster: Raster, options: RenderOptions) -> bytes:
    optimize = options.optimize_png
    if optimize and raster.palette is None and raster.pixels.ndim == 3 == raster.pixels.shape[2]:
        raster = _lossless_palette(raster.pixels) or raster
    paint = options.drawing_style is DrawingStyleType.PAINT
    return encode_png(
        raster.pixels, palette=raster.palette, optimize=optimize, continuous_tone=paint
    )


def _image(raster: Raster) -> Image.Image:
    pixels = raster.rgb_or_rgba()
    return Image.fromarray(pixels, "RGBA" if pixels.shape[2] == 4 else "RGB")


def render_strokes(strokes: Sequence[Path], options: RenderOptions) -> RenderResult:
    """Render ``strokes`` as ``options.output_format`` says: PIL image, PNG bytes or base64 PNG.

    Unparseable svg paths are skipped with a warning. CPU-bound: from async code use
    :func:`render_strokes_async`.
    """
    raster = _rasterize(strokes, options)
    if options.output_format == "image":
        return _image(raster)
    png = _png(raster, options)
    if options.output_format == "base64":
        return base64.b64encode(png).decode("ascii")
    return png


def render_strokes_png(strokes: Sequence[Path], options: RenderOptions) -> bytes:
    """PNG bytes, whatever ``options.output_format`` says."""
    return _png(_rasterize(strokes, options), options)


def render_strokes_base64(strokes: Sequence[Path], options: RenderOptions) -> str:
    """Base64 (ASCII) of the PNG, whatever ``options.output_format`` says."""
    return base64.b64encode(render_strokes_png(strokes, options)).decode("ascii")


def render_strokes_image(strokes: Sequence[Path], options: RenderOptions) -> Image.Image:
    """A PIL image (RGB, or RGBA for a translucent background)."""
    return _image(_rasterize(strokes, options))


def render_agent_view_png(canvas: CanvasState) -> bytes:
    """The canvas as the agent sees it (human strokes highlighted, vision-sized) as PNG bytes."""
    options = replace(options_for_agent_view(canvas), output_format="bytes")
    return render_strokes_png(canvas.strokes, options)


def clear_render_caches() -> None:
    """Forget cached svg geometry and brush expansions (tests, memory pressure)."""
    svg_arrays.cache_clear()
    BRUSH_OP_CACHE.clear()


async def render_strokes_async(strokes: Sequence[Path], options: RenderOptions) -> RenderResult:
    """:func:`render_strokes` in a worker thread, so the event loop keeps running."""
    return await asyncio.to_thread(render_strokes, list(strokes), options)
