// The drawing surface: two stacked canvases. The base layer holds finished strokes and only
// ever gets strokes appended (a full redraw happens on resize or when the canvas is replaced),
// so thousands of strokes cost nothing per frame. The overlay is cleared and redrawn each frame
// with just the stroke being animated, the pen tip and the viewer's own ink in progress.

import { pathData } from "./geometry";
import { type MotionPlan, penAt, planMotion } from "./motion";
import { effectiveStyle, type Path, type Point, type StyleConfig } from "./protocol";
import type { Batch } from "./store";

export const PAPER = "#fbf8f1";

export interface CanvasSource {
  width: number;
  height: number;
  styleConfig: StyleConfig;
  version: number;
  strokes: readonly Path[];
  queue: readonly Batch[];
}

export interface CanvasViewOptions {
  onBatchDone?: (batchId: number) => void;
  onHumanStroke?: (points: Point[]) => void;
  /** Base speed multiplier of agent animation (1 = the plotter's real timing). */
  speed?: () => number;
  /** Draw finished strokes at once (prefers-reduced-motion). */
  instant?: () => boolean;
  /** Longest one batch may take to animate, in seconds (longer plans are sped up). */
  maxBatchSeconds?: number;
}

const path2dCache = new WeakMap<Path, Path2D | null>();

function path2d(path: Path): Path2D | null {
  let cached = path2dCache.get(path);
  if (cached === undefined) {
    const d = pathData(path);
    try {
      cached = d ? new Path2D(d) : null;
    } catch {
      cached = null;
    }
    path2dCache.set(path, cached);
  }
  return cached;
}

/** Stroke (and fill) one path on a context already scaled to canvas units. */
export function drawPath(ctx: CanvasRenderingContext2D, path: Path, config: StyleConfig): void {
  const geometry = path2d(path);
  if (!geometry) return;
  const style = effectiveStyle(path, config);
  if (path.fill) {
    ctx.globalAlpha = path.fill_opacity ?? 1;
    ctx.fillStyle = path.fill;
    ctx.fill(geometry);
  }
  ctx.globalAlpha = style.opacity;
  ctx.strokeStyle = style.color;
  ctx.lineWidth = style.stroke_width;
  ctx.lineCap = style.stroke_linecap;
  ctx.lineJoin = style.stroke_linejoin;
  ctx.stroke(geometry);
  ctx.globalAlpha = 1;
}

function strokePolyline(
  ctx: CanvasRenderingContext2D,
  points: readonly Point[],
  upTo: number,
  end: Point | null,
): void {
  if (points.length === 0) return;
  ctx.beginPath();
  ctx.moveTo(points[0]!.x, points[0]!.y);
  const last = Math.min(upTo, points.length - 1);
  for (let i = 1; i <= last; i++) ctx.lineTo(points[i]!.x, points[i]!.y);
  if (end) ctx.lineTo(end.x, end.y);
  if (last === 0 && !end) ctx.lineTo(points[0]!.x + 0.01, points[0]!.y);
  ctx.stroke();
}

interface Animation {
  batch: Batch;
  plan: MotionPlan;
  elapsed: number;
  committedRuns: number;
  finished: boolean;
}

interface LocalInk {
  points: Point[];
  widths: number[];
  done: boolean;
  expires: number;
}

export class CanvasView {
  readonly element: HTMLDivElement;
  private readonly base: HTMLCanvasElement;
  private readonly overlay: HTMLCanvasElement;
  private readonly baseCtx: CanvasRenderingContext2D;
  private readonly overlayCtx: CanvasRenderingContext2D;
  private source: CanvasSource | null = null;
  private drawnVersion = -1;
  private drawnCount = 0;
  private readonly animated = new WeakSet<Path>();
  private animation: Animation | null = null;
  private scale = 1;
  private cssWidth = 0;
  private cssHeight = 0;
  private frame = 0;
  private lastTime = 0;
  private drawingEnabled = false;
  private readonly ink: LocalInk[] = [];
  private activePointer: number | null = null;
  private resizeObserver: ResizeObserver | null = null;
  private destroyed = false;

