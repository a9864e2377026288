"""Tests for path → animation-point interpolation."""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from code_monet.geometry.interpolation import (
    interpolate_path,
    interpolate_paths,
    interpolate_subpaths,
    points_to_dicts,
)
from code_monet.types import Path, PathType, Point

SPACING = 2.0
TOLERANCE = 0.2
EPS = 1e-9


def _pts(*xy: float) -> list[Point]:
    return [Point(x=xy[i], y=xy[i + 1]) for i in range(0, len(xy), 2)]


def _path(kind: PathType, *xy: float) -> Path:
    return Path(type=kind, points=_pts(*xy))


def _gaps(arr: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.hypot(*np.diff(arr, axis=0).T)


def _bezier(ctrl: list[tuple[float, float]], t: NDArray[np.float64]) -> NDArray[np.float64]:
    """Reference evaluation (de Casteljau) of a Bézier of any degree."""
    pts = [np.array(c, dtype=np.float64) * np.ones((len(t), 1)) for c in ctrl]
    tt = t[:, None]
    while len(pts) > 1:
        pts = [a * (1 - tt) + b * tt for a, b in itertools.pairwise(pts)]
    return pts[0]


def _distance_to_polyline(
    query: NDArray[np.float64], poly: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Distance from every query point to the nearest point of the polyline ``poly``."""
    a, b = poly[:-1], poly[1:]
    ab = b - a
    length2 = np.maximum((ab**2).sum(axis=1), 1e-300)
    rel = query[:, None, :] - a[None, :, :]
    t = np.clip((rel * ab[None]).sum(axis=2) / length2[None], 0.0, 1.0)
    nearest = a[None] + t[..., None] * ab[None]
    return np.hypot(*(query[:, None, :] - nearest).transpose(2, 0, 1)).min(axis=1)


def _random_paths(n: int, seed: int) -> list[Path]:
    rng = random.Random(seed)

    def pt() -> tuple[float, float]:
        return (round(rng.uniform(0, 800), 2), round(rng.uniform(0, 600), 2))

    paths: list[Path] = []
    for _ in range(n):
        kind = rng.choice(list(PathType))
        if kind is PathType.SVG:
            parts = [f"M {pt()[0]} {pt()[1]}"]
            for _ in range(rng.randint(1, 6)):
                cmd = rng.choice("LQCM")
                count = {"L": 1, "Q": 2, "C": 3, "M": 1}[cmd]
                parts.append(
                    cmd + " " + " ".join(f"{x} {y}" for x, y in (pt() for _ in range(count)))
                )
            parts.append(rng.choice(["", "Z", "L 1 1"]))
            paths.append(Path(type=kind, d=" ".join(parts)))
            continue
        count = {"line": 2, "quadratic": 3, "cubic": 4}.get(kind.value, rng.randint(2, 30))
        paths.append(_path(kind, *(c for _ in range(count) for c in pt())))
    return paths


class TestEndpointsAndVertices:
    """First and last points are exact; polyline vertices are kept."""

    @pytest.mark.parametrize(
        "path",
        [
            _path(PathType.LINE, 1.5, 2.25, 97.125, 40.0),
            _path(PathType.QUADRATIC, 10, 10, 80, 200, 150, 12.3),
            _path(PathType.CUBIC, 0.1, 0.2, 300, -50, -100, 400, 250.75, 99.5),
        ],
    )
    def test_first_and_last_points_are_exact(self, path: Path) -> None:
        """The endpoints come out bit-for-bit, whatever the path kind."""
        # Arrange
        first, last = path.points[0], path.points[-1]
        # Act
        points = interpolate_path(path)
        # Assert
        assert points.dtype == np.float64 and points.shape[1] == 2
        assert tuple(points[0]) == (first.x, first.y)
        assert tuple(points[-1]) == (last.x, last.y)

    def test_polyline_vertices_are_all_kept(self) -> None:
        """Every input vertex of a polyline appears, in order, in the output."""
        # Arrange
        xy = (0, 0, 13.3, 7.1, 13.3, 40, -20, 41.5, 0.5, 0.5)
        path = _path(PathType.POLYLINE, *xy)
        # Act
        points = [tuple(p) for p in interpolate_path(path).tolist()]
        # Assert
        positions = [points.index((float(xy[i]), float(xy[i + 1]))) for i in range(0, len(xy), 2)]
        assert positions == sorted(positions)
        assert positions[0] == 0 and positions[-1] == len(points) - 1


class TestSpacing:
    """Consecutive points are at most ``spacing`` apart."""

    @pytest.mark.parametrize("spacing", [0.5, 2.0, 7.0])
    def test_polyline_steps_never_exceed_spacing(self, spacing: float) -> None:
        """Every edge is split evenly so no step is longer than the spacing."""
        # Arrange
        path = _path(PathType.POLYLINE, 0, 0, 100, 0, 100, 33.3, 90, 31, 0, 200)
        # Act
        points = interpolate_path(path, spacing=spacing)
        # Assert
        gaps = _gaps(points)
        assert gaps.max() <= spacing * (1 + EPS)
        assert gaps.min() > spacing / 2 - EPS  # even split: no needless tiny steps

    def test_curve_steps_stay_near_spacing(self) -> None:
        """Curves are placed by arc length: steps stay within the spacing."""
        # Arrange
        paths = [p for p in _random_paths(120, seed=7) if p.type is not PathType.SVG]
        # Act
        all_gaps = np.concatenate([_gaps(interpolate_path(p)) for p in paths])
        # Assert
        assert all_gaps.max() <= SPACING * 1.02

    @pytest.mark.parametrize("seed", [1, 2, 3])
    def test_curve_chords_stay_within_tolerance(self, seed: int) -> None:
        """Every point of the true curve lies within ``tolerance`` of the sampled polyline."""
        # Arrange
        rng = np.random.default_rng(seed)
        ctrl = [tuple(p) for p in rng.uniform(0, 300, (4, 2)).tolist()]
        path = _path(PathType.CUBIC, *(c for p in ctrl for c in p))
        truth = _bezier(ctrl, np.linspace(0.0, 1.0, 3001))
        # Act
        points = interpolate_path(path, spacing=10.0, tolerance=TOLERANCE)
        # Assert
        assert _distance_to_polyline(truth, points).max() <= TOLERANCE * (1 + 1e-6)


class TestCurvatureAdaptivity:
    """Curves get more points where they bend."""

    def test_tight_cubic_gets_more_points_than_flat_one_of_same_length(self) -> None:
        """A hairpin cubic is sampled more densely than a straight cubic of equal length."""
        # Arrange
        hairpin = [(0.0, 0.0), (120.0, 0.0), (120.0, 20.0), (0.0, 20.0)]
        dense = _bezier(hairpin, np.linspace(0.0, 1.0, 20001))
        length = float(_gaps(dense).sum())
        flat = [(0.0, 0.0), (length / 3, 0.0), (2 * length / 3, 0.0), (length, 0.0)]
        tight_path = _path(PathType.CUBIC, *(c for p in hairpin for c in p))
        flat_path = _path(PathType.CUBIC, *(c for p in flat for c in p))
        # Act
        tight = interpolate_path(tight_path, spacing=10.0)
        straight = interpolate_path(flat_path, spacing=10.0)
        # Assert
        assert abs(len(straight) - (length / (10.0 * 0.96) + 1)) <= 1
        assert len(tight) > len(straight) + 3

    def test_points_crowd_into_the_bend(self) -> None:
        """Within one curve, steps through the sharp turn are shorter than on the straights."""
        # Arrange
        path = _path(PathType.CUBIC, 0, 0, 200, 0, 200, 10, 0, 10)
        # Act
        points = interpolate_path(path, spacing=8.0)
        # Assert
        gaps = _gaps(points)
        turn = points[:-1, 0] > 140  # the hairpin's far end
        assert gaps[turn].mean() < 0.75 * gaps[~turn].mean()


class TestDuplicates:
    """Near-duplicate consecutive points are dropped; ends survive."""

    def test_repeated_vertices_are_removed(self) -> None:
        """Repeated and nearly repeated vertices leave no near-zero steps."""
        # Arrange
        path = _path(PathType.POLYLINE, 0, 0, 0, 0, 5, 0, 5, 0.0001, 5, 0, 9, 0, 9, 0)
        # Act
        points = interpolate_path(path)
        # Assert
        assert _gaps(points).min() >= 1e-3 * SPACING
        assert tuple(points[0]) == (0.0, 0.0) and tuple(points[-1]) == (9.0, 0.0)

    def test_near_duplicate_last_point_replaces_its_neighbour(self) -> None:
        """When the last two vertices nearly coincide the exact last one is the one kept."""
        # Arrange
        path = _path(PathType.POLYLINE, 0, 0, 6, 0, 6.0005, 0)
        # Act
        points = interpolate_path(path)
        # Assert
        assert tuple(points[-1]) == (6.0005, 0.0)
        assert _gaps(points).min() >= 1e-3 * SPACING

    def test_zero_length_line_is_a_dot(self) -> None:
        """A zero-length line keeps its first and last point (a dot to draw)."""
        # Arrange
        path = _path(PathType.LINE, 3, 4, 3, 4)
        # Act
        points = interpolate_path(path)
        # Assert
        assert points.tolist() == [[3.0, 4.0], [3.0, 4.0]]


class TestSvgPaths:
    """SVG paths: one array per subpath."""

    def test_several_subpaths_come_out_separately(self) -> None:
        """Each subpath is its own run, starting and ending where the geometry does."""
        # Arrange
        d = "M 10 10 L 50 10 L 50 50 Z M 100 100 C 150 50 200 150 250 100 M 0 300 Q 40 250 80 300"
        path = Path(type=PathType.SVG, d=d)
        # Act
        runs = interpolate_subpaths(path)
        flat = interpolate_path(path)
        # Assert
        assert len(runs) == 3
        assert [tuple(r[0]) for r in runs] == [(10.0, 10.0), (100.0, 100.0), (0.0, 300.0)]
        assert [tuple(r[-1]) for r in runs] == [(10.0, 10.0), (250.0, 100.0), (80.0, 300.0)]
        assert np.array_equal(np.concatenate(runs), flat)
        assert max(_gaps(r).max() for r in runs) <= SPACING * (1 + EPS)

    def test_relative_commands_and_arcs(self) -> None:
        """Relative commands and arcs (as cubics) interpolate to finite, connected points."""
        # Arrange
        path = Path(type=PathType.SVG, d="m 10 10 h 30 v 30 a 15 15 0 0 1 -30 0 z")
        # Act
        points = interpolate_path(path)
        # Assert
        assert np.isfinite(points).all()
        assert tuple(points[0]) == tuple(points[-1]) == (10.0, 10.0)
        assert _gaps(points).max() <= SPACING * 1.02


class TestMaxPoints:
    """``max_points`` bounds the output for hostile input."""

    @pytest.mark.parametrize(
        "path",
        [
            _path(PathType.LINE, 0, 0, 1e9, 1e9),
            _path(PathType.POLYLINE, 0, 0, 1e7, 0, 1e7, 1e7, 0, 1e7),
            _path(PathType.CUBIC, 0, 0, 1e8, 0, 1e8, 1e8, 0, 1e8),
            Path(type=PathType.SVG, d="M 0 0 L 1e8 0 Q 2e8 1e8 0 1e8 M 5 5 C 9e7 0 0 9e7 5 6"),
        ],
    )
    def test_count_never_exceeds_the_bound(self, path: Path) -> None:
        """Spacing widens so the point count fits; the ends stay exact."""
        # Arrange
        bound = 500
        # Act
        points = interpolate_path(path, max_points=bound)
        runs = interpolate_subpaths(path, max_points=bound)
        # Assert
        assert 2 <= len(points) <= bound
        assert sum(len(r) for r in runs) == len(points)
        if path.type is not PathType.SVG:
            assert tuple(points[-1]) == (path.points[-1].x, path.points[-1].y)

    def test_extreme_coordinates_stay_finite(self) -> None:
        """Coordinates near the float limit neither overflow nor explode the count."""
        # Arrange
        big = 1.7e308
        paths = [
            _path(PathType.LINE, -big, -big, big, big),
            _path(PathType.CUBIC, -big, big, big, -big, -big, -big, big, big),
            _path(PathType.QUADRATIC, -1e300, 0, 1e300, 1e300, 1e300, -1e300),
        ]
        # Act
        results = [interpolate_path(p) for p in paths]
        # Assert
        for path, points in zip(paths, results, strict=True):
            assert np.isfinite(points).all()
            assert len(points) <= 20_000
            assert tuple(points[-1]) == (path.points[-1].x, path.points[-1].y)


class TestBatch:
    """interpolate_paths is a faster interpolate_path."""

    def test_batch_is_identical_to_one_by_one(self) -> None:
        """Each path's points do not depend on the rest of the batch."""
        # Arrange
        paths = _random_paths(150, seed=11)
        # Act
        batch = interpolate_paths(paths)
        single = [interpolate_path(p) for p in paths]
        shuffled = interpolate_paths(paths[::-1])[::-1]
        # Assert
        assert len(batch) == len(paths)
        for a, b, c in zip(batch, single, shuffled, strict=True):
            assert np.array_equal(a, b) and np.array_equal(a, c)

    def test_empty_batch(self) -> None:
        """No paths, no arrays."""
        # Arrange
        paths: list[Path] = []
        # Act
        result = interpolate_paths(paths)
        # Assert
        assert result == []


class TestArguments:
    """Bad arguments raise ValueError naming the problem."""

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"spacing": 0.0}, "spacing"),
            ({"spacing": -1.0}, "spacing"),
            ({"spacing": math.nan}, "spacing"),
            ({"tolerance": 0.0}, "tolerance"),
            ({"tolerance": math.inf}, "tolerance"),
            ({"max_points": 1}, "max_points"),
        ],
    )
    def test_rejects_bad_arguments(self, kwargs: dict[str, float], message: str) -> None:
        """Non-positive or non-finite spacing/tolerance and tiny bounds are refused."""
        # Arrange
        path = _path(PathType.LINE, 0, 0, 10, 0)
        # Act / Assert
        with pytest.raises(ValueError, match=message):
            interpolate_path(path, **kwargs)  # type: ignore[arg-type]


