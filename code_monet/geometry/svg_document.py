"""Whole SVG documents → ``Path``s: the hostile-input half of SVG parsing.

Agent-written programs may print an entire SVG document. Before ``svgelements`` builds its
document model, this module rejects declarations (DOCTYPE/ENTITY), bounds size, depth, element
count and ``<use>`` expansion, and keeps only the attributes that carry geometry and stroke
style; then it applies transforms and turns each shape into one ``Path``.
"""

from __future__ import annotations

import io
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, NamedTuple, Protocol

import svgelements as se

from code_monet.geometry.svg_path import (
    MAX_DOCUMENT_DEPTH,
    MAX_DOCUMENT_ELEMENTS,
    MAX_DOCUMENT_LENGTH,
    MAX_DOCUMENT_SEGMENTS,
    MAX_PATH_D_LENGTH,
    MAX_PATH_SEGMENTS,
    MAX_STROKE_WIDTH,
    XY,
    Subpath,
    _cubics_from_arc,
    _DocumentError,
    _excerpt,
    _SeMatrix,
    _SePoint,
    _SubpathBuilder,
    parse_path_d,
    path_to_d,
)
from code_monet.types.geometry import PathType, Point
from code_monet.types.paths import MAX_SVG_D_LENGTH, Author, Path

_XLINK_HREF: Final = "{http://www.w3.org/1999/xlink}href"
_GEOMETRY_ATTR: Final = "data-code-monet-geometry"
_PLACEHOLDER_D: Final = "M0 0"
# "<!" not starting a comment or CDATA: a DOCTYPE / ENTITY / ATTLIST ... declaration.
_DECLARATION_RE: Final = re.compile(r"<!(?!--|\[CDATA\[)")
_TRANSFORM_SYNTAX_RE: Final = re.compile(r"[\s,]*(?:[A-Za-z]+\s*\([^()]*\)[\s,]*)*")
_NUMBER_RE: Final = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")

_SHAPE_TAGS: Final = frozenset({"path", "line", "polyline", "polygon", "rect", "circle", "ellipse"})
# Elements that never yield strokes here; dropped before svgelements sees them (some of them,
# such as <style> and <text>, go through svgelements regexes that are slow on hostile input).
_DROPPED_TAGS: Final = frozenset(
    {
        "style",
        "script",
        "text",
        "tspan",
        "textPath",
        "image",
        "foreignObject",
        "mask",
        "marker",
        "metadata",
        "title",
        "desc",
        "animate",
        "animateMotion",
        "animateTransform",
        "set",
    }
)
# Attributes kept for svgelements, with the longest value accepted. Everything else is dropped.
_SHORT_VALUE: Final = 64
_ATTRIBUTE_LIMITS: Final[dict[str, int]] = {
    **dict.fromkeys(
        (
            "x",
            "y",
            "x1",
            "y1",
            "x2",
            "y2",
            "cx",
            "cy",
            "r",
            "rx",
            "ry",
            "width",
            "height",
            "stroke-width",
            "opacity",
            "stroke-opacity",
            "stroke",
            "color",
            "display",
            "visibility",
            "vector-effect",
        ),
        _SHORT_VALUE,
    ),
    "id": 256,
    "href": 256,
    _XLINK_HREF: 256,
    "viewBox": 256,
    "preserveAspectRatio": 256,
    "transform": 1_000,
    "d": MAX_PATH_D_LENGTH,
    "points": MAX_PATH_D_LENGTH,
}
_STYLE_PROPERTIES: Final = frozenset(
    {"stroke", "stroke-width", "stroke-opacity", "opacity", "color", "display", "visibility"}
)
_MAX_STYLE_LENGTH: Final = 4_000


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _describe(tag: str, element_id: object, ordinal: int | None = None) -> str:
    number = f" #{ordinal}" if ordinal is not None else ""
    suffix = f" id={element_id!r}" if isinstance(element_id, str) and element_id else ""
    return f"<{tag}> element{number}{suffix}"


@dataclass(frozen=True, slots=True)
class _SubtreeCost:
    """Work svgelements will do for one element once ``<use>`` references are inlined."""

    elements: int
    segments: int
    depth: int
    transform_work: int  # characters of (inherited, concatenated) transform text it parses


_MAX_TRANSFORM_WORK: Final = 5_000_000


