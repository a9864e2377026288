"""Validation and normalisation of untrusted path JSON (``code_monet.tools.path_parsing``)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from code_monet.geometry.svg_path import parse_path_d, path_geometry
from code_monet.tools.path_parsing import (
    ParsedPaths,
    PathFailure,
    PathInputError,
    PathLimits,
    parse_paths,
    parse_svg_output,
    paths_from_dicts,
)
from code_monet.types.brushes import BRUSH_NAMES
from code_monet.types.geometry import PathType
from code_monet.types.paths import Author, Path

W, H = 800, 600
SVG_NS = 'xmlns="http://www.w3.org/2000/svg"'


def _parse(raw: object, limits: PathLimits | None = None) -> ParsedPaths:
    return parse_paths(raw, canvas_width=W, canvas_height=H, limits=limits or PathLimits())


def _line(**extra: object) -> dict[str, object]:
    return {"type": "line", "points": [{"x": 10, "y": 20}, {"x": 30, "y": 40}], **extra}


def _only_failure(raw: object) -> PathFailure:
    result = _parse([raw])
    assert result.paths == []
    assert len(result.failures) == 1
    return result.failures[0]


def _all_points(path: Path) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for sub in path_geometry(path):
        points.append(sub.start)
        for segment in sub.segments:
            points.extend(segment.points)
    return points + [(p.x, p.y) for p in path.points]


def _inside(path: Path, width: float = W, height: float = H) -> bool:
    return all(
        math.isfinite(x) and math.isfinite(y) and 0 <= x <= width and 0 <= y <= height
        for x, y in _all_points(path)
    )


class TestValidPaths:
    """Well-formed paths of every type come back as agent ``Path`` objects."""

    @pytest.mark.parametrize(
        ("kind", "count"), [("line", 2), ("polyline", 5), ("quadratic", 3), ("cubic", 4)]
    )
    def test_point_types(self, kind: str, count: int) -> None:
        """Each point type accepts its point count and keeps the coordinates."""
        # Arrange
        points = [{"x": 10 + i, "y": 20 + i} for i in range(count)]
        # Act
        result = _parse([{"type": kind, "points": points}])
        # Assert
        assert result.failures == [] and result.clamped == 0
        (path,) = result.paths
        assert path.type is PathType(kind) and path.author is Author.AGENT
        assert [(p.x, p.y) for p in path.points] == [(10 + i, 20 + i) for i in range(count)]

    def test_both_point_formats(self) -> None:
        """Points may be {"x", "y"} objects or [x, y] pairs, mixed freely."""
        # Arrange
        raw = [{"type": "polyline", "points": [[1, 2], {"x": 3.5, "y": 4}, (5, 6)]}]
        # Act
        result = _parse(raw)
        # Assert
        assert [(p.x, p.y) for p in result.paths[0].points] == [(1, 2), (3.5, 4), (5, 6)]

    def test_svg_inside_the_canvas_keeps_its_d(self) -> None:
        """An svg path already inside the canvas keeps its original d (arcs stay arcs)."""
        # Arrange
        d = "M 100 100 A 40 40 0 0 1 180 100 L 200 200"
        # Act
        result = _parse([{"type": "svg", "d": f"  {d}\n"}])
        # Assert
        assert result.clamped == 0
        assert result.paths[0].d == d

    def test_style_fields_are_normalised(self) -> None:
        """Colour is lower-cased, #rgb expanded, brush names trimmed and lower-cased."""
        # Arrange
        raw = [_line(color="#AbCdEf", brush=" Ink "), _line(color="#F0a")]
        # Act
        result = _parse(raw)
        # Assert
        assert result.paths[0].color == "#abcdef" and result.paths[0].brush == "ink"
        assert result.paths[1].color == "#ff00aa"

    def test_author_is_always_agent_and_extra_keys_ignored(self) -> None:
        """An author sent by the model is ignored, as are unknown keys; null styles are unset."""
        # Arrange
        raw = [_line(author="human", evil={"__class__": 1}, id="x", color=None, opacity=None)]
        # Act
        result = _parse(raw)
        # Assert
        (path,) = result.paths
        assert path.author is Author.AGENT and path.color is None and path.opacity is None
        assert path.id is None

    def test_sloppy_type_names_are_accepted(self) -> None:
        """Type names are trimmed and case-insensitive."""
        # Arrange / Act
        result = _parse([_line(type=" LINE ")])
        # Assert
        assert result.paths[0].type is PathType.LINE


