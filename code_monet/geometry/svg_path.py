"""SVG path parsing: ``d`` strings and whole SVG documents → geometry and ``Path``s.

Why this module exists: agents draw with SVG path data (and sometimes whole SVG documents), and
the renderer, the interpolator and the exporters all need the same, trustworthy geometry out of
that hostile text. Tokenising and the SVG document model come from ``svgelements``; this module
turns its output into one small normalised form (absolute line / quadratic / cubic segments, arcs
converted to cubics), enforces size and work limits, and reports every malformed input as a
``ValueError`` that says what was wrong and where.
"""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal, NamedTuple, Protocol

import svgelements as se

from code_monet.types.geometry import PathType, Point
from code_monet.types.paths import MAX_STROKE_WIDTH as MAX_PATH_STROKE_WIDTH
from code_monet.types.paths import MAX_SVG_D_LENGTH, Path

XY = tuple[float, float]
SegmentKind = Literal["line", "quad", "cubic"]

MAX_PATH_D_LENGTH: Final = MAX_SVG_D_LENGTH
MAX_PATH_SEGMENTS: Final = 20_000
MAX_DOCUMENT_LENGTH: Final = 2_000_000
MAX_DOCUMENT_ELEMENTS: Final = 20_000
MAX_DOCUMENT_DEPTH: Final = 64
MAX_DOCUMENT_SEGMENTS: Final = 100_000
MAX_STROKE_WIDTH: Final = float(MAX_PATH_STROKE_WIDTH)


@dataclass(frozen=True, slots=True)
class Segment:
    """One drawable piece of a subpath. ``points`` includes the start point:
    line = (p0, p1), quad = (p0, c, p1), cubic = (p0, c1, c2, p1)."""

    kind: Literal["line", "quad", "cubic"]
    points: tuple[XY, ...]


@dataclass(slots=True)
class Subpath:
    """A pen-down run: starts at ``start``; ``closed`` when it ended with Z.

    Produced subpaths always hold at least one segment, and no segment has zero length
    (degenerate pieces are dropped), so consumers can divide by segment lengths safely.
    """

    start: XY
    segments: list[Segment] = field(default_factory=list)
    closed: bool = False


# --------------------------------------------------------------------------------------------
# Errors


class _PathDataError(ValueError):
    """A problem in path data; the parser adds the position and an excerpt."""


class _DocumentError(ValueError):
    """A problem found in an SVG document; the message is complete."""


class WorkLimitError(ValueError):
    """A work limit was hit (segments, or a caller's budget check); the message is complete
    and is re-raised unchanged, so callers can tell "too much" from "malformed"."""


class SegmentLimitError(WorkLimitError):
    """More segments than the parse was allowed to produce; ``limit`` says how many."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"SVG path has more than {limit} segments; the limit is {limit}")
        self.limit = limit


def _segment_limit_error(limit: int = MAX_PATH_SEGMENTS) -> SegmentLimitError:
    return SegmentLimitError(limit)


_PROGRESS_EVERY: Final = 32
"""Commands between two calls of a parse's ``on_progress`` hook (a budget check)."""


def _excerpt(text: str, position: int, radius: int = 20) -> str:
    start = max(0, position - radius)
    end = min(len(text), position + radius)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return f"{prefix}{text[start:end]}{suffix}"


# --------------------------------------------------------------------------------------------
# Typed views of the (untyped) svgelements objects this module touches.


class _SePoint(Protocol):
    @property
    def x(self) -> float: ...

    @property
    def y(self) -> float: ...


class _SeCubic(Protocol):
    @property
    def control1(self) -> _SePoint: ...

    @property
    def control2(self) -> _SePoint: ...

    @property
    def end(self) -> _SePoint: ...


class _SeArc(Protocol):
    def as_cubic_curves(self) -> Iterable[_SeCubic]: ...


class _SeMatrix(Protocol):
    @property
    def a(self) -> float: ...

    @property
    def b(self) -> float: ...

    @property
    def c(self) -> float: ...

    @property
    def d(self) -> float: ...

    @property
    def e(self) -> float: ...

    @property
    def f(self) -> float: ...


def _finite_xy(x: float, y: float) -> XY | None:
    fx, fy = float(x), float(y)
    if math.isfinite(fx) and math.isfinite(fy):
        return (fx, fy)
    return None


