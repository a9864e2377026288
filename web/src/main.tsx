import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, HttpError } from "./api";
import { Gallery, PieceView, PublicGallery } from "./gallery";
import { Studio } from "./studio";
import { Link, navigate, useLocation } from "./ui";
import "./styles.css";

type Route =
  | { name: "studio" }
  | { name: "gallery" }
  | { name: "piece"; pieceNumber: number }
  | { name: "public" }
  | { name: "signin" }
  | { name: "missing" };

export function route(path: string): Route {
  const clean = path.replace(/\/+$/, "") || "/";
  if (clean === "/" || clean === "/studio") return { name: "studio" };
  if (clean === "/gallery") return { name: "gallery" };
  const piece = /^\/gallery\/(\d{1,8})$/.exec(clean);
  if (piece) return { name: "piece", pieceNumber: Number(piece[1]) };
  if (clean === "/public") return { name: "public" };
  if (clean === "/signin") return { name: "signin" };
  return { name: "missing" };
}

function SignIn() {
  const [email, setEmail] = useState("");
  const [code, setCode] = useState("");
  const [stage, setStage] = useState<"checking" | "email" | "code">("checking");
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const next = new URLSearchParams(location.search).get("next") ?? "/studio";
  const target = next.startsWith("/") && !next.startsWith("//") ? next : "/studio";

  useEffect(() => {
    // Local mode (or a still valid session) skips this screen.
    void api.token().then((token) => {
      if (token) navigate(target, true);
      else setStage("email");
    });
  }, []);

  const sendLink = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      await api.requestMagicLink(email.trim());
      setStage("code");
      setMessage("Check your inbox: open the link, or type the 6-digit code here.");
    } catch (e) {
      setMessage(e instanceof Error ? e.message : "Could not send the link.");
    } finally {
      setBusy(false);
    }
  };

  const verify = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      await api.verifyCode(email.trim(), code.trim());
      navigate(target, true);
    } catch (e) {
      setMessage(e instanceof HttpError && e.status < 500 ? "That code did not work; check it or ask for a new one." : "Could not verify the code.");
    } finally {
      setBusy(false);
    }
  };

  if (stage === "checking") return <p class="empty page">Checking your session…</p>;
  return (
    <div class="signin">
      <h1>Sign in to Code Monet</h1>
      {stage === "email" ? (
        <form onSubmit={(e) => void sendLink(e)}>
          <div class="field">
            <label for="email">Email</label>
            <input id="email" type="email" autoComplete="email" required value={email} onInput={(e) => setEmail((e.currentTarget as HTMLInputElement).value)} />
          </div>
          <button class="btn primary" type="submit" disabled={busy || !email.includes("@")}>
            Email me a sign-in link
          </button>
        </form>
      ) : (
        <form onSubmit={(e) => void verify(e)}>
          <div class="field">
            <label for="code">6-digit code sent to {email}</label>
            <input
              id="code"
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="[0-9]{6}"
              maxLength={6}
              required
              value={code}
              onInput={(e) => setCode((e.currentTarget as HTMLInputElement).value.replace(/\D/g, ""))}
            />
          </div>
          <div class="dialog-actions">
            <button class="btn" type="button" onClick={() => setStage("email")}>
              Use another email
            </button>
            <button class="btn primary" type="submit" disabled={busy || code.length !== 6}>
              Sign in
            </button>
          </div>
        </form>
      )}
      {message && (
        <p class="notice" role="status">
          {message}
        </p>
      )}
    </div>
  );
}

function App() {
  const path = useLocation();
  const current = route(path);
  useEffect(() => {
    const titles: Record<Route["name"], string> = {
      studio: "Studio",
      gallery: "Gallery",
      piece: "Piece",
      public: "Public gallery",
      signin: "Sign in",
      missing: "Not found",
    };
    document.title = `${titles[current.name]} · Code Monet`;
  }, [current.name]);
  const isGallery = current.name === "gallery" || current.name === "piece";
  return (
    <>
      <header class="topbar">
        <Link href="/studio" class="brand" label="Code Monet — studio">
          Code Monet
        </Link>
        <nav aria-label="Main">
          <Link href="/studio" current={current.name === "studio"}>
            Studio
          </Link>
          <Link href="/gallery" current={isGallery}>
            Gallery
          </Link>
          <Link href="/public" current={current.name === "public"}>
            Public
          </Link>
        </nav>
      </header>
      <main>
        {current.name === "studio" && <Studio />}
        {current.name === "gallery" && <Gallery />}
        {current.name === "piece" && <PieceView key={current.pieceNumber} pieceNumber={current.pieceNumber} />}
        {current.name === "public" && <PublicGallery />}
        {current.name === "signin" && <SignIn />}
        {current.name === "missing" && (
          <div class="page">
            <h1>Nothing here</h1>
            <p>
              <Link href="/studio">Go to the studio</Link>
            </p>
          </div>
        )}
      </main>
    </>
  );
}

// The magic-link landing (/auth/verify) redirects to /auth/callback#access_token=…
api.adoptTokensFromUrl();
if (location.pathname === "/auth/callback") history.replaceState(null, "", "/studio");
const root = document.getElementById("app");
if (root) render(<App />, root);