class _DocumentSanitizer:
    """Validates and trims the XML tree before svgelements reads it.

    Bounds every value svgelements will run a regex over, drops elements that draw nothing here,
    parses ``<path d>`` with :func:`parse_path_d` (so documents get the same strictness and
    limits as bare paths), and checks the size of the tree once ``<use>`` references are
    expanded (a chain of ``<use>`` can otherwise multiply the document exponentially).
    """

    def __init__(self) -> None:
        self.path_geometry: list[list[Subpath]] = []
        self._ids: dict[str, ET.Element] = {}
        self._weights: dict[ET.Element, int] = {}
        self._costs: dict[ET.Element, _SubtreeCost] = {}
        self._visiting: set[ET.Element] = set()
        self._count = 0
        self._total_weight = 0

    def sanitize(self, root: ET.Element) -> None:
        """Trim ``root`` in place; ``ValueError`` if the document is too large or malformed."""
        stack: list[tuple[ET.Element, int]] = [(root, 1)]
        while stack:
            element, depth = stack.pop()
            self._count += 1
            if self._count > MAX_DOCUMENT_ELEMENTS:
                raise ValueError(
                    f"SVG document has more than {MAX_DOCUMENT_ELEMENTS} elements (the limit)"
                )
            if depth > MAX_DOCUMENT_DEPTH:
                raise ValueError(
                    f"SVG document nests elements deeper than {MAX_DOCUMENT_DEPTH} levels"
                )
            tag = _local_name(str(element.tag))
            self._sanitize_element(element, tag)
            kept: list[ET.Element] = []
            for child in list(element):
                child_tag = _local_name(child.tag) if isinstance(child.tag, str) else ""
                if tag in _SHAPE_TAGS or not child_tag or child_tag in _DROPPED_TAGS:
                    element.remove(child)  # shapes have no drawable children
                else:
                    kept.append(child)
            stack.extend((child, depth + 1) for child in reversed(kept))  # document order
        cost = self._cost(root, 1)
        if cost.elements > MAX_DOCUMENT_ELEMENTS:
            raise ValueError(
                f"SVG document expands to more than {MAX_DOCUMENT_ELEMENTS} elements through "
                "<use> references (the limit)"
            )
        if cost.segments > MAX_DOCUMENT_SEGMENTS:
            raise self._too_many_segments()
        if cost.transform_work > _MAX_TRANSFORM_WORK:
            raise ValueError(
                "SVG document nests too many transforms: elements would inherit more than "
                f"{_MAX_TRANSFORM_WORK} characters of 'transform' text in total"
            )

    def _sanitize_element(self, element: ET.Element, tag: str) -> None:
        where = _describe(tag, element.get("id"), self._count)
        attributes = dict(element.attrib)
        style = attributes.pop("style", None)
        if style is not None:
            if len(style) > _MAX_STYLE_LENGTH:
                raise ValueError(
                    f"{where}: 'style' is {len(style)} characters; the limit is {_MAX_STYLE_LENGTH}"
                )
            for declaration in style.split(";"):
                name, colon, value = declaration.partition(":")
                name = name.strip()
                if colon and name in _STYLE_PROPERTIES:
                    attributes[name] = value.strip()  # style wins over attributes, as in CSS
        kept: dict[str, str] = {}
        for name, value in attributes.items():
            limit = _ATTRIBUTE_LIMITS.get(name)
            if limit is None:
                continue
            if len(value) > limit:
                raise ValueError(
                    f"{where}: attribute {name!r} is {len(value)} characters; the limit is {limit}"
                )
            if name == "transform" and not _TRANSFORM_SYNTAX_RE.fullmatch(value):
                raise ValueError(f"{where}: malformed transform {_excerpt(value, 0)!r}")
            kept[name] = value
        element.attrib.clear()
        element.attrib.update(kept)
        weight = 1
        if tag == "path":
            weight += self._take_path_data(element, where)
        elif tag in ("polyline", "polygon"):
            numbers = len(_NUMBER_RE.findall(element.get("points", "")))
            if numbers > 2 * MAX_PATH_SEGMENTS:
                raise ValueError(
                    f"{where}: more than {MAX_PATH_SEGMENTS} points (the limit per element)"
                )
            weight += numbers // 2
        elif tag in ("rect", "circle", "ellipse"):
            weight += 12
        self._weights[element] = weight
        self._total_weight += weight
        if self._total_weight > MAX_DOCUMENT_SEGMENTS:
            raise self._too_many_segments()  # stop early, before parsing more path data
        element_id = element.get("id")
        if element_id is not None:
            self._ids[element_id] = element  # like svgelements: the last definition wins

    def _take_path_data(self, element: ET.Element, where: str) -> int:
        d = element.get("d", "")
        element.set("d", _PLACEHOLDER_D)  # svgelements need not parse it again
        if not d.strip():
            return 0  # no geometry; no marker, so it is skipped later
        try:
            subpaths = parse_path_d(d)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from exc
        element.set(_GEOMETRY_ATTR, str(len(self.path_geometry)))
        self.path_geometry.append(subpaths)
        return sum(len(subpath.segments) for subpath in subpaths)

    def _use_target(self, element: ET.Element) -> ET.Element | None:
        if _local_name(str(element.tag)) != "use":
            return None
        url = element.get("href") or element.get(_XLINK_HREF)
        return self._ids.get(url[1:]) if url else None

    @staticmethod
    def _too_many_segments() -> ValueError:
        return ValueError(
            f"SVG document has more than {MAX_DOCUMENT_SEGMENTS} path segments (counting "
            f"<use> copies); the limit is {MAX_DOCUMENT_SEGMENTS}"
        )

    def _too_deep(self) -> ValueError:
        return ValueError(
            f"SVG document nests deeper than {MAX_DOCUMENT_DEPTH} levels once <use> references "
            "are expanded"
        )

    def _cost(self, element: ET.Element, depth: int) -> _SubtreeCost:
        """The cost of ``element`` with ``<use>`` targets inlined, as svgelements expands them.

        Recursion is bounded by ``MAX_DOCUMENT_DEPTH``; results are memoised per element.
        """
        if depth > MAX_DOCUMENT_DEPTH:
            raise self._too_deep()
        known = self._costs.get(element)
        if known is not None:
            if depth + known.depth - 1 > MAX_DOCUMENT_DEPTH:
                raise self._too_deep()
            return known
        if element in self._visiting:
            raise ValueError(f"SVG <use> reference cycle through element id={element.get('id')!r}")
        self._visiting.add(element)
        children = list(element)
        target = self._use_target(element)
        if target is not None:
            children.append(target)
        elements = 1
        segments = self._weights.get(element, 1)
        below = 0
        transform_work = 0
        for child in children:
            cost = self._cost(child, depth + 1)
            elements += cost.elements
            segments += cost.segments
            below = max(below, cost.depth)
            transform_work += cost.transform_work
            if elements > MAX_DOCUMENT_ELEMENTS or segments > MAX_DOCUMENT_SEGMENTS:
                break  # already over a limit; sanitize() reports it
        self._visiting.discard(element)
        # Every element below inherits (re-parses) this element's transform text.
        transform_work += elements * len(element.get("transform", ""))
        result = _SubtreeCost(elements, segments, below + 1, transform_work)
        self._costs[element] = result
        return result


