"""Untrusted path JSON → validated, canvas-clamped ``Path`` objects.

Why this module exists: ``draw_paths`` and ``generate_svg`` receive paths written by a language
model or a sandboxed program — sloppy at best, hostile at worst. Every path is checked on its
own, so one bad path never costs the others: valid paths come back clamped to the canvas and the
style limits, invalid ones as ``PathFailure``s whose reasons the model can act on. Only problems
with the batch as a whole (not a list, too many paths or points) raise ``PathInputError``.

The rules themselves (path kinds and point counts, ``d`` length, the colour rule: ``#rrggbb`` or
``#rgb`` in either case, normalised to lower-case ``#rrggbb``) live in :mod:`code_monet.types`;
this module applies them leniently (points as ``[x, y]`` too, clamping).

Point budgets: points given in ``points`` are counted up front; an svg path's ``d`` counts its
parsed nodes (subpath starts plus segment points) against the per-path limit and the running
total.

Per-call budgets (paths, points, total ``d`` bytes, CPU seconds) are checked as the work goes,
not after it: the moment one is spent the whole call is rejected with a ``PathInputError``
naming it, so a hostile batch (thousands of arc-heavy paths) costs at most one budget's worth
of CPU. Parsing is synchronous; the tools run it in a worker thread, off the event loop.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from pydantic import ValidationError

from code_monet.geometry.svg_document import svg_document_to_paths
from code_monet.geometry.svg_path import (
    Segment,
    SegmentLimitError,
    Subpath,
    WorkLimitError,
    parse_path_d,
    path_to_d,
)
from code_monet.types.brushes import BRUSH_NAMES
from code_monet.types.colors import normalize_hex_color
from code_monet.types.geometry import PathType, Point
from code_monet.types.paths import MAX_SVG_D_LENGTH, Author, Path, point_count_problem

VALID_TYPES: Final = tuple(t.value for t in PathType)
_SUMMARY_FAILURES: Final = 10

XY = tuple[float, float]


class PathInputError(ValueError):
    """The batch as a whole is unusable (not a list, over a per-call limit, bad document)."""


class _ItemError(ValueError):
    """One path is invalid; the message is the reason shown to the model."""


class _CallBudgetError(WorkLimitError):
    """A per-call budget is spent; raised from inside a parse, ends the whole call."""


@dataclass(frozen=True)
class PathLimits:
    """Per-call limits. Point counts are checked before any model is built."""

    max_paths: int = 1000
    max_points_total: int = 50_000
    max_points_per_path: int = 10_000
    max_d_length: int = MAX_SVG_D_LENGTH
    max_d_bytes_total: int = 2_000_000
    max_cpu_seconds: float = 3.0
    min_width: float = 0.5
    max_width: float = 60.0


@dataclass(frozen=True)
class PathFailure:
    """Path number ``index`` (its position in the input list, from 0) was rejected."""

    index: int
    reason: str


@dataclass(frozen=True)
class ParsedPaths:
    """The valid paths, the rejected ones, and how many valid paths had values clamped."""

    paths: list[Path]
    failures: list[PathFailure] = field(default_factory=list)
    clamped: int = 0
    points_used: int = 0
    cpu_seconds: float = 0.0

    def summary(self) -> str:
        """A short report for the model: counts, then each failure (the first few)."""
        total = len(self.paths) + len(self.failures)
        parts = [f"Drew {len(self.paths)} of {total} paths."]
        for failure in self.failures[:_SUMMARY_FAILURES]:
            reason = failure.reason.rstrip(".")
            parts.append(f"Path {failure.index}: {reason}.")
        hidden = len(self.failures) - _SUMMARY_FAILURES
        if hidden > 0:
            parts.append(f"…and {hidden} more failures.")
        if self.failures:
            parts.append("(Paths are numbered from 0.)")
        return " ".join(parts)


def _show(value: object) -> str:
    """A short, safe description of an untrusted value for an error message."""
    if isinstance(value, str):
        text = repr(value)
        return text if len(text) <= 40 else text[:37] + "…'"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**18:
        return "a very large integer"
    if value is None or isinstance(value, bool | int | float):
        return repr(value)
    if isinstance(value, Mapping):
        return "an object"
    return "a list" if isinstance(value, list | tuple) else f"a {type(value).__name__}"


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _ItemError(f"{what} must be a number, got {_show(value)}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise _ItemError(f"{what} must be a finite number, got {_show(value)}")
    return number


def _clamp(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


@dataclass
class _Budget:
    """Canvas bounds, limits, and what one call has used so far (points, CPU time)."""

    width: float
    height: float
    limits: PathLimits
    points_used: int = 0
    index: int = 0
    """The path being parsed (for budget messages)."""
    cpu_start: float = field(default_factory=time.thread_time)

    def points_spent(self) -> _CallBudgetError:
        total = self.limits.max_points_total
        return _CallBudgetError(
            f"the budget of {total} points per call was spent at path {self.index}; "
            "nothing was drawn. Use fewer or simpler paths (an arc costs up to four curves), "
            "or split the drawing into several calls"
        )

    def take(self, count: int) -> None:
        limit = self.limits.max_points_per_path
        if count > limit:
            raise _ItemError(f"has {count} points; the limit is {limit} per path")
        if self.points_used + count > self.limits.max_points_total:
            raise self.points_spent()
        self.points_used += count

    def segments_allowed(self) -> int:
        """An upper bound for one svg path's segments (each counts at least one point)."""
        remaining = self.limits.max_points_total - self.points_used
        return max(0, min(self.limits.max_points_per_path, remaining))

    def cpu_used(self) -> float:
        return time.thread_time() - self.cpu_start

    def check_time(self) -> None:
        """Raise once this call has used its CPU budget (CPU of this thread, not wall time)."""
        if self.cpu_used() > self.limits.max_cpu_seconds:
            raise _CallBudgetError(
                f"the budget of {self.limits.max_cpu_seconds:g} CPU seconds per call was "
                f"spent at path {self.index}; nothing was drawn. Use fewer or simpler paths "
                "(arcs are the most expensive), or split the drawing into several calls"
            )

    def clamp_xy(self, x: float, y: float) -> XY:
        return (_clamp(x, 0.0, self.width), _clamp(y, 0.0, self.height))


