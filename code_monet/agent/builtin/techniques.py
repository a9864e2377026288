"""The builtin artist's repertoire and the program generator that turns a plan step into code.

Why programs rather than host-side geometry: the builtin artist is the first artist every user
meets, and it should work exactly like a model would — writing ``generate_svg`` programs whose
parameters (region, density, palette, seed) are baked in as a literal ``P`` dict. The bodies
live in ``programs_*.py``; this module describes each technique so the planner and the voice
can choose and explain it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from code_monet.agent.builtin import programs_geometric as geo
from code_monet.agent.builtin import programs_marks as marks
from code_monet.agent.builtin import programs_organic as org
from code_monet.agent.builtin.prelude import EPILOGUE, PRELUDE
from code_monet.agent.builtin.programs_response import RESPONSE

ParamValue = int | float | str | bool | list[str] | list[float] | list[list[float]] | None

MAX_PATHS: Final = 1500
MAX_POINTS: Final = 60_000


@dataclass(frozen=True)
class Technique:
    name: str
    label: str  # "a flow field"
    body: str
    roles: frozenset[str]  # ground / focal / texture
    variants: tuple[str, ...]
    intent: str  # what it does, in the artist's words
    brushes: tuple[str, ...]  # paint brushes that suit it ("" = plain stroke)
    widths: tuple[float, float]  # paint stroke widths before the mood's weight


def _t(
    name: str,
    label: str,
    body: str,
    roles: str,
    variants: tuple[str, ...],
    intent: str,
    brushes: tuple[str, ...],
    widths: tuple[float, float],
) -> Technique:
    return Technique(name, label, body, frozenset(roles.split()), variants, intent, brushes, widths)


TECHNIQUES: Final[dict[str, Technique]] = {
    t.name: t
    for t in (
        _t(
            "flow_field",
            "a flow field",
            org.FLOW_FIELD,
            "ground texture",
            ("long", "short"),
            "lines that follow an invisible current, never crossing",
            ("ink", "marker", "pencil"),
            (1.2, 3.2),
        ),
        _t(
            "waves",
            "a wave field",
            org.WAVES,
            "ground",
            ("sea", "ridge", "dunes"),
            "stacked wave lines, the nearer ones hiding the ones behind",
            ("ink", "marker"),
            (1.2, 3.0),
        ),
        _t(
            "lsystem",
            "L-system plants",
            org.LSYSTEM,
            "focal ground",
            ("forest", "garden"),
            "plants grown from rewriting rules, branch by branch",
            ("ink", "oil_round"),
            (1.0, 2.6),
        ),
        _t(
            "harmonograph",
            "a harmonograph",
            org.HARMONOGRAPH,
            "focal",
            ("",),
            "the slow, decaying swing of two pendulums traced as one line",
            ("ink",),
            (0.8, 2.0),
        ),
        _t(
            "spiral",
            "a spiral",
            org.SPIRAL,
            "focal",
            ("phyllotaxis", "arms", "single"),
            "a spiral unwinding from one point, like seeds in a sunflower or a slow vortex",
            ("ink", "marker"),
            (1.5, 3.5),
        ),
        _t(
            "contours",
            "contour lines",
            org.CONTOURS,
            "ground texture",
            ("",),
            "contour lines of an imagined terrain, every fifth one heavier like on a map",
            ("ink", "pencil"),
            (1.0, 2.4),
        ),
        _t(
            "washes",
            "broad washes",
            org.WASHES,
            "ground",
            ("",),
            "broad, translucent bands that set the light of the piece",
            ("watercolor", "airbrush"),
            (18.0, 42.0),
        ),
        _t(
            "truchet",
            "truchet tiles",
            geo.TRUCHET,
            "ground texture",
            ("arcs", "rings", "maze"),
            "tiles of quarter circles that join into one endless, meandering path",
            ("marker", "ink"),
            (2.0, 4.5),
        ),
        _t(
            "circle_packing",
            "circle packing",
            geo.CIRCLE_PACKING,
            "focal ground",
            ("",),
            "circles that grow until they touch, some filled with rings, spirals or hatching",
            ("ink", "marker"),
            (1.2, 3.0),
        ),
        _t(
            "subdivision",
            "recursive subdivision",
            geo.SUBDIVISION,
            "ground",
            ("",),
            "rectangles split again and again, each room given its own texture",
            ("ink", "pencil"),
            (1.0, 2.5),
        ),
        _t(
            "hatching",
            "tonal hatching",
            geo.HATCHING,
            "texture",
            ("shadow", "light"),
            "layers of hatching that build tone, darkest where the light cannot reach",
            ("pencil", "ink"),
            (0.8, 1.8),
        ),
        _t(
            "moire",
            "a moiré",
            geo.MOIRE,
            "focal",
            ("",),
            "offset families of rings that interfere and shimmer",
            ("ink",),
            (0.8, 1.6),
        ),
        _t(
            "voronoi",
            "voronoi cells",
            geo.VORONOI,
            "ground texture",
            ("",),
            "soft cells, like tissue or dried mud, each echoed inward",
            ("ink", "marker"),
            (1.0, 2.6),
        ),
        _t(
            "stippling",
            "stippling",
            marks.STIPPLING,
            "texture",
            ("gradient", "cluster", "even"),
            "thousands of dots whose density carries the tone",
            ("",),
            (2.0, 4.5),
        ),
        _t(
            "starfield",
            "a starfield",
            marks.STARFIELD,
            "texture ground",
            ("",),
            "dust and a few bright stars, one small constellation linked by a thread",
            ("ink",),
            (1.5, 3.0),
        ),
    )
}

RESPONSE_TECHNIQUE: Final = _t(
    "response",
    "an answer to your strokes",
    RESPONSE,
    "",
    ("ripples", "echo", "frame", "halo"),
    "marks that listen to a visitor's line",
    ("ink", "marker"),
    (1.2, 3.0),
)


@dataclass(frozen=True)
class ProgramParams:
    """Everything a program reads from its ``P`` dict."""

    seed: int
    region: tuple[float, float, float, float]
    shape: str = "rect"  # rect | ellipse
    density: float = 1.0
    energy: float = 0.4
    paint: bool = False
    colors: tuple[str, ...] = ()
    widths: tuple[float, float] = (1.5, 3.0)
    brushes: tuple[str, ...] = ()
    opacity: float = 0.85
    variant: str = ""
    max_paths: int = MAX_PATHS
    max_points: int = MAX_POINTS
    safe: bool = True  # recover from an exception in draw() and still output what was made
    extra: dict[str, ParamValue] = field(default_factory=dict)


def _r(value: float) -> float:
    return round(float(value), 2)


def build_program(technique: Technique, params: ProgramParams) -> str:
    """The complete ``generate_svg`` program for one step."""
    values: dict[str, ParamValue] = {
        "seed": params.seed,
        "region": [_r(v) for v in params.region],
        "shape": params.shape,
        "density": _r(params.density),
        "energy": _r(params.energy),
        "paint": params.paint,
        "colors": list(params.colors) if params.paint else [],
        "widths": [_r(params.widths[0]), _r(params.widths[1])],
        "brushes": [b for b in params.brushes if b] if params.paint else [],
        "opacity": _r(params.opacity),
        "variant": params.variant,
        "max_paths": params.max_paths,
        "max_points": params.max_points,
        "safe": params.safe,
    }
    values.update(params.extra)
    header = f"# {technique.label}: {technique.intent}\nP = {values!r}\n"
    return header + PRELUDE + technique.body + EPILOGUE
