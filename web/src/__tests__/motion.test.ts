import { describe, expect, it } from "vitest";
import { decimate, flattenPath, pathData } from "../geometry";
import { DEFAULT_PLOTTER, penAt, planMotion } from "../motion";

const square = [
  { x: 0, y: 0 },
  { x: 100, y: 0 },
  { x: 100, y: 100 },
];

describe("motion plan", () => {
  it("is empty for nothing", () => {
    expect(planMotion([]).totalTime).toBe(0);
  });

  it("times a straight stroke like the server (trapezoid, pen drop and lift)", () => {
    const plan = planMotion([
      [
        { x: 0, y: 0 },
        { x: 100, y: 0 },
      ],
    ]);
    // accelerate to 200 u/s over 13.33 u, cruise, decelerate: 0.5 + 0.1333 s, plus 0.15 + 0.15
    const v = DEFAULT_PLOTTER.drawVelocity;
    const a = DEFAULT_PLOTTER.drawAcceleration;
    const expected = 100 / v + v / a + 0.3;
    expect(plan.totalTime).toBeCloseTo(expected, 6);
    expect(plan.blocks.map((b) => b.kind)).toEqual(["drop", "draw", "lift"]);
  });

  it("slows for corners and travels between strokes", () => {
    const plan = planMotion([
      square,
      [
        { x: 300, y: 300 },
        { x: 310, y: 300 },
      ],
    ]);
    const kinds = plan.blocks.map((b) => b.kind);
    expect(kinds).toEqual(["drop", "draw", "draw", "lift", "travel", "drop", "draw", "lift"]);
    const corner = plan.blocks[1]!;
    expect(corner.entry).toBe(0);
    expect(plan.blocks[2]!.entry).toBeGreaterThan(0);
    expect(plan.blocks[2]!.entry).toBeLessThan(DEFAULT_PLOTTER.drawVelocity);
    // Travel is pen-up and faster.
    expect(plan.blocks[4]!.penDown).toBe(false);
    expect(plan.blocks[4]!.cruise).toBeGreaterThan(DEFAULT_PLOTTER.drawVelocity);
  });

  it("keeps the pen down across tiny gaps", () => {
    const plan = planMotion([
      [
        { x: 0, y: 0 },
        { x: 10, y: 0 },
      ],
      [
        { x: 10.5, y: 0 },
        { x: 20, y: 0 },
      ],
    ]);
    expect(plan.blocks.filter((b) => b.kind === "lift")).toHaveLength(1);
  });

  it("reports the pen along the way and which strokes are done", () => {
    const plan = planMotion([
      square,
      [
        { x: 300, y: 300 },
        { x: 310, y: 300 },
      ],
    ]);
    const start = penAt(plan, 0, 2);
    expect(start.runsDone).toBe(0);
    const mid = penAt(plan, plan.blocks[1]!.start + plan.blocks[1]!.duration / 2, 2);
    expect(mid.penDown).toBe(true);
    expect(mid.current?.run).toBe(0);
    expect(mid.x).toBeGreaterThan(0);
    expect(mid.x).toBeLessThan(100);
    const travelling = penAt(plan, plan.blocks[4]!.start + 0.01, 2);
    expect(travelling.runsDone).toBe(1);
    expect(penAt(plan, plan.totalTime + 1, 2).runsDone).toBe(2);
    // Monotonic progress.
    let last = 0;
    for (let t = 0; t < plan.totalTime; t += 0.01) {
      const p = penAt(plan, t, 2);
      expect(p.runsDone).toBeGreaterThanOrEqual(last);
      last = p.runsDone;
    }
  });
});

describe("geometry", () => {
  it("writes path data for every kind", () => {
    expect(
      pathData({
        type: "line",
        author: "agent",
        points: [
          { x: 0, y: 0 },
          { x: 1.234, y: 2 },
        ],
      }),
    ).toBe("M0 0 L1.23 2");
    expect(
      pathData({
        type: "cubic",
        author: "agent",
        points: [
          { x: 0, y: 0 },
          { x: 1, y: 1 },
          { x: 2, y: 1 },
          { x: 3, y: 0 },
        ],
      }),
    ).toBe("M0 0 C1 1 2 1 3 0");
    expect(pathData({ type: "svg", author: "agent", points: [], d: "M0 0 A5 5 0 0 1 10 0" })).toBe(
      "M0 0 A5 5 0 0 1 10 0",
    );
  });

  it("flattens lines and curves into close points", () => {
    const pts = flattenPath(
      {
        type: "line",
        author: "agent",
        points: [
          { x: 0, y: 0 },
          { x: 10, y: 0 },
        ],
      },
      2,
    );
    expect(pts).toHaveLength(6);
    const curve = flattenPath(
      {
        type: "quadratic",
        author: "agent",
        points: [
          { x: 0, y: 0 },
          { x: 50, y: 50 },
          { x: 100, y: 0 },
        ],
      },
      2,
    );
    expect(curve[0]).toEqual({ x: 0, y: 0 });
    expect(curve[curve.length - 1]).toEqual({ x: 100, y: 0 });
    expect(flattenPath({ type: "svg", author: "agent", points: [], d: "M0 0 L1 1" }, 2)).toEqual([]);
  });

  it("decimates long strokes keeping the ends", () => {
    const pts = Array.from({ length: 100 }, (_, i) => ({ x: i, y: 0 }));
    const out = decimate(pts, 10);
    expect(out).toHaveLength(10);
    expect(out[0]).toEqual({ x: 0, y: 0 });
    expect(out[9]).toEqual({ x: 99, y: 0 });
  });
});
