"""Technique bodies that grow, flow and swing: sandbox-side Python source strings.

Each body defines ``draw()`` using the prelude's helpers (``poly``, ``svg``, ``style``,
``inside``, ``noise``...). They read every knob from ``P`` (density ``D``, energy ``E``,
``VARIANT``) and stop quietly when the prelude's budget is spent, so they cannot overrun.
"""

from __future__ import annotations

from typing import Final

FLOW_FIELD: Final = """
def draw():
    sep = clamp(14.0 / D, 4.0, 40.0)
    step = sep * 0.5
    short = VARIANT == "short"
    max_steps = int(clamp((14 if short else 220) * (1.2 - 0.4 * E), 6, 400))
    turns = 0.7 + 1.4 * E
    base = R.uniform(0, 2 * math.pi)
    grid = {}
    near = (sep * 0.75) ** 2

    def angle(x, y):
        return base + turns * math.pi * noise(x, y, 0.7 + E)

    def free(x, y):
        gx, gy = int(x // sep), int(y // sep)
        for i in (gx - 1, gx, gx + 1):
            for j in (gy - 1, gy, gy + 1):
                for px, py in grid.get((i, j), ()):
                    if (px - x) ** 2 + (py - y) ** 2 < near:
                        return False
        return True

    def trace(x, y, sign):
        pts = [(x, y)]
        for _ in range(max_steps):
            a = angle(x, y)
            x, y = x + sign * step * math.cos(a), y + sign * step * math.sin(a)
            if not inside(x, y) or not free(x, y):
                break
            pts.append((x, y))
        return pts

    spacing = sep * (2.2 if short else 1.4)
    seeds = []
    y = Y0 + spacing / 2
    while y < Y1:
        x = X0 + spacing / 2
        while x < X1:
            seeds.append((x + R.uniform(-0.4, 0.4) * spacing, y + R.uniform(-0.4, 0.4) * spacing))
            x += spacing
        y += spacing
    R.shuffle(seeds)
    for sx, sy in seeds:
        if not inside(sx, sy) or not free(sx, sy) or R.random() > 0.25 + falloff(sx, sy):
            continue
        pts = trace(sx, sy, -1)[::-1] + trace(sx, sy, 1)[1:]
        if len(pts) < (3 if short else 6):
            continue
        for px, py in pts:
            grid.setdefault((int(px // sep), int(py // sep)), []).append((px, py))
        t = (noise(sx, sy, 0.45) + 1.0) / 2.0
        k = 0.55 + 1.1 * R.random() ** 2 + min(0.6, len(pts) / 300.0)
        if not poly(pts, **style(t, k)):
            break
"""

WAVES: Final = """
def draw():
    gap = clamp((11.0 if PAINT else 14.0) / D, 3.5, 40.0)
    n = int(clamp(RH / gap, 3, 150))
    m = int(clamp(RW / 5.0, 30, 220))
    xs = np.linspace(X0, X1, m)
    front = np.full(m, 1e9)
    amp = gap * (1.2 + 3.5 * E)
    phases = [R.uniform(0, 2 * math.pi) for _ in range(3)]
    freqs = [R.uniform(2.0, 4.5) * math.pi / RW, R.uniform(6.0, 10.0) * math.pi / RW]
    env_w = RW * R.uniform(0.18, 0.3)
    peak = CX + R.uniform(-0.2, 0.2) * RW
    for i in range(n - 1, -1, -1):
        u = i / max(1, n - 1)
        if VARIANT == "sea":
            y0 = Y0 + RH * (0.03 + 0.95 * u ** 1.5)
            persp = 0.25 + 0.75 * u
            f1 = 2 * math.pi / (RW * 0.3 * persp + 20.0)
            f2 = 2 * math.pi / (RW * 0.19 * persp + 14.0)
            c1 = 1.0 - np.abs(np.sin(xs * f1 + phases[0] + 0.9 * i))
            c2 = 1.0 - np.abs(np.sin(xs * f2 + phases[1] - 1.7 * i))
            swell = noise_np(xs, np.full(m, y0 * 2.5), 1.0)
            ys = y0 - amp * persp * (0.7 * c1 ** 2.5 + 0.45 * c2 ** 3 + 0.6 * swell)
        elif VARIANT == "ridge":
            y0 = Y0 + amp * 4.2 + (RH - amp * 4.2) * u
            env = np.exp(-(((xs - peak) / env_w) ** 2))
            bumps = 0.5 + 0.5 * noise_np(xs * 2.5, np.full(m, y0 * 7.0), 2.0)
            ys = y0 - amp * (0.25 + 3.8 * env * bumps)
        else:
            y0 = Y0 + RH * (0.1 + 0.88 * u)
            env = 0.6 + 0.4 * np.sin(xs * freqs[0] * 0.5 + phases[2])
            ys = y0 - amp * 2.4 * env * (1.0 + noise_np(xs, np.full(m, y0 * 2.2 + 300.0), 1.4 + E))
        ys = np.maximum(ys, Y0)
        visible = ys <= front - 0.8
        front = np.minimum(front, ys)
        pts = list(zip(xs.tolist(), ys.tolist()))
        ok = dict(zip(pts, visible.tolist()))
        for run in runs(pts, lambda x, y: ok[(x, y)] and inside(x, y)):
            if not poly(run, **style(u, 0.45 + 1.1 * u)):
                return
"""