class TestFailures:
    """Each invalid path becomes a failure with a reason the model can act on."""

    @pytest.mark.parametrize(
        ("raw", "message"),
        [
            ({"type": "blob"}, "unknown type 'blob'; valid types: line, polyline, quadratic"),
            ({"points": []}, "unknown type None; valid types"),
            ({"type": 7}, "unknown type 7"),
            ("line", "must be an object with a 'type', got 'line'"),
            (None, "must be an object with a 'type', got None"),
            ([1, 2], "must be an object with a 'type', got a list"),
            ({"type": "cubic", "points": [[0, 0]] * 3}, "cubic needs exactly 4 points, got 3"),
            ({"type": "line", "points": [[0, 0]]}, "line needs exactly 2 points, got 1"),
            ({"type": "quadratic", "points": [[0, 0]] * 4}, "quadratic needs exactly 3 points"),
            ({"type": "polyline", "points": [[0, 0]]}, "polyline needs at least 2 points, got 1"),
            ({"type": "line"}, "line needs a 'points' list, got None"),
            ({"type": "line", "points": "0,0 1,1"}, "needs a 'points' list, got '0,0 1,1'"),
            ({"type": "line", "points": [[0, 0], [1]]}, "point 1 must be [x, y], got 1 values"),
            ({"type": "line", "points": [[0, 0], {"x": 1}]}, "point 1 must have 'x' and 'y'"),
            ({"type": "line", "points": [[0, 0], 5]}, "point 1 must be {'x': .., 'y': ..}"),
            ({"type": "line", "points": [["1", 0], [1, 1]]}, "point 0 x must be a number, got '1'"),
            (
                {"type": "line", "points": [[True, 0], [1, 1]]},
                "point 0 x must be a number, got True",
            ),
            (
                {"type": "line", "points": [[0, None], [1, 1]]},
                "point 0 y must be a number, got None",
            ),
            (
                {"type": "line", "points": [[0, [1]], [1, 1]]},
                "point 0 y must be a number, got a list",
            ),
            (_line(color="red"), "color 'red' must be #rrggbb"),
            (_line(color="#12345"), "color '#12345' must be #rrggbb"),
            (_line(color=3), "color 3 must be #rrggbb"),
            (_line(brush="crayon"), "brush 'crayon' is unknown; use one of oil_round"),
            (_line(stroke_width="thick"), "stroke_width must be a number, got 'thick'"),
            (_line(opacity=True), "opacity must be a number, got True"),
            ({"type": "svg"}, "svg needs a non-empty 'd' string, got None"),
            ({"type": "svg", "d": "   "}, "svg needs a non-empty 'd' string"),
            ({"type": "svg", "d": ["M0 0"]}, "svg needs a non-empty 'd' string, got a list"),
            ({"type": "svg", "d": "M 0 0"}, "svg 'd' draws nothing"),
        ],
    )
    def test_failure_reasons(self, raw: object, message: str) -> None:
        """The failure reason names the problem (and the offending value, shortened)."""
        # Arrange (parametrised)
        # Act
        failure = _only_failure(raw)
        # Assert
        assert failure.index == 0
        assert message in failure.reason

    @pytest.mark.parametrize(
        ("value", "shown"),
        [(math.nan, "nan"), (math.inf, "inf"), (-math.inf, "-inf"), (10**400, "very large")],
    )
    def test_non_finite_numbers_are_named(self, value: float, shown: str) -> None:
        """NaN, infinities and ints too large for a float are rejected, naming the value."""
        # Arrange
        raw = {"type": "line", "points": [[0, 0], {"x": 1, "y": value}]}
        # Act
        failure = _only_failure(raw)
        # Assert
        assert "point 1 y must be a finite number" in failure.reason and shown in failure.reason

    def test_non_finite_style_numbers(self) -> None:
        """A NaN width or opacity is a failure, not a clamp."""
        # Arrange / Act
        width = _only_failure(_line(stroke_width=math.nan))
        opacity = _only_failure(_line(opacity=-math.inf))
        # Assert
        assert width.reason == "stroke_width must be a finite number, got nan"
        assert opacity.reason == "opacity must be a finite number, got -inf"

    def test_svg_parser_message_becomes_the_reason(self) -> None:
        """A malformed d reports the parser's own message."""
        # Arrange
        d = "M 0 0 L 10 10 Q"
        with pytest.raises(ValueError) as parser_error:
            parse_path_d(d)
        # Act
        failure = _only_failure({"type": "svg", "d": d})
        # Assert
        assert failure.reason == str(parser_error.value)

    def test_long_values_are_shortened_in_reasons(self) -> None:
        """A huge bad string is not echoed back in full."""
        # Arrange
        raw = _line(color="x" * 100_000)
        # Act
        failure = _only_failure(raw)
        # Assert
        assert len(failure.reason) < 100

    def test_brush_failure_lists_valid_names(self) -> None:
        """An unknown brush reason names a few real brushes."""
        # Arrange / Act
        failure = _only_failure(_line(brush="crayon"))
        # Assert
        assert sum(name in failure.reason for name in BRUSH_NAMES) >= 3


