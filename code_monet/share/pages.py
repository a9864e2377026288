"""The server-rendered share page (``GET /s/{token}``): works without JavaScript.

Every user-provided string (title, prompt) is HTML-escaped and length-limited; the drawing is
inlined as the clean SVG export (whose attribute values are XML-escaped). OpenGraph and Twitter
card meta use absolute URLs under the configured public base URL.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from code_monet.types.styles import DrawingStyleType, get_style_config

SITE_NAME: Final = "Code Monet"
MAX_TITLE_CHARS: Final = 200
MAX_DESCRIPTION_CHARS: Final = 300
MAX_PROMPT_CHARS: Final = 2000

_STYLE: Final = """
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
background:#14141f;color:#f4f4f8;display:flex;justify-content:center}
main{max-width:960px;width:100%;padding:24px;box-sizing:border-box}
figure{margin:0;background:#fff;border-radius:12px;overflow:hidden;line-height:0}
figure svg{width:100%;height:auto;display:block}
h1{font-size:1.6rem;margin:20px 0 8px;overflow-wrap:anywhere}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:12px 0}
dt{color:#a0a0b8}dd{margin:0;overflow-wrap:anywhere}
blockquote{margin:12px 0;padding-left:12px;border-left:3px solid #4ecdc4;
white-space:pre-wrap;overflow-wrap:anywhere}
a.cta{display:inline-block;margin-top:16px;padding:12px 20px;border-radius:8px;
background:#e94560;color:#fff;text-decoration:none;font-weight:600}
"""


@dataclass(frozen=True, slots=True)
class ShareView:
    """Everything the share page shows; URLs are absolute."""

    title: str
    prompt: str | None
    created_at: datetime
    drawing_style: DrawingStyleType
    stroke_count: int
    svg: str
    page_url: str
    image_url: str
    image_size: tuple[int, int]
    studio_url: str
    indexable: bool


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters (with an ellipsis when cut), whitespace collapsed."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def description(view: ShareView) -> str:
    style = get_style_config(view.drawing_style).name.lower()
    if view.prompt and view.prompt.strip():
        quoted = clip(view.prompt, MAX_DESCRIPTION_CHARS - 80)
        return f"“{quoted}” — a {style} piece drawn by {SITE_NAME}, an autonomous AI artist."
    return (
        f"A {style} piece in {view.stroke_count:,} strokes, drawn by {SITE_NAME}, "
        "an autonomous AI artist."
    )


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _meta(attr: str, name: str, content: str) -> str:
    return f'<meta {attr}="{_e(name)}" content="{_e(content)}">'


def render_share_page(view: ShareView) -> str:
    """The full HTML document of one share page."""
    title = clip(view.title, MAX_TITLE_CHARS) or "Untitled"
    desc = description(view)
    width, height = view.image_size
    alt = f"{title} — drawing by {SITE_NAME}"
    style_name = get_style_config(view.drawing_style).name
    date_iso = view.created_at.isoformat()
    date_text = f"{view.created_at:%B} {view.created_at.day}, {view.created_at.year}"
    head = [
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)} · {SITE_NAME}</title>",
        _meta("name", "description", desc),
        f'<link rel="canonical" href="{_e(view.page_url)}">',
        _meta("property", "og:type", "article"),
        _meta("property", "og:site_name", SITE_NAME),
        _meta("property", "og:title", title),
        _meta("property", "og:description", desc),
        _meta("property", "og:url", view.page_url),
        _meta("property", "og:image", view.image_url),
        _meta("property", "og:image:type", "image/png"),
        _meta("property", "og:image:width", str(width)),
        _meta("property", "og:image:height", str(height)),
        _meta("property", "og:image:alt", alt),
        _meta("property", "article:published_time", date_iso),
        _meta("name", "twitter:card", "summary_large_image"),
        _meta("name", "twitter:title", title),
        _meta("name", "twitter:description", desc),
        _meta("name", "twitter:image", view.image_url),
        _meta("name", "twitter:image:alt", alt),
    ]
    if not view.indexable:
        head.append(_meta("name", "robots", "noindex"))
    details = [
        f'<dt>Date</dt><dd><time datetime="{_e(date_iso)}">{_e(date_text)}</time></dd>',
        f"<dt>Style</dt><dd>{_e(style_name)}</dd>",
        f"<dt>Strokes</dt><dd>{view.stroke_count:,}</dd>",
    ]
    prompt_html = ""
    if view.prompt and view.prompt.strip():
        prompt = view.prompt.strip()
        if len(prompt) > MAX_PROMPT_CHARS:
            prompt = prompt[: MAX_PROMPT_CHARS - 1] + "…"
        prompt_html = f'<h2 class="prompt-label">Prompt</h2><blockquote>{_e(prompt)}</blockquote>'
    body = [
        "<main>",
        f'<figure role="img" aria-label="{_e(alt)}">{view.svg}</figure>',
        f"<h1>{_e(title)}</h1>",
        f"<dl>{''.join(details)}</dl>",
        prompt_html,
        f'<a class="cta" href="{_e(view.studio_url)}">Watch the artist draw live</a>',
        "</main>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n'
        + "\n".join(head)
        + f"\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(part for part in body if part)
        + "\n</body>\n</html>\n"
    )
