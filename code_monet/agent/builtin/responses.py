"""Choosing how to answer visitors' strokes: ripples, dotted echoes, a frame, or a halo.

Why several modes: a collaborator does not answer every gesture the same way. Small marks get
ripples or echoes (their shape repeated nearby, drifting towards open paper); a large gesture
gets a frame that presents it; a dense scribble gets a hatched halo that contrasts with it.
"""

from __future__ import annotations

import math
import random

from code_monet.agent.builtin.critic import CanvasReading
from code_monet.agent.builtin.palettes import INK
from code_monet.agent.builtin.techniques import ParamValue, ProgramParams

DESCRIPTIONS = {
    "ripples": "ripples: outlines that follow their line outward, like rings on water",
    "echo": "an echo: dotted copies of their shape drifting towards the open paper",
    "frame": "a frame, with corner marks, to present it",
    "halo": "a hatched halo around it, so their line reads against texture",
}


def respond_params(
    reading: CanvasReading, rng: random.Random, *, paint: bool, colours: tuple[str, ...]
) -> tuple[ProgramParams, str]:
    """The response program's parameters and a phrase describing the answer, drawn in the
    scene's ``colours`` (ink first, as in a scene palette; the last is the accent)."""
    boxes = reading.human_boxes
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[2] for b in boxes)
    y1 = max(b[3] for b in boxes)
    area = (x1 - x0) * (y1 - y0) / max(1.0, reading.width * reading.height)
    if area > 0.3:
        mode = "frame"
    elif len(reading.human_ink) > 250 and area > 0.05:
        mode = rng.choice(["halo", "ripples"])
    else:
        mode = rng.choice(["ripples", "echo", "ripples", "halo"])
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    ox, oy = reading.open_spot or (reading.width - cx, reading.height - cy)
    dx, dy = ox - cx, oy - cy
    if abs(dx) * reading.height >= abs(dy) * reading.width:
        drift = [math.copysign(1.0, dx or 1.0), 0.0]
    else:
        drift = [0.0, math.copysign(1.0, dy or 1.0)]
    extra: dict[str, ParamValue] = {
        "targets": [[round(v, 1) for v in b] for b in boxes[:10]],
        "ink": [[x, y] for x, y in reading.human_ink],
        "drift": drift,
    }
    colors = tuple(c for c in colours[1:4] if c != INK) or colours or (INK,)
    params = ProgramParams(
        seed=rng.randrange(1, 2**31),
        region=(0.0, 0.0, float(reading.width), float(reading.height)),
        density=1.0,
        energy=0.4,
        paint=paint,
        colors=colors,
        widths=(1.4, 3.0),
        brushes=("ink", "marker"),
        opacity=0.85,
        variant=mode,
        extra=extra,
    )
    return params, DESCRIPTIONS[mode]