class TestPointsToDicts:
    """The wire format of points."""

    def test_converts_rows_to_float_dicts(self) -> None:
        """Each row becomes {"x": float, "y": float}."""
        # Arrange
        arr = np.array([[1.0, 2.5], [3.25, -4.0]])
        # Act
        dicts = points_to_dicts(arr)
        # Assert
        assert dicts == [{"x": 1.0, "y": 2.5}, {"x": 3.25, "y": -4.0}]
        assert all(type(d["x"]) is float for d in dicts)


_coord = st.one_of(
    st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, allow_infinity=False),
    st.floats(min_value=-1e300, max_value=1e300, allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, 1.0, 1e-9]),
)
_svg_coord = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False).map(lambda v: round(v, 3))


@st.composite
def _any_path(draw: st.DrawFn) -> Path:
    kind = draw(st.sampled_from(list(PathType)))
    if kind is PathType.SVG:
        parts = [f"M {draw(_svg_coord)} {draw(_svg_coord)}"]
        for _ in range(draw(st.integers(1, 6))):
            cmd = draw(st.sampled_from("LQCMZ"))
            count = {"L": 1, "Q": 2, "C": 3, "M": 1, "Z": 0}[cmd]
            coords = [draw(_svg_coord) for _ in range(2 * count)]
            parts.append(cmd + " " + " ".join(str(c) for c in coords))
        return Path(type=kind, d=" ".join(parts))
    count = {"line": 2, "quadratic": 3, "cubic": 4}.get(kind.value) or draw(st.integers(2, 12))
    return _path(kind, *(draw(_coord) for _ in range(2 * count)))


