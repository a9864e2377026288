"""SVG parsing: path ``d`` strings, whole documents, geometry of every Path type."""

from __future__ import annotations

import itertools
import math
from xml.sax.saxutils import quoteattr

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from code_monet.geometry.svg_document import svg_document_to_paths
from code_monet.geometry.svg_path import (
    MAX_DOCUMENT_ELEMENTS,
    MAX_PATH_D_LENGTH,
    MAX_PATH_SEGMENTS,
    XY,
    Segment,
    SegmentLimitError,
    Subpath,
    WorkLimitError,
    clear_parse_cache,
    parse_path_d,
    path_geometry,
    path_to_d,
)
from code_monet.types.geometry import PathType, Point
from code_monet.types.paths import Author, Path

SVG_NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'


# ------------------------------------------------------------------------------------------
# helpers


def _svg(body: str, attrs: str = "") -> str:
    return f"<svg {SVG_NS} {attrs}>{body}</svg>"


def _only(subpaths: list[Subpath]) -> Subpath:
    assert len(subpaths) == 1, subpaths
    return subpaths[0]


def _kinds(subpath: Subpath) -> list[str]:
    return [segment.kind for segment in subpath.segments]


def _bezier(points: tuple[XY, ...], t: float) -> XY:
    """De Casteljau evaluation of a line / quad / cubic segment."""
    pts = list(points)
    while len(pts) > 1:
        pts = [
            ((1 - t) * a[0] + t * b[0], (1 - t) * a[1] + t * b[1])
            for a, b in itertools.pairwise(pts)
        ]
    return pts[0]


def _samples(subpaths: list[Subpath], steps: int = 8) -> list[XY]:
    return [
        _bezier(segment.points, i / steps)
        for subpath in subpaths
        for segment in subpath.segments
        for i in range(steps + 1)
    ]


def _close(a: XY, b: XY, tol: float = 1e-9) -> bool:
    return math.dist(a, b) <= tol


def _all_finite(subpaths: list[Subpath]) -> bool:
    return all(
        math.isfinite(x) and math.isfinite(y)
        for subpath in subpaths
        for point in (subpath.start, *(p for s in subpath.segments for p in s.points))
        for x, y in [point]
    )


# ------------------------------------------------------------------------------------------
# parse_path_d: commands


