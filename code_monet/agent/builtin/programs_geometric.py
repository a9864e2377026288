"""Technique bodies built from tiles, cells, rooms, rings and hatching: sandbox-side source.

Like the organic bodies, each defines ``draw()`` over the prelude's helpers and budget. Dense
marks (dots, arcs, cells) are grouped into multi-subpath svg paths so a texture of thousands
of marks stays within a few hundred strokes.
"""

from __future__ import annotations

from typing import Final

TRUCHET: Final = """
def arc(cx, cy, ux, uy, r):
    sweep = 1 if ux * uy > 0 else 0
    return (f"M{cx + ux * r:.1f},{cy:.1f}A{r:.1f},{r:.1f} 0 0,{sweep} "
            f"{cx:.1f},{cy + uy * r:.1f}")


def draw():
    s = clamp(46.0 / math.sqrt(D), 18.0, 110.0)
    nx, ny = max(1, int(RW // s)), max(1, int(RH // s))
    ox, oy = X0 + (RW - nx * s) / 2.0, Y0 + (RH - ny * s) / 2.0
    radii = [s / 3.0, s / 2.0, 2.0 * s / 3.0] if VARIANT == "rings" else [s / 2.0]
    cells = []
    for j in range(ny):
        for i in range(nx):
            x, y = ox + i * s, oy + j * s
            mx, my = x + s / 2, y + s / 2
            if not inside(mx, my) or R.random() > 0.15 + 1.2 * falloff(mx, my):
                continue
            t = (noise(mx, my, 0.6) + 1.0) / 2.0
            idx = int(clamp(t + R.gauss(0, 0.06), 0, 0.999) * len(COLORS))
            if VARIANT == "maze":
                d = (f"M{x:.1f},{y:.1f}L{x + s:.1f},{y + s:.1f}" if R.random() < 0.5
                     else f"M{x + s:.1f},{y:.1f}L{x:.1f},{y + s:.1f}")
            elif R.random() < 0.5:
                d = " ".join(arc(x, y, 1, 1, r) + " " + arc(x + s, y + s, -1, -1, r)
                             for r in radii)
            else:
                d = " ".join(arc(x + s, y, -1, 1, r) + " " + arc(x, y + s, 1, -1, r)
                             for r in radii)
            cells.append((idx, d))
    group, gidx = [], None
    for idx, d in cells + [(None, "")]:
        if group and (idx != gidx or len(group) >= 10):
            k = 0.55 if VARIANT == "rings" else 1.0
            if not svg(" ".join(group), cost=12 * len(group) * len(radii),
                       **style(color=COLORS[gidx], k=k)):
                return
            group = []
        gidx = idx
        if d:
            group.append(d)
"""

