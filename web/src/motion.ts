// Pen-plotter motion planning, the client's port of code_monet/motion_planner.py: the same
// junction-deviation corner speeds, forward/backward acceleration passes and trapezoidal
// velocity profiles, so a batch animates with the timing the server expects (and waits for).
// Scalar loops instead of numpy; moves keep which stroke and vertex they came from.

import type { Point } from "./protocol";

export interface PlotterConfig {
  drawVelocity: number;
  drawAcceleration: number;
  travelVelocity: number;
  travelAcceleration: number;
  junctionDeviation: number;
  penLiftDuration: number;
  penDropDuration: number;
  stayDownDistance: number;
}

export const DEFAULT_PLOTTER: PlotterConfig = {
  drawVelocity: 200,
  drawAcceleration: 1500,
  travelVelocity: 400,
  travelAcceleration: 3000,
  junctionDeviation: 0.05,
  penLiftDuration: 0.15,
  penDropDuration: 0.15,
  stayDownDistance: 1,
};

export type BlockKind = "draw" | "travel" | "lift" | "drop";

export interface Block {
  kind: BlockKind;
  /** Stroke (run) index the block belongs to; travel blocks carry the run they leave. */
  run: number;
  /** Index in the run's points of the vertex a draw move starts from, or -1. */
  fromIndex: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  length: number;
  entry: number;
  cruise: number;
  accel: number;
  accelTime: number;
  cruiseTime: number;
  decelTime: number;
  dwell: number;
  start: number;
  duration: number;
  penDown: boolean;
}

export interface MotionPlan {
  blocks: Block[];
  totalTime: number;
}

export interface PenState {
  x: number;
  y: number;
  penDown: boolean;
  block: number;
  /** Runs fully drawn at this moment (0..runs). */
  runsDone: number;
  /** The run being drawn and how far: the index of the last vertex passed, and the pen. */
  current: { run: number; fromIndex: number; x: number; y: number } | null;
}

const SAME_POINT = 1e-9;

interface Vertex {
  x: number;
  y: number;
  run: number;
  index: number;
  chain: number;
}

function junctionLimit(ux0: number, uy0: number, ux1: number, uy1: number, config: PlotterConfig): number {
  const cosTheta = -(ux0 * ux1 + uy0 * uy1);
  const sinHalf = Math.sqrt(0.5 * (1 - Math.min(1, Math.max(-1, cosTheta))));
  if (sinHalf >= 1 - 1e-12) return config.drawVelocity ** 2;
  const limit = (config.drawAcceleration * config.junctionDeviation * sinHalf) / (1 - sinHalf);
  return Math.min(limit, config.drawVelocity ** 2);
}

