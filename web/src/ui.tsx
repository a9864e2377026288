// Small shared UI pieces: a tiny router, a modal dialog on <dialog>, an image loaded with the
// bearer token, and hooks.

import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { AuthRequired, api } from "./api";

// --------------------------------------------------------------------------- router

const listeners = new Set<() => void>();

export function navigate(to: string, replace = false): void {
  if (to === location.pathname + location.search) return;
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  for (const listener of listeners) listener();
  window.scrollTo(0, 0);
}

window.addEventListener("popstate", () => {
  for (const listener of listeners) listener();
});

export function useLocation(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = (): void => setPath(location.pathname);
    listeners.add(update);
    return () => {
      listeners.delete(update);
    };
  }, []);
  return path;
}

export function Link(props: {
  href: string;
  class?: string;
  children: ComponentChildren;
  current?: boolean;
  label?: string;
}) {
  return (
    <a
      href={props.href}
      class={props.class}
      aria-current={props.current ? "page" : undefined}
      aria-label={props.label}
      onClick={(event: MouseEvent) => {
        if (
          event.defaultPrevented ||
          event.button !== 0 ||
          event.metaKey ||
          event.ctrlKey ||
          event.shiftKey ||
          event.altKey
        )
          return;
        event.preventDefault();
        navigate(props.href);
      }}
    >
      {props.children}
    </a>
  );
}

// --------------------------------------------------------------------------- dialog

/** A modal dialog (native <dialog>: focus trap, Escape to close, focus returns on close). */
export function Dialog(props: {
  open: boolean;
  onClose: () => void;
  title: string;
  children: ComponentChildren;
  id?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<Element | null>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) {
      opener.current = document.activeElement;
      dialog.showModal();
      const first = dialog.querySelector<HTMLElement>("[autofocus], input, textarea, select, button");
      first?.focus();
    } else if (!props.open && dialog.open) {
      dialog.close();
    }
  }, [props.open]);
  const titleId = `${props.id ?? "dialog"}-title`;
  return (
    <dialog
      ref={ref}
      id={props.id}
      aria-labelledby={titleId}
      onClose={() => {
        props.onClose();
        if (opener.current instanceof HTMLElement) opener.current.focus();
      }}
      onCancel={(event: Event) => {
        event.preventDefault();
        props.onClose();
      }}
    >
      <h2 id={titleId}>{props.title}</h2>
      {props.children}
    </dialog>
  );
}

// --------------------------------------------------------------------------- images

/** Loads a bearer-protected image as an object URL. */
export function AuthImage(props: { path: string; alt: string; fallback: string }) {
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

// --------------------------------------------------------------------------- hooks

/** Sends the viewer to sign-in (coming back to `next`) when `error` says it is needed. */
export function useAuthRedirect(error: unknown, next: string): void {
  useEffect(() => {
    if (error instanceof AuthRequired) navigate(`/signin?next=${encodeURIComponent(next)}`, true);
  }, [error]);
}

export function reducedMotionNow(): boolean {
  return typeof window !== "undefined" && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
}

/** The `speed` URL parameter (animation speed multiplier, default 1). */
export function speedFromUrl(): number {
  const raw = Number(new URLSearchParams(location.search).get("speed"));
  return Number.isFinite(raw) && raw > 0 ? Math.min(raw, 1000) : 1;
}

export function formatDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
}

/** Save a blob as a file (through a temporary object URL). */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