LSYSTEM: Final = r"""
RULES = {
    "tree": ("F", {"F": ["F[+F]F[-F]F", "F[+F]F", "F[-F]F", "F[+F][-F]F"]}, 25.7, 5),
    "weed": ("F", {"F": ["F[+F]F[-F][F]", "F[-F][F]", "F[+F][F]"]}, 20.0, 5),
    "bush": ("F", {"F": ["FF-[-F+F+F]+[+F-F-F]"]}, 22.5, 4),
    "plant": ("X", {"X": ["F+[[X]-X]-F[-FX]+X", "F-[[X]+X]+F[+FX]-X"], "F": ["FF"]}, 25.0, 5),
}


def grow(kind, budget):
    axiom, rules, deg, depth = RULES[kind]
    s = axiom
    for _ in range(depth):
        nxt = "".join(R.choice(rules[c]) if c in rules else c for c in s)
        if nxt.count("F") > budget:
            break
        s = nxt
    return s, math.radians(deg)


def turtle(s, turn):
    # A branch's run continues after its side branches return, so runs == branches.
    x, y, h = 0.0, 0.0, -math.pi / 2
    stack, done, tips = [], [], []
    cur = [(0.0, 0.0)]
    bend = R.uniform(-0.02, 0.02) * (0.5 + E)
    for c in s:
        if c == "F":
            x, y = x + math.cos(h), y + math.sin(h)
            h += bend
            cur.append((x, y))
        elif c == "+":
            h += turn * R.uniform(0.75, 1.25)
        elif c == "-":
            h -= turn * R.uniform(0.75, 1.25)
        elif c == "[":
            stack.append((x, y, h, cur))
            cur = [(x, y)]
        elif c == "]":
            if len(cur) > 1:
                done.append((len(stack), cur))
                tips.append(cur[-1])
            if stack:
                x, y, h, cur = stack.pop()
    if len(cur) > 1:
        done.append((len(stack), cur))
    return done, tips


def draw():
    kinds = {"forest": ["tree", "weed", "tree"], "garden": ["plant", "bush", "weed"]}
    pool = kinds.get(VARIANT, ["tree", "plant", "bush", "weed"])
    count = int(clamp(round(P.get("count", 3) * (0.6 + 0.4 * D)), 1, 9))
    count = max(1, min(count, int(RW / (RH * 0.25))))  # tall canvases: fewer, taller plants
    ground = Y1 - RH * 0.03
    per = max(60, int(min(P["max_points"] * 0.6, (9000 if PAINT else 4000) * D) / count))
    slots = sorted(X0 + RW * (i + 0.5 + R.uniform(-0.3, 0.3)) / count for i in range(count))
    gpts = [(x, ground + 4 * noise(x, ground, 2.0)) for x in np.linspace(X0, X1, 60).tolist()]
    poly(gpts, **style(0.0, 0.8))
    for i in sorted(range(count), key=lambda _: R.random()):
        s, turn = grow(R.choice(pool), per)
        segs, tips = turtle(s, turn)
        xs = [p[0] for _d, r in segs for p in r]
        ys = [p[1] for _d, r in segs for p in r]
        if not xs:
            continue
        w0, h0 = max(xs) - min(xs) or 1.0, max(ys) - min(ys) or 1.0
        tall = RH * 0.94 * R.uniform(0.55, 1.0)
        scale = min(tall / h0, (RW / count) * 1.6 / w0)
        bx = slots[i]
        maxd = max(d for d, _r in segs) or 1
        for depth in range(maxd + 1):
            group = [r for d, r in segs if d == depth]
            t = depth / (maxd + 1)
            for g in range(0, len(group), 30):
                parts = []
                for r in group[g:g + 30]:
                    pts = " ".join(f"{bx + px * scale:.1f},{ground + py * scale:.1f}"
                                   for px, py in r[::2] + r[-1:])
                    parts.append("M" + pts.replace(" ", " L", 1))
                cost = sum(len(r) for r in group[g:g + 30])
                if not svg(" ".join(parts), cost=cost, **style(t, max(0.35, 2.4 * 0.7 ** depth))):
                    return
        dots = []
        for px, py in tips:
            if R.random() < (0.35 if PAINT else 0.08) * D:
                dots.append(circle_d(bx + px * scale, ground + py * scale, R.uniform(1.0, 3.0)))
        for g in range(0, len(dots), 40):
            svg(" ".join(dots[g:g + 40]), cost=14 * 40, **style(0.95, 0.5))
"""