CIRCLE_PACKING: Final = """
def draw():
    rmax = clamp(min(RW, RH) * 0.2, 10.0, 150.0)
    rmin = clamp(4.0 / math.sqrt(D), 2.5, 12.0) * (3.0 if OCC_R else 1.0)
    gap = clamp(2.5 / D, 1.5, 6.0)
    cx, cy, cr = [], [], []
    limit = int(clamp(170 * D, 20, 420))
    for _ in range(5000):
        if len(cr) >= limit:
            break
        x, y = R.uniform(X0, X1), R.uniform(Y0, Y1)
        if not inside(x, y):
            continue
        if P["shape"] == "ellipse":
            dx, dy = (x - CX) / (RW / 2), (y - CY) / (RH / 2)
            r = (1.0 - math.sqrt(dx * dx + dy * dy)) * min(RW, RH) / 2.0
        else:
            r = min(x - X0, X1 - x, y - Y0, Y1 - y)
        if cr:
            ax, ay, ar = np.array(cx), np.array(cy), np.array(cr)
            r = min(r, float((np.hypot(ax - x, ay - y) - ar).min()) - gap)
        if r < rmin:
            continue
        r = min(r, rmax * (0.35 + 0.65 * R.random() ** 0.5))
        rim = [(x + r * math.cos(a), y + r * math.sin(a)) for a in np.linspace(0, 6.0, 10).tolist()]
        if not all(inside(px, py) for px, py in rim):
            continue
        cx.append(x)
        cy.append(y)
        cr.append(r)
    ring_gap = clamp(5.0 / D, 2.5, 14.0)
    for x, y, r in sorted(zip(cx, cy, cr), key=lambda c: -c[2]):
        t = R.random()
        st = style(t, 0.8 + min(1.2, r / 60.0))
        if not svg(circle_d(x, y, r), cost=14, **st):
            return
        kind = R.choice(["rings", "rings", "dot", "hatch", "spiral", "empty"]) if r > 9 else "dot"
        if kind == "rings":
            parts = [circle_d(x, y, rr) for rr in np.arange(r - ring_gap, ring_gap * 0.8,
                                                             -ring_gap).tolist()]
            if parts and not svg(" ".join(parts), cost=14 * len(parts), **style(t, 0.6)):
                return
        elif kind == "dot":
            svg(circle_d(x, y, max(0.6, r * 0.22)), cost=14, **style(t, 0.8))
        elif kind == "hatch":
            a = R.choice([0.25, 0.75, 0.5, 0.0]) * math.pi
            segs = hatch_rect(x - r, y - r, x + r, y + r, a, ring_gap * 0.8)
            inner = []
            for (ax, ay), (bx, by) in segs:
                pts = [(ax + (bx - ax) * q, ay + (by - ay) * q) for q in np.linspace(0, 1, 24)]
                for run in runs(pts, lambda px, py: (px - x) ** 2 + (py - y) ** 2 < (r - 2) ** 2):
                    inner.append(f"M{run[0][0]:.1f},{run[0][1]:.1f}L{run[-1][0]:.1f},{run[-1][1]:.1f}")
            if inner and not svg(" ".join(inner), cost=2 * len(inner), **style(t, 0.5)):
                return
        elif kind == "spiral":
            pts, th = [], 0.0
            while True:
                rr = ring_gap * th / (2 * math.pi)
                if rr > r - ring_gap * 0.6:
                    break
                pts.append((x + rr * math.cos(th), y + rr * math.sin(th)))
                th += clamp(4.0 / max(rr, 2.0), 0.05, 0.6)
            if not poly(pts, **style(t, 0.6)):
                return
"""

SUBDIVISION: Final = """
def draw():
    minsize = clamp(46.0 / math.sqrt(D), 18.0, 140.0)
    leaves = []

    def clear(x0, y0, x1, y1):
        xs, ys = (x0 + 3, (x0 + x1) / 2, x1 - 3), (y0 + 3, (y0 + y1) / 2, y1 - 3)
        return all(inside(px, py) for px in xs for py in ys)

    def split(x0, y0, x1, y1, depth):
        w, h = x1 - x0, y1 - y0
        blocked = depth < 9 and max(w, h) > minsize * 0.7 and not clear(x0, y0, x1, y1)
        small = w < 2 * minsize and h < 2 * minsize
        if not blocked and (small or (depth > 1 and R.random() < 0.1 * depth)):
            leaves.append((x0, y0, x1, y1, depth))
            return
        if blocked and small:
            minsize_here = max(w, h) / 2
            if w >= h:
                split(x0, y0, x0 + minsize_here, y1, depth + 1)
                split(x0 + minsize_here, y0, x1, y1, depth + 1)
            else:
                split(x0, y0, x1, y0 + minsize_here, depth + 1)
                split(x0, y0 + minsize_here, x1, y1, depth + 1)
            return
        q = R.choice([0.382, 0.5, 0.618, 0.333, 0.667]) + R.uniform(-0.04, 0.04)
        if (w > h and w >= 2 * minsize) or h < 2 * minsize:
            m = x0 + w * q
            split(x0, y0, m, y1, depth + 1)
            split(m, y0, x1, y1, depth + 1)
        else:
            m = y0 + h * q
            split(x0, y0, x1, m, depth + 1)
            split(x0, m, x1, y1, depth + 1)

    split(X0, Y0, X1, Y1, 0)
    inset = clamp(3.0 / D, 2.0, 8.0)
    for x0, y0, x1, y1, depth in leaves:
        if not clear(x0, y0, x1, y1):
            continue
        x0, y0, x1, y1 = x0 + inset, y0 + inset, x1 - inset, y1 - inset
        if x1 - x0 < 4 or y1 - y0 < 4:
            continue
        t = R.random()
        box = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
        if not poly(box, **style(0.0 if PAINT else t, 0.7)):
            return
        kind = R.choice(["hatch", "hatch", "cross", "nest", "circle", "empty", "block"])
        w, h = x1 - x0, y1 - y0
        segs = []
        if kind in ("hatch", "cross", "block"):
            gap = {"hatch": R.choice([3.5, 5.0, 8.0]), "cross": 7.0, "block": 2.6}[kind] / D
            a = R.choice([0.0, 0.25, 0.5, 0.75]) * math.pi
            segs = hatch_rect(x0 + 2, y0 + 2, x1 - 2, y1 - 2, a, max(2.2, gap))
            if kind == "cross":
                segs += hatch_rect(x0 + 2, y0 + 2, x1 - 2, y1 - 2, a + math.pi / 2, gap)
        elif kind == "nest":
            k = 1
            step = clamp(6.0 / D, 3.0, 14.0)
            while k * step < min(w, h) / 2 - 2:
                e = k * step
                xa, ya, xb, yb = x0 + e, y0 + e, x1 - e, y1 - e
                segs += [((xa, ya), (xb, ya)), ((xb, ya), (xb, yb)), ((xb, yb), (xa, yb)),
                         ((xa, yb), (xa, ya))]
                k += 1
        elif kind == "circle":
            r = min(w, h) * 0.36
            parts = [circle_d((x0 + x1) / 2, (y0 + y1) / 2, r * q) for q in (1.0, 0.66, 0.33)]
            if not svg(" ".join(parts), cost=42, **style(t, 1.0)):
                return
        if segs:
            d = " ".join(f"M{a[0]:.1f},{a[1]:.1f}L{b[0]:.1f},{b[1]:.1f}" for a, b in segs)
            k = 1.6 if kind == "block" else 0.6
            if not svg(d, cost=2 * len(segs), **style(t, k)):
                return
"""