/** Plan drawing `runs` (pen-down polylines, in this order). Empty runs are skipped. */
export function planMotion(runs: readonly (readonly Point[])[], config: PlotterConfig = DEFAULT_PLOTTER): MotionPlan {
  const verts: Vertex[] = [];
  let chain = 0;
  let previous: Vertex | null = null;
  runs.forEach((points, run) => {
    points.forEach((p, index) => {
      if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) return;
      if (previous !== null && index === 0) {
        const gap = Math.hypot(p.x - previous.x, p.y - previous.y);
        if (gap > config.stayDownDistance) chain += 1;
      }
      const vertex: Vertex = { x: p.x, y: p.y, run, index, chain };
      if (
        previous !== null &&
        previous.chain === chain &&
        Math.hypot(p.x - previous.x, p.y - previous.y) <= SAME_POINT
      ) {
        // Coincident with the previous vertex of the same pen-down chain: one vertex.
        if (previous.run === run) previous.index = index;
        return;
      }
      verts.push(vertex);
      previous = vertex;
    });
  });
  if (verts.length === 0) return { blocks: [], totalTime: 0 };

  const n = verts.length - 1; // moves
  const length = new Float64Array(n);
  const penDown: boolean[] = new Array<boolean>(n);
  const vmax = new Float64Array(n);
  const accel = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const a = verts[k]!;
    const b = verts[k + 1]!;
    length[k] = Math.hypot(b.x - a.x, b.y - a.y);
    penDown[k] = a.chain === b.chain;
    vmax[k] = penDown[k] ? config.drawVelocity : config.travelVelocity;
    accel[k] = penDown[k] ? config.drawAcceleration : config.travelAcceleration;
  }
  // Squared speed limits at vertices: 0 where the pen stops, corner limits elsewhere.
  const limit = new Float64Array(n + 1);
  for (let k = 1; k < n; k++) {
    if (!(penDown[k - 1] && penDown[k])) continue;
    const a = verts[k - 1]!;
    const b = verts[k]!;
    const c = verts[k + 1]!;
    const l0 = Math.max(length[k - 1]!, SAME_POINT);
    const l1 = Math.max(length[k]!, SAME_POINT);
    limit[k] = junctionLimit((b.x - a.x) / l0, (b.y - a.y) / l0, (c.x - b.x) / l1, (c.y - b.y) / l1, config);
  }
  const v2 = Float64Array.from(limit);
  for (let k = 1; k <= n; k++) v2[k] = Math.min(v2[k]!, v2[k - 1]! + 2 * accel[k - 1]! * length[k - 1]!);
  for (let k = n - 1; k >= 0; k--) v2[k] = Math.min(v2[k]!, v2[k + 1]! + 2 * accel[k]! * length[k]!);

  const blocks: Block[] = [];
  let time = 0;
  const pause = (kind: "lift" | "drop", v: Vertex, dwell: number): void => {
    blocks.push({
      kind,
      run: v.run,
      fromIndex: -1,
      x0: v.x,
      y0: v.y,
      x1: v.x,
      y1: v.y,
      length: 0,
      entry: 0,
      cruise: 0,
      accel: 0,
      accelTime: 0,
      cruiseTime: 0,
      decelTime: 0,
      dwell,
      start: time,
      duration: dwell,
      penDown: kind === "drop",
    });
    time += dwell;
  };
  pause("drop", verts[0]!, config.penDropDuration);
  for (let k = 0; k < n; k++) {
    const a = verts[k]!;
    const b = verts[k + 1]!;
    const d = length[k]!;
    const acc = accel[k]!;
    const v0s = Math.max(0, v2[k]!);
    const v1s = Math.max(0, v2[k + 1]!);
    let cruise2 = Math.min(vmax[k]! ** 2, 0.5 * (v0s + v1s) + acc * d);
    cruise2 = Math.max(cruise2, v0s, v1s);
    const v0 = Math.sqrt(v0s);
    const v1 = Math.sqrt(v1s);
    const vc = Math.sqrt(cruise2);
    const ramps = (2 * cruise2 - v0s - v1s) / (2 * acc);
    const cruiseTime = vc > 0 ? Math.max(d - ramps, 0) / vc : 0;
    const accelTime = (vc - v0) / acc;
    const decelTime = (vc - v1) / acc;
    const sameRun = a.run === b.run;
    const down = penDown[k]!;
    if (!down) pause("lift", a, config.penLiftDuration);
    const duration = accelTime + cruiseTime + decelTime;
    blocks.push({
      kind: down && sameRun ? "draw" : "travel",
      run: down && sameRun ? b.run : a.run,
      fromIndex: down && sameRun ? a.index : -1,
      x0: a.x,
      y0: a.y,
      x1: b.x,
      y1: b.y,
      length: d,
      entry: v0,
      cruise: vc,
      accel: acc,
      accelTime,
      cruiseTime,
      decelTime,
      dwell: 0,
      start: time,
      duration,
      penDown: down,
    });
    time += duration;
    if (!down) pause("drop", b, config.penDropDuration);
  }
  pause("lift", verts[n]!, config.penLiftDuration);
  return { blocks, totalTime: time };
}

function findBlock(blocks: Block[], t: number): number {
  let lo = 0;
  let hi = blocks.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (blocks[mid]!.start <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Distance travelled `tau` seconds into a move with a trapezoidal profile. */
export function distanceInto(block: Block, tau: number): number {
  const t = Math.min(Math.max(tau, 0), block.duration);
  const ramp = Math.min(t, block.accelTime);
  const run = Math.min(Math.max(t - block.accelTime, 0), block.cruiseTime);
  const tail = Math.min(Math.max(t - block.accelTime - block.cruiseTime, 0), block.decelTime);
  return (
    block.entry * ramp + 0.5 * block.accel * ramp * ramp + block.cruise * (run + tail) - 0.5 * block.accel * tail * tail
  );
}

/** Where the pen is at time `t` and which runs are finished. */
export function penAt(plan: MotionPlan, t: number, runCount: number): PenState {
  const { blocks } = plan;
  if (blocks.length === 0 || t >= plan.totalTime) {
    const last = blocks[blocks.length - 1];
    return {
      x: last?.x1 ?? 0,
      y: last?.y1 ?? 0,
      penDown: false,
      block: blocks.length,
      runsDone: runCount,
      current: null,
    };
  }
  const index = findBlock(blocks, Math.max(0, t));
  const block = blocks[index]!;
  const frac = block.length > 0 ? Math.min(1, Math.max(0, distanceInto(block, t - block.start) / block.length)) : 1;
  const x = block.x0 + (block.x1 - block.x0) * frac;
  const y = block.y0 + (block.y1 - block.y0) * frac;
  if (block.kind === "draw") {
    return {
      x,
      y,
      penDown: true,
      block: index,
      runsDone: block.run,
      current: { run: block.run, fromIndex: block.fromIndex, x, y },
    };
  }
  // Drops, lifts and travel: the run the block belongs to is done once the pen leaves it.
  let runsDone = block.run;
  if (block.kind === "lift" || block.kind === "travel") runsDone = block.run + 1;
  else if (block.kind === "drop") {
    // A drop before a run's first move: previous runs are done.
    runsDone = block.run;
  }
  return { x, y, penDown: block.penDown, block: index, runsDone: Math.min(runsDone, runCount), current: null };
}
