"""Piece images (gallery thumbnail, 1200×630 social card, share preview) via the rendering
presets, rendered once per piece content and served from the content cache."""

from __future__ import annotations

import logging
from enum import StrEnum

from code_monet.render.cache import Artefact, ContentCache, cache_key
from code_monet.render.pipeline import (
    RenderOptions,
    options_for_og_image,
    options_for_share_preview,
    options_for_thumbnail,
    render_strokes_png,
)
from code_monet.share.pieces import LocatedPiece
from code_monet.types.state import DEFAULT_CANVAS_SIZE, SavedCanvas
from code_monet.types.styles import DrawingStyleType

logger = logging.getLogger(__name__)

PNG_SUFFIX = ".png"


class ImageKind(StrEnum):
    THUMBNAIL = "thumbnail"  # 800×600 on white
    OG_IMAGE = "og-image"  # 1200×630 social card
    PREVIEW = "preview"  # 800×600, size-optimised PNG


def image_options(
    kind: ImageKind,
    drawing_style: DrawingStyleType = DrawingStyleType.PLOTTER,
    source: tuple[int, int] = DEFAULT_CANVAS_SIZE,
) -> RenderOptions:
    """The rendering preset of ``kind`` for a canvas of ``source`` size in ``drawing_style``."""
    if kind is ImageKind.THUMBNAIL:
        return options_for_thumbnail(drawing_style, source)
    if kind is ImageKind.OG_IMAGE:
        return options_for_og_image(drawing_style, source)
    return options_for_share_preview(drawing_style, source)


def image_size(kind: ImageKind) -> tuple[int, int]:
    """Pixel size of ``kind`` (the same for every piece)."""
    options = image_options(kind)
    return (options.width, options.height)


def image_key(content_hash: str, kind: ImageKind) -> str:
    return cache_key(content_hash, f"image:{kind.value}")


def render_image(canvas: SavedCanvas, kind: ImageKind) -> bytes:
    """PNG bytes of ``canvas`` as ``kind`` (CPU-bound: call from a worker thread)."""
    options = image_options(kind, canvas.drawing_style, (canvas.width, canvas.height))
    return render_strokes_png(canvas.strokes, options)


async def piece_image(cache: ContentCache, piece: LocatedPiece, kind: ImageKind) -> Artefact:
    """The cached image of ``kind`` for ``piece``, rendered now if it was never made."""
    key = image_key(piece.content_hash, kind)
    return await cache.get(key, PNG_SUFFIX, lambda: render_image(piece.read_canvas(), kind))


async def prerender_images(cache: ContentCache, piece: LocatedPiece) -> None:
    """Make every image kind of ``piece`` now (after a save), so no visitor waits for one."""
    for kind in ImageKind:
        try:
            await piece_image(cache, piece, kind)
        except Exception:
            logger.exception(
                "Pre-rendering %s of piece %d of user %s failed",
                kind.value,
                piece.piece_number,
                piece.user_id,
            )
