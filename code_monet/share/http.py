"""HTTP plumbing shared by the sharing routers: 404 parity, conditional requests (strong
ETags, ``304 Not Modified``) and cache policies. (The public base URL and the server's content
cache reach the routers through ``routes.deps``.)"""

from __future__ import annotations

from typing import Final

from fastapi import HTTPException, Request, status
from fastapi.responses import Response

NOT_FOUND: Final = "Not Found"  # Starlette's own 404 text: unmatched routes look the same
# Content-addressed URLs (``?v=<version>`` matching the content) never change.
IMMUTABLE_PUBLIC: Final = "public, max-age=31536000, immutable"
IMMUTABLE_PRIVATE: Final = "private, max-age=31536000, immutable"
# Stable URLs whose content may change when a piece is saved again: cache, then revalidate.
REVALIDATE_PUBLIC: Final = "public, max-age=86400"
REVALIDATE_PRIVATE: Final = "private, max-age=3600"
SHORT_PUBLIC: Final = "public, max-age=300"


def not_found() -> HTTPException:
    """The one 404 of every public endpoint: it never says which part was missing."""
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=NOT_FOUND)


def etag_matches(request: Request, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weak comparison, as RFC 9110 asks)."""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in header.split(","))


def cache_policy(requested_version: str | None, version: str, *, public: bool) -> str:
    """Immutable when the URL carries the current content version, else revalidate."""
    if requested_version is not None and requested_version == version:
        return IMMUTABLE_PUBLIC if public else IMMUTABLE_PRIVATE
    return REVALIDATE_PUBLIC if public else REVALIDATE_PRIVATE


def not_modified(etag: str, cache_control: str) -> Response:
    return Response(
        status_code=status.HTTP_304_NOT_MODIFIED,
        headers={"ETag": etag, "Cache-Control": cache_control},
    )


def cached_response(
    request: Request,
    body: bytes,
    etag: str,
    media_type: str,
    cache_control: str,
    *,
    filename: str | None = None,
) -> Response:
    """``body`` with validators, or ``304`` when the client already has it."""
    if etag_matches(request, etag):
        return not_modified(etag, cache_control)
    headers = {
        "ETag": etag,
        "Cache-Control": cache_control,
        "X-Content-Type-Options": "nosniff",
    }
    if filename is not None:
        headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return Response(content=body, media_type=media_type, headers=headers)