class TestParsePathD:
    """Every SVG path command, absolute and relative, in absolute output coordinates."""

    def test_moveto_lineto_absolute(self) -> None:
        """M and L give one line segment whose points include the start point."""
        # Arrange
        d = "M10 20 L30 40"
        # Act
        subpath = _only(parse_path_d(d))
        # Assert
        assert subpath.start == (10.0, 20.0)
        assert subpath.segments == [Segment("line", ((10.0, 20.0), (30.0, 40.0)))]
        assert subpath.closed is False

    def test_moveto_lineto_relative(self) -> None:
        """m and l are relative to the current point."""
        # Arrange
        d = "m10 20 l5 -5 l1 1"
        # Act
        subpath = _only(parse_path_d(d))
        # Assert
        assert [s.points[-1] for s in subpath.segments] == [(15.0, 15.0), (16.0, 16.0)]

    def test_implicit_lineto_after_moveto(self) -> None:
        """Extra pairs after M are absolute lines; after m they are relative lines."""
        # Arrange
        absolute, relative = "M0 0 10 10 20 0", "m1 1 10 10 10 -10"
        # Act
        abs_path = _only(parse_path_d(absolute))
        rel_path = _only(parse_path_d(relative))
        # Assert
        assert [s.points[-1] for s in abs_path.segments] == [(10.0, 10.0), (20.0, 0.0)]
        assert [s.points[-1] for s in rel_path.segments] == [(11.0, 11.0), (21.0, 1.0)]

    def test_horizontal_and_vertical_absolute(self) -> None:
        """H and V keep the other coordinate."""
        # Arrange
        d = "M5 5 H20 V30"
        # Act
        subpath = _only(parse_path_d(d))
        # Assert
        assert [s.points for s in subpath.segments] == [
            ((5.0, 5.0), (20.0, 5.0)),
            ((20.0, 5.0), (20.0, 30.0)),
        ]

    def test_horizontal_and_vertical_relative(self) -> None:
        """h and v move relative to the current point; repeated values repeat the command."""
        # Arrange
        d = "M5 5 h10 5 v-2 -3"
        # Act
        subpath = _only(parse_path_d(d))
        # Assert
        assert [s.points[-1] for s in subpath.segments] == [
            (15.0, 5.0),
            (20.0, 5.0),
            (20.0, 3.0),
            (20.0, 0.0),
        ]

    def test_cubic_absolute_and_relative(self) -> None:
        """C and c give cubic segments (p0, c1, c2, p1)."""
        # Arrange
        d = "M0 0 C1 2 3 4 5 6 c1 1 2 2 3 3"
        # Act
        subpath = _only(parse_path_d(d))
        # Assert
        assert subpath.segments == [
            Segment("cubic", ((0.0, 0.0), (1.0, 2.0), (3.0, 4.0), (5.0, 6.0))),
            Segment("cubic", ((5.0, 6.0), (6.0, 7.0), (7.0, 8.0), (8.0, 9.0))),
        ]

    def test_smooth_cubic_reflects_previous_control(self) -> None:
        """S's first control point is the previous C's second control reflected."""
        # Arrange
        d = "M0 0 C10 0 20 10 20 20 S40 40 40 20 s10 0 10 10"
        # Act
        segments = _only(parse_path_d(d)).segments
        # Assert
        assert segments[1].points == ((20.0, 20.0), (20.0, 30.0), (40.0, 40.0), (40.0, 20.0))
        assert segments[2].points == ((40.0, 20.0), (40.0, 0.0), (50.0, 20.0), (50.0, 30.0))

    def test_smooth_cubic_without_previous_cubic_uses_current_point(self) -> None:
        """After a non-cubic command, S's first control is the current point (SVG spec)."""
        # Arrange
        d = "M0 0 Q5 5 10 0 S20 10 30 0"
        # Act
        segments = _only(parse_path_d(d)).segments
        # Assert
        assert segments[1] == Segment(
            "cubic", ((10.0, 0.0), (10.0, 0.0), (20.0, 10.0), (30.0, 0.0))
        )

    def test_quadratic_absolute_and_relative(self) -> None:
        """Q and q give quad segments (p0, c, p1)."""
        # Arrange
        d = "M0 0 Q10 10 20 0 q5 5 10 0"
        # Act
        subpath = _only(parse_path_d(d))
        # Assert
        assert subpath.segments == [
            Segment("quad", ((0.0, 0.0), (10.0, 10.0), (20.0, 0.0))),
            Segment("quad", ((20.0, 0.0), (25.0, 5.0), (30.0, 0.0))),
        ]

    def test_smooth_quadratic_chain_reflects(self) -> None:
        """T reflects the previous Q/T control; chained t keeps reflecting."""
        # Arrange
        d = "M0 0 Q10 10 20 0 T40 0 t20 0"
        # Act
        segments = _only(parse_path_d(d)).segments
        # Assert
        assert segments[1].points == ((20.0, 0.0), (30.0, -10.0), (40.0, 0.0))
        assert segments[2].points == ((40.0, 0.0), (50.0, 10.0), (60.0, 0.0))

    def test_smooth_quadratic_after_line_uses_current_point(self) -> None:
        """T after a line has its control at the current point."""
        # Arrange
        d = "M0 0 L10 0 T20 10"
        # Act
        segments = _only(parse_path_d(d)).segments
        # Assert
        assert segments[1] == Segment("quad", ((10.0, 0.0), (10.0, 0.0), (20.0, 10.0)))

    def test_implicit_repeated_curves(self) -> None:
        """Extra parameter groups repeat C and Q."""
        # Arrange
        d = "M0 0 C1 1 2 2 3 3 4 4 5 5 6 6 Q7 7 8 8 9 9 10 10"
        # Act
        subpath = _only(parse_path_d(d))
        # Assert
        assert _kinds(subpath) == ["cubic", "cubic", "quad", "quad"]
        assert subpath.segments[-1].points[-1] == (10.0, 10.0)

    def test_compact_number_syntax(self) -> None:
        """Signs and dots separate numbers without whitespace, as the grammar allows."""
        # Arrange
        d = "M0,0L10-10l.5.5"
        # Act
        subpath = _only(parse_path_d(d))
        # Assert
        assert [s.points[-1] for s in subpath.segments] == [(10.0, -10.0), (10.5, -9.5)]

    def test_close_adds_line_back_to_start(self) -> None:
        """Z closes with a line to the subpath start and marks the subpath closed."""
        # Arrange
        d = "M0 0 L10 0 L10 10 Z"
        # Act
        subpath = _only(parse_path_d(d))
        # Assert
        assert subpath.closed is True
        assert subpath.segments[-1] == Segment("line", ((10.0, 10.0), (0.0, 0.0)))

    def test_close_at_start_adds_no_segment(self) -> None:
        """When the pen is already at the start, Z adds nothing but still closes."""
        # Arrange
        d = "M0 0 L10 0 L0 0 z"
        # Act
        subpath = _only(parse_path_d(d))
        # Assert
        assert subpath.closed is True
        assert len(subpath.segments) == 2

    def test_drawing_after_close_starts_at_subpath_start(self) -> None:
        """A command after Z (without M) starts a new subpath at the closed one's start."""
        # Arrange
        d = "M5 5 L10 5 L10 10 Z l1 2"
        # Act
        first, second = parse_path_d(d)
        # Assert
        assert first.closed is True
        assert second.start == (5.0, 5.0)
        assert second.segments == [Segment("line", ((5.0, 5.0), (6.0, 7.0)))]

    def test_multiple_subpaths_and_relative_move_after_close(self) -> None:
        """Each M starts a subpath; m after z is relative to the closed subpath's start."""
        # Arrange
        d = "M0 0 L10 0 L10 10 z m20 0 l5 5 M100 100 L110 110"
        # Act
        subpaths = parse_path_d(d)
        # Assert
        assert [s.start for s in subpaths] == [(0.0, 0.0), (20.0, 0.0), (100.0, 100.0)]
        assert [s.closed for s in subpaths] == [True, False, False]

    def test_zero_length_segments_are_dropped(self) -> None:
        """Degenerate segments vanish; a subpath drawing nothing is omitted."""
        # Arrange
        d = "M0 0 L0 0 L5 0 C5 0 5 0 5 0 M7 7 L7 7"
        # Act
        subpaths = parse_path_d(d)
        # Assert
        assert len(subpaths) == 1
        assert subpaths[0].segments == [Segment("line", ((0.0, 0.0), (5.0, 0.0)))]

    def test_results_are_independent_copies(self) -> None:
        """Mutating a result does not change what the (cached) parser returns next."""
        # Arrange
        d = "M0 0 L1 1 L2 0"
        first = parse_path_d(d)
        # Act
        first[0].segments.clear()
        first.clear()
        second = parse_path_d(d)
        # Assert
        assert len(second) == 1
        assert len(second[0].segments) == 2


