// What the screens show, derived from state and replies: labels, summaries and the status pill.
// (The state itself lives in store.ts; nothing here changes it.)

import { HttpError } from "./api";
import type { NotebookEntry, StudioState } from "./store";

// --------------------------------------------------------------------------- studio

export type PillState =
  | "thinking"
  | "drawing"
  | "running code"
  | "paused"
  | "idle"
  | "error"
  | "reconnecting"
  | "connecting";

export function pillState(state: StudioState): PillState {
  if (state.connection === "reconnecting" || state.connection === "offline") return "reconnecting";
  if (state.connection === "connecting" || !state.initialized) return "connecting";
  if (state.status === "error") return "error";
  if (state.paused) return "paused";
  if (state.queue.length > 0) return "drawing";
  switch (state.status) {
    case "executing":
      return "running code";
    case "drawing":
      return "drawing";
    case "thinking":
      return "thinking";
    default:
      return state.turnActive ? "thinking" : "idle";
  }
}

/** The piece's number as the studio heads it ("No. 4", or "No. —" before the first init). */
export function pieceNumberLabel(state: Pick<StudioState, "pieceNumber">): string {
  return state.pieceNumber ? `No. ${state.pieceNumber}` : "No. —";
}

/** The piece's title as the studio heads it. */
export function pieceTitleLabel(state: Pick<StudioState, "title" | "pieceCompleted">): string {
  return state.title ?? (state.pieceCompleted ? "Untitled" : "Untitled (in progress)");
}

// --------------------------------------------------------------------------- notebook

const TOOL_LABELS: Record<string, string> = {
  draw_paths: "drawing paths",
  generate_svg: "running a program",
  view_canvas: "looking at the canvas",
  mark_piece_done: "declaring the piece done",
  name_piece: "naming the piece",
  sign_canvas: "signing",
  imagine: "imagining a reference",
};

/** The one-line summary of a tool call, e.g. "drew 24 paths" or "looked at the canvas". */
export function describeTool(entry: Extract<NotebookEntry, { kind: "tool" }>): string {
  const { tool, status, paths } = entry;
  if (status === "running") return TOOL_LABELS[tool] ?? `running ${tool}`;
  if (status === "failed") {
    const what = TOOL_LABELS[tool] ?? tool;
    return `failed: ${what}${entry.detail ? ` — ${entry.detail}` : ""}`;
  }
  if (paths > 0 && (tool === "draw_paths" || tool === "generate_svg")) {
    return `drew ${paths} ${paths === 1 ? "path" : "paths"}`;
  }
  switch (tool) {
    case "draw_paths":
      return "drew nothing new";
    case "generate_svg":
      return "ran a program";
    case "view_canvas":
      return "looked at the canvas";
    case "mark_piece_done":
      return "declared the piece done";
    case "name_piece":
      return entry.detail ? `named it “${entry.detail}”` : "named the piece";
    case "sign_canvas":
      return paths > 0 ? `signed it (${paths} strokes)` : "signed it";
    case "imagine":
      return "imagined a reference image";
    default:
      return `${tool} done`;
  }
}

// --------------------------------------------------------------------------- gallery

export const styleLabel = (s: string): string => (s === "paint" ? "Paint" : "Plotter");

/** An error as one line for a notice. */
export function errorText(error: unknown): string {
  if (error instanceof HttpError) {
    if (error.status === 404) return "Not available on this server (404).";
    return error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
