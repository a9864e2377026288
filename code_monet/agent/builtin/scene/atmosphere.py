"""The air and the ground of a scene: sky, land or water, horizon, stars, fog, rain, snow, wind.

Why marks like any subject's: the weather words of a prompt ("in fog", "at night", "in the
rain") are as much what a viewer should recognise as the subjects, and they stream in the same
batches. Paint lays translucent washes (a sky gradient from zenith to horizon, a ground band,
pale veils of fog); the plotter, with one pen and one width, says the same with sparse lines
and dots. Every chunk keeps clear of ``keep`` — the corner reserved for the signature — so the
signature always lands on bare paper.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from code_monet.agent.builtin.scene.marks import Medium
from code_monet.agent.builtin.scene.painter import PathDict, safe_colour, scan_fill
from code_monet.agent.builtin.scene.plan import ScenePlan

__all__ = ["Chunk", "Rect", "background", "blend", "weather"]

Rect = tuple[float, float, float, float]  # x0, y0, x1, y1
XY = tuple[float, float]

FOG: Final = "#eef1f3"
SNOW: Final = "#ffffff"
STAR: Final = "#fff4c2"
KEEP_PAD: Final = 10.0
STEP: Final = 10.0  # px between points of long lines (so clipping around ``keep`` is clean)


@dataclass(frozen=True)
class Chunk:
    """One named piece of atmosphere, with the phrase the artist says before drawing it."""

    key: str
    said: str
    paths: list[PathDict]


# ------------------------------------------------------------------------------- colour


def _rgb(colour: str) -> tuple[int, int, int]:
    c = safe_colour(colour)
    return int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16)


def blend(a: str, b: str, t: float) -> str:
    """The colour ``t`` of the way from ``a`` to ``b``."""
    ra, rb = _rgb(a), _rgb(b)
    mixed = tuple(round(x + (y - x) * min(1.0, max(0.0, t))) for x, y in zip(ra, rb, strict=True))
    return safe_colour("#{:02x}{:02x}{:02x}".format(*mixed))


def _gradient(colours: Sequence[str], t: float) -> str:
    if not colours:
        return "#c8d3dc"
    if len(colours) == 1:
        return safe_colour(colours[0])
    pos = min(1.0, max(0.0, t)) * (len(colours) - 1)
    i = min(len(colours) - 2, int(pos))
    return blend(colours[i], colours[i + 1], pos - i)


# ------------------------------------------------------------------------------- geometry


def _pt(p: XY) -> dict[str, float]:
    return {"x": round(p[0], 1), "y": round(p[1], 1)}


def _inside(p: XY, keep: Rect | None, behind: Sequence[Rect] = ()) -> bool:
    for r in behind:
        if r[0] <= p[0] <= r[2] and r[1] <= p[1] <= r[3]:
            return True
    if keep is None:
        return False
    return (
        keep[0] - KEEP_PAD <= p[0] <= keep[2] + KEEP_PAD
        and keep[1] - KEEP_PAD <= p[1] <= keep[3] + KEEP_PAD
    )


def _clip(points: Sequence[XY], keep: Rect | None, behind: Sequence[Rect] = ()) -> list[list[XY]]:
    """The runs of ``points`` outside ``keep`` and the ``behind`` boxes (a line crossing one
    is split in two)."""
    runs: list[list[XY]] = [[]]
    for p in points:
        if _inside(p, keep, behind):
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(p)
    return [r for r in runs if len(r) >= 2]


def _line(
    points: Sequence[XY],
    w: float,
    h: float,
    keep: Rect | None,
    style: PathDict,
    behind: Sequence[Rect] = (),
) -> list[PathDict]:
    out: list[PathDict] = []
    for run in _clip(points, keep, behind):
        pts = [_pt((min(w - 0.5, max(0.5, x)), min(h - 0.5, max(0.5, y)))) for x, y in run]
        out.append({"type": "line" if len(pts) == 2 else "polyline", "points": pts, **style})
    return out


def _wavy(x0: float, x1: float, y: float, amp: float, rng: random.Random) -> list[XY]:
    phase, freq = rng.uniform(0, 6.3), rng.uniform(1.5, 3.5)
    n = max(2, int((x1 - x0) / STEP))
    span = max(1.0, x1 - x0)
    return [
        (
            x0 + (x1 - x0) * i / n,
            y + amp * math.sin(phase + freq * 2 * math.pi * i / n * span / 800),
        )
        for i in range(n + 1)
    ]


def _area(
    y0: float, y1: float, w: float, rng: random.Random, *, top: float, bottom: float
) -> list[list[XY]]:
    """A band across the paper from y0 to y1; ``top`` / ``bottom`` are how much its upper and
    lower edges wave (a painted edge is never ruled)."""
    if y1 - y0 < 2:
        return []
    upper = _wavy(0.0, w, y0, top, rng)
    lower = list(reversed(_wavy(0.0, w, y1, bottom, rng)))
    return [[*upper, *lower]]


def _paper_line(plan: ScenePlan, h: float, keep: Rect | None) -> float:
    """Where washes stop at the bottom: just above the signature's box, so the lower edge of
    the painting is bare paper (a watercolour's margin) and the signature has a clean place."""
    return keep[1] - KEEP_PAD * 2 if keep is not None else h


def _wash(
    polys: list[list[XY]], colour: str, opacity: float, w: float, h: float, width: float = 24.0
) -> list[PathDict]:
    """Each band laid as a wash of broad horizontal strokes (see ``painter.scan_fill``); the
    strokes run to the paper's edges rather than stopping short of them."""
    area = (0.5, 0.5, w - 0.5, h - 0.5)
    return [p for poly in polys for p in scan_fill(poly, colour, opacity, width, area, inset=False)]


# ------------------------------------------------------------------------------- background


def _sky_bottom(plan: ScenePlan, h: float) -> float:
    return plan.horizon if plan.horizon is not None else h


def _paint_sky(
    plan: ScenePlan, w: float, h: float, keep: Rect | None, rng: random.Random
) -> list[PathDict]:
    bottom = plan.horizon + 2 if plan.horizon is not None else _paper_line(plan, h, keep)
    sky = plan.sky or ["#dbe7f0"]
    base = 0.5 if plan.horizon is not None else 0.3
    wave = 0.0 if plan.horizon is not None else 6.0
    paths = _wash(_area(-6, bottom, w, rng, top=0, bottom=wave), _gradient(sky, 1.0), base, w, h)
    bands = 4
    for i in range(bands):
        lower = bottom * (1 - (i + 1) / (bands + 1))
        area = _area(-6, lower, w, rng, top=0, bottom=5.0)
        paths += _wash(area, _gradient(sky, i / bands), base * 0.4, w, h)
    return paths


def _paint_ground(
    plan: ScenePlan, w: float, h: float, keep: Rect | None, rng: random.Random
) -> list[PathDict]:
    if plan.horizon is None:
        return []
    ground = plan.ground or ["#c9b98f"]
    hz, bottom = plan.horizon, _paper_line(plan, h, keep)
    paths = _wash(
        _area(hz, bottom, w, rng, top=1.0, bottom=7.0), _gradient(ground, 0.0), 0.55, w, h
    )
    bands = 2
    for i in range(1, bands + 1):
        y = hz + (bottom - hz) * i / (bands + 1)
        colour = _gradient(ground, i / bands)
        paths += _wash(_area(y, bottom, w, rng, top=4.0, bottom=7.0), colour, 0.3, w, h)
    line = _wavy(0, w, hz, 1.2, rng)
    edge = blend(_gradient(ground, 0.0), plan.palette[0] if plan.palette else "#1a1a2e", 0.5)
    style: PathDict = {"color": edge, "stroke_width": 1.6, "opacity": 0.6}
    paths += _line(line, w, h, keep, style, _in_front_of(plan, hz))
    return paths


def _in_front_of(plan: ScenePlan, hz: float) -> list[Rect]:
    """Boxes of subjects standing in front of the horizon (it runs behind them, not through
    them); a subject that stands *on* it, or a band that starts at it, does not cut it."""
    out = []
    for s in plan.subjects:
        above, below = hz - s.y, s.y + s.h - hz
        if above > 0.15 * s.h and below > 0.15 * s.h:
            out.append((s.x + s.w * 0.04, s.y, s.x + s.w * 0.96, s.y + s.h))
    return out


def _plotter_sky(
    plan: ScenePlan,
    w: float,
    h: float,
    keep: Rect | None,
    rng: random.Random,
    behind: Sequence[Rect] = (),
) -> list[PathDict]:
    bottom = _sky_bottom(plan, h)
    count = {"night": 11, "dusk": 7, "dawn": 5}.get(plan.time_of_day, 0)
    if plan.horizon is None:
        count = count // 2
    paths: list[PathDict] = []
    for i in range(count):
        t = (i + rng.uniform(0.1, 0.9)) / max(1, count)
        # night darkens from the top; dawn and dusk glow in lines just above the horizon
        y = bottom * (t * t * 0.8 if plan.time_of_day == "night" else 0.45 + 0.5 * t)
        length = w * rng.uniform(0.15, 0.45)
        x0 = rng.uniform(0, w - length)
        paths += _line(_wavy(x0, x0 + length, y, 1.0, rng), w, h, keep, {}, behind)
    return paths


def _plotter_ground(
    plan: ScenePlan,
    w: float,
    h: float,
    keep: Rect | None,
    rng: random.Random,
    behind: Sequence[Rect] = (),
) -> list[PathDict]:
    if plan.horizon is None:
        return []
    hz = plan.horizon
    paths = _line(_wavy(0, w, hz, 1.0, rng), w, h, keep, {}, _in_front_of(plan, hz))
    rows = 6
    for i in range(1, rows + 1):
        y = hz + (h - hz) * (i / (rows + 1)) ** 1.4
        for _ in range(1 + i // 2):
            length = w * rng.uniform(0.05, 0.16)
            x0 = rng.uniform(0, w - length)
            dash = _wavy(x0, x0 + length, y + rng.uniform(-3, 3), 0.8, rng)
            paths += _line(dash, w, h, keep, {}, behind)
    return paths


def _stars(
    plan: ScenePlan,
    medium: Medium,
    w: float,
    h: float,
    keep: Rect | None,
    rng: random.Random,
    behind: Sequence[Rect] = (),
) -> list[PathDict]:
    bottom = _sky_bottom(plan, h) * (0.85 if plan.horizon is not None else 0.5)
    n = int(40 * max(0.5, min(1.5, plan.density)))
    paths: list[PathDict] = []
    for _ in range(n):
        x, y = rng.uniform(6, w - 6), rng.uniform(6, max(8.0, bottom))
        if medium is Medium.PAINT:
            size = rng.choice([2.0, 2.5, 3.5])
            style: PathDict = {"color": STAR, "stroke_width": size, "opacity": 0.95}
        else:
            style = {}
        paths += _line([(x, y), (x + 0.6, y + 0.6)], w, h, keep, style, behind)
    return paths


def background(
    plan: ScenePlan,
    medium: Medium,
    rng: random.Random,
    width: int,
    height: int,
    keep: Rect | None,
) -> list[Chunk]:
    """The sky, the ground (or water) and the horizon, and stars on a night without any.

    The plotter's pen cannot cover a line with another, so its tone lines and stars stop at
    the planned subjects' boxes (they are drawn later, in front); paint washes run under them.
    """
    w, h = float(width), float(height)
    paint = medium is Medium.PAINT
    behind = [] if paint else [(s.x, s.y, s.x + s.w, s.y + s.h) for s in plan.subjects]
    chunks: list[Chunk] = []
    if paint:
        sky = _paint_sky(plan, w, h, keep, rng)
    else:
        sky = _plotter_sky(plan, w, h, keep, rng, behind)
    where = "the sky" if plan.horizon is not None else "the background"
    if sky:
        said = (
            f"First {where}: a wash from the top down"
            + (" to the horizon" if plan.horizon is not None else "")
            + ", so everything after sits in the same light."
            if paint
            else f"First {where}: a few long lines of tone, no more, so the paper stays light."
        )
        chunks.append(Chunk("sky", said, sky))
    if paint:
        ground = _paint_ground(plan, w, h, keep, rng)
    else:
        ground = _plotter_ground(plan, w, h, keep, rng, behind)
    if ground:
        said = "Then the ground below the horizon line." if sky else "First the horizon and ground."
        chunks.append(Chunk("ground", said, ground))
    has_stars = any(s.name in ("stars", "star") for s in plan.subjects)
    if plan.time_of_day == "night" and not has_stars and plan.composition != "abstract":
        stars = _stars(plan, medium, w, h, keep, rng, behind)
        chunks.append(Chunk("stars", "It is night, so a scatter of small stars.", stars))
    return chunks


# ------------------------------------------------------------------------------- weather


def _fog(
    plan: ScenePlan, medium: Medium, w: float, h: float, keep: Rect | None, rng: random.Random
) -> list[PathDict]:
    low = plan.horizon if plan.horizon is not None else h * 0.45
    bottom = (keep[1] - KEEP_PAD * 2) if keep is not None else h
    paths: list[PathDict] = []
    if medium is Medium.PAINT:
        colour = blend(FOG, _gradient(plan.sky or [FOG], 1.0), 0.25)
        for i in range(5):
            top = low - h * 0.18 + i * h * 0.07 + rng.uniform(-8, 8)
            height = h * rng.uniform(0.08, 0.16)
            lower = min(bottom, top + height)
            if lower - top < 8:
                continue
            upper = _wavy(0, w, top, 6, rng)
            under = list(reversed(_wavy(0, w, lower, 5, rng)))
            paths += _wash([[*upper, *under]], colour, rng.uniform(0.45, 0.6), w, h)
        return paths
    for i in range(9):
        y = low - h * 0.1 + i * (min(bottom, h) - low) / 9 + rng.uniform(-4, 4)
        length = w * rng.uniform(0.2, 0.5)
        x0 = rng.uniform(0, w - length)
        pts = _wavy(x0, x0 + length, y, 2.0, rng)
        dashes = [pts[j : j + 4] for j in range(0, len(pts) - 3, 6)]
        for dash in dashes:
            paths += _line(dash, w, h, keep, {})
    return paths


def _rain(
    plan: ScenePlan,
    medium: Medium,
    w: float,
    h: float,
    keep: Rect | None,
    rng: random.Random,
    heavy: bool,
) -> list[PathDict]:
    n = int(
        (150 if medium is Medium.PAINT else 90) * (1.4 if heavy else 1.0) * min(1.5, plan.density)
    )
    colour = blend(_gradient(plan.sky or ["#8aa0b4"], 1.0), "#3b4a5a", 0.6)
    style: PathDict = (
        {"color": colour, "stroke_width": 1.3, "opacity": 0.55} if medium is Medium.PAINT else {}
    )
    paths: list[PathDict] = []
    slant = 0.35 if heavy else 0.22
    for _ in range(n):
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        length = h * rng.uniform(0.025, 0.05)
        paths += _line([(x, y), (x - slant * length, y + length)], w, h, keep, style)
    return paths


def _snow(
    plan: ScenePlan, medium: Medium, w: float, h: float, keep: Rect | None, rng: random.Random
) -> list[PathDict]:
    n = int((170 if medium is Medium.PAINT else 110) * min(1.5, plan.density))
    paths: list[PathDict] = []
    for _ in range(n):
        x, y = rng.uniform(4, w - 4), rng.uniform(4, h - 4)
        if medium is Medium.PAINT:
            style: PathDict = {
                "color": SNOW,
                "stroke_width": rng.choice([3.0, 4.0, 5.5]),
                "opacity": 0.95,
            }
        else:
            style = {}
        paths += _line([(x, y), (x + 0.6, y + 0.6)], w, h, keep, style)
    return paths


def _wind(
    plan: ScenePlan, medium: Medium, w: float, h: float, keep: Rect | None, rng: random.Random
) -> list[PathDict]:
    bottom = plan.horizon if plan.horizon is not None else h * 0.7
    colour = blend(
        _gradient(plan.sky or ["#9fb3c8"], 0.5),
        plan.palette[0] if plan.palette else "#1a1a2e",
        0.35,
    )
    style: PathDict = (
        {"color": colour, "stroke_width": 1.6, "opacity": 0.6, "brush": "pencil"}
        if medium is Medium.PAINT
        else {}
    )
    paths: list[PathDict] = []
    for _ in range(6):
        y = rng.uniform(h * 0.08, max(h * 0.1, bottom * 0.9))
        length = w * rng.uniform(0.25, 0.5)
        x0 = rng.uniform(0, w - length)
        pts = _wavy(x0, x0 + length, y, rng.uniform(6, 14), rng)
        end = pts[-1]
        curl = [
            (end[0] + 12 * math.sin(a / 5 * math.pi), end[1] - 12 + 12 * math.cos(a / 5 * math.pi))
            for a in range(6)
        ]
        paths += _line([*pts, *curl], w, h, keep, style)
    return paths


def _lightning(
    plan: ScenePlan, medium: Medium, w: float, h: float, keep: Rect | None, rng: random.Random
) -> list[PathDict]:
    bottom = plan.horizon if plan.horizon is not None else h * 0.6
    x, y = rng.uniform(w * 0.2, w * 0.8), h * 0.04
    pts: list[XY] = [(x, y)]
    while y < bottom * 0.9:
        y += rng.uniform(12, 30)
        x += rng.uniform(-18, 18)
        pts.append((x, y))
    style: PathDict = (
        {"color": "#ffd93d", "stroke_width": 3.0, "opacity": 0.95} if medium is Medium.PAINT else {}
    )
    return _line(pts, w, h, keep, style)


def weather(
    plan: ScenePlan, medium: Medium, rng: random.Random, width: int, height: int, keep: Rect | None
) -> list[Chunk]:
    """What the weather words asked for, drawn over everything else."""
    w, h = float(width), float(height)
    chunks: list[Chunk] = []
    kinds = list(dict.fromkeys(plan.weather))
    if "storm" in kinds:
        chunks.append(
            Chunk(
                "storm",
                "A storm: a crack of lightning, then heavy slanting rain.",
                [
                    *_lightning(plan, medium, w, h, keep, rng),
                    *_rain(plan, medium, w, h, keep, rng, heavy=True),
                ],
            )
        )
    if "rain" in kinds and "storm" not in kinds:
        chunks.append(
            Chunk(
                "rain",
                "Now the rain: short slanted lines over everything.",
                _rain(plan, medium, w, h, keep, rng, heavy=False),
            )
        )
    if "snow" in kinds:
        chunks.append(
            Chunk(
                "snow",
                "Snow falling: a scatter of soft dots.",
                _snow(plan, medium, w, h, keep, rng),
            )
        )
    if "wind" in kinds:
        chunks.append(
            Chunk(
                "wind",
                "Wind: a few long curling strokes through the air.",
                _wind(plan, medium, w, h, keep, rng),
            )
        )
    if "fog" in kinds:
        said = (
            "Last, the fog: pale veils over the lower half, so the far shapes soften."
            if medium is Medium.PAINT
            else "Last, the fog: broken horizontal strands, so the low shapes seem to dissolve."
        )
        chunks.append(Chunk("fog", said, _fog(plan, medium, w, h, keep, rng)))
    return [c for c in chunks if c.paths]