  constructor(private readonly options: CanvasViewOptions = {}) {
    this.element = document.createElement("div");
    this.element.className = "canvas-stack";
    this.base = document.createElement("canvas");
    this.base.className = "canvas-base";
    this.overlay = document.createElement("canvas");
    this.overlay.className = "canvas-overlay";
    this.base.setAttribute("aria-hidden", "true");
    this.overlay.setAttribute("role", "img");
    this.overlay.setAttribute("aria-label", "The canvas");
    this.element.append(this.base, this.overlay);
    this.baseCtx = this.base.getContext("2d", { alpha: false })!;
    this.overlayCtx = this.overlay.getContext("2d")!;
    this.overlay.addEventListener("pointerdown", this.onPointerDown);
    this.overlay.addEventListener("pointermove", this.onPointerMove);
    this.overlay.addEventListener("pointerup", this.onPointerUp);
    this.overlay.addEventListener("pointercancel", this.onPointerUp);
  }

  /** Fit the canvas into `container` at the piece's aspect ratio, following its size. */
  mount(container: HTMLElement): void {
    container.appendChild(this.element);
    this.resizeObserver = new ResizeObserver(() => this.fit(container));
    this.resizeObserver.observe(container);
    this.fit(container);
  }

  destroy(): void {
    this.destroyed = true;
    this.resizeObserver?.disconnect();
    cancelAnimationFrame(this.frame);
    this.element.remove();
  }

  /** The base layer (finished strokes) as a canvas, e.g. for a PNG download. */
  get baseCanvas(): HTMLCanvasElement {
    return this.base;
  }

  setDrawingEnabled(enabled: boolean): void {
    this.drawingEnabled = enabled;
    this.element.classList.toggle("drawing", enabled);
    this.overlay.setAttribute("aria-label", enabled ? "The canvas: draw with a pointer" : "The canvas");
  }

  /** The server echoed (or refused) one of our strokes: drop the oldest local preview. */
  settleLocalStroke(): void {
    const index = this.ink.findIndex((i) => i.done);
    if (index >= 0) this.ink.splice(index, 1);
    this.requestFrame();
  }

  update(source: CanvasSource): void {
    const previous = this.source;
    this.source = source;
    const replaced =
      !previous ||
      previous.version !== source.version ||
      previous.styleConfig !== source.styleConfig ||
      previous.width !== source.width ||
      previous.height !== source.height;
    if (replaced && previous && (previous.width !== source.width || previous.height !== source.height)) {
      const container = this.element.parentElement;
      if (container) this.fit(container);
    }
    if (this.animation && !source.queue.includes(this.animation.batch)) this.animation = null;
    if (replaced || source.version !== this.drawnVersion) this.redrawBase();
    else this.appendStrokes();
    this.element.dataset.strokes = String(source.strokes.length);
    this.element.dataset.queue = String(source.queue.length);
    this.requestFrame();
  }

  // ------------------------------------------------------------------ layout & base layer

  private fit(container: HTMLElement): void {
    const src = this.source;
    const w = src?.width ?? 800;
    const h = src?.height ?? 600;
    const box = container.getBoundingClientRect();
    if (box.width <= 0 || box.height <= 0) return;
    const fitScale = Math.min(box.width / w, box.height / h);
    const cssWidth = Math.max(1, Math.floor(w * fitScale));
    const cssHeight = Math.max(1, Math.floor(h * fitScale));
    if (cssWidth === this.cssWidth && cssHeight === this.cssHeight && this.base.width > 0 && this.drawnVersion >= 0)
      return;
    this.cssWidth = cssWidth;
    this.cssHeight = cssHeight;
    const ratio = Math.min(window.devicePixelRatio || 1, 2);
    for (const canvas of [this.base, this.overlay]) {
      canvas.width = Math.round(cssWidth * ratio);
      canvas.height = Math.round(cssHeight * ratio);
      canvas.style.width = `${cssWidth}px`;
      canvas.style.height = `${cssHeight}px`;
    }
    this.element.style.width = `${cssWidth}px`;
    this.element.style.height = `${cssHeight}px`;
    this.scale = (cssWidth * ratio) / w;
    this.redrawBase();
    this.requestFrame();
  }

  private redrawBase(): void {
    const ctx = this.baseCtx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = PAPER;
    ctx.fillRect(0, 0, this.base.width, this.base.height);
    const src = this.source;
    if (!src) return;
    ctx.setTransform(this.scale, 0, 0, this.scale, 0, 0);
    for (const path of src.strokes) drawPath(ctx, path, src.styleConfig);
    const anim = this.animation;
    if (anim) {
      for (let r = 0; r < anim.committedRuns; r++) {
        const stroke = anim.batch.strokes[r];
        if (stroke && !src.strokes.includes(stroke.path)) drawPath(ctx, stroke.path, src.styleConfig);
      }
    }
    this.drawnVersion = src.version;
    this.drawnCount = src.strokes.length;
    this.element.dataset.drawn = String(this.drawnCount);
  }

