"""Tests for ``code_monet.geometry.brushes``: deterministic, clamped, preset brush expansion."""

from __future__ import annotations

import numpy as np
import pytest

from code_monet.geometry.arrays import path_arrays
from code_monet.geometry.brushes import (
    BrushRequest,
    BrushStroke,
    expand_brush_batch,
    expand_brush_strokes,
    path_seed,
)
from code_monet.types import Path, PathType, Point, get_brush_preset
from code_monet.types.brushes import BRUSH_PRESETS, BrushPreset


def wavy(x0: float = 100.0, y0: float = 300.0, count: int = 30, step: float = 20.0) -> Path:
    points = [Point(x=x0 + step * i, y=y0 + 30.0 * np.sin(i / 4.0)) for i in range(count)]
    return Path(type=PathType.POLYLINE, points=points, color="#e94560", brush="oil_round")


def expand(
    path: Path,
    preset: BrushPreset | str = "oil_round",
    *,
    seed: int | None = 7,
    width: float = 12.0,
    canvas: tuple[int, int] = (800, 600),
) -> list[BrushStroke]:
    chosen = get_brush_preset(preset) if isinstance(preset, str) else preset
    return expand_brush_strokes(
        path,
        chosen,
        base_color="#e94560",
        base_width=width,
        base_opacity=0.8,
        canvas_width=canvas[0],
        canvas_height=canvas[1],
        seed=seed,
    )


def same(a: list[BrushStroke], b: list[BrushStroke]) -> bool:
    return len(a) == len(b) and all(
        np.array_equal(x.points, y.points)
        and np.array_equal(x.widths, y.widths)
        and (x.color, x.opacity) == (y.color, y.opacity)
        for x, y in zip(a, b, strict=True)
    )


class TestDeterminism:
    """The same seed gives the same strokes; a different seed gives different ones."""

    def test_same_seed_same_strokes(self) -> None:
        """Two expansions with one seed are identical, array for array."""
        # Arrange
        path = wavy()
        # Act
        first, second = expand(path, seed=42), expand(path, seed=42)
        # Assert
        assert same(first, second)

    def test_different_seeds_differ(self) -> None:
        """Another seed moves the bristles."""
        # Arrange
        path = wavy()
        # Act
        first, second = expand(path, seed=1), expand(path, seed=2)
        # Assert
        assert len(first) == len(second)
        assert not same(first, second)

    def test_default_seed_comes_from_the_path(self) -> None:
        """Without a seed the path's stable digest is used: repeatable, path-specific."""
        # Arrange
        path, other = wavy(), wavy(y0=310.0)
        # Act
        first, second = expand(path, seed=None), expand(path, seed=None)
        # Assert
        assert same(first, second)
        assert same(first, expand(path, seed=path_seed(path)))
        assert path_seed(path) == path_seed(wavy())
        assert path_seed(path) != path_seed(other)

    def test_batch_expansion_matches_single_expansion(self) -> None:
        """A path expands the same alone or in a batch with others (per-path generators)."""
        # Arrange
        paths = [wavy(), wavy(y0=150.0), wavy(y0=450.0)]
        preset = get_brush_preset("dry_brush")
        requests = []
        for index, path in enumerate(paths):
            arrays = path_arrays(path)
            assert arrays is not None
            requests.append(
                BrushRequest(arrays.verbs, arrays.points, preset, "#e94560", 12.0, 0.8, index)
            )
        # Act
        batch = expand_brush_batch(requests, 800, 600)
        alone = expand_brush_batch(requests[1:2], 800, 600)
        # Assert
        in_batch = [s for s, o in zip(batch.strokes(), batch.owner, strict=True) if o == 1]
        single = alone.strokes()
        assert len(in_batch) == len(single)
        for a, b in zip(in_batch, single, strict=True):  # equal up to float rounding
            assert np.allclose(a.points, b.points, atol=1e-6)
            assert np.allclose(a.widths, b.widths, atol=1e-6)
            assert (a.color, a.opacity) == (b.color, b.opacity)


