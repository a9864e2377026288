// The public gallery (/public): everyone's shared pieces, no sign-in needed.

import { useEffect, useState } from "preact/hooks";
import { api, HttpError } from "../api";
import { errorText, styleLabel } from "../presentation";
import { type PublicItem, parsePublicGallery } from "../publicGallery";
import { formatDate, Link } from "../ui";

export function PublicGallery() {
  const [items, setItems] = useState<PublicItem[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  const load = async (after: string | null): Promise<void> => {
    setLoading(true);
    try {
      const params = new URLSearchParams({ limit: "24" });
      if (after) params.set("cursor", after);
      const response = await api.request(
        `/public/gallery?${params.toString()}`,
        { headers: { Accept: "application/json" } },
        false,
      );
      if (!response.ok) throw new HttpError(response.status, `${response.status} ${response.statusText}`);
      // A list of summaries; the next page's cursor comes in the X-Next-Cursor header.
      const page = parsePublicGallery(await response.json(), response.headers.get("X-Next-Cursor"));
      setItems((old) => (after ? [...old, ...page.items] : page.items));
      setCursor(page.cursor);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    void load(null);
  }, []);

  return (
    <div class="page">
      <div class="page-head">
        <h1>Public gallery</h1>
        <span class="spacer" />
        <Link href="/studio" class="btn primary">
          Watch the artist draw →
        </Link>
      </div>
      {error && <p class="notice error">Could not load the public gallery: {error}</p>}
      {!loading && !error && items.length === 0 && <p class="empty">Nothing shared yet.</p>}
      <ul class="grid">
        {items.map((item) => {
          return (
            <li key={item.key}>
              <a class="card" href={item.href} data-testid="public-card">
                <div class="thumb">
                  <img src={item.thumbnail} alt={`Thumbnail of ${item.title}`} loading="lazy" />
                </div>
                <div class="meta">
                  <strong>{item.title}</strong>
                  <span>
                    {formatDate(item.created)} · {styleLabel(item.style)}
                  </span>
                </div>
              </a>
            </li>
          );
        })}
      </ul>
      {cursor && (
        <p>
          <button class="btn" type="button" disabled={loading} onClick={() => void load(cursor)}>
            More
          </button>
        </p>
      )}
    </div>
  );
}
