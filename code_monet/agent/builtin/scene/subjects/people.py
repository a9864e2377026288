"""Subjects: people (a portrait, a standing or walking figure, hands).

People are the subjects viewers judge most harshly, so each is built from the shapes an
illustrator would block in first (head, hair, neck and shoulders; torso, limbs and shoes;
palm, fingers and thumb) with the animals' parts kit, then given its features.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from code_monet.agent.builtin.scene.marks import (
    Category,
    Mark,
    Medium,
    Placement,
    Point,
    SubjectSpec,
    Tone,
)
from code_monet.agent.builtin.scene.shapes import Poly, arc, ellipse, transform
from code_monet.agent.builtin.scene.subjects.animals import (
    Part,
    Style,
    blob,
    clip,
    eye,
    ground_shadow,
    limb,
    line,
    part,
    render,
    shadow,
)

Drawing = tuple[list[Part], list[Mark]]


def _j(rng: random.Random, amount: float = 0.02) -> float:
    """A small seeded jitter."""
    return rng.uniform(-amount, amount)


# ---------------------------------------------------------------- portrait


def _shoulders(cx: float, neck_y: float, width: float) -> list[Part]:
    """Neck and a shirt with a collar line, cut off by the bottom of the picture."""
    neck = limb([(cx, neck_y - 0.12), (cx, neck_y + 0.06)], 0.15, 0.16)
    shirt = blob(
        [
            (cx - width, 1.05),
            (cx - width, neck_y + 0.2),
            (cx - width * 0.85, neck_y + 0.08),
            (cx - width * 0.45, neck_y + 0.02),
            (cx - 0.09, neck_y),
            (cx, neck_y + 0.09),
            (cx + 0.09, neck_y),
            (cx + width * 0.45, neck_y + 0.02),
            (cx + width * 0.85, neck_y + 0.08),
            (cx + width, neck_y + 0.2),
            (cx + width, 1.05),
        ],
        n=4,
    )
    shirt = clip(shirt, ((-1.0, -1.0), (2.0, -1.0), (2.0, 1.0), (-1.0, 1.0)))
    return [
        part(neck),
        shadow(clip(neck, ellipse(cx, neck_y - 0.12, 0.1, 0.07))),
        part(shirt, Tone.ACCENT),
        shadow(clip(shirt, ellipse(cx + width, 1.0, width * 0.6, 0.2))),
    ]


def _face_front(cx: float, cy: float, rng: random.Random, turn: float) -> Drawing:
    """Eyes, brows, nose and mouth; ``turn`` (0…1) shifts them for a three-quarter view."""
    parts: list[Part] = []
    details: list[Mark] = []
    mid = cx + turn * 0.07
    for sd in (-1, 1):
        near = 1.0 - (turn * 0.35 if sd < 0 else 0.0)
        ex = mid + sd * 0.085 * (near if sd < 0 else 1.0 - turn * 0.1)
        ey = cy - 0.02
        almond = (
            *arc(ex, ey, 0.045 * near, 0.022, math.pi, 2 * math.pi, n=8),
            *arc(ex, ey, 0.045 * near, 0.016, 0.0, math.pi, n=8)[1:-1],
        )
        parts.append(part(almond, Tone.LIGHT))
        look = turn * 0.012 + _j(rng, 0.004)
        parts += eye(ex + look, ey, 0.014)
        brow = _j(rng, 0.006)
        details.append(
            line(
                [
                    (ex - 0.05 * near, ey - 0.035),
                    (ex, ey - 0.05 + brow),
                    (ex + 0.05 * near, ey - 0.04),
                ],
                1.0,
            )
        )
    nose_x = mid + turn * 0.02
    details.append(
        line(
            [(mid - 0.015, cy - 0.02), (nose_x - 0.005, cy + 0.06), (nose_x - 0.02, cy + 0.09)], 0.7
        )
    )
    details.append(
        line([(nose_x - 0.03, cy + 0.1), (nose_x, cy + 0.11), (nose_x + 0.03, cy + 0.1)], 0.7)
    )
    smile = _j(rng, 0.008)
    lips = blob(
        [
            (mid - 0.06, cy + 0.17),
            (mid - 0.02, cy + 0.155),
            (mid + 0.02, cy + 0.155),
            (mid + 0.06, cy + 0.17 - smile),
            (mid + 0.02, cy + 0.2),
            (mid - 0.02, cy + 0.2),
        ],
        n=4,
    )
    parts.append(part(lips, Tone.ACCENT))
    details.append(
        line([(mid - 0.06, cy + 0.17), (mid, cy + 0.175), (mid + 0.06, cy + 0.17 - smile)], 0.8)
    )
    return parts, details


def _portrait_front(rng: random.Random) -> Drawing:
    cx, cy = 0.5, 0.42
    long_hair = rng.random() < 0.5
    # Hair falls beside the face, never behind it: washes are translucent, and hair under
    # the skin would darken the face.
    drop = 0.33 if long_hair else 0.08
    locks = [
        part(
            limb(
                [
                    (cx + sd * 0.17, cy - 0.2),
                    (cx + sd * 0.23, cy + 0.0),
                    (cx + sd * 0.22, cy + drop),
                ],
                0.09,
                0.07,
            ),
            Tone.INK,
            group=30,
            shaded=True,
        )
        for sd in (-1, 1)
    ]
    head = blob(
        [
            (cx - 0.19, cy - 0.05),
            (cx - 0.17, cy - 0.2),
            (cx, cy - 0.28),
            (cx + 0.17, cy - 0.2),
            (cx + 0.19, cy - 0.05),
            (cx + 0.15, cy + 0.14),
            (cx + 0.07, cy + 0.25),
            (cx, cy + 0.27),
            (cx - 0.07, cy + 0.25),
            (cx - 0.15, cy + 0.14),
        ]
    )
    fringe = blob(
        [
            (cx - 0.2, cy - 0.02),
            (cx - 0.2, cy - 0.2),
            (cx - 0.05, cy - 0.3),
            (cx + 0.15, cy - 0.27),
            (cx + 0.21, cy - 0.1),
            (cx + 0.18, cy - 0.04),
            (cx + 0.1, cy - 0.16),
            (cx - 0.05, cy - 0.13 + _j(rng, 0.02)),
            (cx - 0.16, cy - 0.08),
        ],
        n=5,
    )
    ears = [part(ellipse(cx + sd * 0.19, cy + 0.02, 0.035, 0.06, n=14)) for sd in (-1, 1)]
    parts = [*_shoulders(cx, cy + 0.32, 0.44), *locks, *ears, part(head)]
    parts.append(shadow(clip(head, ellipse(cx + 0.3, cy + 0.05, 0.14, 0.3))))
    parts.append(part(fringe, Tone.INK, group=30, shaded=True))
    face, details = _face_front(cx, cy, rng, 0.0)
    return parts + face, details


def _portrait_three_quarter(rng: random.Random) -> Drawing:
    cx, cy = 0.5, 0.42
    head = blob(
        [
            (cx - 0.19, cy - 0.05),
            (cx - 0.17, cy - 0.2),
            (cx, cy - 0.28),
            (cx + 0.17, cy - 0.2),
            (cx + 0.2, cy - 0.05),
            (cx + 0.21, cy + 0.05),
            (cx + 0.18, cy + 0.12),
            (cx + 0.11, cy + 0.25),
            (cx + 0.03, cy + 0.27),
            (cx - 0.08, cy + 0.22),
            (cx - 0.17, cy + 0.1),
        ]
    )
    hair = blob(
        [
            (cx - 0.2, cy + 0.1),
            (cx - 0.23, cy - 0.15),
            (cx - 0.1, cy - 0.31),
            (cx + 0.1, cy - 0.3),
            (cx + 0.21, cy - 0.16),
            (cx + 0.19, cy - 0.1),
            (cx + 0.05, cy - 0.17 + _j(rng, 0.02)),
            (cx - 0.1, cy - 0.12),
            (cx - 0.13, cy + 0.0),
        ],
        n=5,
    )
    ear = part(ellipse(cx - 0.14, cy + 0.03, 0.035, 0.06, n=14))
    parts = [*_shoulders(cx - 0.02, cy + 0.32, 0.44), part(head), ear]
    parts.append(shadow(clip(head, ellipse(cx - 0.3, cy + 0.05, 0.14, 0.35))))
    parts.append(part(hair, Tone.INK, shaded=True))
    face, details = _face_front(cx, cy, rng, 1.0)
    details.append(line(arc(cx - 0.14, cy + 0.03, 0.018, 0.035, -1.5, 1.5, n=6), 0.5))
    return parts + face, details


def _portrait_profile(rng: random.Random) -> Drawing:
    """Facing right: brow, nose, lips and chin make the silhouette."""
    cx, cy = 0.48, 0.42
    nose = 0.07 + _j(rng, 0.01)
    head = blob(
        [
            (cx - 0.2, cy + 0.02),
            (cx - 0.19, cy - 0.18),
            (cx - 0.02, cy - 0.29),
            (cx + 0.14, cy - 0.22),
            (cx + 0.18, cy - 0.08),
            (cx + 0.17, cy - 0.02),
            (cx + 0.16 + nose, cy + 0.07),
            (cx + 0.16, cy + 0.1),
            (cx + 0.17, cy + 0.14),
            (cx + 0.155, cy + 0.17),
            (cx + 0.165, cy + 0.2),
            (cx + 0.13, cy + 0.26),
            (cx + 0.05, cy + 0.27),
            (cx - 0.05, cy + 0.2),
            (cx - 0.12, cy + 0.14),
        ],
        n=5,
    )
    hair = blob(
        [
            (cx - 0.12, cy + 0.25),
            (cx - 0.24, cy + 0.05),
            (cx - 0.2, cy - 0.22),
            (cx - 0.02, cy - 0.32),
            (cx + 0.15, cy - 0.24),
            (cx + 0.12, cy - 0.17),
            (cx - 0.02, cy - 0.16),
            (cx - 0.06, cy - 0.02),
            (cx - 0.08, cy + 0.12),
        ],
        n=5,
    )
    ear = part(ellipse(cx - 0.02, cy + 0.02, 0.035, 0.06, n=14))
    parts = [
        *_shoulders(cx - 0.05, cy + 0.32, 0.4),
        part(head),
        shadow(clip(head, ellipse(cx - 0.1, cy + 0.25, 0.15, 0.1))),
    ]
    parts += [part(hair, Tone.INK, shaded=True), ear]
    ex, ey = cx + 0.11, cy - 0.03
    parts.append(
        part(((ex - 0.02, ey - 0.015), (ex + 0.03, ey), (ex - 0.02, ey + 0.015)), Tone.LIGHT)
    )
    parts += eye(ex - 0.005, ey, 0.01)
    details = [
        line([(ex - 0.04, ey - 0.04), (ex + 0.0, ey - 0.05), (ex + 0.04, ey - 0.04)], 1.0),
        line([(cx + 0.16, cy + 0.155), (cx + 0.13, cy + 0.16)], 0.8),
        line(arc(cx - 0.02, cy + 0.02, 0.015, 0.035, -1.5, 1.5, n=6), 0.5),
        line([(cx + 0.17, cy + 0.09), (cx + 0.145, cy + 0.08)], 0.6),
    ]
    return parts, details


# ---------------------------------------------------------------- figure


def _person_head(
    cx: float, cy: float, r: float, rng: random.Random, *, side: bool = False
) -> Drawing:
    head = ellipse(cx, cy, r * 0.85, r, n=22)
    hair = blob(
        [
            (cx - r * 0.9, cy + r * 0.1),
            (cx - r * 0.95, cy - r * 0.55),
            (cx, cy - r * 1.12),
            (cx + r * 0.95, cy - r * 0.55),
            (cx + r * 0.9, cy + (r * -0.2 if side else r * 0.1)),
            (cx + r * 0.5, cy - r * 0.45 + _j(rng, r * 0.1)),
            (cx - r * 0.5, cy - r * 0.5),
        ],
        n=4,
    )
    parts = [part(head), part(hair, Tone.INK, shaded=True)]
    details: list[Mark] = []
    if side:
        parts += eye(cx + r * 0.45, cy - r * 0.05, r * 0.1)
        parts.append(
            part(
                (
                    (cx + r * 0.8, cy - r * 0.1),
                    (cx + r * 1.05, cy + r * 0.2),
                    (cx + r * 0.8, cy + r * 0.25),
                )
            )
        )
        details.append(line([(cx + r * 0.5, cy + r * 0.5), (cx + r * 0.7, cy + r * 0.5)], 0.6))
    else:
        parts += [
            *eye(cx - r * 0.32, cy - r * 0.05, r * 0.1),
            *eye(cx + r * 0.32, cy - r * 0.05, r * 0.1),
        ]
        details.append(line(arc(cx, cy + r * 0.3, r * 0.25, r * 0.2, 0.4, math.pi - 0.4, n=8), 0.7))
    return parts, details


def _figure_standing(rng: random.Random) -> Drawing:
    cx = 0.5
    sway = _j(rng, 0.01)
    legs = [
        part(
            limb(
                [(cx + sd * 0.055, 0.56), (cx + sd * 0.065, 0.75), (cx + sd * 0.07, 0.93)],
                0.085,
                0.065,
            ),
            Tone.SHADE,
        )
        for sd in (-1, 1)
    ]
    shoes = [part(ellipse(cx + sd * 0.08, 0.95, 0.05, 0.025, n=12), Tone.INK) for sd in (-1, 1)]
    torso = blob(
        [
            (cx - 0.05, 0.25),
            (cx - 0.11, 0.27),
            (cx - 0.125, 0.33),
            (cx - 0.1, 0.45),
            (cx - 0.095, 0.53),
            (cx - 0.1, 0.6),
            (cx + 0.1, 0.6),
            (cx + 0.095, 0.53),
            (cx + 0.1, 0.45),
            (cx + 0.125, 0.33),
            (cx + 0.11, 0.27),
            (cx + 0.05, 0.25),
        ],
        n=4,
    )
    arms = [
        part(
            limb(
                [(cx + sd * 0.11, 0.29), (cx + sd * (0.14 + sway), 0.43), (cx + sd * 0.15, 0.56)],
                0.055,
                0.045,
            ),
            Tone.ACCENT,
        )
        for sd in (-1, 1)
    ]
    hands = [part(ellipse(cx + sd * 0.152, 0.585, 0.026, 0.032, n=12)) for sd in (-1, 1)]
    neck = part(limb([(cx, 0.2), (cx, 0.27)], 0.06, 0.06))
    parts = [
        ground_shadow(cx, 0.97, 0.22),
        *legs,
        *shoes,
        neck,
        part(torso, Tone.ACCENT),
        *arms,
        *hands,
    ]
    parts.append(shadow(clip(torso, ellipse(cx + 0.18, 0.45, 0.1, 0.25))))
    head, details = _person_head(cx, 0.135, 0.08, rng)
    details.append(line([(cx, 0.6), (cx, 0.7)], 0.6))
    return parts + head, details


def _figure_walking(rng: random.Random) -> Drawing:
    """In profile, mid-stride, facing right, arms swinging."""
    cx = 0.5
    stride = 0.13 + _j(rng, 0.015)
    back_leg = part(
        limb([(cx - 0.01, 0.56), (cx - stride * 0.5, 0.76), (cx - stride, 0.93)], 0.085, 0.065),
        Tone.SHADE,
    )
    front_leg = part(
        limb(
            [(cx + 0.01, 0.56), (cx + stride * 0.4, 0.75), (cx + stride * 0.8, 0.93)], 0.085, 0.065
        ),
        Tone.SHADE,
    )
    back_shoe = part(ellipse(cx - stride + 0.02, 0.95, 0.05, 0.022, n=12, rot=0.3), Tone.INK)
    front_shoe = part(ellipse(cx + stride * 0.8 + 0.025, 0.95, 0.05, 0.022, n=12), Tone.INK)
    torso = blob(
        [
            (cx - 0.08, 0.27),
            (cx + 0.07, 0.26),
            (cx + 0.09, 0.45),
            (cx + 0.07, 0.6),
            (cx - 0.08, 0.6),
            (cx - 0.09, 0.45),
        ],
        n=4,
    )
    back_arm = part(
        limb([(cx, 0.3), (cx + 0.07, 0.43), (cx + 0.13, 0.52)], 0.065, 0.055), Tone.SHADE
    )
    front_arm = part(
        limb([(cx - 0.01, 0.3), (cx - 0.06, 0.43), (cx - 0.11, 0.53)], 0.07, 0.06), Tone.ACCENT
    )
    parts = [
        ground_shadow(cx, 0.97, 0.25),
        back_arm,
        part(ellipse(cx + 0.145, 0.55, 0.028, 0.032, n=10)),
        back_leg,
        back_shoe,
        front_leg,
        front_shoe,
        part(limb([(cx, 0.2), (cx, 0.27)], 0.055, 0.055)),
        part(torso, Tone.ACCENT),
        shadow(clip(torso, ellipse(cx - 0.14, 0.45, 0.1, 0.25))),
        front_arm,
        part(ellipse(cx - 0.125, 0.56, 0.03, 0.034, n=10)),
    ]
    head, details = _person_head(cx + 0.01, 0.14, 0.075, rng, side=True)
    return parts + head, details


def _figure_waving(rng: random.Random) -> Drawing:
    cx = 0.5
    wave = _j(rng, 0.03)
    legs = [
        part(
            limb(
                [(cx + sd * 0.05, 0.56), (cx + sd * 0.08, 0.75), (cx + sd * 0.11, 0.93)],
                0.085,
                0.065,
            ),
            Tone.SHADE,
        )
        for sd in (-1, 1)
    ]
    shoes = [part(ellipse(cx + sd * 0.13, 0.95, 0.05, 0.025, n=12), Tone.INK) for sd in (-1, 1)]
    dress = blob(
        [
            (cx - 0.11, 0.26),
            (cx + 0.11, 0.26),
            (cx + 0.12, 0.4),
            (cx + 0.2, 0.66),
            (cx, 0.68),
            (cx - 0.2, 0.66),
            (cx - 0.12, 0.4),
        ],
        n=4,
    )
    down = part(
        limb([(cx - 0.11, 0.28), (cx - 0.16, 0.42), (cx - 0.2, 0.55)], 0.065, 0.055), Tone.ACCENT
    )
    up = part(
        limb([(cx + 0.11, 0.28), (cx + 0.2, 0.2), (cx + 0.25 + wave, 0.08)], 0.065, 0.055),
        Tone.ACCENT,
    )
    parts = [
        ground_shadow(cx, 0.97, 0.22),
        *legs,
        *shoes,
        part(limb([(cx, 0.2), (cx, 0.27)], 0.06, 0.06)),
        part(dress, Tone.ACCENT),
        shadow(clip(dress, ellipse(cx + 0.25, 0.55, 0.12, 0.2))),
        down,
        up,
        part(ellipse(cx - 0.21, 0.58, 0.03, 0.035, n=12)),
        part(ellipse(cx + 0.26 + wave, 0.05, 0.032, 0.036, n=12)),
    ]
    head, details = _person_head(cx, 0.14, 0.075, rng)
    hand = (cx + 0.26 + wave, 0.05)
    for start in (-1.3, 1.1):  # motion arcs either side of the waving hand
        details.append(line(arc(hand[0], hand[1], 0.07, 0.07, start, start + 0.7, n=6), 0.5))
    return parts + head, details


# ---------------------------------------------------------------- hands


def _hand(
    curled: Sequence[int], spread: float, rng: random.Random, *, thumb_out: float = 1.0
) -> Drawing:
    """A right hand, palm towards us, wrist at (0, 0), fingers up (y < 0); 1 unit ≈ palm."""
    palm = blob(
        [
            (-0.3, 0.0),
            (0.3, 0.0),
            (0.42, -0.45),
            (0.45, -0.95),
            (0.0, -1.05),
            (-0.45, -0.95),
            (-0.46, -0.5),
        ],
        n=5,
    )
    wrist = blob([(-0.3, -0.1), (0.3, -0.1), (0.29, 0.3), (-0.29, 0.3)], n=3)
    cuff = ((-0.36, 0.22), (0.36, 0.22), (0.38, 0.55), (-0.38, 0.55))
    parts: list[Part] = [part(wrist), part(cuff, Tone.ACCENT)]
    details: list[Mark] = []
    lengths = (0.75, 0.88, 0.82, 0.62)
    folded: list[Part] = []
    for k, (x, length) in enumerate(zip((-0.33, -0.11, 0.11, 0.33), lengths, strict=True)):
        if k in curled:  # a knuckle on top, the finger folded down over the palm
            parts.append(part(limb([(x, -0.8), (x, -1.1)], 0.21, 0.21), group=1))
            folded.append(part(limb([(x, -1.08), (x, -0.8)], 0.2, 0.18)))
            details.append(line(arc(x, -0.86, 0.06, 0.05, 0.2, math.pi - 0.2, n=6), 0.4))
            continue
        ang = (k - 1.5) * spread + _j(rng, 0.03)
        tip = (x + math.sin(ang) * length, -0.95 - math.cos(ang) * length)
        mid = (x + math.sin(ang) * length * 0.5, -0.95 - math.cos(ang) * length * 0.5)
        parts.append(part(limb([(x, -0.8), mid, tip], 0.21, 0.18), group=1))
        nail_at = (tip[0] - math.sin(ang) * 0.08, tip[1] + math.cos(ang) * 0.08)
        details.append(line(arc(nail_at[0], nail_at[1], 0.06, 0.05, 0.2, math.pi - 0.2, n=6), 0.4))
        crease = (x + math.sin(ang) * length * 0.45, -0.95 - math.cos(ang) * length * 0.45)
        details.append(line([(crease[0] - 0.05, crease[1]), (crease[0] + 0.05, crease[1])], 0.4))
    if curled:  # the thumb folds across the curled fingers
        thumb = part(limb([(-0.35, -0.25), (-0.42, -0.6), (-0.1, -0.78), (0.2, -0.76)], 0.26, 0.2))
    else:
        reach = [(-0.3, -0.25), (-0.6, -0.45 * thumb_out), (-0.75 * thumb_out, -0.8 * thumb_out)]
        thumb = part(limb(reach, 0.28, 0.2), group=1)
        parts.append(thumb)
    parts.append(part(palm, group=1))
    parts.append(shadow(clip(palm, ellipse(0.45, -0.4, 0.25, 0.5))))
    parts += folded
    if curled:
        parts.append(thumb)
    if not curled:  # palm lines, hidden by a fist
        details += [
            line([(-0.42, -0.7), (-0.1, -0.62), (0.3, -0.7)], 0.5),
            line([(-0.35, -0.15), (-0.2, -0.5), (0.05, -0.75)], 0.5),
        ]
    return parts, details


def _place(
    drawing: Drawing,
    *,
    dx: float,
    dy: float,
    s: float,
    rot: float,
    flip: bool = False,
    narrow: float = 1.0,
    layer: int = 0,
) -> Drawing:
    """Scale (``narrow`` squeezes the width), mirror, turn and move a hand; ``layer`` keeps
    two hands' outlines apart (a hand in front hides the one behind, they do not merge)."""
    sx = (-s if flip else s) * narrow

    def move(points: Sequence[Point]) -> Poly:
        return transform(transform(points, sx=sx, sy=s, rot=rot), dx=dx, dy=dy)

    def group(g: int) -> int:
        return g + 100 * layer if g >= 0 else g

    parts, details = drawing
    return (
        [Part(move(p.poly), p.tone, group(p.group), p.outline, p.shaded) for p in parts],
        [Mark(move(m.points), m.kind, m.tone, m.closed, m.weight) for m in details],
    )