HATCHING: Final = """
def draw():
    gap = clamp((8.5 if PAINT else 10.0) / D, 3.0, 24.0)
    lx, ly = P.get("light") or (R.choice([X0, X1]), R.choice([Y0, Y1]))
    diag = math.hypot(RW, RH)
    base = R.uniform(0, math.pi)
    layers = [(base, 0.4), (base + math.pi / 2, 0.62), (base + math.pi / 4, 0.85)]
    for li, (a, thr) in enumerate(layers):
        parts = []
        for (ax, ay), (bx, by) in hatch_rect(X0, Y0, X1, Y1, a, gap * (1.0 + 0.25 * li)):
            m = int(clamp(math.hypot(bx - ax, by - ay) / 4.0, 2, 400))
            q = np.linspace(0.0, 1.0, m)
            xs, ys = ax + (bx - ax) * q, ay + (by - ay) * q
            tone = (np.hypot(xs - lx, ys - ly) / diag) * 1.2 + 0.35 * noise_np(xs, ys, 1.3)
            if VARIANT == "shadow":
                ex, ey = (xs - CX) / (RW / 2), (ys - CY) / (RH / 2)
                tone = 1.05 - np.sqrt(ex * ex + ey * ey) + 0.25 * noise_np(xs, ys, 1.3)
            elif P["shape"] == "ellipse":
                ex, ey = (xs - CX) / (RW / 2), (ys - CY) / (RH / 2)
                tone = tone - 0.6 * np.clip(np.sqrt(ex * ex + ey * ey) - 0.35, 0, 1)
            mask = tone > thr
            pts = list(zip(xs.tolist(), ys.tolist()))
            flags = dict(zip(pts, mask.tolist()))
            for run in runs(pts, lambda x, y: flags[(x, y)] and inside(x, y)):
                parts.append(f"M{run[0][0]:.1f},{run[0][1]:.1f}L{run[-1][0]:.1f},{run[-1][1]:.1f}")
        for g in range(0, len(parts), 60):
            if not svg(" ".join(parts[g:g + 60]), cost=2 * 60, **style((li + 0.5) / 3, 0.55)):
                return
"""

