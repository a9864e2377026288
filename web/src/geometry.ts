// Path geometry shared by the canvas and the gallery replay: SVG path data for every path kind,
// and the dense polyline a stroke is animated through when the server did not send one.

import type { Path, Point } from "./protocol";

const fmt = (n: number): string => (Math.round(n * 100) / 100).toString();
const pt = (p: Point): string => `${fmt(p.x)} ${fmt(p.y)}`;

/** SVG path data for a path (the `d` of svg paths as is). */
export function pathData(path: Path): string {
  const p = path.points;
  switch (path.type) {
    case "svg":
      return path.d ?? "";
    case "line":
    case "polyline":
      if (p.length === 0) return "";
      if (p.length === 1) return `M${pt(p[0]!)} l0 0`;
      return (
        `M${pt(p[0]!)} ` +
        p
          .slice(1)
          .map((q) => `L${pt(q)}`)
          .join(" ")
      );
    case "quadratic":
      if (p.length < 3) return "";
      return `M${pt(p[0]!)} Q${pt(p[1]!)} ${pt(p[2]!)}`;
    case "cubic":
      if (p.length < 4) return "";
      return `M${pt(p[0]!)} C${pt(p[1]!)} ${pt(p[2]!)} ${pt(p[3]!)}`;
  }
}

function bezier(points: Point[], steps: number): Point[] {
  const out: Point[] = [];
  for (let i = 0; i <= steps; i++) {
    const t = i / steps;
    const u = 1 - t;
    if (points.length === 3) {
      const [a, b, c] = points as [Point, Point, Point];
      out.push({ x: u * u * a.x + 2 * u * t * b.x + t * t * c.x, y: u * u * a.y + 2 * u * t * b.y + t * t * c.y });
    } else {
      const [a, b, c, d] = points as [Point, Point, Point, Point];
      out.push({
        x: u * u * u * a.x + 3 * u * u * t * b.x + 3 * u * t * t * c.x + t * t * t * d.x,
        y: u * u * u * a.y + 3 * u * u * t * b.y + 3 * u * t * t * c.y + t * t * t * d.y,
      });
    }
  }
  return out;
}

function polylineLength(points: Point[]): number {
  let total = 0;
  for (let i = 1; i < points.length; i++)
    total += Math.hypot(points[i]!.x - points[i - 1]!.x, points[i]!.y - points[i - 1]!.y);
  return total;
}

/** A function measuring an SVG path (in the browser: an SVGPathElement); null when unavailable. */
export type SvgSampler = (d: string, spacing: number) => Point[] | null;

/**
 * The points a pen passes through drawing `path`, about `spacing` units apart (straight edges
 * keep their vertices). SVG path data needs a `sampler` (the browser's SVG engine).
 */
export function flattenPath(path: Path, spacing = 2, sampler: SvgSampler | null = null): Point[] {
  const p = path.points;
  switch (path.type) {
    case "line":
    case "polyline": {
      const out: Point[] = [];
      for (let i = 0; i < p.length; i++) {
        const b = p[i]!;
        const a = p[i - 1];
        if (a) {
          const steps = Math.max(1, Math.ceil(Math.hypot(b.x - a.x, b.y - a.y) / spacing));
          for (let s = 1; s < steps; s++)
            out.push({ x: a.x + ((b.x - a.x) * s) / steps, y: a.y + ((b.y - a.y) * s) / steps });
        }
        out.push(b);
      }
      return out;
    }
    case "quadratic":
    case "cubic": {
      if (p.length < (path.type === "quadratic" ? 3 : 4)) return p.slice();
      const rough = polylineLength(p);
      return bezier(p, Math.min(2000, Math.max(4, Math.ceil(rough / spacing))));
    }
    case "svg":
      return (sampler && path.d ? sampler(path.d, spacing) : null) ?? [];
  }
}

/** The browser sampler: walks an SVGPathElement with getPointAtLength (arcs included). */
export function domSvgSampler(): SvgSampler | null {
  if (typeof document === "undefined") return null;
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  const el = document.createElementNS("http://www.w3.org/2000/svg", "path");
  svg.appendChild(el);
  return (d, spacing) => {
    try {
      el.setAttribute("d", d);
      const total = el.getTotalLength();
      if (!Number.isFinite(total)) return null;
      const steps = Math.min(4000, Math.max(1, Math.ceil(total / spacing)));
      const out: Point[] = [];
      for (let i = 0; i <= steps; i++) {
        const q = el.getPointAtLength((total * i) / steps);
        out.push({ x: q.x, y: q.y });
      }
      return out;
    } catch {
      return null;
    }
  };
}

/** Drop points so a human stroke fits the server's limit, keeping both ends. */
export function decimate(points: Point[], max: number): Point[] {
  if (points.length <= max) return points;
  const out: Point[] = [];
  const step = (points.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(points[Math.round(i * step)]!);
  return out;
}
