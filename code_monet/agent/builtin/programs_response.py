"""The body that answers a visitor's strokes: ripples, echoes, a frame or a contrasting halo.

The host passes the new human strokes' bounds (``P["targets"]``) and a sample of their ink
pixels read from the canvas image (``P["ink"]``), so the response follows the actual shape
(distance-field contours around it, dotted copies of it) rather than a bounding box. Every
mode keeps clear of the human ink itself: the artist answers a stroke, it never covers it.
"""

from __future__ import annotations

from typing import Final

RESPONSE: Final = """
def ink_points():
    pts = [tuple(p) for p in P.get("ink", [])]
    if len(pts) >= 3:
        return pts
    for x0, y0, x1, y1 in P["targets"]:
        for q in np.linspace(0, 1, 16).tolist():
            pts += [(x0 + (x1 - x0) * q, y0), (x0 + (x1 - x0) * q, y1),
                    (x0, y0 + (y1 - y0) * q), (x1, y0 + (y1 - y0) * q)]
    return pts


def distance_grid(pts, margin, res):
    arr = np.array(pts, dtype=float)
    bx0 = max(0.0, float(arr[:, 0].min()) - margin)
    by0 = max(0.0, float(arr[:, 1].min()) - margin)
    bx1 = min(float(W), float(arr[:, 0].max()) + margin)
    by1 = min(float(H), float(arr[:, 1].max()) + margin)
    xs = np.arange(bx0, bx1 + res, res)
    ys = np.arange(by0, by1 + res, res)
    gx, gy = np.meshgrid(xs, ys)
    flat = np.stack([gx.ravel(), gy.ravel()], axis=1)
    best = np.full(flat.shape[0], 1e9)
    for k in range(0, len(arr), 64):
        chunk = arr[k:k + 64]
        d = np.sqrt(((flat[:, None, :] - chunk[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
        best = np.minimum(best, d)
    return best.reshape(gx.shape), xs, ys


def ripples(pts):
    gap = clamp(9.0 / D, 5.0, 22.0)
    rings = int(clamp(4 + 3 * D, 3, 9))
    field, xs, ys = distance_grid(pts, gap * (rings + 2), 4.0)
    for k in range(rings):
        level = gap * (k + 1.2)
        for line in contour_lines(field, xs, ys, level):
            fade = max(0.25, 0.9 - 0.09 * k) if PAINT else None
            st = style(k / rings, 1.0 - 0.07 * k, opacity=fade)
            if not poly(line[::2] + line[-1:], **st):
                return


def echoes(pts):
    arr = np.array(pts, dtype=float)
    bw = float(arr[:, 0].max() - arr[:, 0].min())
    bh = float(arr[:, 1].max() - arr[:, 1].min())
    dx, dy = P.get("drift", (1.0, 0.0))
    step = abs(dx) * bw + abs(dy) * bh + 16.0
    copies = int(clamp(2 + D, 2, 4))
    for k in range(1, copies + 1):
        ox, oy = dx * step * k, dy * step * k
        keep = max(0.25, 1.0 - 0.22 * k)
        dots = []
        for x, y in pts:
            if R.random() > keep:
                continue
            px, py = x + ox + R.gauss(0, 1.2 * k), y + oy + R.gauss(0, 1.2 * k)
            if 0 <= px <= W and 0 <= py <= H:
                a = R.uniform(0, math.pi)
                dots.append(f"M{px:.1f},{py:.1f}l{math.cos(a):.2f},{math.sin(a):.2f}")
        for g in range(0, len(dots), 120):
            st = style(k / (copies + 1), 0.8, brush="",
                       opacity=max(0.2, 0.9 - 0.2 * k) if PAINT else None)
            if not svg(" ".join(dots[g:g + 120]), cost=240, **st):
                return


def frame(pts):
    arr = np.array(pts, dtype=float)
    x0, y0 = float(arr[:, 0].min()), float(arr[:, 1].min())
    x1, y1 = float(arr[:, 0].max()), float(arr[:, 1].max())
    for k, m in enumerate((16.0, 24.0)):
        a0, b0 = max(2.0, x0 - m), max(2.0, y0 - m)
        a1, b1 = min(W - 2.0, x1 + m), min(H - 2.0, y1 + m)
        r = min(10.0, (a1 - a0) / 4, (b1 - b0) / 4)
        d = (f"M{a0 + r:.1f},{b0:.1f}H{a1 - r:.1f}Q{a1:.1f},{b0:.1f} {a1:.1f},{b0 + r:.1f}"
             f"V{b1 - r:.1f}Q{a1:.1f},{b1:.1f} {a1 - r:.1f},{b1:.1f}H{a0 + r:.1f}"
             f"Q{a0:.1f},{b1:.1f} {a0:.1f},{b1 - r:.1f}V{b0 + r:.1f}Q{a0:.1f},{b0:.1f} "
             f"{a0 + r:.1f},{b0:.1f}Z")
        svg(d, cost=20, **style(0.3 + 0.4 * k, 1.0 - 0.4 * k))
    m = 36.0
    a0, b0 = max(2.0, x0 - m), max(2.0, y0 - m)
    a1, b1 = min(W - 2.0, x1 + m), min(H - 2.0, y1 + m)
    L = clamp(min(a1 - a0, b1 - b0) * 0.2, 8.0, 40.0)
    corners = [(a0, b0, 1, 1), (a1, b0, -1, 1), (a1, b1, -1, -1), (a0, b1, 1, -1)]
    for cx, cy, sx, sy in corners:
        poly([(cx + sx * L, cy), (cx, cy), (cx, cy + sy * L)], **style(0.9, 1.4))
    ticks = []
    n = int(clamp(6 * D, 3, 14))
    for q in np.linspace(0.2, 0.8, n).tolist():
        tx = a0 + (a1 - a0) * q
        ticks.append(f"M{tx:.1f},{b0 - 4:.1f}L{tx:.1f},{b0 + 4:.1f}")
        ticks.append(f"M{tx:.1f},{b1 - 4:.1f}L{tx:.1f},{b1 + 4:.1f}")
    svg(" ".join(ticks), cost=2 * len(ticks), **style(0.6, 0.6))


def halo(pts):
    r1, r2 = 12.0, clamp(60.0 * D, 30.0, 110.0)
    field, xs, ys = distance_grid(pts, r2 + 10, 4.0)
    gap = clamp(6.0 / D, 3.0, 14.0)
    a = R.choice([0.25, 0.75]) * math.pi
    parts = []
    for (ax, ay), (bx, by) in hatch_rect(xs[0], ys[0], xs[-1], ys[-1], a, gap):
        m = int(clamp(math.hypot(bx - ax, by - ay) / 3.0, 2, 400))
        seg = [(ax + (bx - ax) * q, ay + (by - ay) * q) for q in np.linspace(0, 1, m).tolist()]

        def ok(x, y):
            i = int(clamp((y - ys[0]) / 4.0, 0, len(ys) - 1))
            j = int(clamp((x - xs[0]) / 4.0, 0, len(xs) - 1))
            d = field[i, j]
            return r1 < d < r2 * (1.0 + 0.35 * noise(x, y, 3.0))

        for run in runs(seg, ok):
            parts.append(f"M{run[0][0]:.1f},{run[0][1]:.1f}L{run[-1][0]:.1f},{run[-1][1]:.1f}")
    for g in range(0, len(parts), 80):
        if not svg(" ".join(parts[g:g + 80]), cost=160, **style(0.5, 0.6)):
            return


def draw():
    pts = ink_points()
    {"ripples": ripples, "echo": echoes, "frame": frame, "halo": halo}.get(VARIANT, ripples)(pts)
"""
