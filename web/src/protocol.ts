// The wire protocol (docs/protocol.md, v1 + v2) as TypeScript types.
// Server messages carry `seq` from a v2 server; a v1 server sends none.

export interface Point {
  x: number;
  y: number;
}

export type PathType = "line" | "polyline" | "quadratic" | "cubic" | "svg";
export type Author = "agent" | "human";
export type DrawingStyle = "plotter" | "paint";
export type AgentStatus = "idle" | "thinking" | "executing" | "drawing" | "paused" | "error";

export interface Path {
  type: PathType;
  points: Point[];
  d?: string;
  author?: Author;
  color?: string;
  stroke_width?: number;
  opacity?: number;
  brush?: string;
  id?: string;
  fill?: string;
  fill_opacity?: number;
}

export interface PendingStroke {
  batch_id: number;
  path: Path;
  points: Point[];
}

export interface StrokeStyle {
  color: string;
  stroke_width: number;
  opacity: number;
  stroke_linecap: CanvasLineCap;
  stroke_linejoin: CanvasLineJoin;
}

export interface StyleConfig {
  type: DrawingStyle;
  name: string;
  description: string;
  agent_stroke: StrokeStyle;
  human_stroke: StrokeStyle;
  supports_color: boolean;
  supports_variable_width: boolean;
  supports_opacity: boolean;
  color_palette: string[] | null;
}

export interface GalleryEntry {
  id: string;
  created_at: string;
  piece_number: number;
  stroke_count: number;
  width: number;
  height: number;
  drawing_style: DrawingStyle;
  title: string | null;
  thumbnail_token: string | null;
}

interface Seq {
  seq?: number;
}

export interface InitMessage extends Seq {
  type: "init";
  strokes: Path[];
  gallery: GalleryEntry[];
  status: AgentStatus;
  paused: boolean;
  piece_number: number;
  monologue: string;
  drawing_style: DrawingStyle;
  style_config: StyleConfig;
  canvas_width: number;
  canvas_height: number;
  title?: string | null;
  prompt?: string | null;
  // v2 additive fields
  connection_id?: number;
  piece_completed?: boolean;
  turn_active?: boolean;
  last_batch_id?: number;
}

export interface PausedMessage extends Seq {
  type: "paused";
  paused: boolean;
}
export interface ThinkingDeltaMessage extends Seq {
  type: "thinking_delta";
  text: string;
  iteration: number;
}
export interface IterationMessage extends Seq {
  type: "iteration";
  current: number;
  max: number;
}
export interface CodeExecutionMessage extends Seq {
  type: "code_execution";
  status: "started" | "completed";
  tool_name: string;
  tool_input?: Record<string, unknown> | null;
  stdout?: string | null;
  stderr?: string | null;
  return_code?: number | null;
  iteration: number;
}
export interface AgentStrokesReadyMessage extends Seq {
  type: "agent_strokes_ready";
  count: number;
  batch_id: number;
  piece_number: number;
}
export interface HumanStrokeMessage extends Seq {
  type: "human_stroke";
  path: Path;
}
export interface PieceStateMessage extends Seq {
  type: "piece_state";
  number: number;
  completed: boolean;
}
export interface ClearMessage extends Seq {
  type: "clear";
}
export interface NewCanvasMessage extends Seq {
  type: "new_canvas";
  saved_id: string | null;
  canvas_width: number;
  canvas_height: number;
}
export interface LoadCanvasMessage extends Seq {
  type: "load_canvas";
  strokes: Path[];
  piece_number: number;
  drawing_style: DrawingStyle;
  style_config: StyleConfig;
  canvas_width: number;
  canvas_height: number;
}
export interface GalleryUpdateMessage extends Seq {
  type: "gallery_update";
  canvases: GalleryEntry[];
}
export interface StyleChangeMessage extends Seq {
  type: "style_change";
  drawing_style: DrawingStyle;
  style_config: StyleConfig;
}
export interface ErrorMessage extends Seq {
  type: "error";
  message: string;
  details?: string;
}
export interface TurnStateMessage extends Seq {
  type: "turn_state";
  active: boolean;
}
export interface PieceTitleMessage extends Seq {
  type: "piece_title";
  piece_number: number;
  title: string | null;
}
export interface StrokesMessage extends Seq {
  type: "strokes";
  batch_id: number;
  piece_number: number;
  strokes: PendingStroke[];
  queued_at?: number;
}

