import { describe, expect, it } from "vitest";
import type { PublicPieceSummary } from "../protocol";
import { parsePublicGallery, UnexpectedListing } from "../publicGallery";

const USER = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const BASE = `http://127.0.0.1:8000/public/gallery/${USER}`;

// GET /public/gallery as code_monet/routes/public_gallery.py answers it: summary(...) dumped with
// exclude_none=True, so the untitled piece has no `title` key. Typed with the generated type, so
// tsc fails here when the server's shape changes.
const PAGE: PublicPieceSummary[] = [
  {
    id: "piece_000003",
    user_id: USER,
    piece_number: 3,
    stroke_count: 9,
    created_at: "2026-01-02T03:04:05Z",
    title: "Dunes",
    drawing_style: "paint",
    width: 1280,
    height: 720,
    thumbnail_token: "ffffffffffffffff",
    thumbnail_url: `${BASE}/piece_000003/thumbnail.png?v=ffffffffffffffff`,
    og_image_url: `${BASE}/piece_000003/og-image.png?v=ffffffffffffffff`,
    strokes_url: `${BASE}/piece_000003/strokes`,
  },
  {
    id: "piece_000002",
    user_id: USER,
    piece_number: 2,
    stroke_count: 40,
    created_at: "2026-01-01T03:04:05Z",
    drawing_style: "plotter",
    width: 800,
    height: 600,
    thumbnail_token: "aaaaaaaaaaaaaaaa",
    thumbnail_url: `${BASE}/piece_000002/thumbnail.png?v=aaaaaaaaaaaaaaaa`,
    og_image_url: `${BASE}/piece_000002/og-image.png?v=aaaaaaaaaaaaaaaa`,
    strokes_url: `${BASE}/piece_000002/strokes`,
  },
];

describe("parsePublicGallery", () => {
  it("reads the server's summaries as they come over the wire", () => {
    // Arrange
    const body: unknown = JSON.parse(JSON.stringify(PAGE));
    // Act
    const page = parsePublicGallery(body, null);
    // Assert
    expect(page.items).toEqual([
      {
        key: `${USER}/piece_000003`,
        title: "Dunes",
        created: "2026-01-02T03:04:05Z",
        style: "paint",
        thumbnail: PAGE[0]?.thumbnail_url,
        href: `/public/${USER}/piece_000003`,
      },
      {
        key: `${USER}/piece_000002`,
        title: "Untitled",
        created: "2026-01-01T03:04:05Z",
        style: "plotter",
        thumbnail: PAGE[1]?.thumbnail_url,
        href: `/public/${USER}/piece_000002`,
      },
    ]);
    expect(page.cursor).toBeNull();
  });

  it("takes the next page's cursor from the X-Next-Cursor header value", () => {
    // Arrange
    const header = "WyIyMDI2LTAxLTAxVDAzOjA0OjA1KzAwOjAwIiwgIjdjOWUiLCAyXQ";
    // Act
    const page = parsePublicGallery(PAGE, header);
    // Assert
    expect(page.cursor).toBe(header);
  });

  it("skips entries that are not summaries", () => {
    // Arrange
    const body = [
      PAGE[0],
      "junk",
      null,
      { id: "piece_000004", user_id: USER },
      { ...PAGE[1], drawing_style: "crayon" },
    ];
    // Act
    const page = parsePublicGallery(body, null);
    // Assert
    expect(page.items.map((item) => item.key)).toEqual([`${USER}/piece_000003`]);
  });

  it("rejects a body that is not a list", () => {
    // Arrange
    const body = { pieces: PAGE, next_cursor: "abc" };
    // Act
    const parse = () => parsePublicGallery(body, null);
    // Assert
    expect(parse).toThrow(UnexpectedListing);
  });

  it("reads an empty gallery", () => {
    // Arrange
    const body: unknown = [];
    // Act
    const page = parsePublicGallery(body, "");
    // Assert
    expect(page).toEqual({ items: [], cursor: null });
  });
});
