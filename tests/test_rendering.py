"""Tests for ``code_monet.render.pipeline``: real pixels, decoded from the PNGs it writes."""

from __future__ import annotations

import base64
import io
import logging
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from code_monet.render.pipeline import (
    RenderOptions,
    canvas_to_svg,
    clear_render_caches,
    options_for_agent_view,
    options_for_og_image,
    options_for_share_preview,
    options_for_thumbnail,
    render_strokes,
    render_strokes_async,
    render_strokes_image,
    render_strokes_png,
)
from code_monet.types import Author, CanvasState, DrawingStyleType, Path, PathType, Point

PLOTTER = DrawingStyleType.PLOTTER
PAINT = DrawingStyleType.PAINT
SVG_NS = "{http://www.w3.org/2000/svg}"


def line(x0: float, y0: float, x1: float, y1: float, **style: str | float) -> Path:
    return Path.model_validate(
        {"type": "line", "points": [{"x": x0, "y": y0}, {"x": x1, "y": y1}], **style}
    )


def decode(png: bytes) -> NDArray[np.int64]:
    """PNG bytes → (H, W, 3) int pixels."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGB")).astype(np.int64)


def render(strokes: list[Path], **options: object) -> NDArray[np.int64]:
    return decode(render_strokes_png(strokes, RenderOptions(**options)))


def ink_mask(pixels: NDArray[np.int64], threshold: int = 240) -> NDArray[np.bool_]:
    """Pixels noticeably darker than a white background."""
    return np.asarray(pixels.min(axis=2) < threshold)


def near(
    pixels: NDArray[np.int64], rgb: tuple[int, int, int], tolerance: int = 12
) -> NDArray[np.bool_]:
    return np.asarray(np.abs(pixels - np.array(rgb)).max(axis=2) <= tolerance)


class TestGeometry:
    """Strokes land where their coordinates say, anti-aliased, with round caps."""

    def test_horizontal_line_lands_on_expected_rows_and_columns(self) -> None:
        """A 2.5-wide plotter line at y=300 from x=100 to 700 inks only rows ~298–301."""
        # Arrange
        stroke = line(100, 300, 700, 300)
        # Act
        pixels = render([stroke])
        # Assert
        ink = ink_mask(pixels)
        rows = np.flatnonzero(ink.any(axis=1))
        cols = np.flatnonzero(ink.any(axis=0))
        assert rows.min() >= 297 and rows.max() <= 302
        assert cols.min() >= 97 and cols.max() <= 703
        assert ink[299, 110:690].all() and ink[300, 110:690].all()
        assert not ink[:290].any() and not ink[310:].any()
        assert pixels[300, 400].max() < 80  # solid ink in the middle of the stroke

    def test_edges_are_anti_aliased(self) -> None:
        """A diagonal line produces intermediate (partially covered) pixel values."""
        # Arrange
        stroke = line(100, 100, 700, 500)
        # Act
        pixels = render([stroke])
        # Assert
        values = pixels[..., 0]
        partial = (values > 60) & (values < 230)
        assert partial.sum() > 200

    def test_svg_arc_renders_pixels_along_the_arc(self) -> None:
        """An svg ``A`` command is drawn as a curve: the semicircle's apex is inked, its
        centre and the chord's midpoint below it are not."""
        # Arrange
        arc = Path(type=PathType.SVG, d="M 300 300 A 100 100 0 0 1 500 300")
        # Act
        pixels = render([arc])
        # Assert
        ink = ink_mask(pixels)
        assert ink[199:202, 398:403].any()  # apex (400, 200)
        angle = np.deg2rad(45)
        x, y = 400 - 100 * np.cos(angle), 300 - 100 * np.sin(angle)
        assert ink[round(y) - 1 : round(y) + 2, round(x) - 1 : round(x) + 2].any()
        assert not ink[260:290, 390:410].any()  # inside the arc, near the centre

    def test_broken_svg_path_is_skipped_with_a_warning(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        """An unparseable ``d`` is skipped (logged); the other strokes still render."""
        # Arrange
        broken = Path(type=PathType.SVG, d="M 10 10 L banana")
        good = line(100, 300, 700, 300)
        # Act
        with caplog.at_level(logging.WARNING):
            pixels = render([broken, good])
        # Assert
        assert ink_mask(pixels)[300, 400]
        assert any("svg" in record.getMessage().lower() for record in caplog.records)


class TestStyles:
    """Plotter ignores per-path style, paint honours it; humans are highlighted."""

    def test_plotter_ignores_per_path_colour(self) -> None:
        """A red plotter path is drawn in the plotter ink colour (#1a1a2e)."""
        # Arrange
        stroke = line(100, 300, 700, 300, color="#ff0000")
        # Act
        pixels = render([stroke], drawing_style=PLOTTER)
        # Assert
        assert not near(pixels, (255, 0, 0), 40).any()
        assert near(pixels, (0x1A, 0x1A, 0x2E), 12)[300, 200:600].all()

    def test_paint_honours_per_path_colour(self) -> None:
        """The same path in paint mode is red."""
        # Arrange
        stroke = line(100, 300, 700, 300, color="#ff0000", opacity=1.0, stroke_width=6)
        # Act
        pixels = render([stroke], drawing_style=PAINT)
        # Assert
        assert near(pixels, (255, 0, 0), 8)[300, 200:600].all()

    def test_human_highlight_colour_present_when_highlighting(self) -> None:
        """Highlighted human strokes use the human colour (#0066CC) and are wider."""
        # Arrange
        human = line(100, 300, 700, 300, author=Author.HUMAN.value, color="#ff0000")
        # Act
        plain = render([human])
        highlighted = render([human], highlight_human=True)
        # Assert
        assert near(highlighted, (0x00, 0x66, 0xCC), 10)[300, 200:600].all()
        assert (255 - highlighted).sum() > (255 - plain).sum() * 1.3  # more ink: wider
        assert near(plain, (0x00, 0x66, 0xCC), 10)[300, 200:600].all()

    def test_translucent_overlap_is_darker_than_either_stroke(self) -> None:
        """Two crossing 50%-opacity strokes accumulate: the crossing is darker than each."""
        # Arrange
        style = {"color": "#3b82f6", "opacity": 0.5, "stroke_width": 12.0}
        strokes = [line(100, 300, 700, 300, **style), line(400, 100, 400, 500, **style)]
        # Act
        pixels = render(strokes, drawing_style=PAINT)
        # Assert
        horizontal, vertical, crossing = pixels[300, 200], pixels[200, 400], pixels[300, 400]
        assert crossing.sum() < horizontal.sum() - 60
        assert crossing.sum() < vertical.sum() - 60
        assert abs(horizontal.sum() - vertical.sum()) < 6

    def test_paint_fill_is_drawn_under_its_stroke(self) -> None:
        """A closed svg path with ``fill`` is filled in paint mode."""
        # Arrange
        square = Path(
            type=PathType.SVG, d="M 100 100 L 300 100 L 300 300 L 100 300 Z", fill="#4ade80"
        )
        # Act
        pixels = render([square], drawing_style=PAINT)
        # Assert
        assert near(pixels, (0x4A, 0xDE, 0x80), 6)[200, 200]

    def test_brush_expansion_is_deterministic_and_textured(self) -> None:
        """Expanded brushes differ from a plain stroke and render identically every time,
        from the brush cache or freshly expanded."""
        # Arrange
        stroke = Path.model_validate(
            {
                "type": "polyline",
                "points": [{"x": 100 + 30 * i, "y": 300 + 40 * np.sin(i / 3)} for i in range(20)],
                "color": "#e94560",
                "stroke_width": 14,
                "brush": "oil_round",
            }
        )
        options = RenderOptions(drawing_style=PAINT, expand_brushes=True)
        # Act
        first = render_strokes_png([stroke], options)
        cached = render_strokes_png([stroke], options)
        clear_render_caches()
        fresh = render_strokes_png([stroke], options)
        plain = render([stroke], drawing_style=PAINT)
        # Assert
        assert first == cached == fresh
        assert np.abs(decode(first) - plain).sum() > 10_000


class TestScalingAndPresets:
    """Output sizes, fit-and-centre scaling, and the preset factories."""

    def test_og_image_is_dark_with_white_strokes_centred(self) -> None:
        """OG: 1200×630, dark background, white plotter strokes; the source centre maps to
        the output centre."""
        # Arrange
        dot = line(395, 300, 405, 300)
        options = options_for_og_image(PLOTTER, scale_from=(800, 600))
        # Act
        result = render_strokes([dot], options)
        # Assert
        assert isinstance(result, bytes)
        pixels = decode(result)
        assert pixels.shape == (630, 1200, 3)
        assert pixels[5, 5].max() < 40  # dark background
        bright = pixels.min(axis=2) > 200
        assert bright.any() and pixels.max() >= 245  # white-ish strokes
        ys, xs = np.nonzero(bright)
        assert abs(xs.mean() - 600) < 3 and abs(ys.mean() - 315) < 3

    def test_og_image_for_paint_keeps_colours_on_white_paper(self) -> None:
        """Paint OG: the canvas area is white paper inside the dark card; colours are kept."""
        # Arrange
        stroke = line(100, 300, 700, 300, color="#ff0000", opacity=1.0, stroke_width=8)
        options = options_for_og_image(PAINT, scale_from=(800, 600))
        # Act
        pixels = decode(render_strokes_png([stroke], options))
        # Assert
        assert pixels[5, 5].max() < 40  # dark margin
        assert pixels[100, 600].min() > 250  # white paper inside the canvas area
        assert near(pixels, (255, 0, 0), 40)[315, 450:750].all()

    def test_scaled_stroke_widths_scale_too(self) -> None:
        """Rendering a 1600×1200 canvas into 800×600 halves stroke widths."""
        # Arrange
        wide = line(200, 600, 1400, 600, stroke_width=20, opacity=1.0)
        # Act
        full = render([wide], drawing_style=PAINT, width=1600, height=1200)
        half = render(
            [wide],
            drawing_style=PAINT,
            width=800,
            height=600,
            scale_from=(1600, 1200),
            scale_padding=0,
        )
        # Assert
        full_rows = ink_mask(full, 128)[:, 800].sum()
        half_rows = ink_mask(half, 128)[:, 400].sum()
        assert abs(full_rows - 20) <= 1 and abs(half_rows - 10) <= 1

    def test_agent_view_respects_vision_limits(self) -> None:
        """A 2400×2400 canvas renders at most 1568 px per edge and 1.15 MP, as a PIL image."""
        # Arrange
        canvas = CanvasState(width=2400, height=2400, strokes=[line(0, 0, 2400, 2400)])
        options = options_for_agent_view(canvas)
        # Act
        image = render_strokes(canvas.strokes, options)
        # Assert
        assert isinstance(image, Image.Image)
        width, height = image.size
        assert max(width, height) <= 1568 and width * height <= 1_150_000
        assert abs(width - height) <= 1 and width > 1000
        assert options.highlight_human

    def test_agent_view_expands_brushes_in_paint_mode(self) -> None:
        """The agent view preset expands brushes only for paint canvases."""
        # Arrange
        paint = CanvasState(drawing_style=PAINT)
        plotter = CanvasState(drawing_style=PLOTTER)
        # Act
        paint_options, plotter_options = (
            options_for_agent_view(paint),
            options_for_agent_view(plotter),
        )
        # Assert
        assert paint_options.expand_brushes and not plotter_options.expand_brushes
        assert (paint_options.width, paint_options.height) == (800, 600)

    def test_thumbnail_and_share_preview(self) -> None:
        """Both are 800×600 PNGs; the share preview is optimised (never larger)."""
        # Arrange
        strokes = [line(100 + i * 5, 100, 700 - i * 5, 500) for i in range(40)]
        # Act
        thumb = render_strokes(strokes, options_for_thumbnail(PLOTTER, scale_from=(800, 600)))
        share = render_strokes(strokes, options_for_share_preview(PLOTTER, scale_from=(800, 600)))
        # Assert
        assert isinstance(thumb, bytes) and isinstance(share, bytes)
        assert decode(thumb).shape == decode(share).shape == (600, 800, 3)
        assert len(share) <= len(thumb)
        assert np.array_equal(decode(thumb), decode(share))


class TestOutputFormats:
    """``image``, ``bytes`` and ``base64`` outputs, async rendering, transparency."""

    def test_base64_output_decodes_to_the_png(self) -> None:
        """``base64`` returns ASCII text of exactly the PNG bytes."""
        # Arrange
        strokes = [line(100, 300, 700, 300)]
        # Act
        text = render_strokes(strokes, RenderOptions(output_format="base64"))
        png = render_strokes(strokes, RenderOptions(output_format="bytes"))
        # Assert
        assert isinstance(text, str)
        assert base64.b64decode(text) == png

    def test_image_output_is_a_pil_image_with_the_same_pixels(self) -> None:
        """``image`` returns an RGB PIL image equal to the decoded PNG."""
        # Arrange
        strokes = [line(100, 300, 700, 300, color="#ff0000")]
        # Act
        image = render_strokes(strokes, RenderOptions(output_format="image", drawing_style=PAINT))
        png = render_strokes_png(strokes, RenderOptions(drawing_style=PAINT))
        # Assert
        assert isinstance(image, Image.Image)
        assert image.mode == "RGB" and image.size == (800, 600)
        assert np.array_equal(np.asarray(image).astype(np.int64), decode(png))

    def test_transparent_background_gives_rgba(self) -> None:
        """A translucent background renders RGBA with alpha kept where nothing is drawn."""
        # Arrange
        options = RenderOptions(background_color=(0, 0, 0, 0))
        # Act
        image = render_strokes_image([line(100, 300, 700, 300)], options)
        # Assert
        rgba = np.asarray(image)
        assert image.mode == "RGBA"
        assert rgba[10, 10, 3] == 0 and rgba[300, 400, 3] == 255

    def test_transparent_background_png_keeps_alpha(self) -> None:
        """The PNG of a translucent background is RGBA; paint colours survive unpremultiplied."""
        # Arrange
        stroke = line(100, 300, 700, 300, color="#ff0000", opacity=0.5, stroke_width=8)
        options = RenderOptions(background_color="#00000000", drawing_style=PAINT)
        # Act
        png = render_strokes_png([stroke], options)
        # Assert
        with Image.open(io.BytesIO(png)) as image:
            assert image.mode == "RGBA"
            rgba = np.asarray(image).astype(np.int64)
        assert rgba[10, 10, 3] == 0
        assert abs(rgba[300, 400, 3] - 128) <= 2 and rgba[300, 400, 0] >= 250

    async def test_async_rendering_matches_sync(self) -> None:
        """``render_strokes_async`` returns what ``render_strokes`` does."""
        # Arrange
        strokes = [line(100, 300, 700, 300)]
        options = RenderOptions()
        # Act
        result = await render_strokes_async(strokes, options)
        # Assert
        assert result == render_strokes(strokes, options)

    @pytest.mark.parametrize(
        "bad",
        [
            {"output_format": "jpeg"},
            {"background_color": "white"},
            {"background_color": "#ffffff\n"},
            {"width": 0},
            {"scale_from": (800, 600), "scale_padding": 400},
            {"stroke_color_override": "#fff"},
        ],
    )
    def test_invalid_options_raise_value_error(self, bad: dict[str, object]) -> None:
        """Bad options are rejected with a ValueError naming the problem."""
        # Arrange
        kwargs = dict(bad)
        # Act
        with pytest.raises(ValueError) as raised:
            RenderOptions(**kwargs)
        # Assert
        assert any(name in str(raised.value) for name in kwargs)


class TestCanvasToSvg:
    """The SVG export: one ``<path>`` per stroke, effective styles, escaped attributes."""

    def test_export_reparses_with_one_path_per_stroke(self) -> None:
        """Every drawable stroke becomes one ``<path>`` with its effective paint style."""
        # Arrange
        strokes = [
            line(10, 10, 100, 100, color="#ff0000", opacity=0.5, stroke_width=3),
            Path(
                type=PathType.QUADRATIC, points=[Point(x=0, y=0), Point(x=5, y=9), Point(x=10, y=0)]
            ),
            Path(type=PathType.SVG, d="M 0 0 A 10 10 0 0 1 20 0"),
            Path(type=PathType.SVG, d="M 1 1 L nope"),
        ]
        # Act
        svg = canvas_to_svg(strokes, 800, 600, PAINT)
        # Assert
        root = ET.fromstring(svg)
        paths = root.findall(f".//{SVG_NS}path")
        assert root.get("viewBox") == "0 0 800 600"
        assert len(paths) == 3  # the broken svg path is skipped
        first = paths[0].attrib
        assert first["stroke"] == "#ff0000" and first["stroke-opacity"] == "0.5"
        assert first["stroke-width"] == "3" and first["fill"] == "none"
        assert first["d"] == "M 10 10 L 100 100"
        assert paths[1].attrib["d"] == "M 0 0 Q 5 9 10 0"
        group = root.find(f"{SVG_NS}g")
        assert group is not None and group.get("stroke-linecap") == "round"

    def test_plotter_export_ignores_path_style(self) -> None:
        """Plotter exports use the plotter ink and width whatever the path says."""
        # Arrange
        strokes = [line(0, 0, 10, 10, color="#ff0000", stroke_width=9)]
        # Act
        root = ET.fromstring(canvas_to_svg(strokes, 100, 100, PLOTTER))
        # Assert
        path = root.findall(f".//{SVG_NS}path")[0].attrib
        assert path["stroke"] == "#1a1a2e" and path["stroke-width"] == "2.5"

    def test_attribute_values_are_escaped(self) -> None:
        """Hostile attribute text cannot break out of its attribute."""
        # Arrange
        hostile = '#ff0000" onload="alert(1)" x="<&>'
        sneaky = Path.model_construct(
            type=PathType.LINE,
            points=[Point(x=0, y=0), Point(x=1, y=1)],
            d=None,
            author=Author.AGENT,
            color=hostile,
            stroke_width=None,
            opacity=None,
            brush=None,
            id=None,
            fill=None,
            fill_opacity=None,
        )
        # Act
        root = ET.fromstring(canvas_to_svg([sneaky], 10, 10, PAINT, background='"><x/>'))
        # Assert
        path = root.findall(f".//{SVG_NS}path")[0]
        assert path.get("stroke") == hostile.lower()
        assert path.get("onload") is None
        rect = root.find(f"{SVG_NS}rect")
        assert rect is not None and rect.get("fill") == '"><x/>'