_OPAQUE_BLACK: Final = 0x000000FF


def _is_explicit_black(text: str) -> bool:
    if text.replace(" ", "").lower() == "black":
        return True
    patterns = (
        se.REGEX_COLOR_HEX,
        se.REGEX_COLOR_RGB,
        se.REGEX_COLOR_RGB_PERCENT,
        se.REGEX_COLOR_HSL,
    )
    return any(pattern.match(text) is not None for pattern in patterns)


def _parse_color(raw: object) -> tuple[str, float] | None:
    """``(#rrggbb, alpha)`` for a colour value svgelements understands, else ``None``."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if not text or text.lower() in ("none", "inherit", "currentcolor") or text.startswith("url("):
        return None
    parsed = se.Color.parse(text)
    if parsed is None:
        return None
    value = int(parsed)
    if value == _OPAQUE_BLACK and not _is_explicit_black(text):
        return None  # svgelements maps every unknown keyword to black
    red, green, blue = (value >> 24) & 0xFF, (value >> 16) & 0xFF, (value >> 8) & 0xFF
    alpha = value & 0xFF  # svgelements packs colours as 0xRRGGBBAA
    return f"#{red:02x}{green:02x}{blue:02x}", alpha / 255.0


def _parse_unit_float(raw: object) -> float | None:
    """An opacity value (``0.5`` or ``50%``) clamped to [0, 1]; ``None`` if absent or bad."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    try:
        number = float(text[:-1]) / 100.0 if text.endswith("%") else float(text)
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    return min(1.0, max(0.0, number))


class _SeShape(Protocol):
    """What this module reads from an svgelements shape."""

    @property
    def values(self) -> dict[str, object]: ...

    @property
    def transform(self) -> _SeMatrix: ...

    @property
    def implicit_stroke_width(self) -> float: ...

    def segments(self, transformed: bool = True) -> Iterable[object]: ...