HARMONOGRAPH: Final = """
def draw():
    a, b = R.choice([(2, 3), (3, 4), (1, 2), (3, 5), (4, 5), (1, 3), (2, 5), (1, 1)])
    a, b = 2.0 * a / max(a, b), 2.0 * b / max(a, b)
    detune = 0.004 + 0.03 * E
    f = [a + R.uniform(-detune, detune), b + R.uniform(-detune, detune),
         a + R.uniform(-detune, detune), b + R.uniform(-detune, detune)]
    p = [R.uniform(0, 2 * math.pi) for _ in range(4)]
    d = [R.uniform(0.006, 0.016) for _ in range(4)]
    amp = [1.0, R.uniform(0.3, 0.9), 1.0, R.uniform(0.3, 0.9)]
    tmax = math.log(1 / 0.12) / (sum(d) / 4)
    n = int(clamp(4000 * D, 2500, 8000))
    t = np.linspace(0, tmax, n)
    layers = 2 if D > 1.1 else 1
    for layer in range(layers):
        q = 0.0 if layer == 0 else R.uniform(0.08, 0.2)
        x = (amp[0] * np.sin(f[0] * t + p[0] + q) * np.exp(-d[0] * t)
             + amp[1] * np.sin(f[1] * t + p[1]) * np.exp(-d[1] * t))
        y = (amp[2] * np.sin(f[2] * t + p[2]) * np.exp(-d[2] * t)
             + amp[3] * np.sin(f[3] * t + p[3] - q) * np.exp(-d[3] * t))
        x = CX + x / (np.abs(x).max() or 1.0) * RW * 0.46
        y = CY + y / (np.abs(y).max() or 1.0) * RH * 0.46
        pts = list(zip(x.tolist(), y.tolist()))
        chunks = 10
        size = len(pts) // chunks + 1
        for c in range(chunks):
            part = pts[c * size: (c + 1) * size + 1]
            u = c / chunks
            if not poly(part, **style(u, (1.5 - 1.0 * u) * (1.0 if layer == 0 else 0.6))):
                return
"""

