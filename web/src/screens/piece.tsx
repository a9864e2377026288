// One piece of the user's gallery (/gallery/{n}): the canvas, replay, downloads and sharing.

import { useEffect, useRef, useState } from "preact/hooks";
import { AuthRequired, api } from "../api";
import { CanvasView } from "../canvas";
import { domSvgSampler, flattenPath } from "../geometry";
import { errorText, styleLabel } from "../presentation";
import { defaultStyleConfig, type Path, type StyleConfig } from "../protocol";
import type { Batch } from "../store";
import { copyText, formatDate, Link, reducedMotionNow, saveBlob, useAuthRedirect } from "../ui";

interface PieceResponse {
  id: string;
  piece_number: number;
  created_at: string;
  title: string | null;
  prompt?: string | null;
  strokes: Path[];
  drawing_style: "plotter" | "paint";
  style_config?: StyleConfig;
  canvas_width: number;
  canvas_height: number;
}

const REPLAY_SPEEDS = [1, 2, 4, 8, 16, 32] as const;
const REPLAY_CHUNK = 24;

export function PieceView(props: { pieceNumber: number }) {
  const { pieceNumber } = props;
  const [piece, setPiece] = useState<PieceResponse | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [speed, setSpeed] = useState<number>(8);
  const [replaying, setReplaying] = useState(false);
  const [notice, setNotice] = useState<{ text: string; error: boolean } | null>(null);
  const [shareUrl, setShareUrl] = useState<string | null>(null);
  const host = useRef<HTMLDivElement>(null);
  const speedRef = useRef(speed);
  speedRef.current = speed;
  const viewRef = useRef<CanvasView | null>(null);
  const replayRef = useRef<{ strokes: Path[]; queue: Batch[]; version: number } | null>(null);
  useAuthRedirect(error, `/gallery/${pieceNumber}`);

  useEffect(() => {
    api.json<PieceResponse>(`/gallery/${pieceNumber}/strokes`).then(setPiece).catch(setError);
  }, [pieceNumber]);

  const config = piece ? (piece.style_config ?? defaultStyleConfig(piece.drawing_style)) : null;

  const show = (strokes: Path[], queue: Batch[], version: number): void => {
    if (!piece || !config) return;
    viewRef.current?.update({
      width: piece.canvas_width,
      height: piece.canvas_height,
      styleConfig: config,
      version,
      strokes,
      queue,
    });
  };

  useEffect(() => {
    if (!piece || !host.current) return;
    const view = new CanvasView({
      speed: () => speedRef.current,
      instant: reducedMotionNow,
      maxBatchSeconds: Number.POSITIVE_INFINITY,
      onBatchDone: (batchId) => {
        const replay = replayRef.current;
        if (!replay) return;
        const batch = replay.queue.find((b) => b.batchId === batchId);
        if (!batch) return;
        replay.queue = replay.queue.filter((b) => b !== batch);
        replay.strokes = replay.strokes.concat(batch.strokes.map((s) => s.path));
        show(replay.strokes, replay.queue, replay.version);
        if (replay.queue.length === 0) {
          replayRef.current = null;
          setReplaying(false);
        }
      },
    });
    viewRef.current = view;
    view.mount(host.current);
    show(piece.strokes, [], 1);
    return () => {
      view.destroy();
      viewRef.current = null;
    };
  }, [piece]);

  const replay = (): void => {
    if (!piece) return;
    const sampler = domSvgSampler();
    const queue: Batch[] = [];
    for (let i = 0; i < piece.strokes.length; i += REPLAY_CHUNK) {
      const batchId = queue.length + 1;
      const strokes = piece.strokes.slice(i, i + REPLAY_CHUNK).map((path) => ({
        batch_id: batchId,
        path,
        points: flattenPath(path, 2, sampler),
      }));
      queue.push({ batchId, pieceNumber, strokes });
    }
    const version = (replayRef.current?.version ?? 1) + 1;
    replayRef.current = { strokes: [], queue, version };
    setReplaying(true);
    show([], queue, version);
  };

  const stopReplay = (): void => {
    if (!piece) return;
    replayRef.current = null;
    setReplaying(false);
    show(piece.strokes, [], Date.now());
  };

  const download = async (kind: "svg" | "png"): Promise<void> => {
    setNotice(null);
    const path = kind === "svg" ? `/gallery/${pieceNumber}/export.svg` : `/gallery/${pieceNumber}/export.png?size=2048`;
    try {
      const blob = await api.blob(path);
      const name = `code-monet-${String(pieceNumber).padStart(3, "0")}${piece?.title ? `-${slug(piece.title)}` : ""}.${kind}`;
      saveBlob(blob, name);
      setNotice({ text: `Downloaded ${name}`, error: false });
    } catch (e) {
      setNotice({ text: `Download failed: ${errorText(e)}`, error: true });
    }
  };

  const share = async (): Promise<void> => {
    setNotice(null);
    try {
      const reply = await api.json<{ token: string; url?: string }>("/s/create", {
        method: "POST",
        body: JSON.stringify({ piece_number: pieceNumber, ...(piece?.title ? { title: piece.title } : {}) }),
      });
      const url = reply.url ? new URL(reply.url, location.origin).toString() : `${location.origin}/s/${reply.token}`;
      setShareUrl(url);
      const copied = await copyText(url);
      setNotice({
        text: copied ? "Share link copied to the clipboard." : "Share link created (copy it below).",
        error: false,
      });
    } catch (e) {
      setNotice({ text: `Sharing failed: ${errorText(e)}`, error: true });
    }
  };

  return (
    <div class="page">
      <div class="page-head">
        <Link href="/gallery">← Gallery</Link>
        <h1 data-testid="piece-heading">
          {piece ? `No. ${piece.piece_number} — ${piece.title ?? "Untitled"}` : `No. ${pieceNumber}`}
        </h1>
      </div>
      {error !== null && !(error instanceof AuthRequired) && (
        <p class="notice error">Could not load this piece: {errorText(error)}</p>
      )}
      {piece && (
        <div class="piece-view">
          <div
            class="canvas-host"
            ref={host}
            data-testid="piece-canvas"
            data-replaying={replaying ? "true" : "false"}
          />
          <div class="piece-side">
            <p class="notice">
              {formatDate(piece.created_at)} · {styleLabel(piece.drawing_style)} · {piece.strokes.length} strokes ·{" "}
              {piece.canvas_width}×{piece.canvas_height}
            </p>
            {piece.prompt && <p class="notice">Prompt: “{piece.prompt}”</p>}
            <div class="row">
              <label for="replay-speed">Speed</label>
              <select
                id="replay-speed"
                data-testid="replay-speed"
                value={speed}
                onChange={(e) => setSpeed(Number((e.currentTarget as HTMLSelectElement).value))}
              >
                {REPLAY_SPEEDS.map((s) => (
                  <option key={s} value={s}>
                    {s}×
                  </option>
                ))}
              </select>
              {replaying ? (
                <button class="btn" type="button" onClick={stopReplay}>
                  Stop
                </button>
              ) : (
                <button class="btn primary" type="button" data-testid="replay" onClick={replay}>
                  Replay
                </button>
              )}
            </div>
            <div class="row">
              <button class="btn" type="button" data-testid="download-svg" onClick={() => void download("svg")}>
                Download SVG
              </button>
              <button class="btn" type="button" data-testid="download-png" onClick={() => void download("png")}>
                Download PNG
              </button>
            </div>
            <div class="row">
              <button class="btn accent" type="button" data-testid="share" onClick={() => void share()}>
                Share
              </button>
            </div>
            {shareUrl && (
              <input
                class="share-url"
                readOnly
                value={shareUrl}
                aria-label="Share link"
                data-testid="share-url"
                onFocus={(e) => (e.currentTarget as HTMLInputElement).select()}
              />
            )}
            {notice && (
              <p class={notice.error ? "notice error" : "notice"} role="status" data-testid="piece-notice">
                {notice.text}
              </p>
            )}
          </div>
        </div>
      )}
    </div>
  );
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 40);
}
