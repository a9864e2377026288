import { describe, expect, it } from "vitest";
import { AuthRequired, HttpError } from "../api";
import { type PendingStrokesReply, pendingBatches, StrokeDelivery } from "../delivery";
import {
  type ClientMessage,
  type InitMessage,
  type Path,
  type PendingStroke,
  PLOTTER_STYLE,
  type ServerMessage,
} from "../protocol";
import { Store } from "../store";

const line = (x: number): Path => ({
  type: "line",
  author: "agent",
  points: [
    { x, y: 0 },
    { x, y: 10 },
  ],
});

const stroke = (batchId: number, x: number): PendingStroke => ({
  batch_id: batchId,
  path: line(x),
  points: line(x).points,
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
    ...extra,
  };
}

const strokes = (batchId: number, xs: number[]): ServerMessage => ({
  type: "strokes",
  batch_id: batchId,
  piece_number: 1,
  strokes: xs.map((x) => stroke(batchId, x)),
});

/** A delivery wired like the connection wires it, with the socket and HTTP faked. */
function harness(options: { open?: boolean; replies?: (() => Promise<PendingStrokesReply>)[] } = {}) {
  const store = new Store();
  const sent: ClientMessage[] = [];
  const fetched: string[] = [];
  const replies = [...(options.replies ?? [])];
  let open = options.open ?? true;
  let authRequired = 0;
  const api = {
    json: <T>(path: string): Promise<T> => {
      fetched.push(path);
      const next = replies.shift();
      return (next ? next() : Promise.resolve({ strokes: [], count: 0, piece_number: 1 })) as Promise<T>;
    },
  };
  const receive = (message: ServerMessage): void => {
    const before = store.state;
    store.dispatch({ type: "server", message });
    delivery.received(message, before);
  };
  const delivery: StrokeDelivery = new StrokeDelivery({
    store,
    api,
    send: (message) => {
      if (!open) return false;
      sent.push(message);
      return true;
    },
    receive,
    onAuthRequired: () => {
      authRequired += 1;
    },
  });
  return {
    store,
    delivery,
    receive,
    sent,
    fetched,
    acks: () =>
      sent.filter((m) => m.type === "animation_done").map((m) => (m.type === "animation_done" ? m.batch_id : null)),
    setOpen: (value: boolean) => {
      open = value;
    },
    authRequired: () => authRequired,
  };
}

/** Lets pending promise callbacks (the fetch) run. */
const settled = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

const reply = (data: PendingStrokesReply) => () => Promise.resolve(data);

describe("StrokeDelivery acknowledgements", () => {
  it("acknowledges a batch once the canvas has animated it, and only once", () => {
    // Arrange
    const h = harness();
    h.receive(init());
    h.receive(strokes(1, [1, 2]));
    // Act
    h.store.dispatch({ type: "batch_done", batchId: 1 });
    h.delivery.ack(1);
    // Assert
    expect(h.acks()).toEqual([1]);
  });

  it("acknowledges at once a batch the store did not queue (already on the canvas)", () => {
    // Arrange
    const h = harness();
    h.receive(init({ strokes: [line(1)], last_batch_id: 3 }));
    // Act
    h.receive(strokes(3, [1]));
    // Assert
    expect(h.store.state.queue).toHaveLength(0);
    expect(h.acks()).toEqual([3]);
  });

  it("acknowledges queued batches a clear drops", () => {
    // Arrange
    const h = harness();
    h.receive(init());
    h.receive(strokes(1, [1]));
    h.receive(strokes(2, [2]));
    // Act
    h.receive({ type: "clear" });
    // Assert
    expect(h.acks()).toEqual([1, 2]);
  });

  it("tries again later when the socket was closed at the first attempt", () => {
    // Arrange
    const h = harness({ open: false });
    h.receive(init({ last_batch_id: 1 }));
    h.receive(strokes(1, [1]));
    h.setOpen(true);
    // Act
    h.delivery.ack(1);
    // Assert
    expect(h.acks()).toEqual([1]);
  });

  it("forgets what it acknowledged when a new init arrives (a fresh server session)", () => {
    // Arrange
    const h = harness();
    h.receive(init({ last_batch_id: 2 }));
    h.receive(strokes(2, [1]));
    // Act
    h.receive(init({ last_batch_id: 0 }));
    h.delivery.ack(2);
    // Assert
    expect(h.acks()).toEqual([2, 2]);
  });
});

describe("StrokeDelivery v1 fetch", () => {
  it("fetches pending strokes after agent_strokes_ready and queues them batch by batch", async () => {
    // Arrange
    const h = harness({
      replies: [reply({ strokes: [stroke(5, 3), stroke(4, 1), stroke(4, 2)], count: 3, piece_number: 1 })],
    });
    h.receive(init({ connection_id: 7, last_batch_id: 3 }));
    // Act
    h.receive({ type: "agent_strokes_ready", count: 3, batch_id: 5, piece_number: 1 });
    await settled();
    // Assert
    expect(h.fetched).toEqual(["/strokes/pending?after_batch_id=3&connection_id=7"]);
    expect(h.store.state.queue.map((b) => [b.batchId, b.strokes.length])).toEqual([
      [4, 2],
      [5, 1],
    ]);
  });

  it("coalesces announcements that arrive during a fetch into one more fetch", async () => {
    // Arrange
    let release: () => void = () => {};
    const slow = new Promise<void>((resolve) => {
      release = resolve;
    });
    const h = harness({
      replies: [
        () => slow.then(() => ({ strokes: [stroke(1, 1)], count: 1, piece_number: 1 })),
        reply({ strokes: [stroke(2, 2)], count: 1, piece_number: 1 }),
      ],
    });
    h.receive(init());
    // Act
    const first = h.delivery.fetchPending();
    void h.delivery.fetchPending();
    void h.delivery.fetchPending();
    release();
    await first;
    // Assert
    expect(h.fetched).toEqual(["/strokes/pending?after_batch_id=0", "/strokes/pending?after_batch_id=1"]);
    expect(h.store.state.queue.map((b) => b.batchId)).toEqual([1, 2]);
  });

  it("asks for sign-in when the fetch needs it", async () => {
    // Arrange
    const h = harness({ replies: [() => Promise.reject(new AuthRequired())] });
    h.receive(init());
    // Act
    await h.delivery.fetchPending();
    // Assert
    expect(h.authRequired()).toBe(1);
    expect(h.store.state.error).toBeNull();
  });

  it("shows an error when the fetch fails otherwise", async () => {
    // Arrange
    const h = harness({ replies: [() => Promise.reject(new HttpError(500, "boom"))] });
    h.receive(init());
    // Act
    await h.delivery.fetchPending();
    // Assert
    expect(h.store.state.error?.message).toBe("Could not fetch the artist's strokes.");
  });
});

describe("pendingBatches", () => {
  it("groups a reply's strokes into strokes messages, oldest batch first", () => {
    // Arrange
    const data = { strokes: [stroke(9, 1), stroke(8, 2), stroke(9, 3)], piece_number: 2 };
    // Act
    const messages = pendingBatches(data);
    // Assert
    expect(messages.map((m) => (m.type === "strokes" ? [m.batch_id, m.piece_number, m.strokes.length] : null))).toEqual(
      [
        [8, 2, 1],
        [9, 2, 2],
      ],
    );
  });
});
