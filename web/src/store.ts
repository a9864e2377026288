// The studio's state, driven by protocol messages: a pure reducer plus a tiny observable store.
//
// Agent stroke batches are not put on the canvas when they arrive: they wait in `queue` until
// the canvas has animated them (`batch_done`), then their paths join `strokes`. Everything that
// replaces the canvas wholesale (init, clear, new piece, style change) bumps `canvasVersion`, so
// the renderer knows when to redraw from scratch; otherwise it only draws what was appended.

import {
  type AgentStatus,
  type CodeExecutionMessage,
  type DrawingStyle,
  defaultStyleConfig,
  type GalleryEntry,
  type Path,
  type PendingStroke,
  type ServerMessage,
  type StyleConfig,
} from "./protocol";

export type ConnectionState = "connecting" | "open" | "reconnecting" | "offline";

export interface Batch {
  batchId: number;
  pieceNumber: number;
  strokes: PendingStroke[];
}

export type ToolStatus = "running" | "done" | "failed";

export type NotebookEntry =
  | { kind: "thought"; id: number; text: string; iteration: number }
  | {
      kind: "tool";
      id: number;
      tool: string;
      status: ToolStatus;
      paths: number;
      detail: string | null;
      iteration: number;
    }
  | { kind: "nudge"; id: number; text: string }
  | { kind: "event"; id: number; text: string; tone: "info" | "error" };

export interface StudioState {
  connection: ConnectionState;
  /** "v2" once a message with `seq` arrived; "v1" for a server that sends none. */
  protocol: "v1" | "v2" | null;
  lastSeq: number | null;
  connectionId: number | null;
  initialized: boolean;
  pieceNumber: number;
  title: string | null;
  prompt: string | null;
  canvasWidth: number;
  canvasHeight: number;
  drawingStyle: DrawingStyle;
  styleConfig: StyleConfig;
  status: AgentStatus;
  paused: boolean;
  turnActive: boolean;
  pieceCompleted: boolean;
  iteration: { current: number; max: number } | null;
  /** Paths on the canvas, in drawing order. */
  strokes: Path[];
  canvasVersion: number;
  /** Agent batches waiting to be animated; the head is the one being drawn. */
  queue: Batch[];
  /** Newest agent batch id received (queued or already on the canvas). */
  lastBatchId: number;
  notebook: NotebookEntry[];
  nextEntryId: number;
  gallery: GalleryEntry[];
  error: { id: number; message: string } | null;
  /** A prompt we asked for with new_canvas, shown once the server starts the piece. */
  pendingPrompt: string | null;
  /**
   * v1 servers send no `last_batch_id` in init, yet init's strokes include batches still
   * queued for animation: their paths (as JSON) let us recognise those batches when fetched.
   */
  v1InitKeys: ReadonlySet<string> | null;
}

export type Action =
  | { type: "server"; message: ServerMessage }
  | { type: "connection"; state: ConnectionState }
  | { type: "batch_done"; batchId: number }
  | { type: "nudge_sent"; text: string }
  | { type: "new_piece_requested"; prompt: string | null }
  | { type: "local_error"; message: string }
  | { type: "dismiss_error" };

const MAX_NOTEBOOK_ENTRIES = 400;

export function initialState(): StudioState {
  return {
    connection: "connecting",
    protocol: null,
    lastSeq: null,
    connectionId: null,
    initialized: false,
    pieceNumber: 0,
    title: null,
    prompt: null,
    canvasWidth: 800,
    canvasHeight: 600,
    drawingStyle: "plotter",
    styleConfig: defaultStyleConfig("plotter"),
    status: "idle",
    paused: false,
    turnActive: false,
    pieceCompleted: false,
    iteration: null,
    strokes: [],
    canvasVersion: 0,
    queue: [],
    lastBatchId: 0,
    notebook: [],
    nextEntryId: 1,
    gallery: [],
    error: null,
    pendingPrompt: null,
    v1InitKeys: null,
  };
}

// --------------------------------------------------------------------------- notebook helpers

type NewEntry =
  | Omit<Extract<NotebookEntry, { kind: "thought" }>, "id">
  | Omit<Extract<NotebookEntry, { kind: "tool" }>, "id">
  | Omit<Extract<NotebookEntry, { kind: "nudge" }>, "id">
  | Omit<Extract<NotebookEntry, { kind: "event" }>, "id">;

function addEntry(state: StudioState, entry: NewEntry): StudioState {
  const notebook = [...state.notebook, { ...entry, id: state.nextEntryId } as NotebookEntry];
  if (notebook.length > MAX_NOTEBOOK_ENTRIES) notebook.splice(0, notebook.length - MAX_NOTEBOOK_ENTRIES);
  return { ...state, notebook, nextEntryId: state.nextEntryId + 1 };
}

function replaceEntry(state: StudioState, index: number, entry: NotebookEntry): StudioState {
  const notebook = state.notebook.slice();
  notebook[index] = entry;
  return { ...state, notebook };
}