class TestMixedBatches:
    """Valid paths survive their invalid neighbours, and indices are reported correctly."""

    def test_valid_paths_kept_with_failure_indices(self) -> None:
        """Failures carry their input index; valid paths keep their input order."""
        # Arrange
        raw: list[object] = [
            _line(color="#111111"),
            {"type": "cubic", "points": [[0, 0]] * 3},
            _line(color="#222222"),
            {"type": "line", "points": [[0, 0], [1, 1]], "color": "red"},
            "junk",
            _line(color="#333333"),
        ]
        # Act
        result = _parse(raw)
        # Assert
        assert [p.color for p in result.paths] == ["#111111", "#222222", "#333333"]
        assert [f.index for f in result.failures] == [1, 3, 4]

    def test_summary_reports_counts_and_reasons(self) -> None:
        """The summary has the counts and one sentence per failure."""
        # Arrange
        raw: list[object] = [_line()] * 12
        raw.insert(3, {"type": "cubic", "points": [[0, 0]] * 3})
        raw.insert(9, _line(color="red"))
        # Act
        summary = _parse(raw).summary()
        # Assert
        assert summary.startswith("Drew 12 of 14 paths. ")
        assert "Path 3: cubic needs exactly 4 points, got 3." in summary
        assert "Path 9: color 'red' must be #rrggbb." in summary

    def test_summary_caps_the_failure_list(self) -> None:
        """Hundreds of failures do not produce a wall of text."""
        # Arrange
        raw = [{"type": "nope"}] * 300
        # Act
        summary = _parse(raw).summary()
        # Assert
        assert "Drew 0 of 300 paths." in summary and "290 more failures" in summary
        assert len(summary) < 2000

    def test_summary_without_failures(self) -> None:
        """All good: just the count."""
        # Arrange / Act
        summary = _parse([_line(), _line()]).summary()
        # Assert
        assert summary == "Drew 2 of 2 paths."


