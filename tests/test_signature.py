"""The artist's hand-drawn "Monet" signature (``code_monet.tools.signature``)."""

from __future__ import annotations

import io
import itertools

import numpy as np
import pytest
from PIL import Image

from code_monet.geometry.svg_path import parse_path_d
from code_monet.render.pipeline import RenderOptions, render_strokes_png
from code_monet.tools.signature import Position, Size, signature_paths
from code_monet.types.geometry import PathType
from code_monet.types.paths import Author, Path

POSITIONS: tuple[Position, ...] = ("bottom_right", "bottom_left", "bottom_center")
SIZES: tuple[Size, ...] = ("small", "medium", "large")
CANVASES = [(240, 240), (800, 600), (600, 800), (1000, 1000), (1600, 900), (2400, 1200)]

Box = tuple[float, float, float, float]


def _box(paths: list[Path]) -> Box:
    """Bounding box of every point (control points included) of the paths' ``d``."""
    points = [
        point
        for path in paths
        for sub in parse_path_d(path.d or "")
        for segment in sub.segments
        for point in segment.points
    ]
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    return min(xs), min(ys), max(xs), max(ys)


def _sign(
    width: int = 800,
    height: int = 600,
    position: Position = "bottom_right",
    size: Size = "medium",
    seed: int = 0,
) -> list[Path]:
    return signature_paths(
        canvas_width=width, canvas_height=height, position=position, size=size, seed=seed
    )


class TestShape:
    """What the signature is made of."""

    def test_three_agent_svg_strokes_that_parse(self) -> None:
        """Name, t-bar and underline: agent svg paths whose d parses, each one pen stroke."""
        # Arrange / Act
        paths = _sign()
        # Assert
        assert len(paths) == 3
        for path in paths:
            assert path.type is PathType.SVG and path.author is Author.AGENT
            subpaths = parse_path_d(path.d or "")
            assert len(subpaths) == 1 and subpaths[0].segments
        name = parse_path_d(paths[0].d or "")[0]
        assert len(name.segments) > 20  # five joined cursive letters, not a placeholder

    def test_stroke_width_grows_with_size(self) -> None:
        """Stroke width stays within 1.5–3 and never shrinks for a larger signature."""
        # Arrange / Act
        widths = [_sign(1600, 1200, size=size)[0].stroke_width for size in SIZES]
        # Assert
        assert all(w is not None and 1.5 <= w <= 3.0 for w in widths)
        assert widths == sorted(w for w in widths if w is not None)
        assert widths[0] != widths[-1]

    def test_no_color_by_default(self) -> None:
        """Without a colour the style default applies (the field stays unset)."""
        # Arrange / Act
        paths = _sign()
        # Assert
        assert all(path.color is None for path in paths)


class TestDeterminism:
    """Stable for a seed, subtly different across seeds."""

    def test_same_seed_same_signature(self) -> None:
        """Two calls with one seed give identical paths."""
        # Arrange / Act
        first = _sign(seed=42)
        second = _sign(seed=42)
        # Assert
        assert [p.to_dict() for p in first] == [p.to_dict() for p in second]

    def test_seeds_differ_slightly(self) -> None:
        """Different seeds change the strokes, but only by a few percent of the size."""
        # Arrange
        reference = _box(_sign(seed=0))
        # Act
        variants = [_sign(seed=seed) for seed in range(1, 8)]
        # Assert
        assert len({p[0].d for p in variants} | {_sign(seed=0)[0].d}) == 8
        ref_w, ref_h = reference[2] - reference[0], reference[3] - reference[1]
        for paths in variants:
            x0, y0, x1, y1 = _box(paths)
            assert abs((x1 - x0) - ref_w) <= 0.05 * ref_w
            assert abs((y1 - y0) - ref_h) <= 0.10 * ref_h