function lastToolIndex(notebook: NotebookEntry[], tool: string | null, running: boolean): number {
  for (let i = notebook.length - 1; i >= 0; i--) {
    const entry = notebook[i];
    if (entry?.kind !== "tool") continue;
    if (tool !== null && entry.tool !== tool) continue;
    if (running && entry.status !== "running") continue;
    return i;
  }
  return -1;
}

function toolDetail(message: CodeExecutionMessage): string | null {
  if (message.tool_name === "name_piece") {
    const title = message.tool_input?.title ?? message.tool_input?.name;
    if (typeof title === "string") return title;
  }
  const failed = message.return_code !== undefined && message.return_code !== null && message.return_code !== 0;
  if (failed) {
    const text = (message.stderr || message.stdout || "").trim();
    const last = text
      .split("\n")
      .filter((line) => line.trim())
      .pop();
    return last ? last.slice(0, 160) : null;
  }
  return null;
}

function onCodeExecution(state: StudioState, message: CodeExecutionMessage): StudioState {
  if (message.status === "started") {
    const next = addEntry(state, {
      kind: "tool",
      tool: message.tool_name,
      status: "running",
      paths: 0,
      detail: null,
      iteration: message.iteration,
    });
    const status: AgentStatus = message.tool_name === "generate_svg" ? "executing" : "drawing";
    return { ...next, status: state.paused ? state.status : status };
  }
  const failed = message.return_code !== undefined && message.return_code !== null && message.return_code !== 0;
  const detail = toolDetail(message);
  let index = lastToolIndex(state.notebook, message.tool_name, true);
  let next = state;
  if (index < 0) {
    next = addEntry(state, {
      kind: "tool",
      tool: message.tool_name,
      status: "running",
      paths: 0,
      detail: null,
      iteration: message.iteration,
    });
    index = next.notebook.length - 1;
  }
  const entry = next.notebook[index];
  if (entry?.kind === "tool") {
    next = replaceEntry(next, index, { ...entry, status: failed ? "failed" : "done", detail });
  }
  return { ...next, status: state.paused ? state.status : state.turnActive ? "thinking" : state.status };
}

// --------------------------------------------------------------------------- reducer

function resetCanvas(state: StudioState, strokes: Path[]): StudioState {
  return { ...state, strokes, queue: [], canvasVersion: state.canvasVersion + 1 };
}

