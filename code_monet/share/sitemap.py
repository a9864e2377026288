"""``/sitemap.xml`` and ``/robots.txt`` bodies: public pieces and share pages for crawlers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final
from xml.sax.saxutils import escape

MAX_SITEMAP_URLS: Final = 50_000  # the sitemap protocol's limit per file
_NS: Final = "http://www.sitemaps.org/schemas/sitemap/0.9"

# Private or per-user areas crawlers have no business in.
DISALLOWED: Final = (
    "/auth/",
    "/debug/",
    "/gallery/",
    "/settings/",
    "/strokes/",
    "/state",
    "/canvas.png",
    "/canvas.svg",
    "/ws",
    "/s/my-shares",
)


@dataclass(frozen=True, slots=True)
class SitemapUrl:
    loc: str
    lastmod: datetime | None = None


def sitemap_xml(urls: Iterable[SitemapUrl]) -> str:
    """A sitemap document (at most :data:`MAX_SITEMAP_URLS` entries, the rest dropped)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{_NS}">']
    for count, url in enumerate(urls):
        if count >= MAX_SITEMAP_URLS:
            break
        entry = f"<url><loc>{escape(url.loc)}</loc>"
        if url.lastmod is not None:
            entry += f"<lastmod>{url.lastmod.date().isoformat()}</lastmod>"
        lines.append(entry + "</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def robots_txt(base_url: str) -> str:
    """Allow the public site, keep crawlers out of private areas, point at the sitemap."""
    lines = ["User-agent: *", "Allow: /"]
    lines += [f"Disallow: {path}" for path in DISALLOWED]
    lines += ["", f"Sitemap: {base_url.rstrip('/')}/sitemap.xml"]
    return "\n".join(lines) + "\n"
