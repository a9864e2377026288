// The public gallery's listing: `GET /public/gallery` (code_monet/routes/public_gallery.py) answers
// a JSON list of `PublicPieceSummary` (generated from code_monet/share/schemas.py; `title` is left
// out when unset) and puts the next page's cursor in the `X-Next-Cursor` header.

import type { DrawingStyle, PublicPieceSummary } from "./protocol";

export interface PublicItem {
  key: string;
  title: string;
  created: string;
  style: DrawingStyle;
  thumbnail: string;
  /** The piece's server-rendered page (`GET /public/{user_id}/{piece_id}`). */
  href: string;
}

export interface PublicPage {
  items: PublicItem[];
  cursor: string | null;
}

/** The reply is not the listing the server documents (a proxy's error page, another server). */
export class UnexpectedListing extends Error {}

const STRING_FIELDS = ["id", "user_id", "created_at", "thumbnail_url"] as const;
const DRAWING_STYLES: ReadonlySet<string> = new Set<DrawingStyle>(["plotter", "paint"]);

function isSummary(value: unknown): value is PublicPieceSummary {
  if (typeof value !== "object" || value === null) return false;
  const data = value as Record<string, unknown>;
  if (!STRING_FIELDS.every((key) => typeof data[key] === "string" && data[key] !== "")) return false;
  if (typeof data.drawing_style !== "string" || !DRAWING_STYLES.has(data.drawing_style)) return false;
  return data.title === undefined || typeof data.title === "string";
}

export function publicItem(summary: PublicPieceSummary): PublicItem {
  return {
    key: `${summary.user_id}/${summary.id}`,
    title: summary.title || "Untitled",
    created: summary.created_at,
    style: summary.drawing_style,
    thumbnail: summary.thumbnail_url,
    href: `/public/${encodeURIComponent(summary.user_id)}/${encodeURIComponent(summary.id)}`,
  };
}

/**
 * One page of `GET /public/gallery`: `body` is the parsed JSON, `nextCursor` the `X-Next-Cursor`
 * header. Entries that are not summaries are skipped; a body that is not a list throws.
 */
export function parsePublicGallery(body: unknown, nextCursor: string | null): PublicPage {
  if (!Array.isArray(body)) throw new UnexpectedListing("The server's public gallery listing is not a list.");
  return { items: body.filter(isSummary).map(publicItem), cursor: nextCursor || null };
}