class TestArcs:
    """A/a become cubic segments: exact endpoints, points on the ellipse, flags honoured."""

    def test_semicircle_endpoint_exact_and_midpoint_on_circle(self) -> None:
        """A semicircle ends exactly at its endpoint; sampled points lie on the circle."""
        # Arrange
        d = "M0 0 A10 10 0 0 1 20 0"
        # Act
        subpath = _only(parse_path_d(d))
        # Assert
        assert set(_kinds(subpath)) == {"cubic"}
        assert subpath.segments[-1].points[-1] == (20.0, 0.0)
        assert subpath.segments[0].points[0] == (0.0, 0.0)
        samples = _samples([subpath])
        assert all(abs(math.dist(p, (10.0, 0.0)) - 10.0) < 1e-3 for p in samples)
        top = min(samples, key=lambda p: p[1])
        assert _close(top, (10.0, -10.0), 1e-3)  # sweep=1 goes through the top (y down)

    def test_relative_arc(self) -> None:
        """a's endpoint is relative to the current point."""
        # Arrange
        d = "M10 10 a5 5 0 0 0 10 0"
        # Act
        subpath = _only(parse_path_d(d))
        # Assert
        assert subpath.segments[-1].points[-1] == (20.0, 10.0)
        bottom = max(_samples([subpath]), key=lambda p: p[1])
        assert _close(bottom, (15.0, 15.0), 1e-3)  # sweep=0 goes through the bottom

    @pytest.mark.parametrize(
        ("large_arc", "sweep", "centre", "segment_count"),
        [
            (0, 0, (10.0, 0.0), 3),
            (0, 1, (0.0, 10.0), 3),
            (1, 0, (0.0, 10.0), 9),
            (1, 1, (10.0, 0.0), 9),
        ],
    )
    def test_large_arc_and_sweep_flags(
        self, large_arc: int, sweep: int, centre: XY, segment_count: int
    ) -> None:
        """The four flag combinations pick the right circle and the short or long way round."""
        # Arrange
        d = f"M0 0 A10 10 0 {large_arc} {sweep} 10 10"
        # Act
        subpath = _only(parse_path_d(d))
        # Assert
        assert len(subpath.segments) == segment_count  # 90° vs 270°, ≤30° per cubic
        assert subpath.segments[-1].points[-1] == (10.0, 10.0)
        assert all(abs(math.dist(p, centre) - 10.0) < 1e-3 for p in _samples([subpath]))

    def test_compact_arc_flags(self) -> None:
        """Flags may be written without separators ("a10 10 0 0110 0")."""
        # Arrange
        d = "M0 0 a10 10 0 0110 0"
        # Act
        subpath = _only(parse_path_d(d))
        # Assert
        assert subpath.segments[-1].points[-1] == (10.0, 0.0)

    def test_zero_radius_arc_is_a_line(self) -> None:
        """rx or ry of 0 makes the arc a straight line (SVG spec)."""
        # Arrange
        d = "M0 0 A0 10 0 0 1 20 0"
        # Act
        subpath = _only(parse_path_d(d))
        # Assert
        assert subpath.segments == [Segment("line", ((0.0, 0.0), (20.0, 0.0)))]

    def test_arc_to_current_point_draws_nothing(self) -> None:
        """An arc whose endpoint is the current point is omitted."""
        # Arrange
        d = "M5 5 A10 10 0 1 1 5 5 L6 6"
        # Act
        subpath = _only(parse_path_d(d))
        # Assert
        assert subpath.segments == [Segment("line", ((5.0, 5.0), (6.0, 6.0)))]

    def test_too_small_radius_is_scaled_up(self) -> None:
        """Radii too small to reach the endpoint are scaled up: a semicircle on the chord."""
        # Arrange
        d = "M0 0 A1 1 0 0 1 20 0"
        # Act
        subpath = _only(parse_path_d(d))
        # Assert
        assert subpath.segments[-1].points[-1] == (20.0, 0.0)
        assert all(abs(math.dist(p, (10.0, 0.0)) - 10.0) < 1e-3 for p in _samples([subpath]))

    def test_rotated_ellipse_arc(self) -> None:
        """Rotation and negative radii (taken as absolute) still end exactly."""
        # Arrange
        d = "M0 0 A-20 -10 30 1 0 15 5"
        # Act
        subpath = _only(parse_path_d(d))
        # Assert
        assert subpath.segments[-1].points[-1] == (15.0, 5.0)
        assert _all_finite([subpath])


