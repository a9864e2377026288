// The public gallery's listing, normalised (GET /public/gallery answers a list of summaries).

export interface PublicItem {
  key: string;
  title: string;
  created: string | null;
  style: string | null;
  thumbnail: string | null;
  href: string | null;
}

function pickString(data: Record<string, unknown>, ...keys: string[]): string | null {
  for (const key of keys) {
    const value = data[key];
    if (typeof value === "string" && value) return value;
    if (typeof value === "number") return String(value);
  }
  return null;
}

/** Normalise a public gallery reply (a list, or an object holding one, plus a cursor). */
export function parsePublicGallery(data: unknown): { items: PublicItem[]; cursor: string | null } {
  let list: unknown[] = [];
  let cursor: string | null = null;
  if (Array.isArray(data)) list = data;
  else if (data && typeof data === "object") {
    const obj = data as Record<string, unknown>;
    const found = ["pieces", "items", "entries", "results", "gallery"].map((k) => obj[k]).find(Array.isArray);
    list = (found as unknown[] | undefined) ?? [];
    cursor = pickString(obj, "next_cursor", "cursor", "next");
  }
  const items: PublicItem[] = [];
  list.forEach((raw, index) => {
    if (!raw || typeof raw !== "object") return;
    const item = raw as Record<string, unknown>;
    const user = pickString(item, "user_id", "owner_id");
    const piece = pickString(item, "piece_id", "id");
    const thumb =
      pickString(item, "thumbnail_url", "thumbnail") ?? (user && piece ? `/public/gallery/${user}/${piece}/thumbnail.png` : null);
    const token = pickString(item, "share_token", "token");
    items.push({
      key: `${user ?? ""}/${piece ?? index}`,
      title: pickString(item, "title") ?? "Untitled",
      created: pickString(item, "created_at"),
      style: pickString(item, "drawing_style"),
      thumbnail: thumb,
      href: pickString(item, "share_url", "url") ?? (token ? `/s/${token}` : null),
    });
  });
  return { items, cursor };
}

