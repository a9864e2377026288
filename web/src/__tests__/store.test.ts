import { describe, expect, it } from "vitest";
import { describeTool, pillState } from "../presentation";
import {
  effectiveStyle,
  type InitMessage,
  PAINT_STYLE,
  type Path,
  PLOTTER_STYLE,
  parseServerMessage,
  type ServerMessage,
} from "../protocol";
import { type Action, initialState, reduce, type StudioState } from "../store";

const line = (x: number, author: "agent" | "human" = "agent"): Path => ({
  type: "line",
  points: [
    { x, y: 0 },
    { x, y: 10 },
  ],
  author,
});

function init(extra: Partial<InitMessage> = {}): InitMessage {
  return {
    type: "init",
    strokes: [],
    gallery: [],
    status: "idle",
    paused: false,
    piece_number: 1,
    monologue: "",
    drawing_style: "plotter",
    style_config: PLOTTER_STYLE,
    canvas_width: 800,
    canvas_height: 600,
    title: null,
    prompt: null,
    seq: 10,
    last_batch_id: 0,
    ...extra,
  };
}

/** code_execution always carries these (null when the tool produced none). */
const NO_OUTPUT = { tool_input: null, stdout: null, stderr: null };

const ACTIONS = new Set([
  "server",
  "connection",
  "batch_done",
  "nudge_sent",
  "new_piece_requested",
  "local_error",
  "dismiss_error",
]);

function run(messages: (ServerMessage | Action)[], state: StudioState = initialState()): StudioState {
  return messages.reduce<StudioState>(
    (s, m) => reduce(s, ACTIONS.has(m.type) ? (m as Action) : { type: "server", message: m as ServerMessage }),
    state,
  );
}

const batch = (batchId: number, seq: number, xs: number[], piece = 1): ServerMessage => ({
  type: "strokes",
  seq,
  batch_id: batchId,
  piece_number: piece,
  strokes: xs.map((x) => ({ batch_id: batchId, path: line(x), points: line(x).points })),
});

