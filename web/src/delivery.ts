// How agent stroke batches are delivered and acknowledged, whatever the socket does:
//
// - every batch that leaves the store's queue (animated, or dropped by a clear or a new init) is
//   acknowledged with `animation_done` exactly once;
// - a `strokes` batch the store did not queue (already on the canvas, or stale) is acknowledged
//   at once, so the artist never waits for it;
// - v1: `agent_strokes_ready` means "fetch `GET /strokes/pending`"; the fetched strokes are
//   grouped into batches and handed back as `strokes` messages. Announcements that arrive while a
//   fetch runs are coalesced into one more fetch.

import { type Api, AuthRequired } from "./api";
import type { ClientMessage, PendingStroke, ServerMessage } from "./protocol";
import type { Store, StudioState } from "./store";

/** `GET /strokes/pending` (code_monet/routes/strokes.py, `PendingStrokesResponse`). */
export interface PendingStrokesReply {
  strokes: PendingStroke[];
  count: number;
  piece_number: number;
}

export interface DeliveryOptions {
  store: Store;
  api: Pick<Api, "json">;
  /** Sends on the open socket; false when there is none (the ack is then tried again later). */
  send: (message: ClientMessage) => boolean;
  /** Where fetched batches go: the connection's receive path, as if they came on the socket. */
  receive: (message: ServerMessage) => void;
  onAuthRequired?: () => void;
}

export class StrokeDelivery {
  private readonly acked = new Set<number>();
  private fetching: Promise<void> | null = null;
  private refetch = false;

  constructor(private readonly options: DeliveryOptions) {
    options.store.subscribe((state, previous) => {
      // Every batch that leaves the queue is acknowledged exactly once.
      for (const batch of previous.queue) {
        if (!state.queue.includes(batch)) this.ack(batch.batchId);
      }
    });
  }

  /** Acknowledge a batch unless already done; a failed send leaves it to be acknowledged later. */
  ack(batchId: number): void {
    if (this.acked.has(batchId)) return;
    if (this.options.send({ type: "animation_done", batch_id: batchId })) this.acked.add(batchId);
  }

  /** Called once the store has seen `message`; `before` is the state before it. */
  received(message: ServerMessage, before: StudioState): void {
    const after = this.options.store.state;
    if (message.type === "strokes" && !after.queue.some((b) => b.batchId === message.batch_id)) {
      // Not animated (already on the canvas, or stale): release the artist's wait anyway.
      this.ack(message.batch_id);
    }
    if (message.type === "init" && before.initialized) this.acked.clear();
    if (message.type === "agent_strokes_ready") void this.fetchPending();
  }

  /** v1: fetch queued strokes after the newest batch we have, and hand them on as batches. */
  fetchPending(): Promise<void> {
    if (this.fetching) {
      this.refetch = true;
      return this.fetching;
    }
    this.fetching = (async () => {
      do {
        this.refetch = false;
        await this.fetchOnce();
      } while (this.refetch);
    })().finally(() => {
      this.fetching = null;
    });
    return this.fetching;
  }

  private async fetchOnce(): Promise<void> {
    const { store, api } = this.options;
    try {
      const params = new URLSearchParams({ after_batch_id: String(store.state.lastBatchId) });
      const id = store.state.connectionId;
      if (id !== null) params.set("connection_id", String(id));
      const data = await api.json<PendingStrokesReply>(`/strokes/pending?${params.toString()}`);
      for (const message of pendingBatches(data)) this.options.receive(message);
    } catch (error) {
      if (error instanceof AuthRequired) this.options.onAuthRequired?.();
      else store.dispatch({ type: "local_error", message: "Could not fetch the artist's strokes." });
    }
  }
}

/** The strokes of a `GET /strokes/pending` reply as `strokes` messages, one per batch, oldest first. */
export function pendingBatches(data: Pick<PendingStrokesReply, "strokes" | "piece_number">): ServerMessage[] {
  const batches = new Map<number, PendingStroke[]>();
  for (const stroke of data.strokes) {
    const list = batches.get(stroke.batch_id) ?? [];
    list.push(stroke);
    batches.set(stroke.batch_id, list);
  }
  return [...batches.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([batchId, strokes]) => ({ type: "strokes", batch_id: batchId, piece_number: data.piece_number, strokes }));
}