def _cubics_from_arc(arc: _SeArc, start: XY, end: XY) -> list[tuple[XY, XY, XY]] | None:
    """``(c1, c2, end)`` triples approximating ``arc``; ``None`` if it is numerically degenerate.

    The first cubic starts at ``start`` and the last one ends exactly at ``end``.
    """
    triples: list[tuple[XY, XY, XY]] = []
    try:
        for curve in arc.as_cubic_curves():
            c1 = _finite_xy(curve.control1.x, curve.control1.y)
            c2 = _finite_xy(curve.control2.x, curve.control2.y)
            p = _finite_xy(curve.end.x, curve.end.y)
            if c1 is None or c2 is None or p is None:
                return None
            triples.append((c1, c2, p))
    except (ArithmeticError, ValueError, TypeError, AttributeError):
        return None  # e.g. radii so small or large that the centre computation breaks down
    if not triples:
        return None
    c1, c2, _ = triples[-1]
    triples[-1] = (c1, c2, end)
    return triples


def _svg_arc_to_cubics(
    start: XY, rx: float, ry: float, rotation: float, large_arc: bool, sweep: bool, end: XY
) -> list[tuple[XY, XY, XY]] | None:
    try:
        arc = se.Arc(start, rx, ry, rotation, large_arc, sweep, end)
    except (ArithmeticError, ValueError, TypeError):
        return None
    return _cubics_from_arc(arc, start, end)


# --------------------------------------------------------------------------------------------
# Geometry builder: absolute commands in, normalised subpaths out.


class _SubpathBuilder:
    """Accumulates absolute drawing commands into :class:`Subpath` objects.

    Follows SVG semantics: S/T reflect the previous C/S (resp. Q/T) control point, Z returns to
    the subpath start, and drawing after Z starts a new subpath there. Zero-length segments
    are dropped, so subpaths that draw nothing never appear.
    """

    __slots__ = (
        "_count",
        "_cubic_ctrl",
        "_current",
        "_limit",
        "_pos",
        "_quad_ctrl",
        "_start",
        "subpaths",
    )

    def __init__(self, segment_limit: int = MAX_PATH_SEGMENTS) -> None:
        self.subpaths: list[Subpath] = []
        self._current: Subpath | None = None
        self._start: XY | None = None
        self._pos: XY = (0.0, 0.0)
        self._cubic_ctrl: XY | None = None
        self._quad_ctrl: XY | None = None
        self._limit = segment_limit
        self._count = 0

    @property
    def position(self) -> XY | None:
        """The current point, or ``None`` before the first moveto."""
        return self._pos if self._start is not None else None

    @property
    def subpath_start(self) -> XY:
        return self._require_start("Z")

    def _require_start(self, command: str) -> XY:
        if self._start is None:
            raise _PathDataError(
                f"'{command}' before any moveto; SVG path 'd' must start with a moveto command"
            )
        return self._start

    def _emit(self, kind: SegmentKind, points: tuple[XY, ...]) -> None:
        first = points[0]
        if all(p == first for p in points[1:]):
            return  # zero-length: draws nothing
        for x, y in points:
            if not (math.isfinite(x) and math.isfinite(y)):
                raise _PathDataError("coordinates overflow to a non-finite value")
        if self._current is None:
            self._current = Subpath(start=first)
            self.subpaths.append(self._current)
        self._current.segments.append(Segment(kind, points))
        self._count += 1
        if self._count > self._limit:
            raise _segment_limit_error(self._limit)

    def move(self, p: XY) -> None:
        self._start = p
        self._pos = p
        self._current = None
        self._cubic_ctrl = self._quad_ctrl = None

    def line(self, p: XY) -> None:
        self._require_start("L")
        self._emit("line", (self._pos, p))
        self._pos = p
        self._cubic_ctrl = self._quad_ctrl = None

    def quad(self, c: XY, p: XY) -> None:
        self._require_start("Q")
        self._emit("quad", (self._pos, c, p))
        self._pos = p
        self._quad_ctrl = c
        self._cubic_ctrl = None

    def smooth_quad(self, p: XY) -> None:
        pos, ctrl = self._pos, self._quad_ctrl
        c = pos if ctrl is None else (2 * pos[0] - ctrl[0], 2 * pos[1] - ctrl[1])
        self.quad(c, p)

    def cubic(self, c1: XY, c2: XY, p: XY) -> None:
        self._require_start("C")
        self._emit("cubic", (self._pos, c1, c2, p))
        self._pos = p
        self._cubic_ctrl = c2
        self._quad_ctrl = None

    def smooth_cubic(self, c2: XY, p: XY) -> None:
        pos, ctrl = self._pos, self._cubic_ctrl
        c1 = pos if ctrl is None else (2 * pos[0] - ctrl[0], 2 * pos[1] - ctrl[1])
        self.cubic(c1, c2, p)

    def arc(
        self, rx: float, ry: float, rotation: float, large_arc: bool, sweep: bool, p: XY
    ) -> None:
        """An SVG elliptical arc, approximated by cubics (radius 0 → line, no move → nothing)."""
        self._require_start("A")
        start = self._pos
        if p == start:
            return
        rx, ry = abs(rx), abs(ry)
        cubics = None
        if rx > 0 and ry > 0:
            cubics = _svg_arc_to_cubics(start, rx, ry, rotation, large_arc, sweep, p)
        self.arc_cubics(cubics, p)

    def arc_cubics(self, cubics: Sequence[tuple[XY, XY, XY]] | None, p: XY) -> None:
        """Append an arc already converted to ``(c1, c2, end)`` cubics; ``None`` → a line."""
        if cubics is None:
            self.line(p)
            return
        self._require_start("A")
        for c1, c2, end in cubics:
            self._emit("cubic", (self._pos, c1, c2, end))
            self._pos = end
        self._pos = p
        self._cubic_ctrl = self._quad_ctrl = None

    def close(self) -> None:
        start = self._require_start("Z")
        if self._current is not None:
            if self._pos != start:
                self._emit("line", (self._pos, start))
            self._current.closed = True
        self._current = None
        self._pos = start
        self._cubic_ctrl = self._quad_ctrl = None


