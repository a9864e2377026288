// The gallery: the user's pieces, one piece large with replay, downloads and sharing, and the
// public gallery of everyone's shared pieces.

import { useEffect, useRef, useState } from "preact/hooks";
import { api, AuthRequired, HttpError } from "./api";
import { CanvasView } from "./canvas";
import { domSvgSampler, flattenPath } from "./geometry";
import { defaultStyleConfig, type GalleryEntry, type Path, type StyleConfig } from "./protocol";
import { parsePublicGallery, type PublicItem } from "./publicGallery";
import type { Batch } from "./store";
import { copyText, formatDate, Link, navigate, reducedMotionNow, saveBlob } from "./ui";

function errorText(error: unknown): string {
  if (error instanceof HttpError) {
    if (error.status === 404) return "Not available on this server (404).";
    return error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

function useAuthRedirect(error: unknown, next: string): void {
  useEffect(() => {
    if (error instanceof AuthRequired) navigate(`/signin?next=${encodeURIComponent(next)}`, true);
  }, [error]);
}

/** Loads a bearer-protected image as an object URL. */
function AuthImage(props: { path: string; alt: string; fallback: string }) {
  const [src, setSrc] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let url: string | null = null;
    let live = true;
    api
      .blob(props.path)
      .then((blob) => {
        if (!live) return;
        url = URL.createObjectURL(blob);
        setSrc(url);
      })
      .catch(() => live && setFailed(true));
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [props.path]);
  if (src) return <img src={src} alt={props.alt} loading="lazy" />;
  return (
    <span class="placeholder" aria-hidden="true">
      {failed ? props.fallback : "…"}
    </span>
  );
}

const styleLabel = (s: string): string => (s === "paint" ? "Paint" : "Plotter");

export function Gallery() {
  const [entries, setEntries] = useState<GalleryEntry[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [isPublic, setPublic] = useState<boolean | null>(null);
  const [settingsError, setSettingsError] = useState<string | null>(null);
  useAuthRedirect(error, "/gallery");

  useEffect(() => {
    api
      .json<GalleryEntry[]>("/gallery", { headers: { Accept: "application/json" } })
      .then(setEntries)
      .catch(setError);
    api
      .json<{ gallery_public: boolean }>("/settings/gallery")
      .then((s) => setPublic(s.gallery_public))
      .catch((e: unknown) => setSettingsError(errorText(e)));
  }, []);

  const togglePublic = async (value: boolean): Promise<void> => {
    setSettingsError(null);
    try {
      const s = await api.json<{ gallery_public: boolean }>("/settings/gallery", {
        method: "PUT",
        body: JSON.stringify({ gallery_public: value }),
      });
      setPublic(s.gallery_public);
    } catch (e) {
      setSettingsError(errorText(e));
    }
  };

  return (
    <div class="page">
      <div class="page-head">
        <h1>Your gallery</h1>
        <span class="spacer" />
        <label class="switch">
          <input
            type="checkbox"
            data-testid="public-toggle"
            checked={isPublic === true}
            disabled={isPublic === null}
            onChange={(e) => void togglePublic((e.currentTarget as HTMLInputElement).checked)}
          />
          Show my pieces in the public gallery
        </label>
      </div>
      {settingsError && <p class="notice error">Gallery settings: {settingsError}</p>}
      {error !== null && !(error instanceof AuthRequired) && <p class="notice error">Could not load the gallery: {errorText(error)}</p>}
      {entries === null && error === null && <p class="empty">Loading…</p>}
      {entries?.length === 0 && (
        <p class="empty">
          No finished pieces yet. <Link href="/studio">Start one in the studio.</Link>
        </p>
      )}
      {entries && entries.length > 0 && (
        <ul class="grid" data-testid="gallery-grid">
          {entries.map((entry) => (
            <li key={entry.id}>
              <Link href={`/gallery/${entry.piece_number}`} class="card">
                <div class="thumb" style={{ aspectRatio: `${entry.width} / ${entry.height}` }}>
                  <AuthImage
                    path={`/gallery/thumbnail/${entry.id}.png`}
                    alt={`Thumbnail of ${entry.title ?? `piece ${entry.piece_number}`}`}
                    fallback={`${entry.piece_number}`}
                  />
                </div>
                <div class="meta" data-testid="gallery-card">
                  <strong>{entry.title ?? "Untitled"}</strong>
                  <span>
                    No. {entry.piece_number} · {formatDate(entry.created_at)} · {styleLabel(entry.drawing_style)} · {entry.stroke_count}{" "}
                    strokes
                  </span>
                </div>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

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
    viewRef.current?.update({ width: piece.canvas_width, height: piece.canvas_height, styleConfig: config, version, strokes, queue });
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
      setNotice({ text: copied ? "Share link copied to the clipboard." : "Share link created (copy it below).", error: false });
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
      {error !== null && !(error instanceof AuthRequired) && <p class="notice error">Could not load this piece: {errorText(error)}</p>}
      {piece && (
        <div class="piece-view">
          <div class="canvas-host" ref={host} data-testid="piece-canvas" data-replaying={replaying ? "true" : "false"} />
          <div class="piece-side">
            <p class="notice">
              {formatDate(piece.created_at)} · {styleLabel(piece.drawing_style)} · {piece.strokes.length} strokes ·{" "}
              {piece.canvas_width}×{piece.canvas_height}
            </p>
            {piece.prompt && <p class="notice">Prompt: “{piece.prompt}”</p>}
            <div class="row">
              <label for="replay-speed">Speed</label>
              <select id="replay-speed" data-testid="replay-speed" value={speed} onChange={(e) => setSpeed(Number((e.currentTarget as HTMLSelectElement).value))}>
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
              <input class="share-url" readOnly value={shareUrl} aria-label="Share link" data-testid="share-url" onFocus={(e) => (e.currentTarget as HTMLInputElement).select()} />
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

// --------------------------------------------------------------------------- public gallery

export function PublicGallery() {
  const [items, setItems] = useState<PublicItem[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  const load = async (after: string | null): Promise<void> => {
    setLoading(true);
    try {
      const params = new URLSearchParams({ limit: "24" });
      if (after) params.set("cursor", after);
      const response = await api.request(`/public/gallery?${params.toString()}`, { headers: { Accept: "application/json" } }, false);
      if (!response.ok) throw new HttpError(response.status, `${response.status} ${response.statusText}`);
      // A list of summaries; the next page's cursor comes in the X-Next-Cursor header.
      const page = parsePublicGallery(await response.json(), response.headers.get("X-Next-Cursor"));
      setItems((old) => (after ? [...old, ...page.items] : page.items));
      setCursor(page.cursor);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    void load(null);
  }, []);

  return (
    <div class="page">
      <div class="page-head">
        <h1>Public gallery</h1>
        <span class="spacer" />
        <Link href="/studio" class="btn primary">
          Watch the artist draw →
        </Link>
      </div>
      {error && <p class="notice error">Could not load the public gallery: {error}</p>}
      {!loading && !error && items.length === 0 && <p class="empty">Nothing shared yet.</p>}
      <ul class="grid">
        {items.map((item) => {
          return (
            <li key={item.key}>
              <a class="card" href={item.href} data-testid="public-card">
                <div class="thumb">
                  <img src={item.thumbnail} alt={`Thumbnail of ${item.title}`} loading="lazy" />
                </div>
                <div class="meta">
                  <strong>{item.title}</strong>
                  <span>
                    {formatDate(item.created)} · {styleLabel(item.style)}
                  </span>
                </div>
              </a>
            </li>
          );
        })}
      </ul>
      {cursor && (
        <p>
          <button class="btn" type="button" disabled={loading} onClick={() => void load(cursor)}>
            More
          </button>
        </p>
      )}
    </div>
  );
}