class _Affine(NamedTuple):
    a: float
    b: float
    c: float
    d: float
    e: float
    f: float

    @classmethod
    def of(cls, matrix: _SeMatrix) -> _Affine:
        return cls(
            float(matrix.a),
            float(matrix.b),
            float(matrix.c),
            float(matrix.d),
            float(matrix.e),
            float(matrix.f),
        )

    def apply(self, p: XY) -> XY:
        x, y = p
        return (self.a * x + self.c * y + self.e, self.b * x + self.d * y + self.f)

    def apply_subpaths(self, subpaths: Sequence[Subpath]) -> list[Subpath]:
        """Transformed copies (affine maps send Bézier control points to control points)."""
        builder = _SubpathBuilder(segment_limit=MAX_DOCUMENT_SEGMENTS)
        for subpath in subpaths:
            builder.move(self.apply(subpath.start))
            for segment in subpath.segments:
                points = [self.apply(p) for p in segment.points[1:]]
                if segment.kind == "line":
                    builder.line(points[0])
                elif segment.kind == "quad":
                    builder.quad(points[0], points[1])
                else:
                    builder.cubic(points[0], points[1], points[2])
            if subpath.closed:
                builder.close()
        return builder.subpaths


def _se_xy(point: _SePoint) -> XY:
    return (float(point.x), float(point.y))


def _shape_subpaths(shape: _SeShape) -> list[Subpath]:
    """Untransformed geometry of a rect / circle / ellipse from its svgelements segments."""
    builder = _SubpathBuilder(segment_limit=MAX_DOCUMENT_SEGMENTS)
    for seg in shape.segments(transformed=False):
        if isinstance(seg, se.Move):
            builder.move(_se_xy(seg.end))
        elif isinstance(seg, se.Close):
            builder.close()
        elif isinstance(seg, se.Line):
            builder.line(_se_xy(seg.end))
        elif isinstance(seg, se.QuadraticBezier):
            builder.quad(_se_xy(seg.control), _se_xy(seg.end))
        elif isinstance(seg, se.CubicBezier):
            builder.cubic(_se_xy(seg.control1), _se_xy(seg.control2), _se_xy(seg.end))
        elif isinstance(seg, se.Arc):
            position = builder.position
            end = _se_xy(seg.end)
            if position is not None and position != end:
                builder.arc_cubics(_cubics_from_arc(seg, position, end), end)
    return builder.subpaths


class _Style(NamedTuple):
    color: str | None = None
    stroke_width: float | None = None
    opacity: float | None = None


def _shape_style(shape: _SeShape) -> _Style:
    """Stroke colour / width / opacity of a shape, only where the SVG set them."""
    values = shape.values
    color: str | None = None
    opacity = 1.0
    explicit_opacity = False
    parsed = _parse_color(values.get("stroke"))
    if parsed is not None:
        color, alpha = parsed
        opacity *= alpha
        explicit_opacity = alpha < 1.0
    for name in ("stroke-opacity", "opacity"):
        factor = _parse_unit_float(values.get(name))
        if factor is not None:
            opacity *= factor
            explicit_opacity = True
    width: float | None = None
    if "stroke-width" in values:
        try:
            scaled = float(shape.implicit_stroke_width)  # scaled by the transform
        except (TypeError, ValueError, ArithmeticError):
            scaled = math.nan
        if math.isfinite(scaled) and scaled > 0:
            width = min(scaled, MAX_STROKE_WIDTH)
    return _Style(color, width, min(1.0, max(0.0, opacity)) if explicit_opacity else None)


def _finite_points(points: Iterable[XY], where: str) -> list[Point]:
    result: list[Point] = []
    for x, y in points:
        if not (math.isfinite(x) and math.isfinite(y)):
            raise _DocumentError(f"{where}: coordinates are not finite after transforms")
        result.append(Point(x=x, y=y))
    return result


