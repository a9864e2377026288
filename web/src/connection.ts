// The studio's WebSocket: v2 (inline strokes, `last_seq` resume) with v1 fallback, reconnecting
// with back-off. Server messages go to the store; what is acknowledged and fetched around them
// is the delivery policy's business (delivery.ts).

import type { Api } from "./api";
import { StrokeDelivery } from "./delivery";
import { type ClientMessage, parseServerMessage, type ServerMessage } from "./protocol";
import type { Store } from "./store";

const CLOSE_UNAUTHORIZED = 4001;
const CLOSE_OVER_CAP = 4003;
const V2_SUBPROTOCOL = "code-monet.v2";
/** Characters a `Sec-WebSocket-Protocol` value may hold (RFC 6455 tokens; JWTs fit). */
const SUBPROTOCOL_TOKEN = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

/** The token rides in the `Sec-WebSocket-Protocol` header (or, if it cannot, in a first
 * `auth` frame), never in the URL: servers and proxies log URLs. */
export function socketProtocols(token: string): { protocols: string[]; authFrame: boolean } {
  if (SUBPROTOCOL_TOKEN.test(token)) return { protocols: [V2_SUBPROTOCOL, `bearer.${token}`], authFrame: false };
  return { protocols: [V2_SUBPROTOCOL], authFrame: true };
}

export interface ConnectionOptions {
  onAuthRequired?: () => void;
  /** Called for every server message after the store saw it. */
  onMessage?: (message: ServerMessage) => void;
}

export class StudioConnection {
  private socket: WebSocket | null = null;
  private attempts = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private readonly delivery: StrokeDelivery;

  constructor(
    private readonly api: Api,
    private readonly store: Store,
    private readonly options: ConnectionOptions = {},
  ) {
    this.delivery = new StrokeDelivery({
      store,
      api,
      send: (message) => this.send(message),
      receive: (message) => this.receive(message),
      onAuthRequired: () => this.options.onAuthRequired?.(),
    });
  }

  get open(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, "leaving the studio");
  }

  send(message: ClientMessage): boolean {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(message));
    return true;
  }

  /** Drop the socket as if the network failed (tests and the "reconnect" debug hook). */
  simulateDrop(): void {
    this.socket?.close(4000, "simulated drop");
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const resuming = this.store.state.initialized;
    this.store.dispatch({ type: "connection", state: resuming || this.attempts > 0 ? "reconnecting" : "connecting" });
    let token: string | null;
    try {
      token = await this.api.token();
    } catch {
      token = null;
    }
    if (this.stopped) return;
    if (!token) {
      if (this.api.localMode === false) {
        this.store.dispatch({ type: "connection", state: "offline" });
        this.options.onAuthRequired?.();
        return;
      }
      this.scheduleRetry();
      return;
    }
    const params = new URLSearchParams({ strokes: "inline" });
    const state = this.store.state;
    if (state.protocol === "v2" && state.lastSeq !== null) params.set("last_seq", String(state.lastSeq));
    const auth = socketProtocols(token);
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.api.wsUrl(`/ws?${params.toString()}`), auth.protocols);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      if (auth.authFrame) socket.send(JSON.stringify({ type: "auth", token }));
      this.attempts = 0;
      this.store.dispatch({ type: "connection", state: "open" });
    };
    socket.onmessage = (event: MessageEvent) => {
      if (this.socket !== socket || typeof event.data !== "string") return;
      const message = parseServerMessage(event.data);
      if (message) this.receive(message);
    };
    socket.onclose = (event: CloseEvent) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.stopped) return;
      if (event.code === CLOSE_UNAUTHORIZED) {
        void this.api.renew().then((fresh) => {
          if (fresh) this.scheduleRetry(200);
          else {
            this.store.dispatch({ type: "connection", state: "offline" });
            this.options.onAuthRequired?.();
          }
        });
        return;
      }
      if (event.code === CLOSE_OVER_CAP) {
        this.store.dispatch({
          type: "local_error",
          message: "Too many open studio tabs; close one and this one reconnects.",
        });
        this.scheduleRetry(10_000);
        return;
      }
      this.scheduleRetry();
    };
  }

  private scheduleRetry(delay?: number): void {
    if (this.stopped || this.retryTimer) return;
    this.store.dispatch({ type: "connection", state: "reconnecting" });
    this.attempts += 1;
    const wait = delay ?? Math.min(10_000, 400 * 2 ** Math.min(this.attempts - 1, 5)) * (0.8 + Math.random() * 0.4);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, wait);
  }

  private receive(message: ServerMessage): void {
    const before = this.store.state;
    this.store.dispatch({ type: "server", message });
    this.delivery.received(message, before);
    this.options.onMessage?.(message);
  }
}