class _LexerPoint(NamedTuple):
    x: float
    y: float


class _LexerTarget:
    """Receives the callbacks of ``svgelements.SVGLexicalParser`` and validates its values.

    The lexer hands over absolute coordinates (it resolves relative ones through
    ``current_point``), except for H/V which arrive raw with a ``relative`` flag. A coordinate
    may be the string ``"z"`` (svgelements' inline close) meaning the subpath start.
    """

    __slots__ = ("_builder", "_commands", "_on_progress")

    def __init__(
        self, builder: _SubpathBuilder, on_progress: Callable[[], None] | None = None
    ) -> None:
        self._builder = builder
        self._commands = 0
        self._on_progress = on_progress

    @property
    def current_point(self) -> _LexerPoint | None:
        pos = self._builder.position
        return None if pos is None else _LexerPoint(pos[0], pos[1])

    def _tick(self) -> None:
        self._commands += 1
        if self._commands > MAX_PATH_SEGMENTS:
            raise _segment_limit_error()
        if self._on_progress is not None and self._commands % _PROGRESS_EVERY == 0:
            self._on_progress()  # may raise WorkLimitError: a caller's budget is spent

    def _xy(self, value: object) -> XY:
        if isinstance(value, str):
            return self._builder.subpath_start
        if isinstance(value, tuple) and len(value) == 2:
            return (self._num(value[0], "coordinate"), self._num(value[1], "coordinate"))
        raise _PathDataError("expected a coordinate pair (x y)")

    @staticmethod
    def _num(value: object, what: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _PathDataError(f"expected a number for the {what}")
        number = float(value)
        if not math.isfinite(number):
            raise _PathDataError(f"non-finite number (NaN, infinity or overflow) in the {what}")
        return number

    def start(self) -> None:
        """Lexer hook: parsing begins."""

    def end(self) -> None:
        """Lexer hook: parsing ends."""

    def move(self, coord: object, relative: object = False) -> None:
        self._tick()
        self._builder.move(self._xy(coord))

    def line(self, coord: object, relative: object = False) -> None:
        self._tick()
        self._builder.line(self._xy(coord))

    def horizontal(self, value: object, relative: object = False) -> None:
        self._tick()
        x = self._num(value, "horizontal lineto (H/h)")
        pos = self._builder.position
        if pos is None:
            self._builder.line((x, 0.0))  # raises: no moveto yet
            return
        self._builder.line((pos[0] + x if relative else x, pos[1]))

    def vertical(self, value: object, relative: object = False) -> None:
        self._tick()
        y = self._num(value, "vertical lineto (V/v)")
        pos = self._builder.position
        if pos is None:
            self._builder.line((0.0, y))  # raises: no moveto yet
            return
        self._builder.line((pos[0], pos[1] + y if relative else y))

    def quad(self, control: object, coord: object, relative: object = False) -> None:
        self._tick()
        self._builder.quad(self._xy(control), self._xy(coord))

    def smooth_quad(self, coord: object, relative: object = False) -> None:
        self._tick()
        self._builder.smooth_quad(self._xy(coord))

    def cubic(self, c1: object, c2: object, coord: object, relative: object = False) -> None:
        self._tick()
        self._builder.cubic(self._xy(c1), self._xy(c2), self._xy(coord))

    def smooth_cubic(self, c2: object, coord: object, relative: object = False) -> None:
        self._tick()
        self._builder.smooth_cubic(self._xy(c2), self._xy(coord))

    def arc(
        self,
        rx: object,
        ry: object,
        rotation: object,
        large_arc: object,
        sweep: object,
        coord: object,
        relative: object = False,
    ) -> None:
        self._tick()
        if not isinstance(large_arc, bool) or not isinstance(sweep, bool):
            raise _PathDataError("arc flags (large-arc, sweep) must each be 0 or 1")
        self._builder.arc(
            self._num(rx, "arc radius rx"),
            self._num(ry, "arc radius ry"),
            self._num(rotation, "arc x-axis rotation"),
            large_arc,
            sweep,
            self._xy(coord),
        )

    def closed(self, relative: object = False) -> None:
        self._tick()
        self._builder.close()


# --------------------------------------------------------------------------------------------
# parse_path_d

_PATH_WHITESPACE: Final = " \t\n\r\f"
# A command letter followed (after separators) by another letter or the end: it has no numbers.
_BARE_COMMAND_RE: Final = re.compile(r"([MmLlHhVvCcSsQqTtAa])[ \t\n\r\f,]*(?=[A-Za-z]|$)")


def _parse_path_d_uncached(
    d: str,
    max_segments: int = MAX_PATH_SEGMENTS,
    on_progress: Callable[[], None] | None = None,
) -> list[Subpath]:
    if not isinstance(d, str):
        raise ValueError(f"SVG path 'd' must be a string, got {type(d).__name__}")
    if len(d) > MAX_PATH_D_LENGTH:
        raise ValueError(
            f"SVG path 'd' is {len(d)} characters long; the limit is {MAX_PATH_D_LENGTH}"
        )
    body = d.lstrip(_PATH_WHITESPACE)
    if not body:
        raise ValueError("SVG path 'd' is empty")
    if body[0] not in "Mm":
        position = len(d) - len(body)
        raise ValueError(
            "SVG path 'd' must start with a moveto command (M or m), "
            f"found {body[0]!r} at position {position}"
        )
    bare = _BARE_COMMAND_RE.search(d)
    if bare is not None:
        position = bare.start()
        raise ValueError(
            f"Invalid SVG path data near position {position}: command {bare.group(1)!r} "
            f"is not followed by numbers (at {_excerpt(d, position)!r})"
        )

    builder = _SubpathBuilder(segment_limit=max_segments)
    lexer = se.SVGLexicalParser()
    try:
        lexer.parse(_LexerTarget(builder, on_progress), d)
    except WorkLimitError:
        raise
    except Exception as exc:  # the lexer raises bare ValueError/TypeError on bad input
        position = min(int(lexer.pos), len(d))
        reason = str(exc) if isinstance(exc, _PathDataError) else "missing or malformed values"
        raise ValueError(
            f"Invalid SVG path data near position {position}: {reason} "
            f"(at {_excerpt(d, position)!r})"
        ) from exc
    position = int(lexer.pos)
    if position < len(d):  # the lexer stops silently at the first thing it cannot read
        raise ValueError(
            f"Invalid SVG path data near position {position}: unexpected {d[position]!r} "
            f"(at {_excerpt(d, position)!r})"
        )
    return builder.subpaths


class _ParseCache:
    """A thread-safe LRU of parsed ``d`` strings, bounded by entries *and* total segments.

    ``functools.lru_cache`` bounds only the entry count; one entry can hold up to
    ``MAX_PATH_SEGMENTS`` segments, so the segment budget keeps the worst case memory small.
    """

    def __init__(self, max_entries: int, max_segments: int) -> None:
        self._entries: OrderedDict[str, tuple[tuple[Subpath, ...], int]] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries
        self._max_segments = max_segments
        self._segments = 0

    def get(self, key: str) -> tuple[Subpath, ...] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: str, value: tuple[Subpath, ...]) -> None:
        weight = 1 + sum(len(subpath.segments) for subpath in value)
        if weight > self._max_segments // 16:
            return  # huge paths are rare; do not let one evict everything else
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = (value, weight)
            self._segments += weight
            while len(self._entries) > self._max_entries or self._segments > self._max_segments:
                _, (_, evicted) = self._entries.popitem(last=False)
                self._segments -= evicted

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._segments = 0


