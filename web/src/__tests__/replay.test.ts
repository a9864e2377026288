// Replays a recorded builtin-artist session (web/scripts/record_session.py) through the reducer,
// as the studio would receive it: every batch animated in order, then acknowledged.
import { describe, expect, it } from "vitest";
import fixture from "../__fixtures__/builtin-session.json";
import { planMotion } from "../motion";
import { describeTool, pillState } from "../presentation";
import type { ServerMessage } from "../protocol";
import { initialState, reduce, type StudioState } from "../store";

interface Recording {
  plan_total_time: Record<string, number>;
  final_stroke_count: number;
  final_title: string | null;
  messages: ServerMessage[];
}

const recording = fixture as unknown as Recording;

function play(messages: ServerMessage[], state: StudioState, animate = true): StudioState {
  let s = state;
  for (const message of messages) {
    s = reduce(s, { type: "server", message });
    // The canvas finishes each batch before the artist goes on.
    if (animate) while (s.queue[0]) s = reduce(s, { type: "batch_done", batchId: s.queue[0].batchId });
  }
  return s;
}

describe("recorded builtin session", () => {
  it("has a real session in it", () => {
    const types = new Set(recording.messages.map((m) => m.type));
    for (const type of [
      "init",
      "new_canvas",
      "turn_state",
      "thinking_delta",
      "code_execution",
      "strokes",
      "piece_title",
      "piece_state",
    ]) {
      expect(types.has(type as ServerMessage["type"])).toBe(true);
    }
    const seqs = recording.messages.map((m) => m.seq ?? 0);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it("rebuilds the finished canvas, title and notebook", () => {
    const open = reduce(initialState(), { type: "connection", state: "open" });
    const s = play(recording.messages, open);
    expect(s.strokes).toHaveLength(recording.final_stroke_count);
    expect(s.title).toBe(recording.final_title);
    expect(s.pieceCompleted).toBe(true);
    expect(s.queue).toHaveLength(0);
    expect(s.turnActive).toBe(false);
    expect(pillState(s)).toBe("idle");
    const thoughts = s.notebook.filter((e) => e.kind === "thought");
    expect(thoughts.length).toBeGreaterThan(2);
    const tools = s.notebook.flatMap((e) => (e.kind === "tool" ? [e] : []));
    expect(tools.every((t) => t.status !== "running")).toBe(true);
    const drawn = tools.reduce((sum, t) => sum + t.paths, 0);
    expect(drawn).toBe(recording.final_stroke_count);
    expect(tools.some((t) => /^drew \d+ paths?$/.test(describeTool(t)))).toBe(true);
    expect(s.lastSeq).toBe(recording.messages[recording.messages.length - 1]?.seq);
  });

  it("resumes after a drop without losing or duplicating anything", () => {
    const cut = Math.floor(recording.messages.length / 2);
    const first = recording.messages.slice(0, cut);
    let s = play(first, initialState());
    s = reduce(s, { type: "connection", state: "reconnecting" });
    const version = s.canvasVersion;
    // The server replays everything after last_seq; a little overlap must be harmless.
    const replay = recording.messages.filter((m) => (m.seq ?? 0) > (s.lastSeq ?? 0) - 5 && m.type !== "init");
    s = reduce(s, { type: "connection", state: "open" });
    s = play(replay, s);
    expect(s.canvasVersion).toBeGreaterThanOrEqual(version);
    expect(s.strokes).toHaveLength(recording.final_stroke_count);
    const whole = play(recording.messages, initialState());
    expect(s.notebook.map((e) => e.kind)).toEqual(whole.notebook.map((e) => e.kind));
  });

  it("keeps batches queued while they animate", () => {
    const s = play(recording.messages, initialState(), false);
    const batches = recording.messages.filter((m) => m.type === "strokes").length;
    expect(s.queue).toHaveLength(batches);
    expect(s.strokes).toHaveLength(0);
  });
});

describe("motion plan against the server's", () => {
  it("times every recorded batch as code_monet.motion_planner does", () => {
    const batches = recording.messages.flatMap((m) => (m.type === "strokes" ? [m] : []));
    expect(batches.length).toBeGreaterThan(0);
    for (const batch of batches) {
      const expected = recording.plan_total_time[String(batch.batch_id)];
      expect(expected).toBeDefined();
      const plan = planMotion(batch.strokes.map((s) => s.points));
      expect(plan.totalTime).toBeCloseTo(expected ?? -1, 3);
    }
  });
});
