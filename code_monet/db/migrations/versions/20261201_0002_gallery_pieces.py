"""Gallery piece index: one row per saved piece, so the public gallery never scans files.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "gallery_pieces",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("piece_number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("drawing_style", sa.String(length=16), nullable=False),
        sa.Column("stroke_count", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=False),
        sa.Column("file_mtime_ns", sa.BigInteger(), nullable=False),
        sa.Column("indexed_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_gallery_pieces_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "piece_number", name=op.f("pk_gallery_pieces")),
    )
    op.create_index(
        op.f("ix_gallery_pieces_created_at_user_id_piece_number"),
        "gallery_pieces",
        ["created_at", "user_id", "piece_number"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_gallery_pieces_created_at_user_id_piece_number"), table_name="gallery_pieces"
    )
    op.drop_table("gallery_pieces")
