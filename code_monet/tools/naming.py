"""``name_piece``: the artist titles its work (trimmed, 1–100 characters, no control chars)."""

from __future__ import annotations

import unicodedata

from pydantic import BaseModel, Field

from code_monet.tools.context import ToolContext
from code_monet.tools.results import ToolReply, error_result, text_result

MAX_TITLE_LENGTH = 100


class NamePieceInput(BaseModel):
    title: str = Field(max_length=2000, description="The title, 1–100 characters.")


def clean_title(raw: str) -> str:
    """Collapse whitespace and drop control/format characters; raise if nothing is left."""
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in raw
        if ch.isspace() or unicodedata.category(ch)[0] != "C"
    )
    title = " ".join(kept.split())
    if not title:
        raise ValueError("The title is empty after trimming; give the piece a real name.")
    if len(title) > MAX_TITLE_LENGTH:
        raise ValueError(
            f"The title is {len(title)} characters; the limit is {MAX_TITLE_LENGTH}. "
            "Choose a shorter title."
        )
    return title


async def name_piece(ctx: ToolContext, args: NamePieceInput) -> ToolReply:
    try:
        title = clean_title(args.title)
    except ValueError as exc:
        return error_result(str(exc))
    await ctx.state.set_title(title)
    await ctx.callbacks.on_title(title)
    return text_result(f'Piece {ctx.state.piece.number} is titled "{title}".')