function onServer(state: StudioState, message: ServerMessage): StudioState {
  const seq = message.seq;
  if (typeof seq === "number") {
    if (message.type !== "init" && state.lastSeq !== null && seq <= state.lastSeq) return state; // seen
    state = { ...state, lastSeq: seq, protocol: "v2" };
  } else if (message.type === "init") {
    state = { ...state, protocol: "v1" };
  }

  switch (message.type) {
    case "init": {
      const samePiece = state.initialized && state.pieceNumber === message.piece_number;
      let next: StudioState = resetCanvas(
        {
          ...state,
          initialized: true,
          lastSeq: typeof seq === "number" ? seq : state.lastSeq,
          connectionId: message.connection_id ?? null,
          pieceNumber: message.piece_number,
          title: message.title ?? null,
          prompt: message.prompt ?? null,
          canvasWidth: message.canvas_width,
          canvasHeight: message.canvas_height,
          drawingStyle: message.drawing_style,
          styleConfig: message.style_config,
          status: message.status,
          paused: message.paused,
          turnActive: message.turn_active ?? false,
          pieceCompleted: message.piece_completed ?? false,
          gallery: message.gallery,
          // init's strokes already contain every batch up to last_batch_id.
          lastBatchId: Math.max(state.lastBatchId, message.last_batch_id ?? 0),
          v1InitKeys:
            message.last_batch_id === undefined
              ? new Set(message.strokes.slice(-2000).map((path) => JSON.stringify(path)))
              : null,
        },
        message.strokes,
      );
      if (!samePiece) {
        next = { ...next, notebook: [] };
        if (message.monologue.trim()) {
          next = addEntry(next, { kind: "thought", text: `${message.monologue.trim()}\n`, iteration: 0 });
        }
      }
      return next;
    }
    case "paused": {
      const next: StudioState = {
        ...state,
        paused: message.paused,
        status: message.paused ? (state.status === "error" ? "error" : "paused") : "idle",
      };
      return addEntry(next, { kind: "event", text: message.paused ? "Paused." : "Resumed.", tone: "info" });
    }
    case "thinking_delta": {
      const last = state.notebook[state.notebook.length - 1];
      const status: AgentStatus = state.paused ? state.status : "thinking";
      if (last?.kind === "thought" && last.iteration === message.iteration) {
        return {
          ...replaceEntry(state, state.notebook.length - 1, { ...last, text: last.text + message.text }),
          status,
        };
      }
      return { ...addEntry(state, { kind: "thought", text: message.text, iteration: message.iteration }), status };
    }
    case "iteration":
      return { ...state, iteration: { current: message.current, max: message.max } };
    case "code_execution":
      return onCodeExecution(state, message);
    case "agent_strokes_ready":
      // v1: the connection fetches GET /strokes/pending and dispatches `strokes` itself.
      return state;
    case "strokes": {
      if (message.batch_id <= state.lastBatchId) return state; // already on the canvas or queued
      if (state.initialized && message.piece_number < state.pieceNumber) return state; // stale
      if (state.v1InitKeys) {
        const keys = state.v1InitKeys;
        if (message.strokes.length > 0 && message.strokes.every((s) => keys.has(JSON.stringify(s.path)))) {
          return { ...state, lastBatchId: message.batch_id }; // drawn by init already
        }
        state = { ...state, v1InitKeys: null };
      }
      const batch: Batch = { batchId: message.batch_id, pieceNumber: message.piece_number, strokes: message.strokes };
      let next: StudioState = { ...state, queue: [...state.queue, batch], lastBatchId: message.batch_id };
      const index = lastToolIndex(next.notebook, null, false);
      const entry = index >= 0 ? next.notebook[index] : undefined;
      if (entry?.kind === "tool") {
        next = replaceEntry(next, index, { ...entry, paths: entry.paths + message.strokes.length });
      }
      return next;
    }
    case "human_stroke":
      return { ...state, strokes: [...state.strokes, { ...message.path, author: message.path.author ?? "human" }] };
    case "piece_state": {
      const next: StudioState = {
        ...state,
        pieceNumber: message.number,
        pieceCompleted: message.completed,
      };
      if (message.completed && !state.pieceCompleted) {
        return addEntry(
          { ...next, status: state.paused ? state.status : "idle" },
          {
            kind: "event",
            text: "The piece is finished.",
            tone: "info",
          },
        );
      }
      return next;
    }
    case "clear":
      return addEntry(resetCanvas(state, []), { kind: "event", text: "Canvas cleared.", tone: "info" });
    case "new_canvas": {
      let next: StudioState = {
        ...resetCanvas(state, []),
        canvasWidth: message.canvas_width,
        canvasHeight: message.canvas_height,
        title: null,
        prompt: state.pendingPrompt,
        v1InitKeys: null,
        pieceCompleted: false,
        paused: false,
        status: "idle",
        iteration: null,
        notebook: [],
        pendingPrompt: null,
      };
      next = addEntry(next, { kind: "event", text: "A new piece begins.", tone: "info" });
      if (state.pendingPrompt) next = addEntry(next, { kind: "nudge", text: state.pendingPrompt });
      return next;
    }
    case "load_canvas":
      // A read-only view of a gallery piece; the studio shows pieces through the gallery screen.
      return state;
    case "gallery_update":
      return { ...state, gallery: message.canvases };
    case "style_change":
      return {
        ...state,
        drawingStyle: message.drawing_style,
        styleConfig: message.style_config,
        canvasVersion: state.canvasVersion + 1,
      };
    case "error": {
      const next: StudioState = {
        ...state,
        error: { id: state.nextEntryId, message: message.message },
        status: state.turnActive ? "error" : state.status,
      };
      return addEntry(next, { kind: "event", text: message.message, tone: "error" });
    }
    case "turn_state": {
      let status: AgentStatus;
      if (message.active) status = state.paused ? state.status : "thinking";
      else
        status = state.paused
          ? state.status === "error"
            ? "error"
            : "paused"
          : state.status === "error"
            ? "error"
            : "idle";
      return { ...state, turnActive: message.active, status };
    }
    case "piece_title":
      if (message.piece_number !== state.pieceNumber && state.initialized) return state;
      return { ...state, title: message.title };
  }
}

export function reduce(state: StudioState, action: Action): StudioState {
  switch (action.type) {
    case "server":
      return onServer(state, action.message);
    case "connection":
      return { ...state, connection: action.state };
    case "batch_done": {
      const batch = state.queue.find((b) => b.batchId === action.batchId);
      if (!batch) return state;
      return {
        ...state,
        queue: state.queue.filter((b) => b !== batch),
        strokes: state.strokes.concat(batch.strokes.map((s) => s.path)),
      };
    }
    case "nudge_sent":
      return addEntry(state, { kind: "nudge", text: action.text });
    case "new_piece_requested":
      return { ...state, pendingPrompt: action.prompt };
    case "local_error":
      return addEntry(
        { ...state, error: { id: state.nextEntryId, message: action.message } },
        {
          kind: "event",
          text: action.message,
          tone: "error",
        },
      );
    case "dismiss_error":
      return { ...state, error: null };
  }
}

// --------------------------------------------------------------------------- store

export type Listener = (state: StudioState, previous: StudioState, action: Action) => void;

export class Store {
  private current: StudioState;
  private readonly listeners = new Set<Listener>();

  constructor(state: StudioState = initialState()) {
    this.current = state;
  }

  get state(): StudioState {
    return this.current;
  }

  dispatch(action: Action): void {
    const previous = this.current;
    const next = reduce(previous, action);
    if (next === previous) return;
    this.current = next;
    for (const listener of this.listeners) listener(next, previous, action);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