SPIRAL: Final = """
def draw():
    rmax = min(RW, RH) * 0.48
    golden = math.pi * (3 - math.sqrt(5))
    if VARIANT == "phyllotaxis":
        n = int(clamp(420 * D, 120, 1100))
        c = rmax / math.sqrt(n)
        for i in range(1, n):
            r = c * math.sqrt(i)
            a = i * golden
            x, y = CX + r * math.cos(a), CY + r * math.sin(a)
            rad = c * (0.16 + 0.3 * (i / n)) * (1.0 + 0.25 * noise(x, y, 2.0))
            if PAINT:
                st = style(i / n, 1.0, brush="")
                st["stroke_width"] = round(clamp(rad * 2.0, 1.0, 40.0), 2)
                ok = poly([(x - 0.3, y), (x + 0.3, y)], **st)
            else:
                ok = svg(circle_d(x, y, rad), cost=14)
            if not ok:
                return
        return
    arms = 1 if VARIANT == "single" else R.choice([2, 3] if PAINT else [2])
    turns_n = clamp((7.0 if PAINT else 5.0) * D, 3.0, 16.0)
    wob = 0.02 + 0.12 * E
    k = R.choice([5, 7, 9, 11])
    for arm in range(arms):
        off = arm * 2 * math.pi / arms
        pts = []
        theta = 0.0
        while theta < turns_n * 2 * math.pi:
            r = rmax * theta / (turns_n * 2 * math.pi)
            rr = r * (1.0 + wob * math.sin(k * theta + off))
            pts.append((CX + rr * math.cos(theta + off), CY + rr * math.sin(theta + off)))
            theta += clamp(5.0 / max(r, 5.0), 0.02, 0.5)
        parts = 8
        size = len(pts) // parts + 1
        for c in range(parts):
            if not poly(pts[c * size: (c + 1) * size + 1], **style(c / parts, 0.5 + c / parts)):
                return
    rays = int(clamp(24 * D, 8, 60))
    for i in range(rays):
        a = 2 * math.pi * i / rays + R.uniform(-0.03, 0.03)
        r0, r1 = rmax * 1.06, rmax * R.uniform(1.12, 1.3)
        if r1 < min(RW, RH) * 0.75:
            poly([(CX + r0 * math.cos(a), CY + r0 * math.sin(a)),
                  (CX + r1 * math.cos(a), CY + r1 * math.sin(a))], **style(0.9, 0.8))
"""

CONTOURS: Final = """
def draw():
    res = clamp(6.0 / math.sqrt(D), 4.0, 10.0)
    xs = np.arange(X0, X1 + res, res)
    ys = np.arange(Y0, Y1 + res, res)
    gx, gy = np.meshgrid(xs, ys)
    field = 0.6 * noise_np(gx, gy, 0.5 + 0.8 * E)
    for _ in range(R.randint(2, 4)):
        hx, hy = R.uniform(X0, X1), R.uniform(Y0, Y1)
        sig = R.uniform(0.12, 0.3) * min(RW, RH)
        field = field + R.choice([1.0, 1.0, -0.7]) * np.exp(-((gx - hx) ** 2 + (gy - hy) ** 2)
                                                           / (2 * sig * sig))
    lo, hi = float(field.min()), float(field.max())
    n = int(clamp(24 * D, 6, 48))
    for li in range(1, n):
        level = lo + (hi - lo) * li / n
        major = li % 5 == 0
        for line in contour_lines(field, xs, ys, level):
            for run in runs(line, lambda x, y: inside(x, y)):
                if not poly(run[::2] + run[-1:], **style(li / n, 1.7 if major else 0.7)):
                    return
"""

WASHES: Final = """
def draw():
    if PAINT:
        bands = int(clamp(14 * D, 4, 40))
        for i in range(bands):
            u = R.random()
            y = Y0 + RH * u
            span = RW * R.uniform(0.35, 1.0)
            x0 = R.uniform(X0 - 20, X1 - span + 20)
            tilt = R.uniform(-0.06, 0.06) * RH
            xs = np.linspace(x0, x0 + span, 18).tolist()
            pts = [(x, y + tilt * (x - x0) / span + 0.05 * RH * noise(x, y, 1.2)) for x in xs]
            pts = [p for p in pts if inside(clamp(p[0], X0, X1), clamp(p[1], Y0, Y1))]
            if not poly(pts, **style(u, R.uniform(0.6, 1.3))):
                return
        return
    gap = clamp(5.0 / D, 2.5, 18.0)
    y = Y0 + gap
    while y < Y1:
        u = (y - Y0) / RH
        xs = np.linspace(X0, X1, 120).tolist()
        pts = [(x, y + 1.5 * noise(x, y, 2.0)) for x in xs]
        level = 0.55 - 0.9 * u
        for run in runs(pts, lambda a, b: inside(a, b) and noise(a, b * 1.8, 1.6) > level):
            if not poly(run[::3] + run[-1:], **style(u)):
                return
        y += gap * (1.8 - 1.0 * u)
"""
