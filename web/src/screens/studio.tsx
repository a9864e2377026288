// The studio screen (/, /studio): the live canvas, the artist's notebook, and everything a viewer can do.

import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api } from "../api";
import { CanvasView } from "../canvas";
import { StudioConnection } from "../connection";
import { decimate } from "../geometry";
import { describeTool, pieceNumberLabel, pieceTitleLabel, pillState } from "../presentation";
import { CANVAS_SHAPES, type CanvasShapeId, type DrawingStyle } from "../protocol";
import { type NotebookEntry, Store, type StudioState } from "../store";
import { Dialog, navigate, reducedMotionNow, speedFromUrl } from "../ui";

const MAX_STROKE_POINTS = 5000;

interface StudioRuntime {
  store: Store;
  connection: StudioConnection;
  view: CanvasView;
}

declare global {
  interface Window {
    /** Test and debugging hook: the live studio's store, connection and canvas. */
    __codeMonet?: StudioRuntime;
  }
}

function useStudioState(store: Store): StudioState {
  const [state, setState] = useState(store.state);
  useEffect(() => {
    let frame = 0;
    const unsubscribe = store.subscribe(() => {
      // Coalesce bursts of messages into one render per frame.
      if (!frame)
        frame = requestAnimationFrame(() => {
          frame = 0;
          setState(store.state);
        });
    });
    setState(store.state);
    return () => {
      unsubscribe();
      cancelAnimationFrame(frame);
    };
  }, [store]);
  return state;
}