MOIRE: Final = """
def draw():
    gap = clamp((7.0 if PAINT else 9.0) / D, 3.5, 22.0)
    rmax = min(RW, RH) * 0.48
    fams = 2 if E < 0.6 else 3
    for f in range(fams):
        ang = R.uniform(0, 2 * math.pi)
        off = gap * R.uniform(1.5, 4.0) * (0 if f == 0 else 1)
        cx, cy = CX + off * math.cos(ang), CY + off * math.sin(ang)
        r = gap * (0.6 + R.random() * 0.4)
        parts = []
        while r < rmax - off:
            parts.append(circle_d(cx, cy, r))
            r += gap
        for g in range(0, len(parts), 8):
            if not svg(" ".join(parts[g:g + 8]), cost=14 * 8,
                       **style(f / fams + 0.1, 0.6, opacity=0.7 if PAINT else None)):
                return
"""

VORONOI: Final = """
def clip(poly_pts, px, py, nx, ny, c):
    out = []
    n = len(poly_pts)
    for i in range(n):
        ax, ay = poly_pts[i]
        bx, by = poly_pts[(i + 1) % n]
        da, db = ax * nx + ay * ny - c, bx * nx + by * ny - c
        if da <= 0:
            out.append((ax, ay))
        if (da < 0) != (db < 0) and da != db:
            t = da / (da - db)
            out.append((ax + (bx - ax) * t, ay + (by - ay) * t))
    return out


def cells(sites):
    result = []
    for i, (sx, sy) in enumerate(sites):
        pg = [(X0, Y0), (X1, Y0), (X1, Y1), (X0, Y1)]
        for j in sorted(range(len(sites)), key=lambda j: (sites[j][0] - sx) ** 2
                        + (sites[j][1] - sy) ** 2):
            if j == i or len(pg) < 3:
                continue
            tx, ty = sites[j]
            nx, ny = tx - sx, ty - sy
            c = (tx * tx + ty * ty - sx * sx - sy * sy) / 2.0
            pg = clip(pg, sx, sy, nx, ny, c)
        result.append(pg)
    return result


def draw():
    n = int(clamp(26 * D * RW * RH / (W * H) + 6, 6, 110))
    sites = []
    while len(sites) < n:
        x, y = R.uniform(X0, X1), R.uniform(Y0, Y1)
        if inside(x, y) or R.random() < 0.05:
            sites.append((x, y))
    for _ in range(2):
        polys = cells(sites)
        sites = [(sum(p[0] for p in pg) / len(pg), sum(p[1] for p in pg) / len(pg))
                 if len(pg) >= 3 else s for pg, s in zip(polys, sites)]
    gap = clamp(6.0 / D, 3.0, 14.0)
    for pg in cells(sites):
        if len(pg) < 3:
            continue
        mx, my = sum(p[0] for p in pg) / len(pg), sum(p[1] for p in pg) / len(pg)
        if not inside(mx, my):
            continue
        if OCC_R and not all(inside(mx + (x - mx) * 0.9, my + (y - my) * 0.9) for x, y in pg):
            continue
        rad = min(math.hypot(p[0] - mx, p[1] - my) for p in pg)
        t = (noise(mx, my, 0.8) + 1) / 2
        rings = int(clamp(rad / gap, 1, 6 if D > 0.8 else 3))
        parts = []
        for k in range(rings):
            f = 1.0 - (k + 0.6) * gap / max(rad, 1.0) if k else 1.0 - 2.5 / max(rad, 1.0)
            if f <= 0.08:
                break
            q = [(mx + (x - mx) * f, my + (y - my) * f) for x, y in pg]
            mids = [((q[i][0] + q[(i + 1) % len(q)][0]) / 2, (q[i][1] + q[(i + 1) % len(q)][1]) / 2)
                    for i in range(len(q))]
            d = f"M{mids[-1][0]:.1f},{mids[-1][1]:.1f}"
            for i in range(len(q)):
                d += f"Q{q[i][0]:.1f},{q[i][1]:.1f} {mids[i][0]:.1f},{mids[i][1]:.1f}"
            parts.append(d + "Z")
        if parts and not svg(" ".join(parts), cost=3 * len(pg) * len(parts),
                             **style(t, 1.0 - 0.3 * (len(parts) > 2))):
            return
"""
