"""Data access, one module per table. Every function takes an ``AsyncSession`` (the caller owns
the transaction, see :class:`code_monet.db.Database`) and returns immutable records.

Time is always passed in (``now``), so expiry logic is testable without sleeping.
"""

from __future__ import annotations

from code_monet.db.repository import (
    invites,
    magic_links,
    public_pieces,
    refresh_tokens,
    shares,
    users,
)

__all__ = ["invites", "magic_links", "public_pieces", "refresh_tokens", "shares", "users"]