export function Studio() {
  const runtime = useMemo<StudioRuntime>(() => {
    const store = new Store();
    const speed = speedFromUrl();
    let connection: StudioConnection | null = null;
    const view = new CanvasView({
      speed: () => speed,
      instant: reducedMotionNow,
      onBatchDone: (batchId) => store.dispatch({ type: "batch_done", batchId }),
      onHumanStroke: (points) => {
        const sent = connection?.send({ type: "stroke", points: decimate(points, MAX_STROKE_POINTS) }) ?? false;
        if (!sent) {
          view.settleLocalStroke();
          store.dispatch({ type: "local_error", message: "Not connected: your stroke was not sent." });
        }
      },
    });
    connection = new StudioConnection(api, store, {
      onAuthRequired: () => navigate("/signin?next=/studio", true),
      onMessage: (message) => {
        if (message.type === "human_stroke") view.settleLocalStroke();
        if (message.type === "error" && /draw|stroke/i.test(message.message)) view.settleLocalStroke();
      },
    });
    return { store, connection, view };
  }, []);
  const { store, connection, view } = runtime;
  const state = useStudioState(store);
  const host = useRef<HTMLDivElement>(null);
  const [drawing, setDrawing] = useState(false);
  const [newOpen, setNewOpen] = useState(false);
  const [clearOpen, setClearOpen] = useState(false);
  const [nudge, setNudge] = useState("");

  useEffect(() => {
    window.__codeMonet = runtime;
    if (host.current) view.mount(host.current);
    const sync = (s: StudioState): void =>
      view.update({
        width: s.canvasWidth,
        height: s.canvasHeight,
        styleConfig: s.styleConfig,
        version: s.canvasVersion,
        strokes: s.strokes,
        queue: s.queue,
      });
    sync(store.state);
    const unsubscribe = store.subscribe((s, previous) => {
      if (
        s.strokes !== previous.strokes ||
        s.queue !== previous.queue ||
        s.canvasVersion !== previous.canvasVersion ||
        s.styleConfig !== previous.styleConfig ||
        s.canvasWidth !== previous.canvasWidth ||
        s.canvasHeight !== previous.canvasHeight
      ) {
        sync(s);
      }
    });
    connection.start();
    return () => {
      unsubscribe();
      connection.stop();
      view.destroy();
      if (window.__codeMonet === runtime) delete window.__codeMonet;
    };
  }, [runtime]);

  useEffect(() => view.setDrawingEnabled(drawing), [drawing]);

  const online = state.connection === "open" && state.initialized;
  const pill = pillState(state);
  const send = connection.send.bind(connection);

  const submitNudge = (event: Event): void => {
    event.preventDefault();
    const text = nudge.trim();
    if (!text) return;
    if (send({ type: "nudge", text })) {
      store.dispatch({ type: "nudge_sent", text });
      setNudge("");
    }
  };

  return (
    <div class="studio" data-connection={state.connection} data-pill={pill}>
      <section class="stage" aria-label="Studio">
        <div class="piece-bar">
          <h1>
            <span class="number" data-testid="piece-number">
              {pieceNumberLabel(state)}
            </span>
            <span data-testid="piece-title">{pieceTitleLabel(state)}</span>
          </h1>
          <span class="pill" data-state={pill} data-testid="status-pill" role="status" aria-live="polite">
            {pill}
          </span>
        </div>
        {state.connection !== "open" && state.initialized && (
          <div class="banner" role="alert" data-testid="reconnecting">
            Connection lost — reconnecting… Your canvas is kept and picks up where it left off.
          </div>
        )}
        {state.error && (
          <div class="banner error" role="alert">
            <span>{state.error.message}</span>
            <button class="btn" type="button" onClick={() => store.dispatch({ type: "dismiss_error" })}>
              Dismiss
            </button>
          </div>
        )}
        <div class="canvas-host" ref={host} data-testid="canvas-host" />
        <div class="toolbar" role="toolbar" aria-label="Studio controls">
          <button
            class="btn primary"
            type="button"
            data-testid="pause"
            disabled={!online}
            onClick={() => send(state.paused ? { type: "resume" } : { type: "pause" })}
          >
            {state.paused ? "Resume" : "Pause"}
          </button>
          <button class="btn" type="button" data-testid="new-piece" disabled={!online} onClick={() => setNewOpen(true)}>
            New piece
          </button>
          <button
            class="btn"
            type="button"
            data-testid="draw-toggle"
            aria-pressed={drawing}
            disabled={!online}
            onClick={() => setDrawing(!drawing)}
          >
            {drawing ? "Drawing on canvas" : "Draw on canvas"}
          </button>
          <button class="btn" type="button" data-testid="clear" disabled={!online} onClick={() => setClearOpen(true)}>
            Clear
          </button>
          <span class="spacer" />
          {state.prompt && <span class="notice">Prompt: “{state.prompt}”</span>}
        </div>
        <form class="nudge" onSubmit={submitNudge} aria-label="Nudge the artist">
          <label class="visually-hidden" for="nudge-input">
            Nudge the artist
          </label>
          <input
            id="nudge-input"
            data-testid="nudge-input"
            maxLength={2000}
            placeholder="Nudge the artist… (e.g. “more birds in the sky”)"
            value={nudge}
            disabled={!online}
            onInput={(e) => setNudge((e.currentTarget as HTMLInputElement).value)}
          />
          <button class="btn accent" type="submit" data-testid="nudge-send" disabled={!online || !nudge.trim()}>
            Nudge
          </button>
        </form>
      </section>
      <Notebook entries={state.notebook} />
      <NewPieceDialog
        open={newOpen}
        defaultStyle={state.drawingStyle}
        onClose={() => setNewOpen(false)}
        onStart={(prompt, style, shape) => {
          const size = CANVAS_SHAPES.find((s) => s.id === shape) ?? CANVAS_SHAPES[0];
          const message = {
            type: "new_canvas" as const,
            drawing_style: style,
            canvas_width: size.width,
            canvas_height: size.height,
            ...(prompt ? { direction: prompt } : {}),
          };
          if (send(message)) {
            store.dispatch({ type: "new_piece_requested", prompt: prompt || null });
            setNewOpen(false);
          }
        }}
      />
      <Dialog open={clearOpen} onClose={() => setClearOpen(false)} title="Clear the canvas?" id="clear-dialog">
        <p>Every stroke of this piece is removed, the artist's and yours.</p>
        <div class="dialog-actions">
          <button class="btn" type="button" onClick={() => setClearOpen(false)}>
            Keep it
          </button>
          <button
            class="btn accent"
            type="button"
            data-testid="clear-confirm"
            onClick={() => {
              send({ type: "clear" });
              setClearOpen(false);
            }}
          >
            Clear
          </button>
        </div>
      </Dialog>
    </div>
  );
}

