"""The web studio: the built client (``web/dist``) served by this server at ``/``.

The client's screens are ``/`` and ``/studio`` (the studio), ``/gallery`` and
``/gallery/{piece_number}`` (the gallery), ``/public`` (the public gallery), ``/signin`` and
``/auth/callback`` (where the magic-link landing redirects with the tokens in the fragment).
``/gallery`` is also an API path (JSON for bearer clients), so the client's page is served there
only to requests whose ``Accept`` header prefers HTML (a browser navigating); API clients (``*/*``
or ``application/json``) still reach the API. Hashed build assets (``/assets/...``) are cached
for a year; ``index.html`` is never cached, so a new build shows up on reload.

The build is looked for in the ``web_dist_dir`` setting when it is set (only there); otherwise
in the copy an installed wheel carries (``code_monet/studio``, put there by ``hatch_build.py``),
then in ``web/dist`` of the checkout (the editable development install). When none holds a build,
the pages answer a short HTML note on how to build it.

Every page carries ``PAGE_SECURITY_HEADERS``: a Content-Security-Policy that runs only this
origin's scripts and talks only to this origin (an injected ``<script>`` or a foreign API
cannot run or receive a user's tokens), no framing (clickjacking), no cross-origin
``Referer`` and no MIME sniffing. Assets get ``nosniff`` too.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Final

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Match, Route
from starlette.types import Scope

DEFAULT_DIST_DIR = Path(__file__).resolve().parents[2] / "web" / "dist"
"""``web/dist`` of the checkout this package runs from."""
PACKAGED_STUDIO = "studio"
"""The built studio's directory inside the installed package (``code_monet/studio``)."""

CLIENT_PAGES = ("/", "/studio", "/signin", "/public", "/auth/callback")
NEGOTIATED_PAGES = ("/gallery", "/gallery/{piece_number:int}")
ASSET_CACHE = "public, max-age=31536000, immutable"
INDEX_CACHE = "no-cache"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""``connect-src 'self'`` covers the same-origin WebSocket (CSP Level 3); ``blob:`` images are
the gallery's authenticated downloads; inline styles are the build note's and Preact's."""
PAGE_SECURITY_HEADERS: Final[Mapping[str, str]] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}
PAGE_HEADERS: Final[Mapping[str, str]] = {"Cache-Control": INDEX_CACHE, **PAGE_SECURITY_HEADERS}
ASSET_HEADERS: Final[Mapping[str, str]] = {
    "Cache-Control": ASSET_CACHE,
    "X-Content-Type-Options": "nosniff",
}

_BUILD_NOTE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Code Monet</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>Code Monet</h1>
<p>The server is running, but the web studio has not been built yet.</p>
<p>Build it (needs Node.js 20 and npm) and reload this page:</p>
<pre style="background: #f3eee3; padding: 0.75rem">bash scripts/web.sh build</pre>
<p>It is looked for in {dist}. The API and the WebSocket work without it.</p>
</body></html>
"""


def _media_quality(accept: str) -> dict[str, float]:
    """``{media_range: q}`` of an Accept header (malformed parameters count as q=1)."""
    qualities: dict[str, float] = {}
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 1.0
        qualities[media] = max(q, qualities.get(media, 0.0))
    return qualities


def prefers_html(accept: str | None) -> bool:
    """True when ``text/html`` is named in ``accept`` and ranks at least as high as JSON.

    Browsers navigating send ``text/html,...,*/*;q=0.8``; ``fetch`` and API clients send
    ``*/*`` or ``application/json``, which never name HTML, so they get the API.
    """
    if not accept:
        return False
    q = _media_quality(accept)
    html_q = q.get("text/html", 0.0)
    if html_q <= 0.0:
        return False
    json_q = q.get("application/json", q.get("application/*", q.get("*/*", 0.0)))
    return html_q >= json_q


def packaged_dist_dir() -> Path | None:
    """``code_monet/studio`` where the package lies on disk (``None`` when it is zipped)."""
    studio = resources.files("code_monet").joinpath(PACKAGED_STUDIO)
    return studio.resolve() if isinstance(studio, Path) else None


def default_dist_dirs() -> tuple[Path, ...]:
    """Where the studio is looked for without a setting: the wheel's copy, then the checkout's."""
    packaged = packaged_dist_dir()
    return (DEFAULT_DIST_DIR,) if packaged is None else (packaged, DEFAULT_DIST_DIR)


class HtmlNavigationRoute(Route):
    """A route that only matches requests preferring HTML (so the API keeps the others)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child_scope = super().matches(scope)
        if match is Match.NONE or scope.get("type") != "http":
            return Match.NONE, {}
        if not prefers_html(Headers(scope=scope).get("accept")):
            return Match.NONE, {}
        return match, child_scope


class WebClient:
    """Serves the first of its build directories holding a build; looks per request, so building
    later just works."""

    def __init__(self, dist_dirs: Sequence[Path]) -> None:
        self.dist_dirs = tuple(d.resolve() for d in dist_dirs)

    @property
    def dist_dir(self) -> Path | None:
        """The first directory with an ``index.html``, if any."""
        return next((d for d in self.dist_dirs if (d / "index.html").is_file()), None)

    def page(self, request: Request) -> Response:
        dist_dir = self.dist_dir
        if dist_dir is None:
            places = ", then ".join(f"<code>{html.escape(str(d))}</code>" for d in self.dist_dirs)
            return HTMLResponse(_BUILD_NOTE.replace("{dist}", places), headers=PAGE_HEADERS)
        index = dist_dir / "index.html"
        return FileResponse(index, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)

    def asset(self, request: Request) -> Response:
        relative = str(request.path_params.get("file_path", ""))
        dist_dir = self.dist_dir
        assets = (dist_dir or self.dist_dirs[0]) / "assets"
        candidate = (assets / relative).resolve()
        if not relative or not candidate.is_relative_to(assets) or not candidate.is_file():
            return Response(
                "Not found",
                status_code=404,
                media_type="text/plain",
                headers={"X-Content-Type-Options": "nosniff"},
            )
        return FileResponse(candidate, headers=ASSET_HEADERS)


def mount_web(app: FastAPI, dist_dir: Path | None) -> None:
    """Serve the web client from ``dist_dir``, or when it is ``None`` from the installed
    package's copy, else ``web/dist`` of the checkout (``default_dist_dirs``).

    Call after the API routers are included: the plain client pages and assets are appended,
    and the content-negotiated gallery pages are put first so they win over the API's
    ``GET /gallery`` for browsers only.
    """
    client = WebClient((dist_dir,) if dist_dir is not None else default_dist_dirs())
    methods = ["GET", "HEAD"]
    for path in CLIENT_PAGES:
        app.router.routes.append(
            Route(path, client.page, methods=methods, include_in_schema=False, name=f"web{path}")
        )
    app.router.routes.append(
        Route(
            "/assets/{file_path:path}",
            client.asset,
            methods=methods,
            include_in_schema=False,
            name="web-assets",
        )
    )
    for index, path in enumerate(NEGOTIATED_PAGES):
        route = HtmlNavigationRoute(
            path, client.page, methods=methods, include_in_schema=False, name=f"web{path}"
        )
        app.router.routes.insert(index, route)
