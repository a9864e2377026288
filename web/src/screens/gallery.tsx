// The gallery screen (/gallery): the signed-in user's pieces and the public-gallery switch.

import { useEffect, useState } from "preact/hooks";
import { AuthRequired, api } from "../api";
import { errorText, styleLabel } from "../presentation";
import type { GalleryEntry } from "../protocol";
import { AuthImage, formatDate, Link, useAuthRedirect } from "../ui";

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
      {error !== null && !(error instanceof AuthRequired) && (
        <p class="notice error">Could not load the gallery: {errorText(error)}</p>
      )}
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
                    No. {entry.piece_number} · {formatDate(entry.created_at)} · {styleLabel(entry.drawing_style)} ·{" "}
                    {entry.stroke_count} strokes
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
