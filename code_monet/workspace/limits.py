"""What one user's workspace may hold: the limits every workspace check derives from.

A plain model so the workspace never reads the environment; the application builds it from
``WORKSPACE_*`` settings (``code_monet.app.config``) and passes it down.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class WorkspaceLimits(BaseModel):
    """Per-user limits on what a workspace may hold (clear errors when exceeded)."""

    max_strokes_per_canvas: int = Field(default=50_000, ge=1)
    max_points_per_path: int = Field(default=10_000, ge=2)
    max_pending_strokes: int = Field(default=20_000, ge=1)
    max_workspace_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    max_notes_chars: int = Field(default=20_000, ge=0)
    max_monologue_chars: int = Field(default=100_000, ge=0)
    max_gallery_pieces: int = Field(
        default=1000, ge=1, description="Saved pieces per user; new_canvas is refused when full"
    )