def _point(raw: object, position: int) -> XY:
    where = f"point {position}"
    if isinstance(raw, Mapping):
        if "x" not in raw or "y" not in raw:
            raise _ItemError(f"{where} must have 'x' and 'y'")
        return (_number(raw["x"], f"{where} x"), _number(raw["y"], f"{where} y"))
    if isinstance(raw, list | tuple):
        if len(raw) != 2:
            raise _ItemError(f"{where} must be [x, y], got {len(raw)} values")
        return (_number(raw[0], f"{where} x"), _number(raw[1], f"{where} y"))
    raise _ItemError(f"{where} must be {{'x': .., 'y': ..}} or [x, y], got {_show(raw)}")


def _points(kind: PathType, raw: object, budget: _Budget) -> tuple[list[Point], bool]:
    if not isinstance(raw, list):
        raise _ItemError(f"{kind.value} needs a 'points' list, got {_show(raw)}")
    count = len(raw)
    problem = point_count_problem(kind, count)
    if problem is not None:
        raise _ItemError(problem)
    budget.take(count)
    points: list[Point] = []
    clamped = False
    for position, item in enumerate(raw):
        x, y = _point(item, position)
        cx, cy = budget.clamp_xy(x, y)
        clamped = clamped or (cx, cy) != (x, y)
        points.append(Point(x=cx, y=cy))
    return points, clamped