  private appendStrokes(): void {
    const src = this.source;
    if (!src) return;
    if (src.strokes.length < this.drawnCount) {
      this.redrawBase();
      return;
    }
    const ctx = this.baseCtx;
    ctx.setTransform(this.scale, 0, 0, this.scale, 0, 0);
    for (let i = this.drawnCount; i < src.strokes.length; i++) {
      const path = src.strokes[i]!;
      if (!this.animated.has(path)) drawPath(ctx, path, src.styleConfig);
    }
    this.drawnCount = src.strokes.length;
    this.element.dataset.drawn = String(this.drawnCount);
  }

  private commitRun(anim: Animation, run: number): void {
    const stroke = anim.batch.strokes[run];
    const src = this.source;
    if (!stroke || !src) return;
    this.baseCtx.setTransform(this.scale, 0, 0, this.scale, 0, 0);
    drawPath(this.baseCtx, stroke.path, src.styleConfig);
    this.animated.add(stroke.path);
  }

  // ------------------------------------------------------------------ animation loop

  private requestFrame(): void {
    if (this.frame || this.destroyed) return;
    this.frame = requestAnimationFrame(this.tick);
  }

  private readonly tick = (now: number): void => {
    this.frame = 0;
    const dt = this.lastTime ? Math.min(0.1, (now - this.lastTime) / 1000) : 0;
    this.lastTime = now;
    const busy = this.step(dt);
    this.drawOverlay();
    if (busy) this.requestFrame();
    else this.lastTime = 0;
  };

  /** Advance the agent animation by `dt` seconds; returns whether more frames are needed. */
  private step(dt: number): boolean {
    const src = this.source;
    if (!src) return false;
    const head = src.queue[0];
    if (!head) {
      this.animation = null;
      return this.ink.some((i) => !i.done || i.expires > performance.now());
    }
    let anim = this.animation;
    if (!anim || anim.batch !== head) {
      anim = {
        batch: head,
        plan: planMotion(head.strokes.map((s) => s.points)),
        elapsed: 0,
        committedRuns: 0,
        finished: false,
      };
      this.animation = anim;
    }
    if (anim.finished) return true; // waiting for the store to drop the batch
    const instant = this.options.instant?.() ?? false;
    const maxSeconds = this.options.maxBatchSeconds ?? 20;
    const base = this.options.speed?.() ?? 1;
    const backlog = Math.min(8, src.queue.length);
    const speed = Math.max(base * backlog, anim.plan.totalTime / maxSeconds);
    anim.elapsed += dt * speed;
    const runs = head.strokes.length;
    const done = instant || (typeof document !== "undefined" && document.hidden) || anim.elapsed >= anim.plan.totalTime;
    const runsDone = done ? runs : penAt(anim.plan, anim.elapsed, runs).runsDone;
    while (anim.committedRuns < runsDone) {
      this.commitRun(anim, anim.committedRuns);
      anim.committedRuns += 1;
    }
    if (done) {
      anim.finished = true;
      this.options.onBatchDone?.(head.batchId);
    }
    return true;
  }