def _hands_open(rng: random.Random) -> Drawing:
    return _place(_hand((), 0.16, rng), dx=0.5, dy=0.75, s=0.3, rot=_j(rng, 0.1))


def _hands_pointing(rng: random.Random) -> Drawing:
    return _place(
        _hand((1, 2, 3), 0.05, rng, thumb_out=0.8), dx=0.5, dy=0.75, s=0.3, rot=-0.5 + _j(rng, 0.1)
    )


def _hands_pair(rng: random.Random) -> Drawing:
    left = _place(_hand((), 0.12, rng), dx=0.3, dy=0.75, s=0.22, rot=-0.25, flip=True)
    right = _place(_hand((), 0.12, rng), dx=0.7, dy=0.75, s=0.22, rot=0.25, layer=1)
    return left[0] + right[0], left[1] + right[1]


def _hands_praying(rng: random.Random) -> Drawing:
    """Palms pressed together, fingers up: two hands seen edge-on, meeting at the middle."""
    tilt = 0.1 + _j(rng, 0.02)
    left = _place(_hand((), 0.0, rng), dx=0.43, dy=0.8, s=0.3, rot=tilt, narrow=0.45)
    right = _place(
        _hand((), 0.0, rng), dx=0.57, dy=0.8, s=0.3, rot=-tilt, flip=True, narrow=0.45, layer=1
    )
    return left[0] + right[0], []  # palms face each other: no palm lines to see


# ---------------------------------------------------------------- registry


def _portrait(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    build = (_portrait_front, _portrait_three_quarter, _portrait_profile)[variant % 3]
    return render(*build(rng), rng, medium, Style(0.8, angle=-0.8))


def _figure(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    build = (_figure_standing, _figure_walking, _figure_waving)[variant % 3]
    return render(*build(rng), rng, medium, Style(0.45))


def _hands(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    build = (_hands_open, _hands_pointing, _hands_pair, _hands_praying)[variant % 4]
    return render(*build(rng), rng, medium, Style(1.0, bottom=False))


SUBJECTS: tuple[SubjectSpec, ...] = (
    SubjectSpec("portrait", Category.PERSON, Placement.ANY, 0.8, "#f1c27d", _portrait, size=0.8),
    SubjectSpec("figure", Category.PERSON, Placement.GROUND, 0.45, "#f1c27d", _figure, size=0.5),
    SubjectSpec(
        "hands",
        Category.PERSON,
        Placement.ANY,
        1.0,
        "#f1c27d",
        _hands,
        variants=4,
        size=0.6,
        label="hands",
    ),
)
