"""Responses the sharing routers have in common: cached piece images and piece exports, each
answering ``304`` to a matching ``If-None-Match`` before any file is read or rendered.

Every PNG made on request goes through the server's ``RenderGate``: a cache hit (or joining a
render under way) is free; a miss is charged to the requester (``render.gate.client_key``:
429 + Retry-After past the budget) and runs under the global cap on renders at once. SVG
exports and plot estimates go through the same content cache, whose own cap bounds them."""

from __future__ import annotations

import json
from typing import Literal

from fastapi import HTTPException, Request, status
from fastapi.responses import Response

from code_monet.render.cache import ContentCache, cache_key
from code_monet.render.gate import RenderGate
from code_monet.share import exports
from code_monet.share.access import guarded
from code_monet.share.http import cache_policy, cached_response, etag_matches, not_modified
from code_monet.share.images import PNG_SUFFIX, ImageKind, image_key, render_image
from code_monet.share.pieces import LocatedPiece
from code_monet.types.styles import DrawingStyleType

SvgVariant = Literal["auto", "clean", "plotter"]


def _etag(key: str) -> str:
    return f'"{key}"'


async def image_response(
    request: Request,
    cache: ContentCache,
    piece: LocatedPiece,
    kind: ImageKind,
    *,
    version: str | None,
    public: bool,
    missing: HTTPException,
    gate: RenderGate,
    client: str,
) -> Response:
    """A piece image from the content cache. Each kind has one fixed size and is pre-rendered
    on save, so this is nearly always a hit; a miss (a piece the server never pre-rendered, an
    artefact pruned from the cache) is charged to ``client``, so nobody can make the server
    re-render many pieces' images for free."""
    policy = cache_policy(version, piece.version, public=public)
    key = image_key(piece.content_hash, kind)
    etag = _etag(key)
    if etag_matches(request, etag):
        return not_modified(etag, policy)
    work = gate.cached(
        cache, key, PNG_SUFFIX, lambda: render_image(piece.read_canvas(), kind), client
    )
    artefact = await guarded(work, missing)
    return cached_response(request, artefact.data, artefact.etag, "image/png", policy)


def resolve_variant(variant: str, style: DrawingStyleType) -> Literal["clean", "plotter"]:
    if variant == "clean":
        return "clean"
    if variant == "plotter" or (variant == "auto" and style is DrawingStyleType.PLOTTER):
        return "plotter"
    if variant == "auto":
        return "clean"
    raise HTTPException(
        status.HTTP_400_BAD_REQUEST,
        detail=f"Invalid variant {variant[:40]!r}: expected 'auto', 'clean' or 'plotter'",
    )


def _svg_bytes(piece: LocatedPiece, variant: Literal["clean", "plotter"]) -> bytes:
    canvas = piece.read_canvas()
    text = exports.plotter_svg(canvas) if variant == "plotter" else exports.clean_svg(canvas)
    return text.encode()


async def clean_svg_text(cache: ContentCache, piece: LocatedPiece, missing: HTTPException) -> str:
    """The clean SVG of ``piece`` from the content cache (the artefact ``export.svg`` serves):
    share and public pages inline it, so a page view reads a file instead of serialising every
    stroke again."""
    key = cache_key(piece.content_hash, "svg:clean")
    artefact = await guarded(cache.get(key, ".svg", lambda: _svg_bytes(piece, "clean")), missing)
    return artefact.data.decode()


async def svg_export_response(
    request: Request,
    cache: ContentCache,
    piece: LocatedPiece,
    variant: str,
    *,
    public: bool,
    missing: HTTPException,
) -> Response:
    """The clean or plotter SVG (``auto``: plotter for plotter pieces), cached on disk."""
    chosen = resolve_variant(variant, DrawingStyleType(piece.indexed.drawing_style))
    key = cache_key(piece.content_hash, f"svg:{chosen}")
    policy = cache_policy(None, piece.version, public=public)
    if etag_matches(request, _etag(key)):
        return not_modified(_etag(key), policy)
    work = cache.get(key, ".svg", lambda: _svg_bytes(piece, chosen))
    artefact = await guarded(work, missing)
    return _download(request, artefact.data, artefact.etag, "image/svg+xml", policy, piece, "svg")


async def png_export_response(
    request: Request,
    cache: ContentCache,
    piece: LocatedPiece,
    size: int,
    *,
    public: bool,
    missing: HTTPException,
    gate: RenderGate,
    client: str,
) -> Response:
    """A PNG whose long edge is ``size`` px (callers snap it to a few steps), rendered once
    per content and size into the content cache; a render is charged to ``client``."""
    key = cache_key(piece.content_hash, f"png:{size}")
    etag = _etag(key)
    policy = cache_policy(None, piece.version, public=public)
    if etag_matches(request, etag):
        return not_modified(etag, policy)

    def render() -> bytes:
        return exports.export_png(piece.read_canvas(), size)

    work = gate.cached(cache, key, PNG_SUFFIX, render, client)
    artefact = await guarded(work, missing)
    return _download(request, artefact.data, artefact.etag, "image/png", policy, piece, "png")


def _download(
    request: Request,
    body: bytes,
    etag: str,
    media_type: str,
    policy: str,
    piece: LocatedPiece,
    extension: str,
) -> Response:
    response = cached_response(request, body, etag, media_type, policy)
    name = f"piece_{piece.piece_number:06d}.{extension}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


async def plot_estimate(
    cache: ContentCache, piece: LocatedPiece, missing: HTTPException
) -> exports.PlotEstimateDict:
    """The motion planner's estimate for ``piece`` (computed once per content, cached)."""
    key = cache_key(piece.content_hash, "plot-estimate")

    def compute() -> bytes:
        return exports.plot_estimate_json(piece.read_canvas())

    artefact = await guarded(cache.get(key, ".json", compute), missing)
    return _parse_estimate(artefact.data)


def _parse_estimate(raw: bytes) -> exports.PlotEstimateDict:
    data = json.loads(raw)
    return exports.PlotEstimateDict(
        estimated_plot_seconds=float(data["estimated_plot_seconds"]),
        draw_seconds=float(data["draw_seconds"]),
        travel_seconds=float(data["travel_seconds"]),
        pen_seconds=float(data["pen_seconds"]),
        pen_lifts=int(data["pen_lifts"]),
        draw_distance=float(data["draw_distance"]),
        travel_distance=float(data["travel_distance"]),
        travel_distance_unordered=float(data["travel_distance_unordered"]),
        layers=int(data["layers"]),
        strokes=int(data["strokes"]),
    )