  private drawOverlay(): void {
    const ctx = this.overlayCtx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.overlay.width, this.overlay.height);
    const src = this.source;
    if (!src) return;
    ctx.setTransform(this.scale, 0, 0, this.scale, 0, 0);
    const anim = this.animation;
    if (anim && !anim.finished) {
      const pen = penAt(anim.plan, anim.elapsed, anim.batch.strokes.length);
      if (pen.current) {
        const stroke = anim.batch.strokes[pen.current.run];
        if (stroke) {
          const style = effectiveStyle(stroke.path, src.styleConfig);
          ctx.globalAlpha = style.opacity;
          ctx.strokeStyle = style.color;
          ctx.lineWidth = style.stroke_width;
          ctx.lineCap = style.stroke_linecap;
          ctx.lineJoin = style.stroke_linejoin;
          strokePolyline(ctx, stroke.points, pen.current.fromIndex, pen.current);
          ctx.globalAlpha = 1;
        }
      }
      this.drawPenTip(ctx, pen.x, pen.y, pen.penDown);
      this.element.dataset.pen = `${pen.x.toFixed(1)},${pen.y.toFixed(1)}`;
    }
    const human = src.styleConfig.human_stroke;
    const now = performance.now();
    for (let i = this.ink.length - 1; i >= 0; i--) {
      if (this.ink[i]!.done && this.ink[i]!.expires < now) this.ink.splice(i, 1);
    }
    for (const ink of this.ink) {
      ctx.globalAlpha = human.opacity;
      ctx.strokeStyle = human.color;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      for (let i = 1; i < ink.points.length; i++) {
        ctx.beginPath();
        ctx.lineWidth = ink.widths[i] ?? human.stroke_width;
        ctx.moveTo(ink.points[i - 1]!.x, ink.points[i - 1]!.y);
        ctx.lineTo(ink.points[i]!.x, ink.points[i]!.y);
        ctx.stroke();
      }
      ctx.globalAlpha = 1;
    }
  }

  private drawPenTip(ctx: CanvasRenderingContext2D, x: number, y: number, down: boolean): void {
    const r = 5 / Math.max(0.2, this.scale / (window.devicePixelRatio || 1));
    ctx.save();
    ctx.globalAlpha = 1;
    ctx.beginPath();
    ctx.arc(x, y, r * (down ? 0.6 : 1), 0, Math.PI * 2);
    ctx.fillStyle = down ? "rgba(233, 69, 96, 0.9)" : "rgba(233, 69, 96, 0.25)";
    ctx.fill();
    ctx.lineWidth = r * 0.3;
    ctx.strokeStyle = "rgba(26, 26, 46, 0.8)";
    ctx.stroke();
    ctx.restore();
  }

  // ------------------------------------------------------------------ human drawing

  private toCanvas(event: PointerEvent): Point {
    const rect = this.overlay.getBoundingClientRect();
    const src = this.source;
    const w = src?.width ?? 800;
    const h = src?.height ?? 600;
    const x = ((event.clientX - rect.left) / rect.width) * w;
    const y = ((event.clientY - rect.top) / rect.height) * h;
    return {
      x: Math.round(Math.min(w, Math.max(0, x)) * 10) / 10,
      y: Math.round(Math.min(h, Math.max(0, y)) * 10) / 10,
    };
  }

  private widthFor(event: PointerEvent): number {
    const base = this.source?.styleConfig.human_stroke.stroke_width ?? 2.5;
    // Pens and touch report pressure; a mouse reports 0.5 while a button is down.
    if (event.pointerType === "mouse" || !event.pressure) return base;
    return base * (0.5 + event.pressure);
  }

  private readonly onPointerDown = (event: PointerEvent): void => {
    if (!this.drawingEnabled || this.activePointer !== null) return;
    if (event.pointerType === "mouse" && event.button !== 0) return;
    event.preventDefault();
    this.activePointer = event.pointerId;
    try {
      this.overlay.setPointerCapture(event.pointerId);
    } catch {
      /* synthetic events have no capture */
    }
    this.ink.push({ points: [this.toCanvas(event)], widths: [this.widthFor(event)], done: false, expires: 0 });
    this.requestFrame();
  };

  private readonly onPointerMove = (event: PointerEvent): void => {
    if (event.pointerId !== this.activePointer) return;
    const ink = this.ink[this.ink.length - 1];
    if (!ink) return;
    const events = typeof event.getCoalescedEvents === "function" ? event.getCoalescedEvents() : [];
    for (const e of events.length ? events : [event]) {
      const p = this.toCanvas(e);
      const last = ink.points[ink.points.length - 1];
      if (last && Math.hypot(p.x - last.x, p.y - last.y) < 0.5) continue;
      ink.points.push(p);
      ink.widths.push(this.widthFor(e));
    }
    this.requestFrame();
  };

  private readonly onPointerUp = (event: PointerEvent): void => {
    if (event.pointerId !== this.activePointer) return;
    this.activePointer = null;
    const ink = this.ink[this.ink.length - 1];
    if (!ink) return;
    ink.done = true;
    ink.expires = performance.now() + 4000; // the server's echo normally replaces it sooner
    const points =
      ink.points.length === 1 ? [ink.points[0]!, { x: ink.points[0]!.x + 0.5, y: ink.points[0]!.y }] : ink.points;
    this.options.onHumanStroke?.(points);
    this.requestFrame();
  };
}