class TestParsePathDErrors:
    """Malformed or oversized path data is a ValueError whose message names the problem."""

    @pytest.mark.parametrize(
        ("d", "message"),
        [
            ("garbage", "must start with a moveto"),
            ("L10 10", "must start with a moveto"),
            ("", "empty"),
            ("   \n\t", "empty"),
            ("M", "not followed by numbers"),
            ("M0 0 L", "not followed by numbers"),
            ("M0 0 V", "not followed by numbers"),
            ("M0 0 A", "not followed by numbers"),
            ("M0 0 L10", "position"),
            ("M0 0 C1 2 3 4 5", "position"),
            ("M0 0 L10 10 x", "unexpected 'x'"),
            ("M0 0 L NaN 5", "not followed by numbers"),
            ("M0 0 L10 nan", "position"),
            ("M0 0 L inf 5", "position"),
            ("M0 0 L1e400 5", "non-finite"),
            ("M1e308 0 l1e308 0", "non-finite"),
            ("M0 0 A1 1 0 2 2 3 3", "arc flags"),
            ("M0 0 Z 5", "position"),
            ("M0 0 L1 1 \u00a0", "unexpected"),
        ],
    )
    def test_malformed_input_is_value_error(self, d: str, message: str) -> None:
        """Each malformed input fails with a specific message."""
        # Arrange
        clear_parse_cache()
        # Act / Assert
        with pytest.raises(ValueError, match=message):
            parse_path_d(d)

    def test_error_names_position_and_excerpt(self) -> None:
        """The message gives the position and shows the text around it."""
        # Arrange
        d = "M0 0 L10 10 L20 20 @ L30 30"
        # Act
        with pytest.raises(ValueError) as excinfo:
            parse_path_d(d)
        # Assert
        assert "position 19" in str(excinfo.value)
        assert "L20 20 @" in str(excinfo.value)

    def test_too_long_is_rejected_before_parsing(self) -> None:
        """A d longer than the limit fails quickly with the limit in the message."""
        # Arrange
        d = "M0 0" + " L1 1" * (MAX_PATH_D_LENGTH // 5 + 1)
        # Act / Assert
        with pytest.raises(ValueError, match=str(MAX_PATH_D_LENGTH)):
            parse_path_d(d)

    def test_too_many_segments_is_rejected(self) -> None:
        """More than the segment limit fails with the limit in the message."""
        # Arrange
        d = "M0 0" + " l1 1" * (MAX_PATH_SEGMENTS + 1)
        # Act / Assert
        with pytest.raises(ValueError, match=f"more than {MAX_PATH_SEGMENTS} segments"):
            parse_path_d(d)

    def test_arcs_count_their_cubics_against_the_limit(self) -> None:
        """Arcs expand to several cubics, which count towards the limit."""
        # Arrange
        d = "M0 0" + " a1 1 0 1 1 0 2 a1 1 0 1 1 0 -2" * (MAX_PATH_SEGMENTS // 8)
        # Act / Assert
        with pytest.raises(ValueError, match="segments"):
            parse_path_d(d)

    def test_non_string_is_value_error(self) -> None:
        """A non-string d is rejected as a ValueError, not a TypeError."""
        # Arrange
        d: object = 42
        # Act / Assert
        with pytest.raises(ValueError, match="must be a string"):
            parse_path_d(d)  # type: ignore[arg-type]


class TestPathToD:
    """Subpaths back to a compact absolute d string."""

    def test_formats_every_kind_compactly(self) -> None:
        """M/L/Q/C/Z with trailing zeros stripped and -0 normalised."""
        # Arrange
        subpaths = [
            Subpath(
                start=(0.0, -0.0),
                segments=[
                    Segment("line", ((0.0, 0.0), (10.5, 20.25))),
                    Segment("quad", ((10.5, 20.25), (1.0, 2.0), (3.0, 4.0))),
                    Segment("cubic", ((3.0, 4.0), (1.0, 1.0), (2.0, 2.0), (1 / 3, -2.0004))),
                ],
            )
        ]
        # Act
        d = path_to_d(subpaths)
        # Assert
        assert d == "M0,0 L10.5,20.25 Q1,2 3,4 C1,1 2,2 0.333,-2"

    def test_closed_subpath_leaves_closing_line_to_z(self) -> None:
        """The line back to the start of a closed subpath is written as Z only."""
        # Arrange
        subpaths = parse_path_d("M0 0 L10 0 L10 10 Z")
        # Act
        d = path_to_d(subpaths)
        # Assert
        assert d == "M0,0 L10,0 L10,10 Z"

    def test_round_trip_preserves_geometry(self) -> None:
        """Parsing the formatted d gives the same geometry (within rounding)."""
        # Arrange
        original = parse_path_d("m1 2 c3 4 5 6 7 8 s1 1 2 2 q3 3 4 4 t5 5 h3 v3 z M50 50 l1 1")
        # Act
        again = parse_path_d(path_to_d(original))
        # Assert
        assert len(again) == len(original)
        for a, b in zip(original, again, strict=True):
            assert a.closed == b.closed
            assert _kinds(a) == _kinds(b)
            for sa, sb in zip(a.segments, b.segments, strict=True):
                assert all(_close(p, q, 1e-3) for p, q in zip(sa.points, sb.points, strict=True))

    def test_non_finite_point_is_value_error(self) -> None:
        """A NaN coordinate cannot be formatted."""
        # Arrange
        subpaths = [Subpath(start=(math.nan, 0.0), segments=[])]
        # Act / Assert
        with pytest.raises(ValueError, match="non-finite"):
            path_to_d(subpaths)


class TestPathGeometry:
    """Geometry for every protocol Path type."""

    def test_line(self) -> None:
        """A line path is one subpath with one line segment."""
        # Arrange
        path = Path(type=PathType.LINE, points=[Point(x=0, y=0), Point(x=3, y=4)])
        # Act
        subpath = _only(path_geometry(path))
        # Assert
        assert subpath.segments == [Segment("line", ((0.0, 0.0), (3.0, 4.0)))]

    def test_polyline_drops_repeated_points(self) -> None:
        """A polyline is a chain of line segments; repeated points add nothing."""
        # Arrange
        points = [Point(x=0, y=0), Point(x=0, y=0), Point(x=1, y=0), Point(x=1, y=1)]
        path = Path(type=PathType.POLYLINE, points=points)
        # Act
        subpath = _only(path_geometry(path))
        # Assert
        assert [s.points for s in subpath.segments] == [
            ((0.0, 0.0), (1.0, 0.0)),
            ((1.0, 0.0), (1.0, 1.0)),
        ]

    def test_quadratic_and_cubic(self) -> None:
        """Quadratic and cubic paths are one quad / cubic segment."""
        # Arrange
        quad = Path(type=PathType.QUADRATIC, points=[Point(x=i, y=i * i) for i in range(3)])
        cubic = Path(type=PathType.CUBIC, points=[Point(x=i, y=-i) for i in range(4)])
        # Act
        quad_geometry = _only(path_geometry(quad))
        cubic_geometry = _only(path_geometry(cubic))
        # Assert
        assert quad_geometry.segments == [Segment("quad", ((0, 0), (1, 1), (2, 4)))]
        assert cubic_geometry.segments == [Segment("cubic", ((0, 0), (1, -1), (2, -2), (3, -3)))]

    def test_svg_uses_parse_path_d(self) -> None:
        """An svg path's geometry is its parsed d."""
        # Arrange
        path = Path(type=PathType.SVG, d="M0 0 A5 5 0 0 1 10 0")
        # Act
        geometry = path_geometry(path)
        # Assert
        assert geometry == parse_path_d("M0 0 A5 5 0 0 1 10 0")

    def test_svg_with_bad_d_is_value_error(self) -> None:
        """Malformed d on a Path surfaces as ValueError."""
        # Arrange
        path = Path(type=PathType.SVG, d="M0 0 L")
        # Act / Assert
        with pytest.raises(ValueError, match="not followed by numbers"):
            path_geometry(path)


# ------------------------------------------------------------------------------------------
# whole documents


class TestSvgDocumentToPaths:
    """Whole documents: shapes, groups and transforms, styles."""

    def test_line_and_polyline_keep_their_types(self) -> None:
        """<line> → line with 2 points, <polyline> → polyline."""
        # Arrange
        svg = _svg('<line x1="1" y1="2" x2="3" y2="4"/><polyline points="0,0 5,5 10,0"/>')
        # Act
        line, polyline = svg_document_to_paths(svg)
        # Assert
        assert line.type is PathType.LINE
        assert [(p.x, p.y) for p in line.points] == [(1, 2), (3, 4)]
        assert polyline.type is PathType.POLYLINE
        assert [(p.x, p.y) for p in polyline.points] == [(0, 0), (5, 5), (10, 0)]

    def test_translate_scale_rotate_are_applied(self) -> None:
        """Nested group transforms are applied to the coordinates."""
        # Arrange
        svg = _svg(
            '<g transform="translate(100,50)"><g transform="scale(2)">'
            '<line x1="1" y1="1" x2="5" y2="1"/></g></g>'
            '<g transform="rotate(90)"><line x1="0" y1="0" x2="10" y2="0"/></g>'
        )
        # Act
        scaled, rotated = svg_document_to_paths(svg)
        # Assert
        assert [(p.x, p.y) for p in scaled.points] == [(102.0, 52.0), (110.0, 52.0)]
        assert _close((rotated.points[1].x, rotated.points[1].y), (0.0, 10.0), 1e-9)

    def test_path_element_is_transformed_into_absolute_d(self) -> None:
        """<path> (relative commands, arcs) becomes an absolute transformed d."""
        # Arrange
        svg = _svg('<g transform="translate(10 20)"><path d="m0 0 l10 0 a5 5 0 0 1 0 10 z"/></g>')
        # Act
        (path,) = svg_document_to_paths(svg)
        # Assert
        assert path.type is PathType.SVG and path.d is not None
        subpath = _only(parse_path_d(path.d))
        assert subpath.start == (10.0, 20.0)
        assert subpath.closed is True
        assert subpath.segments[0].points[-1] == (20.0, 20.0)
        assert any(_close(s.points[-1], (20.0, 30.0), 1e-3) for s in subpath.segments)

    def test_rect_becomes_closed_svg_path(self) -> None:
        """A rect is a closed four-sided svg path at its corners."""
        # Arrange
        svg = _svg('<rect x="10" y="20" width="30" height="40"/>')
        # Act
        (path,) = svg_document_to_paths(svg)
        # Assert
        assert path.type is PathType.SVG and path.d is not None
        subpath = _only(parse_path_d(path.d))
        corners = {subpath.start, *(s.points[-1] for s in subpath.segments)}
        assert corners == {(10.0, 20.0), (40.0, 20.0), (40.0, 60.0), (10.0, 60.0)}
        assert subpath.closed is True

    def test_rounded_rect_has_curved_corners_within_bounds(self) -> None:
        """A rounded rect uses cubics for corners and stays inside its box."""
        # Arrange
        svg = _svg('<rect x="0" y="0" width="20" height="10" rx="3"/>')
        # Act
        (path,) = svg_document_to_paths(svg)
        # Assert
        assert path.d is not None
        subpaths = parse_path_d(path.d)
        assert "cubic" in _kinds(_only(subpaths))
        samples = _samples(subpaths)
        assert all(-1e-6 <= x <= 20 + 1e-6 and -1e-6 <= y <= 10 + 1e-6 for x, y in samples)
        assert (0.0, 0.0) not in {(round(x, 6), round(y, 6)) for x, y in samples}

    def test_circle_and_ellipse_points_lie_on_the_curve(self) -> None:
        """Circles and ellipses become closed cubic paths on the right curve."""
        # Arrange
        svg = _svg('<circle cx="50" cy="50" r="10"/><ellipse cx="0" cy="0" rx="20" ry="5"/>')
        # Act
        circle, ellipse = svg_document_to_paths(svg)
        # Assert
        assert circle.d is not None and ellipse.d is not None
        circle_geometry = parse_path_d(circle.d)
        ellipse_geometry = parse_path_d(ellipse.d)
        assert _only(circle_geometry).closed is True
        assert all(abs(math.dist(p, (50, 50)) - 10) < 0.01 for p in _samples(circle_geometry))
        assert all(
            abs((x / 20) ** 2 + (y / 5) ** 2 - 1) < 0.01 for x, y in _samples(ellipse_geometry)
        )

    def test_polygon_is_closed_svg_path(self) -> None:
        """A polygon becomes a closed svg path."""
        # Arrange
        svg = _svg('<polygon points="0,0 10,0 10,10"/>')
        # Act
        (path,) = svg_document_to_paths(svg)
        # Assert
        assert path.type is PathType.SVG
        assert path.d == "M0,0 L10,0 L10,10 Z"

    def test_stroke_colour_width_and_opacity(self) -> None:
        """Explicit stroke styles are carried over; width scales with the transform."""
        # Arrange
        svg = _svg(
            '<g transform="scale(2)" stroke="#FF0000" stroke-width="3">'
            '<line x1="0" y1="0" x2="1" y2="1" stroke-opacity="0.5" opacity="0.5"/></g>'
            '<line x1="0" y1="0" x2="1" y2="1" style="stroke: rgb(0, 128, 255)"/>'
        )
        # Act
        styled, css_styled = svg_document_to_paths(svg)
        # Assert
        assert styled.color == "#ff0000"
        assert styled.stroke_width == pytest.approx(6.0)
        assert styled.opacity == pytest.approx(0.25)
        assert css_styled.color == "#0080ff"
        assert css_styled.stroke_width is None and css_styled.opacity is None

    def test_colour_alpha_becomes_opacity(self) -> None:
        """An 8-digit hex colour's alpha multiplies into opacity."""
        # Arrange
        svg = _svg('<line x1="0" y1="0" x2="1" y2="1" stroke="#00ff0080"/>')
        # Act
        (path,) = svg_document_to_paths(svg)
        # Assert
        assert path.color == "#00ff00"
        assert path.opacity == pytest.approx(128 / 255)

    @pytest.mark.parametrize("stroke", ["none", "url(#gradient)", "not-a-colour", "currentColor"])
    def test_unusable_colours_are_left_unset(self, stroke: str) -> None:
        """No colour is invented for none, paint servers or unknown keywords."""
        # Arrange
        svg = _svg(f'<line x1="0" y1="0" x2="1" y2="1" stroke="{stroke}" color="bogus"/>')
        # Act
        (path,) = svg_document_to_paths(svg)
        # Assert
        assert path.color is None
        assert "color" not in path.to_dict()

    def test_stroke_width_is_clamped(self) -> None:
        """Widths beyond the Path limit are clamped to 500; zero widths are dropped."""
        # Arrange
        svg = _svg(
            '<line x1="0" y1="0" x2="1" y2="1" stroke-width="900"/>'
            '<line x1="0" y1="0" x2="1" y2="1" stroke-width="0"/>'
        )
        # Act
        wide, zero = svg_document_to_paths(svg)
        # Assert
        assert wide.stroke_width == 500
        assert zero.stroke_width is None

    def test_hidden_elements_and_non_drawing_elements_are_skipped(self) -> None:
        """display:none, visibility:hidden, text, style, defs content and empty d draw nothing."""
        # Arrange
        svg = _svg(
            '<style>line { stroke: red }</style><text x="0" y="0">hello</text>'
            '<defs><line x1="0" y1="0" x2="1" y2="1"/></defs>'
            '<g display="none"><line x1="0" y1="0" x2="1" y2="1"/></g>'
            '<line x1="0" y1="0" x2="1" y2="1" style="visibility:hidden"/>'
            '<path d=""/><path/><polyline points="1,1"/>'
            '<line x1="5" y1="5" x2="6" y2="6"/>'
        )
        # Act
        paths = svg_document_to_paths(svg)
        # Assert
        assert len(paths) == 1
        assert [(p.x, p.y) for p in paths[0].points] == [(5, 5), (6, 6)]

    def test_use_places_a_copy_with_its_offset(self) -> None:
        """<use> draws the referenced shape, offset by x/y and the use's transform."""
        # Arrange
        svg = _svg(
            '<defs><line id="l" x1="0" y1="0" x2="1" y2="0"/></defs>'
            '<use xlink:href="#l" x="10" y="5"/><use href="#l" transform="scale(3)"/>'
        )
        # Act
        first, second = svg_document_to_paths(svg)
        # Assert
        assert [(p.x, p.y) for p in first.points] == [(10, 5), (11, 5)]
        assert [(p.x, p.y) for p in second.points] == [(0, 0), (3, 0)]

    def test_viewbox_maps_to_viewport(self) -> None:
        """The root viewBox maps user units to the width/height viewport."""
        # Arrange
        svg = _svg(
            '<line x1="0" y1="0" x2="10" y2="10"/>',
            'width="200" height="200" viewBox="0 0 100 100"',
        )
        # Act
        (path,) = svg_document_to_paths(svg)
        # Assert
        assert [(p.x, p.y) for p in path.points] == [(0, 0), (20, 20)]

    def test_author_is_applied(self) -> None:
        """Every produced Path carries the given author."""
        # Arrange
        svg = _svg('<line x1="0" y1="0" x2="1" y2="1"/><circle cx="5" cy="5" r="1"/>')
        # Act
        paths = svg_document_to_paths(svg, author=Author.HUMAN)
        # Assert
        assert {p.author for p in paths} == {Author.HUMAN}

    def test_document_without_namespace_and_without_shapes(self) -> None:
        """A bare <svg> works; one without shapes gives no paths."""
        # Arrange
        bare = '<svg><line x1="0" y1="0" x2="1" y2="1"/></svg>'
        # Act
        with_line = svg_document_to_paths(bare)
        empty = svg_document_to_paths("<svg/>")
        # Assert
        assert len(with_line) == 1
        assert empty == []


class TestSvgDocumentErrors:
    """Hostile or malformed documents fail with ValueError before doing much work."""

    @pytest.mark.parametrize(
        ("svg", "message"),
        [
            ('<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd"><svg/>', "DOCTYPE"),
            (
                '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaa">'
                '<!ENTITY b "&a;&a;&a;&a;">]><svg>&b;</svg>',
                "ENTITY",
            ),
            ('<!doctype svg [<!entity xxe SYSTEM "file:///etc/passwd">]><svg>&xxe;</svg>', "DOC"),
            ("<svg><g></svg>", "not well-formed"),
            ("<svg>&undefined;</svg>", "not well-formed"),
            ("just text", "not well-formed"),
            ("", "empty"),
            ("<html><body/></html>", "root must be <svg>"),
            ('<svg><path d="M0 0 L"/></svg>', r"<path> element #2.*not followed by numbers"),
            ('<svg><line x1="0" y1="0" x2="1" y2="1" transform="scale(1e400)"/></svg>', "finite"),
            ('<svg><g transform="rotate(((("><line/></g></svg>', "malformed transform"),
            (f'<svg><line stroke="{"a" * 100}"/></svg>', "attribute 'stroke'"),
        ],
    )
    def test_malformed_or_hostile_documents(self, svg: str, message: str) -> None:
        """Each bad document fails with a message naming the problem."""
        # Arrange / Act / Assert
        with pytest.raises(ValueError, match=message):
            svg_document_to_paths(svg)

    def test_too_long_document(self) -> None:
        """Documents over 2,000,000 characters are refused up front."""
        # Arrange
        svg = _svg(" " * 2_000_001)
        # Act / Assert
        with pytest.raises(ValueError, match="2000000"):
            svg_document_to_paths(svg)

    def test_too_many_elements(self) -> None:
        """More elements than the limit are refused."""
        # Arrange
        svg = _svg("<g/>" * (MAX_DOCUMENT_ELEMENTS + 1))
        # Act / Assert
        with pytest.raises(ValueError, match=str(MAX_DOCUMENT_ELEMENTS)):
            svg_document_to_paths(svg)

    def test_use_expansion_bomb_is_refused_quickly(self) -> None:
        """Nested <use> fan-out (10^20 copies) is detected before svgelements expands it."""
        # Arrange
        body = '<defs><g id="g0"><line x1="0" y1="0" x2="1" y2="1"/></g>'
        for level in range(1, 21):
            body += f'<g id="g{level}">' + f'<use href="#g{level - 1}"/>' * 10 + "</g>"
        svg = _svg(body + '</defs><use href="#g20"/>')
        # Act / Assert (pytest-timeout guards against a hang)
        with pytest.raises(ValueError, match="<use>"):
            svg_document_to_paths(svg)

    def test_use_cycle_is_refused(self) -> None:
        """A <use> that references its own ancestor is refused, not recursed forever."""
        # Arrange
        svg = _svg('<g id="a"><line x1="0" y1="0" x2="1" y2="1"/><use href="#a"/></g>')
        # Act / Assert
        with pytest.raises(ValueError, match="cycle"):
            svg_document_to_paths(svg)

    def test_deep_nesting_is_refused(self) -> None:
        """Very deep nesting is refused instead of exhausting the stack."""
        # Arrange
        svg = _svg("<g>" * 5000 + "</g>" * 5000)
        # Act / Assert
        with pytest.raises(ValueError, match="deeper than"):
            svg_document_to_paths(svg)


# ------------------------------------------------------------------------------------------
# properties and performance

_COMMAND_TEXT = st.text(alphabet="MmLlHhVvCcSsQqTtAaZz0123456789.-+eE ,\n", max_size=80)
_NUMBER = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, allow_infinity=False)
_ARITY = {"M": 2, "L": 2, "H": 1, "V": 1, "C": 6, "S": 4, "Q": 4, "T": 2, "Z": 0}


@st.composite
def _valid_path_data(draw: st.DrawFn) -> str:
    """Well-formed d strings: a moveto, then commands with the right number of arguments."""
    parts = [f"M{draw(_NUMBER)} {draw(_NUMBER)}"]
    for _ in range(draw(st.integers(min_value=0, max_value=12))):
        letter = draw(st.sampled_from([*_ARITY, "A"]))
        if letter == "A":
            rx, ry, angle = draw(_NUMBER), draw(_NUMBER), draw(_NUMBER)
            flags = f"{draw(st.integers(0, 1))} {draw(st.integers(0, 1))}"
            args = f"{rx} {ry} {angle} {flags} {draw(_NUMBER)} {draw(_NUMBER)}"
        else:
            args = " ".join(str(draw(_NUMBER)) for _ in range(_ARITY[letter]))
        command = letter.lower() if draw(st.booleans()) else letter
        parts.append(f"{command}{args}")
    return " ".join(parts)


class TestProperties:
    """Hypothesis: arbitrary input never escapes as anything but ValueError."""

    @settings(deadline=None, max_examples=200)
    @given(st.text(max_size=120))
    def test_parse_path_d_arbitrary_text(self, d: str) -> None:
        """Any text either parses to finite geometry or raises ValueError."""
        # Arrange
        result: list[Subpath] | None = None
        # Act
        try:
            result = parse_path_d(d)
        except ValueError:
            return
        # Assert
        assert _all_finite(result)

    @settings(deadline=None, max_examples=200)
    @given(_COMMAND_TEXT)
    def test_parse_path_d_command_like_text(self, d: str) -> None:
        """Text made of command letters and number characters: finite geometry or ValueError."""
        # Arrange
        result: list[Subpath] | None = None
        # Act
        try:
            result = parse_path_d(d)
        except ValueError:
            return
        # Assert
        assert _all_finite(result)
        assert all(subpath.segments for subpath in result)

    @settings(deadline=None, max_examples=200)
    @given(_valid_path_data())
    def test_well_formed_path_data_always_parses(self, d: str) -> None:
        """Well-formed d strings always parse, to finite, round-trippable geometry."""
        # Arrange / Act
        result = parse_path_d(d)
        # Assert
        assert _all_finite(result)
        if result:
            parse_path_d(path_to_d(result))

    @settings(deadline=None, max_examples=200)
    @given(st.text(max_size=200))
    def test_svg_document_arbitrary_text(self, svg: str) -> None:
        """Any text is either a list of Paths or a ValueError."""
        # Arrange / Act
        try:
            paths = svg_document_to_paths(svg)
        except ValueError:
            return
        # Assert
        assert all(isinstance(path, Path) for path in paths)

    @settings(deadline=None, max_examples=200)
    @given(
        st.text(max_size=60),
        st.text(alphabet="0123456789.-e ,()abcdefghijklmnopqrstuvwxyz#%", max_size=30),
    )
    def test_svg_document_with_arbitrary_attribute_values(self, d: str, value: str) -> None:
        """Arbitrary d, transform and style values give Paths or a ValueError."""
        # Arrange
        svg = _svg(
            f"<g transform={quoteattr(value)}><path d={quoteattr(d)} stroke={quoteattr(value)}"
            f" stroke-width={quoteattr(value)}/><rect width={quoteattr(value)} height='3'/>"
            f"<circle r={quoteattr(value)} style={quoteattr('opacity:' + value)}/></g>"
        )
        # Act
        try:
            paths = svg_document_to_paths(svg)
        except ValueError:
            return
        # Assert
        for path in paths:
            geometry = path_geometry(path)
            assert _all_finite(geometry)


class TestParseCache:
    """Parsing is cached, and callers cannot corrupt the cache."""

    def test_mutating_a_result_does_not_change_the_cache(self) -> None:
        """Each call returns fresh copies of the cached geometry."""
        # Arrange
        d = "M0 0 C1 2 3 4 5 6 S7 8 9 10 Q1 1 2 2 T3 3 A5 5 0 0 1 20 0 Z"
        first = parse_path_d(d)
        expected = [(s.start, list(s.segments), s.closed) for s in parse_path_d(d)]
        # Act
        first[0].segments.clear()
        again = parse_path_d(d)
        # Assert
        assert [(s.start, list(s.segments), s.closed) for s in again] == expected


class TestParseBudgets:
    """Callers with a budget stop a parse early (issue 15): by segments, or by their own check."""

    def test_max_segments_stops_the_parse_and_applies_to_cached_results(self) -> None:
        """Over ``max_segments`` the parse raises SegmentLimitError, also when d was cached."""
        # Arrange
        clear_parse_cache()
        d = "M0 0" + " a40,40 0 1 1 9,0" * 20
        full = parse_path_d(d)  # now cached
        segments = sum(len(s.segments) for s in full)
        clear_parse_cache()
        # Act / Assert
        with pytest.raises(SegmentLimitError, match="more than 5 segments"):
            parse_path_d(d, max_segments=5)
        parse_path_d(d)
        with pytest.raises(SegmentLimitError, match="more than 5 segments"):
            parse_path_d(d, max_segments=5)
        assert len(parse_path_d(d, max_segments=segments)) == len(full)

    def test_on_progress_can_abandon_a_parse(self) -> None:
        """A WorkLimitError raised by ``on_progress`` ends the parse unchanged (not re-worded
        as malformed data)."""
        # Arrange
        clear_parse_cache()
        d = "M0 0" + " l1,1" * 200
        calls: list[int] = []

        def spent() -> None:
            calls.append(1)
            raise WorkLimitError("the budget is spent")

        # Act / Assert
        with pytest.raises(WorkLimitError, match=r"^the budget is spent$"):
            parse_path_d(d, on_progress=spent)
        assert calls == [1]
