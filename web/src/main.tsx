// The app shell: routing between the screens (src/screens/), the top bar, and start-up.

import { render } from "preact";
import { useEffect } from "preact/hooks";
import { api } from "./api";
import { Gallery } from "./screens/gallery";
import { NotFound } from "./screens/notFound";
import { PieceView } from "./screens/piece";
import { PublicGallery } from "./screens/publicGallery";
import { SignIn } from "./screens/signIn";
import { Studio } from "./screens/studio";
import { Link, useLocation } from "./ui";
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
        {current.name === "missing" && <NotFound />}
      </main>
    </>
  );
}

// The magic-link landing (/auth/verify) redirects to /auth/callback#access_token=…
api.adoptTokensFromUrl();
if (location.pathname === "/auth/callback") history.replaceState(null, "", "/studio");
const root = document.getElementById("app");
if (root) render(<App />, root);
