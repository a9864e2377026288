"""The helper prelude every builtin program starts with (sandbox-side Python source).

Why: the builtin artist draws through ``generate_svg`` like any model would, so its techniques
are real programs. Each program is ``P = {...}`` (parameters baked in by the host) + this
prelude + one technique body defining ``draw()`` + the epilogue. The prelude keeps output
bounded (own path/point budget, well under the sandbox caps), styles paths for paint or plotter,
and offers smooth noise and soft-edged region masks so layers never look like pasted boxes.
"""

from __future__ import annotations

from typing import Final

PRELUDE: Final = '''
R = random.Random(P["seed"])
W, H = canvas_width, canvas_height
X0, Y0, X1, Y1 = P["region"]
RW, RH = max(1.0, X1 - X0), max(1.0, Y1 - Y0)
CX, CY = (X0 + X1) / 2.0, (Y0 + Y1) / 2.0
D = max(0.15, min(3.0, P["density"]))
E = max(0.0, min(1.0, P["energy"]))
PAINT = bool(P["paint"])
COLORS = list(P["colors"]) or ["#1a1a2e"]
WMIN, WMAX = P["widths"]
BRUSH_SET = [b for b in P["brushes"] if b in BRUSHES]
OPACITY = P["opacity"]
VARIANT = P["variant"]
HOLE = P.get("hole")
AVOID = [tuple(b) for b in P.get("avoid", [])]
OCC = P.get("occ") or []
OCC_R, OCC_C = len(OCC), (len(OCC[0]) if OCC else 0)
_out = []
_used = [0]
_NOISE = [
    (R.uniform(0.6, 1.7) * (1.0 + 1.5 * E), R.uniform(0, 2 * math.pi), R.uniform(0, 2 * math.pi),
     R.uniform(0.5, 1.0))
    for _ in range(7)
]
_NSCALE = 1.0 / max(W, H)
_NSUM = sum(a for _f, _t, _p, a in _NOISE)


def clamp(v, lo, hi):
    return lo if v < lo else hi if v > hi else v


def noise(x, y, s=1.0):
    """Smooth noise in about [-1, 1]: a sum of randomly turned sine waves."""
    total = 0.0
    for f, t, p, a in _NOISE:
        k = f * s * 6.0 * _NSCALE
        total += a * math.sin(k * (x * math.cos(t) + y * math.sin(t)) + p)
    return total / _NSUM


def noise_np(xs, ys, s=1.0):
    total = np.zeros(np.broadcast(xs, ys).shape)
    for f, t, p, a in _NOISE:
        k = f * s * 6.0 * _NSCALE
        total = total + a * np.sin(k * (xs * math.cos(t) + ys * math.sin(t)) + p)
    return total / _NSUM


def inside(x, y, pad=0.0):
    """Whether (x, y) is in the region and still free: not in the focal hole, not on the
    visitors' strokes, not on paper already inked (``occ``); soft-edged ellipses."""
    if not (X0 + pad <= x <= X1 - pad and Y0 + pad <= y <= Y1 - pad):
        return False
    if OCC_R:
        r, c = int(y * OCC_R / H), int(x * OCC_C / W)
        if 0 <= r < OCC_R and 0 <= c < OCC_C and OCC[r][c] == "1":
            return False
    for ax, ay, bx, by in AVOID:
        if ax <= x <= bx and ay <= y <= by:
            return False
    if HOLE:
        hx, hy = (x - HOLE[0]) / HOLE[2], (y - HOLE[1]) / HOLE[3]
        if hx * hx + hy * hy < 1.0 + 0.15 * noise(x, y, 2.5):
            return False
    if P["shape"] == "ellipse":
        dx = (x - CX) / max(1.0, RW / 2.0 - pad)
        dy = (y - CY) / max(1.0, RH / 2.0 - pad)
        return dx * dx + dy * dy <= 1.0 + 0.12 * noise(x, y, 3.0)
    return True


def falloff(x, y):
    """1 deep inside the region, fading towards 0 at its edge (for density tapering)."""
    if P["shape"] == "ellipse":
        dx, dy = (x - CX) / (RW / 2.0), (y - CY) / (RH / 2.0)
        return clamp(1.6 * (1.0 - math.sqrt(dx * dx + dy * dy)), 0.0, 1.0)
    m = min(x - X0, X1 - x, y - Y0, Y1 - y) / (0.18 * min(RW, RH) + 1e-9)
    return clamp(m, 0.0, 1.0)


def pick(t=None):
    if t is None:
        return R.choice(COLORS)
    t = t + R.gauss(0.0, 0.45 / len(COLORS))
    return COLORS[int(clamp(t, 0.0, 0.999) * len(COLORS))]


def style(t=None, k=1.0, color=None, brush=None, opacity=None):
    """Paint style kwargs (colour along the palette at t, width scaled by k); plotter: none.

    brush=None picks one of the step's brushes; brush="" draws a plain stroke.
    """
    if not PAINT:
        return {}
    out = {
        "color": color or pick(t),
        "stroke_width": round(clamp((WMIN + (WMAX - WMIN) * R.random()) * k, 0.6, 60.0), 2),
        "opacity": round(clamp(OPACITY if opacity is None else opacity, 0.05, 1.0), 2),
    }
    if brush is None:
        chosen = R.choice(BRUSH_SET) if BRUSH_SET else None
    else:
        chosen = brush if brush in BRUSHES else None
    if chosen:
        out["brush"] = chosen
    return out


def room(n=2):
    return len(_out) < P["max_paths"] and _used[0] + n <= P["max_points"]


def poly(pts, **st):
    """Add a polyline (points clamped to the canvas); False once the budget is spent."""
    if len(pts) < 2 or not room(len(pts)):
        return False
    pts = [(round(clamp(x, 0.0, W), 1), round(clamp(y, 0.0, H), 1)) for x, y in pts]
    _out.append(polyline(pts, **st))
    _used[0] += len(pts)
    return True


def svg(d, cost=8, **st):
    if not d or not room(cost):
        return False
    _out.append(svg_path(d, **st))
    _used[0] += cost
    return True


def circle_d(x, y, r):
    r = max(0.3, r)
    return (f"M{x - r:.1f},{y:.1f}a{r:.1f},{r:.1f} 0 1,0 {2 * r:.1f},0"
            f"a{r:.1f},{r:.1f} 0 1,0 {-2 * r:.1f},0")


def runs(pts, ok):
    """Split a point list into the runs where ok(x, y) holds."""
    out, cur = [], []
    for x, y in pts:
        if ok(x, y):
            cur.append((x, y))
        else:
            if len(cur) > 1:
                out.append(cur)
            cur = []
    if len(cur) > 1:
        out.append(cur)
    return out


def chain(segments):
    """Join segments keyed by shared endpoint ids into polylines (marching squares output)."""
    ends = {}
    for i, (a, b, _pa, _pb) in enumerate(segments):
        ends.setdefault(a, []).append(i)
        ends.setdefault(b, []).append(i)
    used = [False] * len(segments)
    lines = []
    for i in range(len(segments)):
        if used[i]:
            continue
        used[i] = True
        a, b, pa, pb = segments[i]
        pts = [pa, pb]
        for forward in (True, False):
            key = b if forward else a
            while True:
                nxt = [j for j in ends.get(key, ()) if not used[j]]
                if not nxt:
                    break
                j = nxt[0]
                used[j] = True
                ja, jb, jpa, jpb = segments[j]
                if ja == key:
                    key, p = jb, jpb
                else:
                    key, p = ja, jpa
                if forward:
                    pts.append(p)
                else:
                    pts.insert(0, p)
        lines.append(pts)
    return lines


def contour_lines(field, xs, ys, level):
    """Marching squares on a 2-D numpy field sampled at xs (columns) and ys (rows)."""
    f = field - level
    ny, nx = f.shape
    above = f > 0
    segs = []
    case = (above[:-1, :-1] * 1 + above[:-1, 1:] * 2 + above[1:, 1:] * 4 + above[1:, :-1] * 8)
    rows, cols = np.nonzero((case > 0) & (case < 15))

    def cross(i, j, edge):
        if edge == 0:
            a, b = f[i, j], f[i, j + 1]
            t = a / (a - b) if a != b else 0.5
            return ("h", i, j), (xs[j] + t * (xs[j + 1] - xs[j]), ys[i])
        if edge == 1:
            a, b = f[i, j + 1], f[i + 1, j + 1]
            t = a / (a - b) if a != b else 0.5
            return ("v", i, j + 1), (xs[j + 1], ys[i] + t * (ys[i + 1] - ys[i]))
        if edge == 2:
            a, b = f[i + 1, j], f[i + 1, j + 1]
            t = a / (a - b) if a != b else 0.5
            return ("h", i + 1, j), (xs[j] + t * (xs[j + 1] - xs[j]), ys[i + 1])
        a, b = f[i, j], f[i + 1, j]
        t = a / (a - b) if a != b else 0.5
        return ("v", i, j), (xs[j], ys[i] + t * (ys[i + 1] - ys[i]))

    table = {1: [(0, 3)], 2: [(0, 1)], 3: [(1, 3)], 4: [(1, 2)], 5: [(0, 1), (2, 3)],
             6: [(0, 2)], 7: [(2, 3)], 8: [(2, 3)], 9: [(0, 2)], 10: [(0, 3), (1, 2)],
             11: [(1, 2)], 12: [(1, 3)], 13: [(0, 1)], 14: [(0, 3)]}
    for i, j in zip(rows.tolist(), cols.tolist()):
        for e1, e2 in table[int(case[i, j])]:
            k1, p1 = cross(i, j, e1)
            k2, p2 = cross(i, j, e2)
            segs.append((k1, k2, p1, p2))
    return chain(segs)


def hatch_rect(x0, y0, x1, y1, angle, gap):
    """Parallel segments at ``angle`` (radians), ``gap`` apart, clipped to a rectangle."""
    gap = max(1.0, gap)
    dx, dy = math.cos(angle), math.sin(angle)
    nx, ny = -dy, dx
    cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    half = math.hypot(x1 - x0, y1 - y0) / 2.0
    segs = []
    c = -half + (R.random() * gap)
    while c <= half:
        px, py = cx + nx * c, cy + ny * c
        t0, t1 = -half - 1.0, half + 1.0
        ok = True
        for p0, d0, lo, hi in ((px, dx, x0, x1), (py, dy, y0, y1)):
            if abs(d0) < 1e-9:
                if not lo <= p0 <= hi:
                    ok = False
                continue
            a, b = (lo - p0) / d0, (hi - p0) / d0
            if a > b:
                a, b = b, a
            t0, t1 = max(t0, a), min(t1, b)
        if ok and t1 - t0 > 1.0:
            segs.append(((px + dx * t0, py + dy * t0), (px + dx * t1, py + dy * t1)))
        c += gap
    return segs


def finish():
    if not _out:
        poly([(CX - 4, CY), (CX + 4, CY)], **style())
    output_paths(_out)
    print(f"{len(_out)} paths, {_used[0]} points")
'''

EPILOGUE: Final = """
try:
    draw()
except Exception as exc:
    if not P["safe"]:
        raise
    print(f"recovered from {type(exc).__name__}: {exc}")
finish()
"""