class TestProperties:
    """Properties over random finite paths."""

    @settings(deadline=None, max_examples=150)
    @given(path=_any_path(), spacing=st.sampled_from([0.5, 2.0, 25.0]))
    def test_output_is_finite_bounded_and_anchored(self, path: Path, spacing: float) -> None:
        """No NaN/inf, (N, 2) float64, bounded count, exact ends, spacing kept on edges."""
        # Arrange
        bound = 3000
        # Act
        runs = interpolate_subpaths(path, spacing=spacing, max_points=bound)
        points = interpolate_path(path, spacing=spacing, max_points=bound)
        # Assert
        assert points.dtype == np.float64 and points.ndim == 2 and points.shape[1] == 2
        assert np.isfinite(points).all()
        assert np.array_equal(np.concatenate(runs) if runs else points, points)
        if path.type is not PathType.SVG:
            vertices = len(path.points)
            xy = [c for p in path.points for c in (p.x, p.y)]
            assert len(points) <= max(bound, vertices + 1)
            first, last = path.points[0], path.points[-1]
            assert tuple(points[0]) == (first.x, first.y)
            assert tuple(points[-1]) == (last.x, last.y)
            if (
                path.type in (PathType.LINE, PathType.POLYLINE) and max(map(abs, xy)) < 1e9
            ):  # beyond, float ulp > spacing/1000
                natural = sum(math.ceil(g / spacing) for g in _gaps(np.array(xy).reshape(-1, 2)))
                if natural + 1 <= bound:
                    assert _gaps(points).max() <= spacing * (1 + EPS)