class TestClamping:
    """Coordinates, widths and opacities are clamped, and clamped paths are counted."""

    def test_coordinates_are_clamped_to_the_canvas(self) -> None:
        """Points outside the canvas move to its edge."""
        # Arrange
        raw = [{"type": "polyline", "points": [[-50, 10], [900, -1], [1e308, -1e308], [5, 5]]}]
        # Act
        result = _parse(raw)
        # Assert
        points = [(p.x, p.y) for p in result.paths[0].points]
        assert points == [(0, 10), (W, 0), (W, 0), (5, 5)]
        assert result.clamped == 1

    @pytest.mark.parametrize(("width", "expected"), [(0.01, 0.5), (500, 60.0), (-3, 0.5)])
    def test_stroke_width_is_clamped(self, width: float, expected: float) -> None:
        """stroke_width lands in [min_width, max_width]."""
        # Arrange / Act
        result = _parse([_line(stroke_width=width)])
        # Assert
        assert result.paths[0].stroke_width == expected and result.clamped == 1

    @pytest.mark.parametrize(("opacity", "expected"), [(1.5, 1.0), (-0.2, 0.0), (0.4, 0.4)])
    def test_opacity_is_clamped(self, opacity: float, expected: float) -> None:
        """opacity lands in [0, 1]."""
        # Arrange / Act
        result = _parse([_line(opacity=opacity)])
        # Assert
        assert result.paths[0].opacity == expected
        assert result.clamped == (opacity != expected)

    def test_custom_width_limits(self) -> None:
        """The width bounds come from PathLimits."""
        # Arrange
        limits = PathLimits(min_width=2.0, max_width=4.0)
        # Act
        result = _parse([_line(stroke_width=1), _line(stroke_width=9)], limits)
        # Assert
        assert [p.stroke_width for p in result.paths] == [2.0, 4.0]

    def test_svg_d_is_clamped_and_re_emitted(self) -> None:
        """An svg path leaving the canvas is re-emitted with every point inside it."""
        # Arrange
        d = "M -100 50 L 400 300 C 900 -200 1200 700 300 650 A 200 100 0 1 1 -50 -80 Z"
        # Act
        result = _parse([{"type": "svg", "d": d}])
        # Assert
        (path,) = result.paths
        assert result.clamped == 1 and path.d is not None and path.d != d
        reparsed = parse_path_d(path.d)
        assert reparsed and _inside(path)
        assert reparsed[0].start == (0, 50)

    def test_clamped_count_counts_paths_not_values(self) -> None:
        """A path clamped in several ways counts once."""
        # Arrange
        raw = [_line(points=[[-1, -1], [2000, 2000]], stroke_width=99, opacity=7), _line()]
        # Act
        result = _parse(raw)
        # Assert
        assert result.clamped == 1


class TestLimits:
    """Per-call limits raise ``PathInputError`` naming the limit; per-path ones fail the path."""

    def test_not_a_list(self) -> None:
        """Anything but a list is rejected as a whole with an example of the right shape."""
        # Arrange / Act / Assert
        for raw in ({"type": "line"}, "[]", None, 3):
            with pytest.raises(PathInputError, match="paths must be a list"):
                _parse(raw)

    def test_too_many_paths(self) -> None:
        """Over max_paths: the count and the limit are both named."""
        # Arrange
        raw = [_line()] * 1500
        # Act / Assert
        with pytest.raises(PathInputError, match="got 1500 paths; the limit is 1000 per call"):
            _parse(raw)

    def test_too_many_points_in_total(self) -> None:
        """Total points are counted before any path is built."""
        # Arrange
        limits = PathLimits(max_points_total=100)
        raw = [{"type": "polyline", "points": [[1, 1]] * 30}] * 4
        # Act / Assert
        with pytest.raises(PathInputError, match="got 120 points in total; the limit is 100"):
            _parse(raw, limits)

    def test_too_many_points_in_one_path(self) -> None:
        """A path over max_points_per_path fails alone, naming the limit."""
        # Arrange
        limits = PathLimits(max_points_per_path=10)
        raw = [{"type": "polyline", "points": [[1, 1]] * 11}, _line()]
        # Act
        result = _parse(raw, limits)
        # Assert
        assert len(result.paths) == 1
        assert result.failures[0].reason == "has 11 points; the limit is 10 per path"

    def test_svg_nodes_count_against_the_limits(self) -> None:
        """An svg path's parsed nodes count per path; spending the call's total refuses the
        whole call (issue 15: the work stops there), naming the budget and the path."""
        # Arrange
        d = "M 0 0 " + " ".join(f"L {i} {i}" for i in range(1, 40))
        per_path = PathLimits(max_points_per_path=20)
        total = PathLimits(max_points_total=60)
        # Act
        one = _parse([{"type": "svg", "d": d}], per_path)
        # Assert
        assert one.failures[0].reason == "has more than 20 points; the limit is 20 per path"
        with pytest.raises(
            PathInputError, match="budget of 60 points per call was spent at path 1"
        ):
            _parse([{"type": "svg", "d": d}] * 2, total)

    def test_d_length_limit(self) -> None:
        """An over-long d fails, naming the limit."""
        # Arrange
        limits = PathLimits(max_d_length=50)
        d = "M 0 0 " + "L 1 1 " * 20
        # Act
        result = _parse([{"type": "svg", "d": d}], limits)
        # Assert
        assert result.failures[0].reason == f"svg 'd' is {len(d)} characters; the limit is 50"


