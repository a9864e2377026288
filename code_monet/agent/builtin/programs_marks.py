"""Technique bodies made of many small marks — stipple dots and stars: sandbox-side source.

Thousands of dots would be thousands of strokes, so marks are short pen taps (``M x,y l dx,dy``)
grouped by colour into multi-subpath svg paths: a few dozen strokes carry a whole texture.
"""

from __future__ import annotations

from typing import Final

STIPPLING: Final = """
def draw():
    n = int(clamp(0.012 * D * RW * RH, 150, 6000))
    mode = VARIANT or "gradient"
    gx, gy = R.uniform(-1, 1), R.uniform(-1, 1)
    fx, fy = R.uniform(X0 + RW * 0.25, X1 - RW * 0.25), R.uniform(Y0 + RH * 0.25, Y1 - RH * 0.25)
    buckets = {}
    made = 0
    for _ in range(n * 14):
        if made >= n:
            break
        x, y = R.uniform(X0, X1), R.uniform(Y0, Y1)
        if not inside(x, y):
            continue
        if mode == "cluster":
            p = math.exp(-(((x - fx) / (RW * 0.3)) ** 2 + ((y - fy) / (RH * 0.3)) ** 2))
        elif mode == "even":
            p = 0.5
        else:
            p = 0.5 + 0.5 * (gx * (x - CX) / RW * 2 + gy * (y - CY) / RH * 2) / 1.4
        p = clamp(p * (0.75 + 0.45 * noise(x, y, 1.8)) * (0.3 + 0.7 * falloff(x, y)), 0, 1)
        if R.random() > p ** 2.2:
            continue
        made += 1
        t = clamp(p + R.gauss(0, 0.15), 0, 0.999)
        key = int(t * len(COLORS))
        a = R.uniform(0, math.pi)
        q = R.uniform(0.4, 1.4)
        tick = f"M{x:.1f},{y:.1f}l{q * math.cos(a):.2f},{q * math.sin(a):.2f}"
        buckets.setdefault(key, []).append(tick)
    for key, dots in sorted(buckets.items()):
        for g in range(0, len(dots), 150):
            chunk = dots[g:g + 150]
            if not svg(" ".join(chunk), cost=2 * len(chunk),
                       **style(color=COLORS[key], k=0.8, brush="")):
                return
"""

STARFIELD: Final = """
def star(x, y, r, rays):
    parts = []
    for i in range(rays):
        a = math.pi * i / rays + 0.3
        parts.append(f"M{x - r * math.cos(a):.1f},{y - r * math.sin(a):.1f}"
                     f"L{x + r * math.cos(a):.1f},{y + r * math.sin(a):.1f}")
    return " ".join(parts)


def draw():
    n = int(clamp(0.0022 * D * RW * RH, 40, 1400))
    dust = []
    bright = []
    for _ in range(n):
        x, y = R.uniform(X0, X1), R.uniform(Y0, Y1)
        if not inside(x, y):
            continue
        m = R.random() ** 5
        if m > 0.45 and len(bright) < 40 * D:
            bright.append((x, y, m))
        else:
            a = R.uniform(0, math.pi)
            q = 0.4 + 2.5 * m
            dust.append(f"M{x:.1f},{y:.1f}l{q * math.cos(a):.2f},{q * math.sin(a):.2f}")
    for g in range(0, len(dust), 80):
        svg(" ".join(dust[g:g + 80]), cost=2 * 80, **style(0.2, 0.5, brush=""))
    for x, y, m in bright:
        rays = 2 if m < 0.7 else 4
        if not svg(star(x, y, 2 + 8 * m, rays), cost=2 * rays, **style(0.6 + 0.4 * m, 0.5)):
            return
    if len(bright) >= 4:
        x0, y0, _m = R.choice(bright)
        near = sorted(bright, key=lambda s: (s[0] - x0) ** 2 + (s[1] - y0) ** 2)[:7]
        linked = [near[0]]
        rest = near[1:]
        while rest:
            best = min(((a, b) for a in linked for b in rest),
                       key=lambda ab: (ab[0][0] - ab[1][0]) ** 2 + (ab[0][1] - ab[1][1]) ** 2)
            a, b = best
            dx, dy = b[0] - a[0], b[1] - a[1]
            L = math.hypot(dx, dy) or 1.0
            s0, s1 = 6.0 / L, 1.0 - 6.0 / L
            clear = all(inside(a[0] + dx * q, a[1] + dy * q) for q in (0.25, 0.5, 0.75))
            if s1 > s0 and clear:
                poly([(a[0] + dx * s0, a[1] + dy * s0), (a[0] + dx * s1, a[1] + dy * s1)],
                     **style(0.95, 0.35, opacity=0.6 if PAINT else None))
            linked.append(b)
            rest.remove(b)
"""