function NewPieceDialog(props: {
  open: boolean;
  defaultStyle: DrawingStyle;
  onClose: () => void;
  onStart: (prompt: string, style: DrawingStyle, shape: CanvasShapeId) => void;
}) {
  const [prompt, setPrompt] = useState("");
  const [style, setStyle] = useState<DrawingStyle>(props.defaultStyle);
  const [shape, setShape] = useState<CanvasShapeId>("standard");
  useEffect(() => {
    if (props.open) setStyle(props.defaultStyle);
  }, [props.open]);
  return (
    <Dialog open={props.open} onClose={props.onClose} title="New piece" id="new-piece-dialog">
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          props.onStart(prompt.trim(), style, shape);
          setPrompt("");
        }}
      >
        <div class="field">
          <label for="new-prompt">What should it draw? (optional)</label>
          <textarea
            id="new-prompt"
            data-testid="new-prompt"
            rows={3}
            maxLength={2000}
            placeholder="Leave empty and the artist chooses."
            value={prompt}
            onInput={(e) => setPrompt((e.currentTarget as HTMLTextAreaElement).value)}
          />
        </div>
        <fieldset>
          <legend>Style</legend>
          <div class="choices">
            {(["plotter", "paint"] as const).map((s) => (
              <label key={s}>
                <input type="radio" name="style" value={s} checked={style === s} onChange={() => setStyle(s)} />
                {s === "plotter" ? "Plotter (pen)" : "Paint (brush)"}
              </label>
            ))}
          </div>
        </fieldset>
        <fieldset>
          <legend>Canvas shape</legend>
          <div class="choices">
            {CANVAS_SHAPES.map((s) => (
              <label key={s.id}>
                <input
                  type="radio"
                  name="shape"
                  value={s.id}
                  checked={shape === s.id}
                  onChange={() => setShape(s.id)}
                />
                {s.label}
              </label>
            ))}
          </div>
        </fieldset>
        <div class="dialog-actions">
          <button class="btn" type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button class="btn primary" type="submit" data-testid="new-start">
            Start
          </button>
        </div>
      </form>
    </Dialog>
  );
}

const TOOL_MARKS = { running: "…", done: "✓", failed: "✗" } as const;

function Notebook(props: { entries: NotebookEntry[] }) {
  const list = useRef<HTMLOListElement>(null);
  const pinned = useRef(true);
  useEffect(() => {
    const el = list.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [props.entries]);
  return (
    <aside class="notebook" aria-label="The artist's notebook">
      <h2>Notebook</h2>
      <ol
        ref={list}
        data-testid="notebook"
        // biome-ignore lint/a11y/noNoninteractiveTabindex: it scrolls; keyboard users focus it to scroll it
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget as HTMLOListElement;
          pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        {props.entries.length === 0 && <li class="empty">The artist's thoughts appear here as it works.</li>}
        {props.entries.map((entry) => (
          <NotebookItem key={entry.id} entry={entry} />
        ))}
      </ol>
    </aside>
  );
}

/** One notebook entry (the list keys each by its id). */
function NotebookItem({ entry }: { entry: NotebookEntry }) {
  switch (entry.kind) {
    case "thought":
      return (
        <li class="entry-thought" data-kind="thought">
          {entry.text.trim()}
        </li>
      );
    case "tool":
      return (
        <li class="entry-tool" data-kind="tool" data-status={entry.status} data-tool={entry.tool}>
          <span class="mark" aria-hidden="true">
            {TOOL_MARKS[entry.status]}
          </span>
          <span>
            <span class="visually-hidden">{entry.status}: </span>
            {describeTool(entry)}
          </span>
        </li>
      );
    case "nudge":
      return (
        <li class="entry-nudge" data-kind="nudge">
          You: {entry.text}
        </li>
      );
    case "event":
      return (
        <li class="entry-event" data-kind="event" data-tone={entry.tone}>
          {entry.text}
        </li>
      );
  }
}