class TestHostileValues:
    """Junk, deep nesting and extreme numbers never escape as anything but failures."""

    def test_junk_items(self) -> None:
        """Every kind of junk becomes a failure at its index."""
        # Arrange
        nested: object = [1]
        for _ in range(500):
            nested = [nested, {"a": nested}]
        raw: list[object] = [
            None,
            True,
            1e308,
            "DROP TABLE",
            nested,
            {"type": {"nested": nested}},
            {"type": "polyline", "points": [nested, nested]},
            {"type": "svg", "d": nested},
            {"type": "line", "points": [[1e308, -1e308], [-1e308, 1e308]], "stroke_width": 1e308},
        ]
        # Act
        result = _parse(raw)
        # Assert
        assert [f.index for f in result.failures] == list(range(8))
        (path,) = result.paths
        assert _inside(path) and path.stroke_width == 60.0

    def test_huge_svg_coordinates(self) -> None:
        """Huge but finite svg coordinates clamp; overflowing ones are the parser's failure."""
        # Arrange
        raw = [
            {"type": "svg", "d": "M 1e308 1e308 L -1e308 5"},
            {"type": "svg", "d": "M 1e308 0 l 1e308 0"},
        ]
        # Act
        result = _parse(raw)
        # Assert
        assert len(result.paths) == 1 and _inside(result.paths[0])
        assert result.failures[0].index == 1 and "non-finite" in result.failures[0].reason


class TestConvenienceEntryPoints:
    """``paths_from_dicts`` and ``parse_svg_output`` share the same rules."""

    def test_paths_from_dicts(self) -> None:
        """Sandbox-style dicts are parsed like model input."""
        # Arrange
        items: list[dict[str, object]] = [
            {"type": "line", "points": [{"x": -5.0, "y": 1.0}, {"x": 2.0, "y": 2.0}]},
            {"type": "svg", "points": [], "d": "M 1 1 L 5 5", "color": "#ABCDEF"},
        ]
        # Act
        result = paths_from_dicts(items, canvas_width=W, canvas_height=H)
        # Assert
        assert len(result.paths) == 2 and result.clamped == 1
        assert result.paths[1].color == "#abcdef"

    def test_svg_document_is_clamped(self) -> None:
        """Shapes of a printed SVG document are clamped and styled like any other path."""
        # Arrange
        svg = (
            f'<svg {SVG_NS} width="800" height="600">'
            '<line x1="-10" y1="5" x2="100" y2="700" stroke="#FF0000" stroke-width="99"/>'
            '<circle cx="790" cy="300" r="40" stroke="black"/>'
            "</svg>"
        )
        # Act
        result = parse_svg_output(svg, canvas_width=W, canvas_height=H)
        # Assert
        assert len(result.paths) == 2 and result.failures == []
        assert all(_inside(p) for p in result.paths)
        assert result.paths[0].stroke_width == 60.0 and result.paths[0].color == "#ff0000"
        assert all(p.author is Author.AGENT for p in result.paths)
        assert result.clamped == 2

    def test_bad_svg_document(self) -> None:
        """A broken document raises PathInputError with the parser's message."""
        # Arrange
        svg = f"<svg {SVG_NS}><path d='M 0 0 L'/>"
        # Act / Assert
        with pytest.raises(PathInputError, match="the SVG document could not be used: "):
            parse_svg_output(svg, canvas_width=W, canvas_height=H)

    def test_svg_document_over_the_path_limit(self) -> None:
        """A document with more shapes than max_paths raises naming the limit."""
        # Arrange
        svg = f"<svg {SVG_NS}>" + '<line x1="0" y1="0" x2="5" y2="5"/>' * 6 + "</svg>"
        # Act / Assert
        with pytest.raises(PathInputError, match="got 6 paths; the limit is 5"):
            parse_svg_output(svg, canvas_width=W, canvas_height=H, limits=PathLimits(max_paths=5))