class TestPlacement:
    """Inside the margin, at the requested spot, at the requested size."""

    @pytest.mark.parametrize(
        ("canvas", "position", "size"), list(itertools.product(CANVASES, POSITIONS, SIZES))
    )
    def test_inside_the_margin(
        self, canvas: tuple[int, int], position: Position, size: Size
    ) -> None:
        """The whole box (plus half the stroke) keeps ≥3% from every edge, in the bottom part."""
        # Arrange
        width, height = canvas
        # Act
        paths = _sign(width, height, position, size, seed=7)
        # Assert
        x0, y0, x1, y1 = _box(paths)
        half = (paths[0].stroke_width or 0) / 2
        assert x0 - half >= 0.03 * width and x1 + half <= 0.97 * width
        assert y0 - half >= 0.03 * height and y1 + half <= 0.97 * height
        assert y0 > height / 2

    @pytest.mark.parametrize(("canvas", "size"), list(itertools.product(CANVASES, SIZES)))
    def test_horizontal_position(self, canvas: tuple[int, int], size: Size) -> None:
        """bottom_left sits in the left third, bottom_right in the right third, centre centred."""
        # Arrange
        width, height = canvas
        # Act
        left = _box(_sign(width, height, "bottom_left", size))
        right = _box(_sign(width, height, "bottom_right", size))
        centre = _box(_sign(width, height, "bottom_center", size))
        # Assert
        assert left[2] <= width / 3
        assert right[0] >= 2 * width / 3
        assert centre[0] >= width / 3 and centre[2] <= 2 * width / 3
        assert abs((centre[0] + centre[2]) / 2 - width / 2) <= 0.01 * width

    @pytest.mark.parametrize("canvas", CANVASES)
    def test_sizes_are_ordered(self, canvas: tuple[int, int]) -> None:
        """small < medium < large, on every canvas."""
        # Arrange
        width, height = canvas
        # Act
        widths = [_box(_sign(width, height, size=size)) for size in SIZES]
        # Assert
        spans = [box[2] - box[0] for box in widths]
        assert spans[0] < spans[1] < spans[2]

    def test_sizes_follow_the_canvas_width(self) -> None:
        """On a square canvas the widths are 12% / 18% / 26% of the canvas width."""
        # Arrange / Act
        spans = [_box(_sign(1000, 1000, size=size)) for size in SIZES]
        # Assert
        assert [round(box[2] - box[0]) for box in spans] == [120, 180, 260]


class TestColor:
    """Colours are validated and normalised."""

    def test_color_is_set_on_every_path(self) -> None:
        """A valid colour (any case) is set, lower-cased."""
        # Arrange / Act
        paths = signature_paths(canvas_width=800, canvas_height=600, color="#E94560")
        # Assert
        assert [p.color for p in paths] == ["#e94560"] * 3

    @pytest.mark.parametrize("color", ["red", "#12345", "#1234567", "#12345g", "", "e94560"])
    def test_bad_colors_raise(self, color: str) -> None:
        """Anything but #rrggbb raises ValueError naming the value."""
        # Arrange / Act / Assert
        with pytest.raises(ValueError, match="must be #rrggbb"):
            signature_paths(canvas_width=800, canvas_height=600, color=color)

    def test_bad_size_and_position_raise(self) -> None:
        """Unknown sizes and positions raise ValueError (callers bypassing the type hints)."""
        # Arrange
        size: str = "huge"
        position: str = "top_left"
        # Act / Assert
        with pytest.raises(ValueError, match="size must be one of small, medium, large"):
            signature_paths(canvas_width=800, canvas_height=600, size=size)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="'top_left' is not a bottom corner"):
            signature_paths(
                canvas_width=800,
                canvas_height=600,
                position=position,  # type: ignore[arg-type]
            )


class TestRendering:
    """Rendered, the ink lands in the expected corner and nowhere else."""

    @pytest.mark.parametrize(
        ("position", "region"),
        [
            ("bottom_right", (0.66, 0.75, 1.0, 1.0)),
            ("bottom_left", (0.0, 0.75, 0.34, 1.0)),
            ("bottom_center", (0.33, 0.75, 0.67, 1.0)),
        ],
    )
    def test_ink_only_in_the_region(
        self, position: Position, region: tuple[float, float, float, float]
    ) -> None:
        """Dark pixels exist, all inside the region (and inside the canvas margin)."""
        # Arrange
        width, height = 800, 600
        paths = _sign(width, height, position, "medium", seed=3)
        # Act
        png = render_strokes_png(paths, RenderOptions(width=width, height=height))
        with Image.open(io.BytesIO(png)) as image:
            pixels = np.asarray(image.convert("L"))
        # Assert
        ys, xs = np.nonzero(pixels < 200)
        assert xs.size > 300  # a real signature, not a dot
        rx0, ry0, rx1, ry1 = region
        assert xs.min() >= rx0 * width and xs.max() <= rx1 * width
        assert ys.min() >= ry0 * height and ys.max() <= ry1 * height
        margin_x, margin_y = 0.03 * width, 0.03 * height
        assert xs.min() >= margin_x and xs.max() <= width - margin_x
        assert ys.max() <= height - margin_y