def _shape_to_path(
    shape: _SeShape, geometry: Sequence[list[Subpath]], author: Author
) -> Path | None:
    """One ``Path`` for one svgelements shape, or ``None`` if it draws nothing."""
    values = shape.values
    if str(values.get("visibility", "")).strip().lower() in ("hidden", "collapse"):
        return None
    where = _describe(str(values.get("tag", "shape")), values.get("id"))
    matrix = _Affine.of(shape.transform)
    style = _shape_style(shape)
    if isinstance(shape, se.SimpleLine):
        ends = [
            matrix.apply((float(shape.x1), float(shape.y1))),
            matrix.apply((float(shape.x2), float(shape.y2))),
        ]
        return Path(
            type=PathType.LINE,
            points=_finite_points(ends, where),
            author=author,
            color=style.color,
            stroke_width=style.stroke_width,
            opacity=style.opacity,
        )
    if isinstance(shape, se.Polyline) and not isinstance(shape, se.Polygon):
        points = [matrix.apply(_se_xy(p)) for p in shape.points]
        if len(points) < 2:
            return None
        return Path(
            type=PathType.POLYLINE,
            points=_finite_points(points, where),
            author=author,
            color=style.color,
            stroke_width=style.stroke_width,
            opacity=style.opacity,
        )
    if isinstance(shape, se.Path):
        index = values.get(_GEOMETRY_ATTR)
        if not isinstance(index, str) or not index.isdigit():
            return None  # an empty d: nothing to draw
        local = geometry[int(index)]
    else:
        local = _shape_subpaths(shape)
    try:
        subpaths = matrix.apply_subpaths(local)
    except ValueError as exc:
        raise _DocumentError(f"{where}: {exc} (after applying transforms)") from exc
    if not subpaths:
        return None
    d = path_to_d(subpaths)
    if len(d) > MAX_SVG_D_LENGTH:
        raise _DocumentError(
            f"{where}: its path data is {len(d)} characters; the limit is {MAX_SVG_D_LENGTH}"
        )
    return Path(
        type=PathType.SVG,
        d=d,
        author=author,
        color=style.color,
        stroke_width=style.stroke_width,
        opacity=style.opacity,
    )


_SHAPE_TYPES: Final = (
    se.Path,
    se.Rect,
    se.Circle,
    se.Ellipse,
    se.SimpleLine,
    se.Polyline,
    se.Polygon,
)


def svg_document_to_paths(svg: str, *, author: Author = Author.AGENT) -> list[Path]:
    """Parse a whole SVG document into ``Path``s (transforms applied); ``ValueError`` if bad.

    Each drawn shape becomes one ``Path``: ``<line>`` → ``line``, ``<polyline>`` →
    ``polyline``, everything else → ``svg`` with an absolute ``d``. Explicit stroke colour,
    width (scaled by the transform, clamped to 500) and opacity are carried over. The document
    is treated as hostile: DOCTYPE/ENTITY declarations are refused, and size, element count,
    nesting depth and ``<use>`` expansion are bounded. ``<style>`` sheets, ``<text>`` and
    ``<image>`` are ignored (inline ``style`` attributes are honoured).
    """
    if not isinstance(svg, str):
        raise ValueError(f"SVG document must be a string, got {type(svg).__name__}")
    if len(svg) > MAX_DOCUMENT_LENGTH:
        raise ValueError(
            f"SVG document is {len(svg)} characters long; the limit is {MAX_DOCUMENT_LENGTH}"
        )
    if not svg.strip():
        raise ValueError("SVG document is empty")
    declaration = _DECLARATION_RE.search(svg)
    if declaration is not None:
        raise ValueError(
            "SVG documents may not contain <!DOCTYPE>/<!ENTITY> declarations (entity expansion "
            f"risk); found {_excerpt(svg, declaration.start())!r} at position "
            f"{declaration.start()}"
        )
    try:
        root = ET.fromstring(svg)
    except ET.ParseError as exc:
        raise ValueError(f"SVG document is not well-formed XML: {exc}") from exc
    except Exception as exc:  # e.g. encoding trouble
        raise ValueError(f"SVG document could not be read as XML: {exc!r}") from exc
    root_tag = _local_name(str(root.tag))
    if root_tag != "svg":
        raise ValueError(f"SVG document root must be <svg>, got <{root_tag}>")

    sanitizer = _DocumentSanitizer()
    sanitizer.sanitize(root)
    cleaned = ET.tostring(root, encoding="unicode")

    paths: list[Path] = []
    try:
        document = se.SVG.parse(io.StringIO(cleaned), reify=False)
        elements = [] if document is None else document.elements()
        for element in elements:
            if isinstance(element, _SHAPE_TYPES):
                path = _shape_to_path(element, sanitizer.path_geometry, author)
                if path is not None:
                    paths.append(path)
    except _DocumentError:
        raise
    except Exception as exc:  # svgelements raises assorted types, often without a message
        detail = str(exc) or type(exc).__name__
        raise ValueError(f"SVG document could not be interpreted: {detail}") from exc
    return paths