describe("reducer", () => {
  it("takes the whole state from init", () => {
    const s = run([
      init({ strokes: [line(1), line(2)], title: "Sea", piece_number: 4, paused: true, status: "paused" }),
    ]);
    expect(s.initialized).toBe(true);
    expect(s.strokes).toHaveLength(2);
    expect(s.pieceNumber).toBe(4);
    expect(s.title).toBe("Sea");
    expect(s.lastSeq).toBe(10);
    expect(s.protocol).toBe("v2");
    expect(pillState({ ...s, connection: "open" })).toBe("paused");
  });

  it("queues inline batches until animated, then puts them on the canvas", () => {
    let s = run([init(), batch(1, 11, [1, 2, 3])]);
    expect(s.queue).toHaveLength(1);
    expect(s.strokes).toHaveLength(0);
    s = reduce(s, { type: "batch_done", batchId: 1 });
    expect(s.queue).toHaveLength(0);
    expect(s.strokes.map((p) => p.points[0]?.x)).toEqual([1, 2, 3]);
  });

  it("ignores messages it has already seen (seq) and batches already on the canvas", () => {
    let s = run([init({ strokes: [line(1)], last_batch_id: 3, seq: 20 })]);
    s = run([batch(3, 21, [1])], s); // batch 3 is in init's strokes
    expect(s.queue).toHaveLength(0);
    expect(s.lastSeq).toBe(21);
    s = run([batch(4, 22, [2]), batch(4, 22, [2]), batch(4, 23, [2])], s);
    expect(s.queue).toHaveLength(1);
    const before = s;
    s = run([{ type: "thinking_delta", text: "again", iteration: 1, seq: 22 }], s);
    expect(s).toBe(before);
  });

  it("keeps the canvas across a resume (replayed messages only append)", () => {
    let s = run([init({ strokes: [line(1)] }), batch(1, 11, [2])]);
    s = reduce(s, { type: "batch_done", batchId: 1 });
    const version = s.canvasVersion;
    s = reduce(s, { type: "connection", state: "reconnecting" });
    expect(pillState(s)).toBe("reconnecting");
    s = reduce(s, { type: "connection", state: "open" });
    s = run([batch(1, 11, [2]), { type: "human_stroke", seq: 12, path: line(5, "human") }, batch(2, 13, [3])], s);
    expect(s.canvasVersion).toBe(version);
    expect(s.strokes).toHaveLength(3);
    expect(s.queue.map((b) => b.batchId)).toEqual([2]);
  });

  it("falls back to v1: no seq, and fetched batches already in init are not drawn twice", () => {
    const strokes = [line(1), line(2)];
    const { seq: _seq, last_batch_id: _last, ...v1 } = init({ strokes });
    let s = run([v1 as InitMessage]);
    expect(s.protocol).toBe("v1");
    s = run(
      [
        {
          type: "strokes",
          batch_id: 7,
          piece_number: 1,
          strokes: strokes.map((p) => ({ batch_id: 7, path: p, points: p.points })),
        },
      ],
      s,
    );
    expect(s.queue).toHaveLength(0);
    expect(s.lastBatchId).toBe(7);
    s = run(
      [{ type: "strokes", batch_id: 8, piece_number: 1, strokes: [{ batch_id: 8, path: line(9), points: [] }] }],
      s,
    );
    expect(s.queue).toHaveLength(1);
  });

  it("clear and new piece replace the canvas and drop queued batches", () => {
    let s = run([init({ strokes: [line(1)] }), batch(1, 11, [2])]);
    const v = s.canvasVersion;
    s = run([{ type: "clear", seq: 12 }], s);
    expect(s.strokes).toHaveLength(0);
    expect(s.queue).toHaveLength(0);
    expect(s.canvasVersion).toBe(v + 1);
    s = reduce(s, { type: "new_piece_requested", prompt: "a fox" });
    s = run(
      [
        { type: "new_canvas", seq: 13, saved_id: null, canvas_width: 800, canvas_height: 800 },
        { type: "piece_state", seq: 14, number: 2, completed: false },
      ],
      s,
    );
    expect(s.pieceNumber).toBe(2);
    expect(s.canvasHeight).toBe(800);
    expect(s.prompt).toBe("a fox");
    expect(s.notebook.map((e) => e.kind)).toEqual(["event", "nudge"]);
    // A late batch of the previous piece is ignored.
    s = run([batch(9, 15, [1], 1)], s);
    expect(s.queue).toHaveLength(0);
  });

  it("writes the notebook: prose, tool lines with counts, nudges", () => {
    let s = run([
      init(),
      { type: "turn_state", seq: 11, active: true },
      { type: "thinking_delta", seq: 12, text: "A calm ", iteration: 1 },
      { type: "thinking_delta", seq: 13, text: "sea.", iteration: 1 },
      {
        ...NO_OUTPUT,
        type: "code_execution",
        seq: 14,
        status: "started",
        tool_name: "draw_paths",
        tool_input: {},
        iteration: 1,
      },
    ]);
    expect(pillState({ ...s, connection: "open" })).toBe("drawing");
    s = run(
      [
        batch(1, 15, [1, 2, 3]),
        {
          ...NO_OUTPUT,
          type: "code_execution",
          seq: 16,
          status: "completed",
          tool_name: "draw_paths",
          return_code: 0,
          iteration: 1,
        },
      ],
      s,
    );
    s = reduce(s, { type: "nudge_sent", text: "more birds" });
    s = run(
      [
        { ...NO_OUTPUT, type: "code_execution", seq: 17, status: "started", tool_name: "generate_svg", iteration: 1 },
        {
          ...NO_OUTPUT,
          type: "code_execution",
          seq: 18,
          status: "completed",
          tool_name: "generate_svg",
          stderr: "Traceback\nNameError: x",
          return_code: 1,
          iteration: 1,
        },
      ],
      s,
    );
    const [thought, drew, nudge, failed] = s.notebook;
    expect(thought).toMatchObject({ kind: "thought", text: "A calm sea." });
    expect(drew?.kind === "tool" && describeTool(drew)).toBe("drew 3 paths");
    expect(nudge).toMatchObject({ kind: "nudge", text: "more birds" });
    expect(failed?.kind === "tool" && failed.status).toBe("failed");
    expect(failed?.kind === "tool" && describeTool(failed)).toContain("NameError: x");
  });

  it("tracks pause, turns, titles, errors and the pill", () => {
    let s = run(
      [init(), { type: "turn_state", seq: 11, active: true }],
      reduce(initialState(), { type: "connection", state: "open" }),
    );
    expect(pillState(s)).toBe("thinking");
    s = run(
      [{ ...NO_OUTPUT, type: "code_execution", seq: 12, status: "started", tool_name: "generate_svg", iteration: 1 }],
      s,
    );
    expect(pillState(s)).toBe("running code");
    s = run(
      [
        { type: "paused", seq: 13, paused: true },
        { type: "turn_state", seq: 14, active: false },
      ],
      s,
    );
    expect(pillState(s)).toBe("paused");
    s = run([{ type: "paused", seq: 15, paused: false }], s);
    expect(pillState(s)).toBe("idle");
    s = run(
      [
        { type: "piece_title", seq: 16, piece_number: 1, title: "Night" },
        { type: "piece_state", seq: 17, number: 1, completed: true },
      ],
      s,
    );
    expect(s.title).toBe("Night");
    expect(s.pieceCompleted).toBe(true);
    s = run(
      [
        { type: "turn_state", seq: 18, active: true },
        { type: "error", seq: 19, message: "The artist hit an unexpected error and paused." },
      ],
      s,
    );
    expect(pillState(s)).toBe("error");
    expect(s.error?.message).toContain("unexpected error");
  });

  it("adds human strokes at once", () => {
    const s = run([init(), { type: "human_stroke", seq: 11, path: line(3, "human") }]);
    expect(s.strokes).toHaveLength(1);
    expect(s.strokes[0]?.author).toBe("human");
  });
});

describe("protocol helpers", () => {
  it("parses known frames and ignores the rest", () => {
    expect(parseServerMessage('{"type":"paused","paused":true,"seq":3}')).toEqual({
      type: "paused",
      paused: true,
      seq: 3,
    });
    expect(parseServerMessage('{"type":"mystery"}')).toBeNull();
    expect(parseServerMessage("not json")).toBeNull();
  });

  it("applies style overrides only in paint", () => {
    const path: Path = { ...line(1), color: "#ff0000", stroke_width: 20, opacity: 0.5 };
    expect(effectiveStyle(path, PLOTTER_STYLE).color).toBe("#1a1a2e");
    expect(effectiveStyle(path, PAINT_STYLE)).toMatchObject({ color: "#ff0000", stroke_width: 20, opacity: 0.5 });
    expect(effectiveStyle(line(1, "human"), PAINT_STYLE).color).toBe("#e94560");
  });
});