def _svg_d(raw: object, budget: _Budget) -> tuple[str, bool]:
    if not isinstance(raw, str) or not raw.strip():
        raise _ItemError(f"svg needs a non-empty 'd' string, got {_show(raw)}")
    limit = budget.limits.max_d_length
    if len(raw) > limit:
        raise _ItemError(f"svg 'd' is {len(raw)} characters; the limit is {limit}")
    allowed = budget.segments_allowed()
    try:
        subpaths = parse_path_d(raw, max_segments=allowed, on_progress=budget.check_time)
    except _CallBudgetError:
        raise
    except SegmentLimitError as exc:
        if allowed < budget.limits.max_points_per_path:
            raise budget.points_spent() from exc
        limit = budget.limits.max_points_per_path
        raise _ItemError(f"has more than {limit} points; the limit is {limit} per path") from exc
    except ValueError as exc:
        raise _ItemError(str(exc)) from exc
    if not subpaths:
        raise _ItemError("svg 'd' draws nothing (only moves or zero-length segments)")
    budget.take(sum(1 + sum(len(s.points) - 1 for s in sub.segments) for sub in subpaths))
    clamped_subpaths = [
        Subpath(
            start=budget.clamp_xy(*sub.start),
            segments=[
                Segment(seg.kind, tuple(budget.clamp_xy(x, y) for x, y in seg.points))
                for seg in sub.segments
            ],
            closed=sub.closed,
        )
        for sub in subpaths
    ]
    if clamped_subpaths == subpaths:
        return raw.strip(), False  # already inside: keep the original (arcs stay arcs)
    return path_to_d(clamped_subpaths), True


def _color(raw: object) -> str:
    try:
        return normalize_hex_color(raw)
    except ValueError:
        raise _ItemError(f"color {_show(raw)} must be #rrggbb") from None


def _brush(raw: object) -> str:
    name = raw.strip().lower() if isinstance(raw, str) else ""
    if name in BRUSH_NAMES:
        return name
    examples = ", ".join(BRUSH_NAMES[:5])
    raise _ItemError(f"brush {_show(raw)} is unknown; use one of {examples}, … (see the schema)")


def _parse_item(item: object, budget: _Budget) -> tuple[Path, bool]:
    if not isinstance(item, Mapping):
        raise _ItemError(f"must be an object with a 'type', got {_show(item)}")
    raw_type = item.get("type")
    name = raw_type.strip().lower() if isinstance(raw_type, str) else ""
    if name not in VALID_TYPES:
        raise _ItemError(f"unknown type {_show(raw_type)}; valid types: {', '.join(VALID_TYPES)}")
    kind = PathType(name)
    # Only the keys read below are used: 'author' and unknown keys are ignored, so every path
    # gets the default author, the agent.
    style: dict[str, str | float] = {}
    clamped = False
    if item.get("color") is not None:
        style["color"] = _color(item["color"])
    if item.get("brush") is not None:
        style["brush"] = _brush(item["brush"])
    for key, low, high in (
        ("stroke_width", budget.limits.min_width, budget.limits.max_width),
        ("opacity", 0.0, 1.0),
    ):
        if item.get(key) is not None:
            value = _number(item[key], key)
            style[key] = _clamp(value, low, high)
            clamped = clamped or style[key] != value
    try:
        if kind is PathType.SVG:
            d, moved = _svg_d(item.get("d"), budget)
            path = Path.model_validate({"type": kind, "d": d, **style})
        else:
            points, moved = _points(kind, item.get("points"), budget)
            path = Path.model_validate({"type": kind, "points": points, **style})
    except ValidationError as exc:
        raise _ItemError(exc.errors()[0]["msg"]) from exc
    return path, clamped or moved


def _count_points(items: Sequence[object]) -> tuple[int, int]:
    """(points given in ``points`` lists, characters of ``d`` strings): cheap, before parsing."""
    total = 0
    d_bytes = 0
    for item in items:
        if isinstance(item, Mapping):
            points = item.get("points")
            if isinstance(points, list):
                total += len(points)
            d = item.get("d")
            if isinstance(d, str):
                d_bytes += len(d)
    return total, d_bytes


INLINE_PARSE_MAX_POINTS = 400
"""Inputs with at most this many points and no SVG ``d`` strings parse on the event loop (well
under a millisecond, cheaper than the hop to a worker thread); anything else in a thread."""


