"""Who may see which piece: public pieces (opted-in owners), the caller's own pieces, and pieces
behind a share link. Every failure of a public lookup is the same 404."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TypeVar

from fastapi import HTTPException, status

from code_monet.db.engine import Database
from code_monet.db.records import CanvasShare, User
from code_monet.db.repository import shares, users
from code_monet.share.http import not_found
from code_monet.share.index import locate_piece
from code_monet.share.pieces import (
    LocatedPiece,
    PieceChangedError,
    PieceUnavailableError,
    parse_piece_id,
    parse_user_id,
)
from code_monet.types.state import SavedCanvas

T = TypeVar("T")

SHARE_TOKEN_RE: Final = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _missing_own(piece_number: int) -> HTTPException:
    return HTTPException(
        status.HTTP_404_NOT_FOUND, detail=f"There is no piece {piece_number} in your gallery"
    )


async def guarded(work: Awaitable[T], missing: HTTPException) -> T:
    """Await ``work`` (reading or rendering a piece), turning a vanished piece into
    ``missing`` and a piece changing under us into a retryable 503."""
    try:
        return await work
    except PieceUnavailableError as exc:
        raise missing from exc
    except PieceChangedError as exc:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail="The piece is being updated; try again",
            headers={"Retry-After": "1"},
        ) from exc


async def read_canvas(piece: LocatedPiece, missing: HTTPException) -> SavedCanvas:
    return await guarded(asyncio.to_thread(piece.read_canvas), missing)


async def is_public_owner(database: Database, user_id: uuid.UUID) -> bool:
    async with database.read() as session:
        user = await users.get_user(session, user_id)
    return user is not None and user.is_active and user.gallery_public


async def public_piece(
    database: Database, data_dir: Path, user_id: str, piece_id: str
) -> LocatedPiece:
    """A piece of an active user with a public gallery, else the standard 404 (also for
    malformed ids, unknown users and private galleries)."""
    uid = parse_user_id(user_id)
    number = parse_piece_id(piece_id)
    if uid is None or number is None or not await is_public_owner(database, uid):
        raise not_found()
    return await guarded(locate_piece(database, data_dir, uid, number), not_found())


async def own_piece(
    database: Database, data_dir: Path, user: User, piece_number: int
) -> LocatedPiece:
    """One of the signed-in user's pieces, else 404 naming the piece."""
    return await guarded(
        locate_piece(database, data_dir, user.id, piece_number), _missing_own(piece_number)
    )


def missing_own(piece_number: int) -> HTTPException:
    return _missing_own(piece_number)


@dataclass(frozen=True, slots=True)
class SharedPiece:
    share: CanvasShare
    owner: User
    piece: LocatedPiece


async def shared_piece(database: Database, data_dir: Path, token: str) -> SharedPiece:
    """The piece behind a share link (any owner visibility: the link is the permission), else
    the standard 404 (malformed or unknown token, inactive owner, deleted piece)."""
    if not SHARE_TOKEN_RE.fullmatch(token):
        raise not_found()
    async with database.read() as session:
        share = await shares.get_share(session, token)
        owner = await users.get_user(session, share.user_id) if share is not None else None
    if share is None or owner is None or not owner.is_active:
        raise not_found()
    piece = await guarded(
        locate_piece(database, data_dir, owner.id, share.piece_number), not_found()
    )
    return SharedPiece(share, owner, piece)