_PARSE_CACHE: Final = _ParseCache(max_entries=8192, max_segments=400_000)


def _copy_subpaths(subpaths: Iterable[Subpath]) -> list[Subpath]:
    return [Subpath(s.start, list(s.segments), s.closed) for s in subpaths]


def parse_path_d(
    d: str,
    *,
    max_segments: int = MAX_PATH_SEGMENTS,
    on_progress: Callable[[], None] | None = None,
) -> list[Subpath]:
    """Parse an SVG path ``d`` string; raises ``ValueError`` naming the problem.

    Supports every command (M L H V C S Q T A Z, absolute and relative, implicit repeats).
    Returns absolute subpaths of line / quad / cubic segments (arcs become cubics). Results are
    cached; each call returns fresh lists, so callers may mutate what they get.

    Hostile input can be expensive (one arc becomes up to four cubics), so a caller with a
    budget passes ``max_segments`` (the parse stops with :class:`SegmentLimitError` as soon as
    it is passed) and ``on_progress``, called every few commands, which may raise a
    :class:`WorkLimitError` to abandon the parse (e.g. a CPU-time budget is spent).
    """
    max_segments = min(max_segments, MAX_PATH_SEGMENTS)
    cached = _PARSE_CACHE.get(d) if isinstance(d, str) else None
    if cached is None:
        parsed = _parse_path_d_uncached(d, max_segments, on_progress)
        cached = tuple(_copy_subpaths(parsed))
        _PARSE_CACHE.put(d, cached)
    elif sum(len(subpath.segments) for subpath in cached) > max_segments:
        raise SegmentLimitError(max_segments)
    return _copy_subpaths(cached)


