// HTTP: bearer tokens (local mode signs in by itself via /auth/dev-token), refresh on 401,
// and the few JSON endpoints the studio and gallery use.

export interface Tokens {
  access_token: string;
  refresh_token?: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class AuthRequired extends Error {
  constructor() {
    super("Please sign in");
  }
}

const STORAGE_KEY = "code-monet.tokens";

function readStored(): Tokens | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const data = JSON.parse(raw) as Partial<Tokens>;
    return typeof data.access_token === "string" ? (data as Tokens) : null;
  } catch {
    return null;
  }
}

function store(tokens: Tokens | null): void {
  try {
    if (tokens) localStorage.setItem(STORAGE_KEY, JSON.stringify(tokens));
    else localStorage.removeItem(STORAGE_KEY);
  } catch {
    /* private mode: tokens live in memory only */
  }
}

async function detail(response: Response): Promise<string> {
  try {
    const data = (await response.json()) as { detail?: unknown; message?: unknown };
    if (typeof data.detail === "string") return data.detail;
    if (typeof data.message === "string") return data.message;
  } catch {
    /* not JSON */
  }
  return `${response.status} ${response.statusText || "error"}`;
}

export class Api {
  private tokens: Tokens | null = readStored();
  private pendingToken: Promise<string | null> | null = null;
  /** True once /auth/dev-token answered: this server runs in local mode. */
  localMode: boolean | null = null;

  constructor(private readonly base = "") {}

  url(path: string): string {
    return this.base + path;
  }

  setTokens(tokens: Tokens | null): void {
    this.tokens = tokens;
    store(tokens);
  }

  get signedIn(): boolean {
    return this.tokens !== null;
  }

  /** A usable access token: stored, refreshed, or from local mode; null when sign-in is needed. */
  async token(): Promise<string | null> {
    if (this.tokens) return this.tokens.access_token;
    return this.renew();
  }

  /** Replace a rejected token (refresh, else local mode's dev token). */
  async renew(): Promise<string | null> {
    this.pendingToken ??= this.doRenew().finally(() => {
      this.pendingToken = null;
    });
    return this.pendingToken;
  }

  private async doRenew(): Promise<string | null> {
    const refresh = this.tokens?.refresh_token;
    if (refresh) {
      try {
        const response = await fetch(this.url("/auth/refresh"), {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ refresh_token: refresh }),
        });
        if (response.ok) {
          const tokens = (await response.json()) as Tokens;
          this.setTokens(tokens);
          return tokens.access_token;
        }
      } catch {
        /* offline: try the dev token, then give up */
      }
    }
    this.setTokens(null);
    try {
      const response = await fetch(this.url("/auth/dev-token"));
      if (response.ok) {
        const tokens = (await response.json()) as Tokens;
        this.localMode = true;
        this.setTokens(tokens);
        return tokens.access_token;
      }
      this.localMode = false;
    } catch {
      /* unreachable server: the caller retries */
    }
    return null;
  }

  /** Is sign-in needed? (Probes local mode once.) */
  async needsSignIn(): Promise<boolean> {
    return (await this.token()) === null;
  }

  async request(path: string, init: RequestInit = {}, auth = true): Promise<Response> {
    const send = async (token: string | null): Promise<Response> => {
      const headers = new Headers(init.headers);
      if (token) headers.set("Authorization", `Bearer ${token}`);
      if (init.body && !headers.has("Content-Type")) headers.set("Content-Type", "application/json");
      return fetch(this.url(path), { ...init, headers });
    };
    if (!auth) return send(null);
    let token = await this.token();
    if (!token) throw new AuthRequired();
    let response = await send(token);
    if (response.status === 401) {
      this.setTokens({ access_token: "", refresh_token: this.tokens?.refresh_token ?? "" });
      token = await this.renew();
      if (!token) throw new AuthRequired();
      response = await send(token);
    }
    return response;
  }

  async json<T>(path: string, init: RequestInit = {}, auth = true): Promise<T> {
    const response = await this.request(path, init, auth);
    if (!response.ok) throw new HttpError(response.status, await detail(response));
    return (await response.json()) as T;
  }

  async blob(path: string): Promise<Blob> {
    const response = await this.request(path);
    if (!response.ok) throw new HttpError(response.status, await detail(response));
    return response.blob();
  }

  // -------------------------------------------------------------- sign-in (magic link + code)

  async requestMagicLink(email: string): Promise<void> {
    await this.json("/auth/magic-link", { method: "POST", body: JSON.stringify({ email, platform: "web" }) }, false);
  }

  async verifyCode(email: string, code: string): Promise<void> {
    const tokens = await this.json<Tokens>(
      "/auth/magic-link/verify-code",
      { method: "POST", body: JSON.stringify({ email, code }) },
      false,
    );
    this.setTokens(tokens);
  }

  /** Tokens handed over in the URL by the magic-link landing redirect (query or fragment). */
  adoptTokensFromUrl(): boolean {
    const params = new URLSearchParams(location.hash.replace(/^#/, ""));
    const query = new URLSearchParams(location.search);
    const access = params.get("access_token") ?? query.get("access_token");
    if (!access) return false;
    this.setTokens({
      access_token: access,
      refresh_token: params.get("refresh_token") ?? query.get("refresh_token") ?? "",
    });
    query.delete("access_token");
    query.delete("refresh_token");
    query.delete("token_type");
    const rest = query.toString();
    history.replaceState(null, "", location.pathname + (rest ? `?${rest}` : ""));
    return true;
  }

  async signOut(): Promise<void> {
    try {
      await this.request("/auth/logout", { method: "POST" });
    } catch {
      /* signing out locally is enough */
    }
    this.setTokens(null);
  }

  /** A WebSocket URL for `path` on this server. */
  wsUrl(path: string): string {
    const origin = this.base || location.origin;
    return origin.replace(/^http/, "ws") + path;
  }
}

export const api = new Api();