class TestShape:
    """Bristle counts, clamping, taper and velocity follow the preset."""

    @pytest.mark.parametrize("name", sorted(BRUSH_PRESETS))
    def test_bristle_count_is_honoured(self, name: str) -> None:
        """Per subpath: one main stroke, ``bristle_count`` bristles, two rims if wet."""
        # Arrange
        preset = get_brush_preset(name)
        bristles = preset.bristle_count if preset.bristle_opacity > 0 else 0
        expected = 1 + bristles + (2 if preset.wet_edges > 0 else 0)
        # Act
        strokes = expand(wavy(), preset)
        # Assert
        assert len(strokes) == expected
        assert all(s.points.shape == (len(s.widths), 2) for s in strokes)

    def test_one_set_of_strokes_per_subpath(self) -> None:
        """An svg path with two subpaths expands each of them."""
        # Arrange
        path = Path(type=PathType.SVG, d="M 100 100 L 300 120 M 100 400 C 200 300 300 500 400 400")
        preset = get_brush_preset("oil_round")
        # Act
        strokes = expand(path, preset)
        # Assert
        assert len(strokes) == 2 * (1 + preset.bristle_count)

    def test_output_is_clamped_to_the_canvas(self) -> None:
        """Wide, noisy strokes along the edges never leave the canvas."""
        # Arrange
        edge = Path(
            type=PathType.POLYLINE,
            points=[Point(x=0, y=0), Point(x=400, y=2), Point(x=799, y=0), Point(x=800, y=600)],
        )
        # Act
        strokes = expand(edge, "splatter", width=40.0, canvas=(800, 600))
        # Assert
        points = np.concatenate([s.points for s in strokes])
        assert points[:, 0].min() >= 0 and points[:, 0].max() <= 800
        assert points[:, 1].min() >= 0 and points[:, 1].max() <= 600
        assert np.isfinite(points).all()

    def test_ends_are_tapered(self) -> None:
        """With ``taper`` the main stroke is narrower at its ends than in its middle."""
        # Arrange
        straight = Path(type=PathType.LINE, points=[Point(x=100, y=300), Point(x=700, y=300)])
        # Act
        main = expand(straight, "ink", width=10.0)[0]
        # Assert
        middle = main.widths[len(main.widths) // 2]
        assert main.widths[0] < middle * 0.5 and main.widths[-1] < middle * 0.5
        assert middle == pytest.approx(10.0, rel=0.05)

    def test_width_shrinks_where_the_pen_moves_fast(self) -> None:
        """Velocity: where consecutive input points are far apart, the stroke is thinner."""
        # Arrange
        slow = [Point(x=100 + 3 * i, y=300) for i in range(60)]  # 3-unit steps up to x=277
        fast = [Point(x=300 + 30 * i, y=300) for i in range(14)]  # 30-unit steps
        path = Path(type=PathType.POLYLINE, points=slow + fast)
        # Act
        main = expand(path, "ink", width=10.0)[0]
        # Assert
        x = main.points[:, 0]
        slow_width = main.widths[(x > 180) & (x < 260)].mean()
        fast_width = main.widths[(x > 400) & (x < 600)].mean()
        assert fast_width < slow_width * 0.85

    def test_wet_edges_are_darker_rims(self) -> None:
        """Watercolour adds two darker rim strokes near the edges of the main stroke."""
        # Arrange
        preset = get_brush_preset("watercolor")
        # Act
        strokes = expand(wavy(), preset)
        # Assert
        rims = strokes[-2:]
        assert all(r.color != "#e94560" for r in rims)
        assert all(int(r.color[1:3], 16) < 0xE9 for r in rims)

    def test_invalid_width_raises(self) -> None:
        """A non-positive base width is a ValueError naming the value."""
        # Arrange
        path = wavy()
        # Act
        with pytest.raises(ValueError) as raised:
            expand(path, width=0.0)
        # Assert
        assert "base_width" in str(raised.value)

    def test_unparseable_svg_gives_no_strokes(self) -> None:
        """A broken ``d`` expands to nothing instead of raising."""
        # Arrange
        path = Path(type=PathType.SVG, d="M 0 0 L what")
        # Act
        strokes = expand(path)
        # Assert
        assert strokes == []