def parses_inline(raw: object) -> bool:
    """Whether ``raw`` is small and simple enough to parse on the event loop (counted without
    parsing: plain point lists only, bounded)."""
    if not isinstance(raw, list) or len(raw) > INLINE_PARSE_MAX_POINTS:
        return False
    points = 0
    for item in raw:
        if not isinstance(item, dict) or "d" in item:
            return False
        found = item.get("points")
        if not isinstance(found, list):
            return False
        points += len(found)
        if points > INLINE_PARSE_MAX_POINTS:
            return False
    return True


def parse_paths(
    raw: object,
    *,
    canvas_width: int,
    canvas_height: int,
    limits: PathLimits = PathLimits(),
) -> ParsedPaths:
    """Validate every path in ``raw`` (decoded JSON) on its own; see the module docstring.

    Raises ``PathInputError`` when ``raw`` is not a list or spends a per-call budget
    (``max_paths``, ``max_points_total``, ``max_d_bytes_total``, ``max_cpu_seconds``) — checked
    as the work goes, so the call stops there; everything else is reported per path in
    ``ParsedPaths.failures``.
    """
    if not isinstance(raw, list):
        raise PathInputError(
            f"paths must be a list of path objects, got {_show(raw)}; "
            'e.g. [{"type": "line", "points": [{"x": 0, "y": 0}, {"x": 10, "y": 10}]}]'
        )
    if len(raw) > limits.max_paths:
        raise PathInputError(
            f"got {len(raw)} paths; the limit is {limits.max_paths} per call. "
            "Split the drawing into several calls."
        )
    total, d_bytes = _count_points(raw)
    if total > limits.max_points_total:
        raise PathInputError(
            f"got {total} points in total; the limit is {limits.max_points_total} per call. "
            "Use fewer points (curves need far fewer than polylines) or several calls."
        )
    if d_bytes > limits.max_d_bytes_total:
        raise PathInputError(
            f"got {d_bytes} characters of svg 'd' in total; the limit is "
            f"{limits.max_d_bytes_total} per call. Use fewer or shorter paths, or several calls."
        )
    budget = _Budget(float(canvas_width), float(canvas_height), limits)
    paths: list[Path] = []
    failures: list[PathFailure] = []
    clamped = 0
    try:
        for index, item in enumerate(raw):
            budget.index = index
            budget.check_time()
            try:
                path, was_clamped = _parse_item(item, budget)
            except _ItemError as exc:
                failures.append(PathFailure(index=index, reason=str(exc)))
                continue
            paths.append(path)
            clamped += was_clamped
    except _CallBudgetError as exc:
        raise PathInputError(str(exc)) from exc
    return ParsedPaths(
        paths=paths,
        failures=failures,
        clamped=clamped,
        points_used=budget.points_used,
        cpu_seconds=budget.cpu_used(),
    )


def remaining_limits(limits: PathLimits, used: ParsedPaths) -> PathLimits:
    """What is left of a call's budgets after ``used`` (a second batch in the same call)."""
    return dataclasses.replace(
        limits,
        max_paths=max(0, limits.max_paths - len(used.paths) - len(used.failures)),
        max_points_total=max(0, limits.max_points_total - used.points_used),
        max_cpu_seconds=max(0.0, limits.max_cpu_seconds - used.cpu_seconds),
    )


def paths_from_dicts(
    items: Sequence[Mapping[str, object]],
    *,
    canvas_width: int,
    canvas_height: int,
    limits: PathLimits = PathLimits(),
) -> ParsedPaths:
    """:func:`parse_paths` for path dicts a program produced (e.g. the sandbox's results)."""
    return parse_paths(
        list(items), canvas_width=canvas_width, canvas_height=canvas_height, limits=limits
    )


def parse_svg_output(
    svg_text: str,
    *,
    canvas_width: int,
    canvas_height: int,
    limits: PathLimits = PathLimits(),
) -> ParsedPaths:
    """Paths from an SVG document a program printed, with the same clamping and limits."""
    try:
        document_paths = svg_document_to_paths(svg_text, author=Author.AGENT)
    except ValueError as exc:
        raise PathInputError(f"the SVG document could not be used: {exc}") from exc
    dicts: list[object] = [dict(path.to_dict()) for path in document_paths]
    return parse_paths(dicts, canvas_width=canvas_width, canvas_height=canvas_height, limits=limits)
