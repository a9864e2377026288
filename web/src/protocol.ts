// The wire protocol (docs/protocol.md, v1 + v2): the types are generated from the server's
// Pydantic models (src/generated/, by scripts/gen_protocol_types.py); this module names them as
// the client uses them and holds the behaviour around them.
// Server messages carry `seq` from a v2 server; a v1 server sends none.

import type { DrawingStyleConfig, DrawingStyleType, Path, ServerMessage, StrokeStyle } from "./generated/protocol";
import { PAINT_STYLE, PLOTTER_STYLE } from "./generated/styleDefaults";

export type {
  AgentStatus,
  AgentStrokesReadyMessage,
  Author,
  ClearMessage,
  ClientMessage,
  CodeExecutionMessage,
  DrawingStyleConfig as StyleConfig,
  DrawingStyleType as DrawingStyle,
  ErrorMessage,
  GalleryEntry,
  GalleryUpdateMessage,
  HumanStrokeMessage,
  InitMessage,
  IterationMessage,
  LoadCanvasMessage,
  NewCanvasMessage,
  Path,
  PathType,
  PausedMessage,
  PendingStroke,
  PieceStateMessage,
  PieceTitleMessage,
  Point,
  PublicPieceSummary,
  ServerMessage,
  StrokeStyle,
  StrokesMessage,
  StyleChangeMessage,
  ThinkingDeltaMessage,
  TurnStateMessage,
} from "./generated/protocol";
export { PAINT_STYLE, PLOTTER_STYLE };

/** Every server message type; a `Record` over the generated union, so tsc flags a missing or extra one. */
const SERVER_TYPE_FLAGS: Record<ServerMessage["type"], true> = {
  init: true,
  paused: true,
  thinking_delta: true,
  iteration: true,
  code_execution: true,
  agent_strokes_ready: true,
  human_stroke: true,
  piece_state: true,
  clear: true,
  new_canvas: true,
  load_canvas: true,
  gallery_update: true,
  style_change: true,
  error: true,
  turn_state: true,
  piece_title: true,
  strokes: true,
};
const SERVER_TYPES: ReadonlySet<string> = new Set(Object.keys(SERVER_TYPE_FLAGS));

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

export function defaultStyleConfig(style: DrawingStyleType): DrawingStyleConfig {
  return style === "paint" ? PAINT_STYLE : PLOTTER_STYLE;
}

/** The style a path is drawn with: plotter ignores overrides, paint honours them. */
export function effectiveStyle(path: Path, config: DrawingStyleConfig): StrokeStyle {
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