export type ServerMessage =
  | InitMessage
  | PausedMessage
  | ThinkingDeltaMessage
  | IterationMessage
  | CodeExecutionMessage
  | AgentStrokesReadyMessage
  | HumanStrokeMessage
  | PieceStateMessage
  | ClearMessage
  | NewCanvasMessage
  | LoadCanvasMessage
  | GalleryUpdateMessage
  | StyleChangeMessage
  | ErrorMessage
  | TurnStateMessage
  | PieceTitleMessage
  | StrokesMessage;

export type ClientMessage =
  | { type: "stroke"; points: Point[] }
  | { type: "nudge"; text: string }
  | { type: "clear" }
  | { type: "pause" }
  | { type: "resume"; direction?: string }
  | {
      type: "new_canvas";
      direction?: string;
      drawing_style?: DrawingStyle;
      canvas_width?: number;
      canvas_height?: number;
    }
  | { type: "load_canvas"; piece_number: number }
  | { type: "set_style"; drawing_style: DrawingStyle }
  | { type: "animation_done"; batch_id: number }
  | { type: "auth"; token: string };

const SERVER_TYPES: ReadonlySet<string> = new Set([
  "init",
  "paused",
  "thinking_delta",
  "iteration",
  "code_execution",
  "agent_strokes_ready",
  "human_stroke",
  "piece_state",
  "clear",
  "new_canvas",
  "load_canvas",
  "gallery_update",
  "style_change",
  "error",
  "turn_state",
  "piece_title",
  "strokes",
]);

/** Parse one text frame; unknown types and malformed frames give null (ignored, as v1 says). */
export function parseServerMessage(raw: string): ServerMessage | null {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof data !== "object" || data === null) return null;
  const type = (data as { type?: unknown }).type;
  if (typeof type !== "string" || !SERVER_TYPES.has(type)) return null;
  return data as ServerMessage;
}

// --------------------------------------------------------------------------- styles

export const PLOTTER_STYLE: StyleConfig = {
  type: "plotter",
  name: "Plotter",
  description: "Monochrome pen on paper: precise, single-weight lines.",
  agent_stroke: { color: "#1a1a2e", stroke_width: 2.5, opacity: 1, stroke_linecap: "round", stroke_linejoin: "round" },
  human_stroke: { color: "#0066CC", stroke_width: 2.5, opacity: 1, stroke_linecap: "round", stroke_linejoin: "round" },
  supports_color: false,
  supports_variable_width: false,
  supports_opacity: false,
  color_palette: null,
};

export const PAINT_STYLE: StyleConfig = {
  type: "paint",
  name: "Paint",
  description: "Brush and colour: variable widths, translucent layers and brush textures.",
  agent_stroke: { color: "#1a1a2e", stroke_width: 8, opacity: 0.85, stroke_linecap: "round", stroke_linejoin: "round" },
  human_stroke: { color: "#e94560", stroke_width: 8, opacity: 0.85, stroke_linecap: "round", stroke_linejoin: "round" },
  supports_color: true,
  supports_variable_width: true,
  supports_opacity: true,
  color_palette: [
    "#1a1a2e", "#e94560", "#7b68ee", "#4ecdc4", "#ffd93d", "#ff6b6b",
    "#4ade80", "#3b82f6", "#f97316", "#a855f7", "#ffffff",
  ],
};

export function defaultStyleConfig(style: DrawingStyle): StyleConfig {
  return style === "paint" ? PAINT_STYLE : PLOTTER_STYLE;
}

/** The style a path is drawn with: plotter ignores overrides, paint honours them. */
export function effectiveStyle(path: Path, config: StyleConfig): StrokeStyle {
  const base = path.author === "human" ? config.human_stroke : config.agent_stroke;
  if (config.type === "plotter") return base;
  return {
    color: config.supports_color && path.color ? path.color : base.color,
    stroke_width:
      config.supports_variable_width && path.stroke_width !== undefined ? path.stroke_width : base.stroke_width,
    opacity: config.supports_opacity && path.opacity !== undefined ? path.opacity : base.opacity,
    stroke_linecap: base.stroke_linecap,
    stroke_linejoin: base.stroke_linejoin,
  };
}

/** Canvas shapes offered by the new-piece dialog (width × height in canvas units). */
export const CANVAS_SHAPES = [
  { id: "standard", label: "4:3", width: 800, height: 600 },
  { id: "wide", label: "Wide 16:9", width: 1280, height: 720 },
  { id: "square", label: "Square", width: 800, height: 800 },
  { id: "portrait", label: "Portrait 3:4", width: 600, height: 800 },
] as const;
export type CanvasShapeId = (typeof CANVAS_SHAPES)[number]["id"];