# ------------------------------------------------------------------------------------------
# property test

_numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.booleans(),
)
_json_scalars = st.one_of(st.none(), _numbers, st.text(max_size=12))
_json = st.recursive(
    _json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=12,
)
_coordinate = st.one_of(_numbers, st.floats(min_value=-2000, max_value=2000), _json_scalars)
_point = st.one_of(
    st.fixed_dictionaries({"x": _coordinate, "y": _coordinate}),
    st.tuples(_coordinate, _coordinate).map(list),
    _json,
)
_d = st.one_of(
    st.text(alphabet="MLHVCSQTAZmlhvcsqtaz0123456789.-e ,", max_size=60),
    st.lists(
        st.tuples(st.sampled_from("LQC"), st.lists(st.floats(-3000, 3000), min_size=6, max_size=6)),
        max_size=4,
    ).map(
        lambda segs: (
            "M 5 5 "
            + " ".join(
                f"{c} " + " ".join(map(str, nums[: {"L": 2, "Q": 4, "C": 6}[c]]))
                for c, nums in segs
            )
        )
    ),
)
_path_like = st.fixed_dictionaries(
    {
        "type": st.one_of(st.sampled_from([t.value for t in PathType]), _json),
        "points": st.one_of(st.lists(_point, max_size=6), _json),
    },
    optional={
        "d": st.one_of(_d, _json),
        "color": st.one_of(st.sampled_from(["#ABCDEF", "#abc", "red"]), _json),
        "stroke_width": _coordinate,
        "opacity": _coordinate,
        "brush": st.one_of(st.sampled_from(BRUSH_NAMES), _json),
        "author": _json,
    },
)


_finite_or_wild = st.one_of(
    st.floats(min_value=-3000, max_value=3000),
    st.floats(),
    st.integers(min_value=-(10**30), max_value=10**30),
)
_good_point = st.one_of(
    st.fixed_dictionaries({"x": _finite_or_wild, "y": _finite_or_wild}),
    st.tuples(_finite_or_wild, _finite_or_wild).map(list),
)
_plausible_path = st.one_of(
    st.builds(
        lambda kind, pts, style: {"type": kind, "points": pts, **style},
        st.sampled_from(["line", "polyline", "quadratic", "cubic", "polyline"]),
        st.lists(_good_point, min_size=2, max_size=4),
        st.fixed_dictionaries(
            {},
            optional={
                "stroke_width": _finite_or_wild,
                "opacity": _finite_or_wild,
                "color": st.sampled_from(["#ABCDEF", "#abc", "#000000"]),
            },
        ),
    ),
    st.builds(lambda d: {"type": "svg", "d": d}, _d),
)


class TestProperties:
    """Arbitrary JSON never crashes the parser or yields a path off the canvas."""

    @settings(deadline=None, max_examples=200)
    @given(
        raw=st.one_of(_json, st.lists(st.one_of(_plausible_path, _path_like, _json), max_size=8)),
        width=st.integers(240, 2400),
        height=st.integers(240, 2400),
    )
    def test_only_path_input_errors_and_paths_inside(
        self, raw: object, width: int, height: int
    ) -> None:
        """Only PathInputError escapes; every returned path is finite and inside the canvas."""
        # Arrange
        limits = PathLimits()
        # Act
        try:
            result = parse_paths(raw, canvas_width=width, canvas_height=height, limits=limits)
        except PathInputError:
            return
        # Assert
        assert isinstance(raw, list)
        assert len(result.paths) + len(result.failures) == len(raw)
        assert 0 <= result.clamped <= len(result.paths)
        for path in result.paths:
            assert path.author is Author.AGENT
            assert _inside(path, width, height)
            if path.stroke_width is not None:
                assert limits.min_width <= path.stroke_width <= limits.max_width
            if path.opacity is not None:
                assert 0 <= path.opacity <= 1
        assert isinstance(result.summary(), str)