def clear_parse_cache() -> None:
    """Forget every cached :func:`parse_path_d` result (for tests and memory pressure)."""
    _PARSE_CACHE.clear()


# --------------------------------------------------------------------------------------------
# path_to_d / path_geometry


def _format_number(value: float, precision: int) -> str:
    text = f"{value:.{precision}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def path_to_d(subpaths: Sequence[Subpath], precision: int = 3) -> str:
    """Format subpaths as a compact absolute ``d`` string (M/L/Q/C/Z).

    Numbers are rounded to ``precision`` decimals. A closed subpath's final line back to its
    start is left to ``Z``. Raises ``ValueError`` on non-finite coordinates.
    """
    parts: list[str] = []

    def pair(p: XY) -> str:
        x, y = p
        if not (math.isfinite(x) and math.isfinite(y)):
            raise ValueError(f"cannot format a non-finite point {p!r} as SVG path data")
        return f"{_format_number(x, precision)},{_format_number(y, precision)}"

    for subpath in subpaths:
        parts.append(f"M{pair(subpath.start)}")
        current = subpath.start
        segments = subpath.segments
        if subpath.closed and segments:
            last = segments[-1]
            if last.kind == "line" and last.points[-1] == subpath.start:
                segments = segments[:-1]
        for segment in segments:
            if segment.points[0] != current:
                parts.append(f"M{pair(segment.points[0])}")
            command = {"line": "L", "quad": "Q", "cubic": "C"}[segment.kind]
            parts.append(command + " ".join(pair(p) for p in segment.points[1:]))
            current = segment.points[-1]
        if subpath.closed:
            parts.append("Z")
    return " ".join(parts)


def _point_xy(point: Point) -> XY:
    return (point.x, point.y)


def path_geometry(path: Path) -> list[Subpath]:
    """The geometry of any ``Path``: line / polyline / quadratic / cubic points or svg ``d``.

    Zero-length pieces are dropped like in :func:`parse_path_d` (a path whose points all
    coincide has no geometry: ``[]``). Raises ``ValueError`` for malformed ``d``.
    """
    if path.type is PathType.SVG:
        if not path.d:
            raise ValueError("svg path has no 'd' string")
        return parse_path_d(path.d)
    points = [_point_xy(p) for p in path.points]
    if not points:
        return []
    builder = _SubpathBuilder(segment_limit=max(MAX_PATH_SEGMENTS, len(points)))
    builder.move(points[0])
    if path.type is PathType.QUADRATIC and len(points) == 3:
        builder.quad(points[1], points[2])
    elif path.type is PathType.CUBIC and len(points) == 4:
        builder.cubic(points[1], points[2], points[3])
    elif path.type in (PathType.LINE, PathType.POLYLINE):
        for point in points[1:]:
            builder.line(point)
    else:
        raise ValueError(f"{path.type.value} path has {len(points)} points")
    return builder.subpaths
